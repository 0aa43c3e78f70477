"""Build the tabletop scene with ``mujoco.MjSpec``: room, table, Panda, glassware, distractors.

Structure only (rebuilt every episode, since object shapes change): geometry, bodies,
joints, lights, cameras, one texture per look group and one material per object. Colours,
texture pixels, glass optics, lights, camera pose and dynamics are written into the compiled
model in place by ``randomize.apply_appearance``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mujoco
import numpy as np

from .constants import (
    CAMERA,
    CAMERA_POS,
    CAMERA_TARGET,
    GROUP_GLASS,
    GROUP_SCENE,
    LOOK_GROUPS,
    N_LIGHTS,
    OVERVIEW_CAMERA,
    PHYSICS_DT,
    ROBOT_BASE,
    SCENE_CONAFFINITY,
    SCENE_CONTYPE,
    TABLE_HALF,
    TABLE_TOP,
    TEXTURE_SIZE,
)
from .glassware import Shape, collision_pieces, mass_properties, revolve
from .panda import add_panda

# geom groups: 0 scene, 1 robot visual, 2 glassware (hidden for the see-through depth),
# 3 collision geoms (never drawn), 4 sites
G = mujoco.mjtGeom


@dataclass(frozen=True)
class Distractor:
    """An opaque object: ``kind`` is box, cylinder or ellipsoid (a flat pebble); ``size``
    is MuJoCo's (half extents; a cylinder's is radius, half height)."""

    kind: str
    size: tuple[float, ...]

    @property
    def height(self) -> float:
        return 2 * self.size[1 if self.kind == "cylinder" else 2]

    @property
    def footprint(self) -> float:
        """Radius of the smallest vertical cylinder around it (m)."""
        return (
            self.size[0] if self.kind == "cylinder" else float(np.hypot(self.size[0], self.size[1]))
        )


def object_name(i: int) -> str:
    return f"object{i}"


def look_at_quat(pos: Any, target: Any) -> np.ndarray:
    """MuJoCo camera orientation at ``pos`` looking at ``target`` (3-vectors) with world z up."""
    z = np.asarray(pos, float) - np.asarray(target, float)
    z /= np.linalg.norm(z)
    x = np.cross([0.0, 0.0, 1.0], z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    quat = np.empty(4)
    mujoco.mju_mat2Quat(quat, np.column_stack([x, y, z]).ravel())
    return quat


def _materials(spec: mujoco.MjSpec) -> None:
    blank = np.full(TEXTURE_SIZE * TEXTURE_SIZE * 3, 180, np.uint8).tobytes()
    for group in LOOK_GROUPS:
        tex = spec.add_texture(
            name=f"tex/{group}",
            type=mujoco.mjtTexture.mjTEXTURE_2D,
            width=TEXTURE_SIZE,
            height=TEXTURE_SIZE,
            nchannel=3,
        )
        tex.data = blank
        mat = spec.add_material(name=f"mat/{group}", texuniform=True)
        mat.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = f"tex/{group}"
        mat.texrepeat = {"table": [3.0, 3.0], "floor": [6.0, 6.0], "wall": [4.0, 2.0]}[group]


def _room(spec: mujoco.MjSpec) -> None:
    wb = spec.worldbody
    scene = {"group": GROUP_SCENE, "contype": SCENE_CONTYPE, "conaffinity": SCENE_CONAFFINITY}
    wb.add_geom(name="floor", type=G.mjGEOM_PLANE, size=[4, 4, 0.1], material="mat/floor", **scene)
    for name, pos, size in (
        ("wall_back", (-1.6, 0, 1.5), (0.02, 2.5, 1.5)),
        ("wall_left", (0, 2.0, 1.5), (2.5, 0.02, 1.5)),
        ("wall_right", (0, -2.0, 1.5), (2.5, 0.02, 1.5)),
    ):
        wb.add_geom(
            name=name,
            type=G.mjGEOM_BOX,
            pos=pos,
            size=size,
            material="mat/wall",
            contype=0,
            conaffinity=0,
            group=GROUP_SCENE,
        )
    hx, hy = TABLE_HALF
    table = wb.add_body(name="table")
    table.add_geom(
        name="table_top",
        type=G.mjGEOM_BOX,
        pos=[0, 0, TABLE_TOP - 0.02],
        size=[hx, hy, 0.02],
        material="mat/table",
        **scene,
    )
    for i, (sx, sy) in enumerate(((1, 1), (1, -1), (-1, 1), (-1, -1))):
        table.add_geom(
            name=f"table_leg{i}",
            type=G.mjGEOM_BOX,
            pos=[sx * (hx - 0.04), sy * (hy - 0.04), (TABLE_TOP - 0.04) / 2],
            size=[0.025, 0.025, (TABLE_TOP - 0.04) / 2],
            material="mat/table",
            **scene,
        )
    bx, _, bz = ROBOT_BASE
    table.add_geom(
        name="pedestal",
        type=G.mjGEOM_BOX,
        pos=[bx, 0, bz / 2],
        size=[0.14, 0.14, bz / 2],
        rgba=[0.25, 0.25, 0.27, 1],
        **scene,
    )


def _glass_body(spec: mujoco.MjSpec, i: int, shape: Shape) -> None:
    name = object_name(i)
    body = spec.worldbody.add_body(name=name, pos=[0, 0, -1.0 - i])
    body.add_freejoint(name=f"{name}/joint")
    mass, com, inertia = mass_properties(shape)
    body.mass, body.ipos, body.inertia = mass, com, inertia
    body.explicitinertial = True
    verts, faces = revolve(shape)
    spec.add_mesh(
        name=f"{name}/visual", uservert=verts.ravel().tolist(), userface=faces.ravel().tolist()
    )
    spec.add_material(
        name=f"mat/{name}", rgba=[0.8, 0.9, 0.95, 0.3], specular=0.9, shininess=0.9, reflectance=0.0
    )
    body.add_geom(
        name=f"{name}/visual",
        type=G.mjGEOM_MESH,
        meshname=f"{name}/visual",
        material=f"mat/{name}",
        group=GROUP_GLASS,
        contype=0,
        conaffinity=0,
        mass=0.0,
    )
    for k, piece in enumerate(collision_pieces(shape)):
        spec.add_mesh(name=f"{name}/piece{k}", uservert=piece.ravel().tolist())
        body.add_geom(
            name=f"{name}/piece{k}",
            type=G.mjGEOM_MESH,
            meshname=f"{name}/piece{k}",
            group=3,
            contype=SCENE_CONTYPE,
            conaffinity=SCENE_CONAFFINITY,
            mass=0.0,
            friction=[0.9, 0.01, 0.0001],
            condim=4,
        )


def _distractor_body(spec: mujoco.MjSpec, i: int, d: Distractor) -> None:
    name = object_name(i)
    body = spec.worldbody.add_body(name=name, pos=[0, 0, -1.0 - i])
    body.add_freejoint(name=f"{name}/joint")
    kind = {"box": G.mjGEOM_BOX, "cylinder": G.mjGEOM_CYLINDER, "ellipsoid": G.mjGEOM_ELLIPSOID}
    spec.add_material(name=f"mat/{name}", rgba=[0.6, 0.3, 0.2, 1.0], specular=0.3)
    body.add_geom(
        name=f"{name}/geom",
        type=kind[d.kind],
        size=[*d.size, 0.0][:3],
        pos=[0.0, 0.0, d.height / 2],
        material=f"mat/{name}",
        group=GROUP_SCENE,
        contype=SCENE_CONTYPE,
        conaffinity=SCENE_CONAFFINITY,
        density=400.0,
        friction=[0.9, 0.01, 0.0001],
        condim=4,
    )


def build_spec(
    shapes: list[Shape],
    distractors: list[Distractor],
    camera_size: tuple[int, int],
    render_size: tuple[int, int],
) -> mujoco.MjSpec:
    """The scene with glass objects ``object0..`` then distractors, parked below the floor."""
    spec = mujoco.MjSpec()
    spec.modelname = "transparent_grasp"
    spec.compiler.degree = False  # URDF joint ranges are radians
    spec.option.timestep = PHYSICS_DT
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST  # stiff servo damping
    spec.option.cone = mujoco.mjtCone.mjCONE_ELLIPTIC
    spec.option.impratio = 10.0
    spec.option.noslip_iterations = 0
    vis = spec.visual
    vis.global_.offwidth = max(camera_size[1], render_size[1], 64)
    vis.global_.offheight = max(camera_size[0], render_size[0], 64)
    vis.quality.offsamples = 0
    vis.quality.shadowsize = 0
    vis.map.znear = 0.01
    vis.map.zfar = 20.0
    vis.headlight.active = 1
    spec.stat.extent = 2.0
    spec.stat.center = [0.0, 0.0, TABLE_TOP]
    _materials(spec)
    _room(spec)
    wb = spec.worldbody
    for k in range(N_LIGHTS):
        wb.add_light(
            name=f"light{k}",
            pos=[0.3 * k - 0.3, 0.4 - 0.4 * k, 1.8],
            dir=[0, 0, -1],
            castshadow=False,
            diffuse=[0.5, 0.5, 0.5],
            cutoff=70.0,
            exponent=2.0,
        )
    cam_pos = np.array(CAMERA_POS)
    wb.add_camera(name=CAMERA, pos=cam_pos, quat=look_at_quat(cam_pos, CAMERA_TARGET), fovy=45.0)
    over = np.array([0.75, -0.75, TABLE_TOP + 0.75])
    wb.add_camera(
        name=OVERVIEW_CAMERA,
        pos=over,
        quat=look_at_quat(over, (-0.2, 0.0, TABLE_TOP + 0.1)),
        fovy=50.0,
    )
    add_panda(spec, wb, ROBOT_BASE)
    for i, shape in enumerate(shapes):
        _glass_body(spec, i, shape)
    for j, d in enumerate(distractors):
        _distractor_body(spec, len(shapes) + j, d)
    return spec
