"""Driving domain randomization: parameter declarations and the texture painters.

Every range is readable in one screen below. ``rebuild=True`` parameters change what is
placed in the world (lanes, traffic, obstacles, scenery); the others change textures,
colours, light, camera and dynamics of the pooled bodies in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from simenv.randomization import Param, Value, material_params
from simenv.sensors import CHEAP_CAMERA, SENSOR_PARAMS
from simenv.textures import KINDS, hsv_shift, light_tint, make_texture, material_color

from . import constants as C

GROUND_TILE = 2.0  # metres per repeat of the ground pattern
BUILDING_JITTER = 0.15  # per-building colour scatter around material.building
VEHICLE_COLORS = np.array(
    [
        [0.8, 0.1, 0.1],
        [0.1, 0.3, 0.8],
        [0.9, 0.9, 0.9],
        [0.15, 0.15, 0.15],
        [0.9, 0.7, 0.1],
        [0.2, 0.6, 0.3],
    ]
)  # traffic and parked cars

NOMINAL = {
    "road": (0.40, 0.40, 0.42),
    "ground": (0.35, 0.55, 0.25),
    "sidewalk": (0.72, 0.70, 0.66),
    "building": (0.80, 0.62, 0.48),
    "vegetation": (0.20, 0.45, 0.18),
    "sky": (0.62, 0.78, 0.95),
}
MARKING = {"white": (0.95, 0.95, 0.92), "yellow": (0.95, 0.78, 0.15)}


def _material(group: str, value: tuple[float, float] = (0.7, 1.3)) -> list[Param]:
    return material_params(group, hue=0.08, saturation=(0.5, 1.5), value=value)


# The pseudo-real look (simenv.real2sim): the same states in another style (a late-afternoon
# drive on a dry day, cheap camera), fixed values on top of the nominal scene.
PSEUDO_REAL: dict[str, object] = {
    "preset": "none",
    "texture.ground": "stripes",
    "material.road.value": 0.6,
    "material.road.hue": 0.06,
    "material.ground.hue": -0.07,
    "material.ground.saturation": 0.6,
    "material.ground.value": 1.2,
    "material.sidewalk.value": 0.8,
    "material.building.hue": 0.3,
    "material.vegetation.value": 0.65,
    "lighting.sun_elevation": 25.0,
    "lighting.intensity": 0.4,
    "lighting.ambient": 0.4,
    "lighting.temperature": -0.9,
    "sky.hue": 0.08,
    "sky.value": 0.75,
    "weather.fog": 0.2,
    **CHEAP_CAMERA,  # camera response and lens
}

PARAMS: tuple[Param, ...] = (
    # road structure and markings
    Param(
        "road.lanes",
        2,
        1,
        2,
        integer=True,
        rebuild=True,
        limits=(1, 2),
        doc="lanes: 1 = one-way street, 2 = two-way",
    ),
    Param(
        "road.marking_width", 0.04, dist="choice", choices=C.MARKING_WIDTHS, doc="line width (m)"
    ),
    Param(
        "road.dash_fraction",
        0.5,
        dist="choice",
        choices=C.DASH_FRACTIONS,
        doc="painted fraction of each metre of the centre line (1 = solid)",
    ),
    Param(
        "road.centre_color", "white", dist="choice", choices=tuple(MARKING), doc="centre line paint"
    ),
    # textures and materials
    Param("texture.road", "noise", dist="choice", choices=KINDS, doc="asphalt pattern"),
    Param("texture.ground", "noise", dist="choice", choices=KINDS, doc="ground pattern"),
    Param(
        "texture.seed",
        0,
        dist="seed",
        doc="the episode's colour scatter of buildings, trees and traffic",
    ),
    *_material("road"),
    *_material("ground"),
    *_material("sidewalk"),
    *_material("building", (0.6, 1.2)),
    *_material("vegetation"),
    # light and weather
    Param("lighting.sun_azimuth", 60.0, -180.0, 180.0, doc="sun azimuth (deg)"),
    Param(
        "lighting.sun_elevation", 50.0, 20.0, 80.0, limits=(5.0, 90.0), doc="sun elevation (deg)"
    ),
    Param("lighting.intensity", 0.55, 0.35, 0.8, limits=(0.0, 1.5), doc="sun (diffuse) level"),
    Param("lighting.ambient", 0.55, 0.35, 0.75, limits=(0.0, 1.0), doc="ambient level"),
    Param("lighting.temperature", 0.0, -1.0, 1.0, doc="light tint: -1 warm, +1 cool"),
    Param("lighting.specular", 0.05, 0.0, 0.3, limits=(0.0, 1.0), doc="specular level"),
    Param("sky.hue", 0.0, -0.1, 0.1, doc="sky hue shift (turns)"),
    Param("sky.value", 1.0, 0.55, 1.05, limits=(0.05, 1.2), doc="sky brightness scale"),
    Param(
        "weather.fog",
        0.0,
        0.0,
        0.5,
        limits=(0.0, 0.95),
        doc="haze: fraction of sky colour mixed in at 20 m",
    ),
    # camera
    Param("camera.height", 0.0, -0.03, 0.03, doc="mount height offset (m)"),
    Param("camera.pitch", -8.0, -14.0, -2.0, doc="camera pitch (deg, <0 looks down)"),
    Param("camera.yaw", 0.0, -3.0, 3.0, doc="camera yaw misalignment (deg)"),
    Param("camera.fov", 60.0, 50.0, 70.0, limits=(20.0, 120.0), doc="vertical field of view"),
    # scene (what is placed)
    Param(
        "scene.traffic_density",
        0.4,
        0.0,
        0.8,
        limits=(0.0, 3.0),
        rebuild=True,
        doc="vehicles per 10 m of route",
    ),
    Param(
        "scene.obstacle_density",
        0.3,
        0.0,
        0.6,
        limits=(0.0, 2.0),
        rebuild=True,
        doc="static obstacles per 10 m of route",
    ),
    Param(
        "scene.buildings",
        2.0,
        1.0,
        3.5,
        limits=(0.0, 10.0),
        rebuild=True,
        doc="buildings per 10 m and side",
    ),
    Param(
        "scene.trees",
        2.5,
        1.0,
        4.0,
        limits=(0.0, 10.0),
        rebuild=True,
        doc="trees per 10 m and side",
    ),
    Param(
        "scene.lamps",
        1.0,
        0.0,
        2.0,
        limits=(0.0, 10.0),
        rebuild=True,
        doc="street lamps per 10 m and side",
    ),
    # dynamics
    Param("dynamics.mass_scale", 1.0, 0.8, 1.25, limits=(0.1, 5.0), doc="chassis mass scale"),
    Param("dynamics.tyre_friction", 1.0, 0.7, 1.3, limits=(0.1, 3.0), doc="tyre friction"),
    Param(
        "dynamics.steering_gain",
        1.0,
        0.85,
        1.15,
        limits=(0.2, 2.0),
        doc="steering angle per unit action",
    ),
    Param("dynamics.motor_strength", 1.0, 0.75, 1.25, limits=(0.1, 3.0), doc="drive torque scale"),
    Param(
        "dynamics.action_latency",
        0,
        0,
        1,
        integer=True,
        limits=(0, 5),
        doc="steps between command and execution",
    ),
    *SENSOR_PARAMS,
)

_WARM, _COOL = np.array([1.0, 0.85, 0.68]), np.array([0.78, 0.88, 1.0])  # daylight


def apply_dynamics(world: Any, sample: Mapping[str, Value]) -> None:
    """Write the sampled chassis mass and tyre friction into the car of ``world``.

    A function of the sample alone (the steering gain, motor strength and camera mount the
    env reads from the sample as it drives and observes)."""
    c, car = world.c, world.car
    c.changeDynamics(
        car.body, car.chassis_link, mass=car.chassis_mass * float(sample["dynamics.mass_scale"])
    )
    for wheel in car.wheels:
        c.changeDynamics(
            car.body,
            wheel,
            lateralFriction=car.wheel_friction * float(sample["dynamics.tyre_friction"]),
        )


def color(sample: Mapping[str, Value], group: str) -> np.ndarray:
    return material_color(NOMINAL[group], sample, group)


def light_args(sample: Mapping[str, Value]) -> dict[str, Any]:
    """``getCameraImage`` lighting keywords for the sampled sun."""
    az = np.deg2rad(sample["lighting.sun_azimuth"])
    el = np.deg2rad(sample["lighting.sun_elevation"])
    return {
        "lightDirection": [
            float(np.cos(el) * np.cos(az)),
            float(np.cos(el) * np.sin(az)),
            float(np.sin(el)),
        ],
        "lightColor": light_tint(float(sample["lighting.temperature"]), _WARM, _COOL).tolist(),
        "lightAmbientCoeff": float(sample["lighting.ambient"]),
        "lightDiffuseCoeff": float(sample["lighting.intensity"]),
        "lightSpecularCoeff": float(sample["lighting.specular"]),
    }


def sky_colors(sample: Mapping[str, Value]) -> tuple[np.ndarray, np.ndarray]:
    """(horizon, zenith) colours in [0, 1]."""
    hue, value = float(sample["sky.hue"]), float(sample["sky.value"])
    horizon = hsv_shift(np.array(NOMINAL["sky"]), hue, 0.6, value)
    zenith = hsv_shift(np.array(NOMINAL["sky"]), hue, 1.3, 0.85 * value)
    return horizon, zenith


def pattern_bank(size: int = 64, contrast: float = 0.35) -> dict[str, np.ndarray]:
    """One light-grey tileable pattern per texture kind; bodies tint them with their colour.

    PyBullet's TinyRenderer ignores ``changeTexture`` and never frees a loaded texture, so
    textures are made once per world and appearance DR picks a pattern and a tint.
    """
    rng = np.random.default_rng(0x7E)
    return {k: make_texture(k, size, np.full(3, 0.8), rng, contrast) for k in KINDS}


def paint_sidewalk(size: int = 64) -> np.ndarray:
    """Paving slabs across a sidewalk band (u = 0 at the kerb), with a bright kerb stone."""
    img = make_texture("tiles", size, np.full(3, 0.8), np.random.default_rng(1), 0.15)
    kerb = round(size * C.KERB / (C.KERB + C.SIDEWALK))
    img[:, :kerb] = 235
    return img


def paint_facade(size: int = 64) -> np.ndarray:
    """A light wall with a grid of dark windows (tinted per building by its colour)."""
    img = np.full((size, size, 3), 0.92)
    u = (np.arange(size) + 0.5) / size
    wx = ((u * 4) % 1 > 0.25) & ((u * 4) % 1 < 0.75)
    wy = ((u * 3) % 1 > 0.3) & ((u * 3) % 1 < 0.75)
    img[np.ix_(wy, wx)] = np.array([0.25, 0.3, 0.38])
    return np.clip(img * 255.0, 0, 255).astype(np.uint8)
