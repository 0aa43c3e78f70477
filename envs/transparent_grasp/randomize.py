"""TransparentGrasp domain randomization: parameter declarations and the in-place apply.

Parameters marked ``rebuild=True`` shape the scene the builder compiles every episode
(object count, shapes, scale, distractors); the rest are written into the compiled model by
:func:`apply_appearance`, a function of (model, references, sample, generator). The test
split swaps the texture choices for held-out patterns (:func:`params_for_split`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import mujoco
import numpy as np

from simenv.randomization import Param, Value, material_params
from simenv.sensors import CHEAP_CAMERA, SENSOR_PARAMS
from simenv.sensors.transparent import TRANSPARENT_DEPTH_PARAMS
from simenv.textures import hsv_shift, light_tint, make_texture, material_color

from .constants import (
    CAMERA_POS,
    CAMERA_TARGET,
    LOOK_GROUPS,
    N_LIGHTS,
    NOMINAL_COLORS,
    NOMINAL_TEXTURES,
    TEST_TEXTURES,
    TEXTURE_SIZE,
    TRAIN_TEXTURES,
)
from .scene import look_at_quat


def _look(group: str) -> list[Param]:
    return [
        Param(
            f"texture.{group}",
            NOMINAL_TEXTURES[group],
            dist="choice",
            choices=TRAIN_TEXTURES,
            doc=f"{group} pattern (test split: held-out patterns)",
        ),
        *material_params(group),
    ]


# The pseudo-real look (simenv.real2sim): the same states in another style (a lab bench under
# warm lamps, cheap camera), fixed values on top of the nominal scene.
PSEUDO_REAL: dict[str, object] = {
    "preset": "none",
    "texture.table": "stripes",
    "texture.wall": "noise",
    "material.table.hue": 0.25,
    "material.table.value": 0.7,
    "material.floor.value": 0.6,
    "material.wall.hue": -0.1,
    "material.wall.saturation": 2.0,
    "texture.contrast": 0.45,
    "lighting.intensity": 0.35,
    "lighting.temperature": -0.9,
    "lighting.ambient": 0.2,
    **CHEAP_CAMERA,  # camera response and lens
}

PARAMS: tuple[Param, ...] = (
    # lighting
    Param("lighting.count", 2, 1, 3, integer=True, doc="active overhead lights"),
    Param("lighting.intensity", 0.45, 0.25, 0.7, limits=(0.0, 2.0), doc="diffuse level per light"),
    Param("lighting.temperature", 0.0, -1.0, 1.0, doc="tint: -1 warm, +1 cool"),
    Param("lighting.ambient", 0.3, 0.15, 0.45, limits=(0.0, 1.0), doc="ambient level"),
    Param("lighting.position", 0.0, 0.0, 0.6, limits=(0.0, 2.0),
          doc="light position jitter (m, each horizontal axis)"),
    # camera
    Param("camera.position", 0.0, 0.0, 0.06, limits=(0.0, 0.3),
          doc="camera position jitter (m, each axis)"),
    Param("camera.target", 0.0, 0.0, 0.04, limits=(0.0, 0.2),
          doc="look-at point jitter (m, each axis)"),
    Param("camera.fov", 45.0, 40.0, 50.0, limits=(20.0, 100.0), doc="vertical field of view"),
    # textures and materials
    *_look("table"),
    *_look("floor"),
    *_look("wall"),
    Param("texture.contrast", 0.3, 0.1, 0.6, limits=(0.0, 1.0), doc="pattern contrast"),
    Param("texture.seed", 0, dist="seed",
          doc="the episode's pattern noise, glass and distractor hues, light and camera jitter"),
    Param("material.glass.alpha", 0.25, 0.12, 0.45, limits=(0.02, 1.0),
          doc="glass opacity (1 = opaque)"),
    Param("material.glass.tint", 0.0, 0.0, 0.35, limits=(0.0, 1.0),
          doc="glass tint saturation (random hue per object)"),
    Param("material.glass.specular", 0.9, 0.5, 1.0, limits=(0.0, 1.0), doc="glass specular"),
    Param("material.glass.shininess", 0.9, 0.5, 1.0, limits=(0.0, 1.0), doc="glass shininess"),
    Param("material.distractor.value", 1.0, 0.5, 1.3, limits=(0.05, 2.0),
          doc="distractor brightness scale (random hue per object)"),
    # scene structure
    Param("scene.objects", 2, 1, 4, integer=True, limits=(1, 4), rebuild=True,
          doc="glassware objects on the table"),
    Param("scene.distractors", 1, 0, 3, integer=True, limits=(0, 3), rebuild=True,
          doc="opaque distractor objects"),
    Param("scene.object_scale", 1.0, 0.85, 1.1, limits=(0.5, 1.5), rebuild=True,
          doc="object size scale (radii stay within the gripper opening)"),
    # dynamics
    Param("dynamics.object_mass", 1.0, 0.7, 1.5, limits=(0.1, 5.0),
          doc="object mass scale (nominal: soda-lime glass, 2500 kg/m^3)"),
    Param("dynamics.object_friction", 0.9, 0.6, 1.2, limits=(0.05, 3.0),
          doc="object sliding friction"),
    Param("dynamics.gripper_force", 40.0, 25.0, 70.0, limits=(1.0, 140.0),
          doc="gripper force limit (N)"),
    *SENSOR_PARAMS,
    *TRANSPARENT_DEPTH_PARAMS,
)  # fmt: skip


def params_for_split(split: str) -> tuple[Param, ...]:
    """``PARAMS``, with the held-out texture patterns for ``split="test"``."""
    if split == "train":
        return PARAMS
    return tuple(
        replace(p, nominal=TEST_TEXTURES[i % len(TEST_TEXTURES)], choices=TEST_TEXTURES)
        if p.name.startswith("texture.") and p.dist == "choice"
        else p
        for i, p in enumerate(PARAMS)
    )


@dataclass(frozen=True)
class Refs:
    """Ids and nominal values of what appearance DR writes, looked up by name once per build."""

    textures: dict[str, int]
    lights: np.ndarray
    light_pos: np.ndarray  # nominal positions
    camera: int
    glass_materials: np.ndarray
    distractor_materials: np.ndarray
    object_geoms: np.ndarray  # every collision geom of every object
    object_bodies: np.ndarray
    object_masses: np.ndarray
    object_inertias: np.ndarray
    gripper_actuator: int


@dataclass(frozen=True)
class Look:
    """The per-episode appearance values the DR sample leaves open, drawn once in reset."""

    textures: dict[str, np.ndarray]  # painted pattern of every look group
    glass_rgb: np.ndarray  # (glassware, 3)
    distractor_rgb: np.ndarray  # (distractors, 3)
    light_offsets: np.ndarray  # (N_LIGHTS, 2) metres
    camera_pos: np.ndarray
    camera_target: np.ndarray


def sample_look(sample: Mapping[str, Value], n_glass: int, n_distractors: int) -> Look:
    """The episode's look, a function of the sample: texture patterns, per-object glass and
    distractor colours, light and camera jitter come from a generator seeded with
    ``texture.seed`` (their magnitudes are the other parameters)."""
    rng = np.random.default_rng(int(sample["texture.seed"]))
    textures = {}
    for group in LOOK_GROUPS:
        color = material_color(NOMINAL_COLORS[group], sample, group)
        textures[group] = make_texture(
            str(sample[f"texture.{group}"]),
            TEXTURE_SIZE,
            color,
            rng,
            float(sample["texture.contrast"]),
        )
    tint = float(sample["material.glass.tint"])
    glass = []
    for _ in range(n_glass):
        hue = rng.uniform()
        rgb = 0.85 * (1 - tint) + tint * hsv_shift(np.array([1.0, 0.2, 0.2]), hue, 1.0, 1.0)
        glass.append(np.clip(rgb + 0.1, 0, 1))
    distractors = [
        hsv_shift(
            np.array([0.8, 0.3, 0.2]),
            rng.uniform(),
            rng.uniform(0.4, 1.0),
            float(sample["material.distractor.value"]) * rng.uniform(0.6, 1.0),
        )
        for _ in range(n_distractors)
    ]
    jitter = float(sample["lighting.position"])
    lights = rng.uniform(-jitter, jitter, (N_LIGHTS, 2))
    pos = np.array(CAMERA_POS) + rng.uniform(-1, 1, 3) * float(sample["camera.position"])
    target = np.array(CAMERA_TARGET) + rng.uniform(-1, 1, 3) * float(sample["camera.target"])
    return Look(
        textures,
        np.array(glass).reshape(-1, 3),
        np.array(distractors).reshape(-1, 3),
        lights,
        pos,
        target,
    )


def apply_appearance(
    model: mujoco.MjModel, refs: Refs, sample: Mapping[str, Value], look: Look
) -> None:
    """Write textures, glass optics, lights, camera and dynamics for one episode.

    A function of the sample and the episode's look alone: it draws no random numbers."""
    n = TEXTURE_SIZE * TEXTURE_SIZE * 3
    for group in LOOK_GROUPS:
        adr = model.tex_adr[refs.textures[group]]
        model.tex_data[adr : adr + n] = look.textures[group].ravel()
    for mat, rgb in zip(refs.glass_materials, look.glass_rgb):
        model.mat_rgba[mat] = [*rgb, sample["material.glass.alpha"]]
        model.mat_specular[mat] = sample["material.glass.specular"]
        model.mat_shininess[mat] = sample["material.glass.shininess"]
    for mat, rgb in zip(refs.distractor_materials, look.distractor_rgb):
        model.mat_rgba[mat] = [*rgb, 1.0]
    light_tint_rgb = light_tint(float(sample["lighting.temperature"]))
    level = float(sample["lighting.intensity"])
    count = int(sample["lighting.count"])
    model.light_active[refs.lights] = np.arange(len(refs.lights)) < count
    model.light_diffuse[refs.lights] = level * light_tint_rgb
    model.light_specular[refs.lights] = 0.4 * level * light_tint_rgb
    model.light_pos[refs.lights] = refs.light_pos
    model.light_pos[refs.lights, :2] += look.light_offsets
    model.vis.headlight.ambient[:] = float(sample["lighting.ambient"]) * light_tint_rgb
    model.vis.headlight.diffuse[:] = 0.1 * light_tint_rgb
    model.cam_pos[refs.camera] = look.camera_pos
    model.cam_quat[refs.camera] = look_at_quat(look.camera_pos, look.camera_target)
    model.cam_fovy[refs.camera] = sample["camera.fov"]
    model.geom_friction[refs.object_geoms, 0] = sample["dynamics.object_friction"]
    scale = float(sample["dynamics.object_mass"])
    model.body_mass[refs.object_bodies] = refs.object_masses * scale
    model.body_inertia[refs.object_bodies] = refs.object_inertias * scale
    force = float(sample["dynamics.gripper_force"])
    model.actuator_forcerange[refs.gripper_actuator] = [-force, force]
