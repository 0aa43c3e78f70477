"""Build the MuJoCo model of a furnished apartment and the robot with ``mujoco.MjSpec``.

Structure only: geometry, bodies, joints, actuators, lights, cameras, and one texture and
material per look group (walls, floor, ceiling, furniture categories, distractors). Colours,
texture pixels, light and camera settings and dynamics are written into the compiled model
in place by ``randomize.apply_appearance``.
"""

from __future__ import annotations

import mujoco
import numpy as np

from .constants import (
    CATEGORIES,
    CHASSIS,
    EGO_CAMERA,
    FURNITURE,
    PHYSICS_DT,
    RANGEFINDER_SITE,
    ROBOT_RADIUS,
    WALL_HEIGHT,
    WHEEL_ACTUATORS,
    WHEEL_BASE,
    WHEEL_JOINTS,
    WHEEL_RADIUS,
    WHEELS,
)
from .layout import Floorplan, Item

TEXTURE_SIZE = 64
LOOK_GROUPS = ("wall", "floor", "ceiling", *CATEGORIES, "distractor")
GOAL_MARKER = "goal_marker"
OVERVIEW_CAMERA = "overview"
# Geom groups: 0 scene, 1 robot, 3 ceiling (hidden in the overview), 4 goal marker (overview only)
GROUP_CEILING, GROUP_MARKER = 3, 4
G = mujoco.mjtGeom


def _materials(spec: mujoco.MjSpec) -> None:
    blank = np.full(TEXTURE_SIZE * TEXTURE_SIZE * 3, 200, np.uint8).tobytes()
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
        mat.texrepeat = [1.0, 1.0] if group in ("wall", "floor", "ceiling") else [2.0, 2.0]
    spec.add_material(name="mat/robot", rgba=[0.15, 0.15, 0.17, 1.0], specular=0.5)


def _furniture(body: mujoco.MjsBody, item: Item, name: str) -> None:
    """Furniture from primitives, in the item's frame (local +y is the front)."""
    length, depth, height = FURNITURE[item.category]
    mat = f"mat/{item.category}"

    def box(part: str, pos: tuple[float, float, float], half: tuple[float, float, float]) -> None:
        body.add_geom(name=f"{name}/{part}", type=G.mjGEOM_BOX, pos=pos, size=half, material=mat)

    hx, hy = length / 2, depth / 2
    if item.category in ("chair", "table"):
        top = 0.45 if item.category == "chair" else height
        box("top", (0, 0, top - 0.025), (hx, hy, 0.025))
        leg = 0.025
        for i, (sx, sy) in enumerate(((1, 1), (1, -1), (-1, 1), (-1, -1))):
            box(
                f"leg{i}",
                (sx * (hx - leg), sy * (hy - leg), (top - 0.05) / 2),
                (leg, leg, (top - 0.05) / 2),
            )
        if item.category == "chair":
            box("back", (0, -hy + 0.025, (top + height) / 2), (hx, 0.025, (height - top) / 2))
    elif item.category == "sofa":
        box("seat", (0, 0.05, 0.21), (hx - 0.12, hy - 0.05, 0.21))
        box("back", (0, -hy + 0.1, height / 2), (hx, 0.1, height / 2))
        for i, sx in enumerate((1, -1)):
            box(f"arm{i}", (sx * (hx - 0.06), 0.05, 0.3), (0.06, hy - 0.05, 0.3))
    elif item.category == "bed":
        box("frame", (0, 0, 0.2), (hx, hy, 0.2))
        box("mattress", (0, 0.02, 0.47), (hx - 0.04, hy - 0.04, 0.07))
        box("head", (0, -hy + 0.04, height / 2), (hx, 0.04, height / 2))
    else:  # shelf: two sides, a back and four boards
        for i, sx in enumerate((1, -1)):
            box(f"side{i}", (sx * (hx - 0.015), 0, height / 2), (0.015, hy, height / 2))
        box("back", (0, -hy + 0.01, height / 2), (hx, 0.01, height / 2))
        for i in range(4):
            z = 0.02 + i * (height - 0.04) / 3
            box(f"board{i}", (0, 0, z), (hx - 0.03, hy - 0.01, 0.02))


def _robot(spec: mujoco.MjSpec) -> None:
    """The robot at the origin; the env places it through its free joint at reset."""
    base = spec.worldbody.add_body(name="robot")
    base.add_freejoint(name="robot/root")
    base.add_geom(
        name=CHASSIS,
        type=G.mjGEOM_CYLINDER,
        size=[ROBOT_RADIUS, 0.06],
        pos=[0, 0, 0.09],
        mass=4.0,
        material="mat/robot",
        group=1,
    )
    base.add_geom(
        name="robot/mast",
        type=G.mjGEOM_BOX,
        size=[0.02, 0.02, 0.25],
        pos=[-0.05, 0, 0.4],
        mass=0.3,
        material="mat/robot",
        group=1,
        contype=0,
        conaffinity=0,
    )
    base.add_geom(
        name="robot/head",
        type=G.mjGEOM_BOX,
        size=[0.04, 0.07, 0.03],
        pos=[-0.02, 0, 0.62],
        mass=0.2,
        rgba=[0.8, 0.2, 0.1, 1],
        group=1,
        contype=0,
        conaffinity=0,
    )
    for name, px in (("robot/caster_front", 0.13), ("robot/caster_back", -0.13)):
        base.add_geom(
            name=name,
            type=G.mjGEOM_SPHERE,
            size=[0.02],
            pos=[px, 0, 0.02],
            mass=0.05,
            condim=1,
            priority=1,
            friction=[0, 0, 0],
            group=1,
        )
    base.add_camera(name=EGO_CAMERA, pos=[0.0, 0, 0.6], xyaxes=[0, -1, 0, 0, 0, 1], fovy=79)
    base.add_site(name=RANGEFINDER_SITE, pos=[0, 0, 0.1], size=[0.01])
    for name, joint, side in zip(WHEELS, WHEEL_JOINTS, (1, -1)):
        wheel = base.add_body(name=f"{name}_body", pos=[0, side * WHEEL_BASE / 2, WHEEL_RADIUS])
        wheel.add_joint(name=joint, type=mujoco.mjtJoint.mjJNT_HINGE, axis=[0, 1, 0], damping=0.01)
        wheel.add_geom(
            name=name,
            type=G.mjGEOM_CYLINDER,
            size=[WHEEL_RADIUS, 0.015],
            quat=[np.sqrt(0.5), np.sqrt(0.5), 0, 0],
            mass=0.3,
            friction=[1.0, 0.005, 0.0001],
            condim=3,
            rgba=[0.05, 0.05, 0.05, 1],
            group=1,
        )
    for actuator, joint in zip(WHEEL_ACTUATORS, WHEEL_JOINTS):
        act = spec.add_actuator(name=actuator, target=joint, trntype=mujoco.mjtTrn.mjTRN_JOINT)
        act.set_to_velocity(kv=1.0)
        act.forcelimited = True
        act.forcerange = [-2.5, 2.5]


def build_spec(
    plan: Floorplan,
    items: list[Item],
    light_rooms: list[int],
    camera_size: tuple[int, int],
    render_size: tuple[int, int],
) -> mujoco.MjSpec:
    """The apartment with its furniture, ``len(light_rooms)`` ceiling lights and the robot."""
    spec = mujoco.MjSpec()
    spec.modelname = f"apartment_{plan.layout_id}"
    spec.option.timestep = PHYSICS_DT
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    vis = spec.visual
    vis.global_.offwidth = max(camera_size[1], render_size[1])
    vis.global_.offheight = max(camera_size[0], render_size[0])
    vis.quality.offsamples = 0
    vis.quality.shadowsize = 0
    vis.map.znear = 0.01
    vis.map.zfar = 50.0
    spec.stat.extent = 1.0  # fixes the depth mapping: near = 1 cm, far = 50 m
    spec.stat.center = [plan.width / 2, plan.depth / 2, 1.0]
    _materials(spec)
    world = spec.worldbody
    world.add_geom(
        name="floor",
        type=G.mjGEOM_PLANE,
        size=[plan.width / 2 + 1, plan.depth / 2 + 1, 0.1],
        pos=[plan.width / 2, plan.depth / 2, 0],
        material="mat/floor",
    )
    world.add_geom(
        name="ceiling",
        type=G.mjGEOM_BOX,
        size=[plan.width / 2, plan.depth / 2, 0.02],
        pos=[plan.width / 2, plan.depth / 2, WALL_HEIGHT + 0.02],
        material="mat/ceiling",
        contype=0,
        conaffinity=0,
        group=GROUP_CEILING,
    )
    for i, w in enumerate(plan.walls):
        cx, cy = (w.x0 + w.x1) / 2, (w.y0 + w.y1) / 2
        world.add_geom(
            name=f"wall/{i}",
            type=G.mjGEOM_BOX,
            pos=[cx, cy, WALL_HEIGHT / 2],
            size=[w.w / 2, w.h / 2, WALL_HEIGHT / 2],
            material="mat/wall",
        )
    for i, it in enumerate(items):
        name = f"{it.category}/{i}"
        if it.category == "distractor":
            body = world.add_body(name=name, pos=[it.x, it.y, it.sx])
            body.add_freejoint()
            kind = (G.mjGEOM_BOX, G.mjGEOM_CYLINDER, G.mjGEOM_SPHERE)[it.shape]
            size = [it.sx, it.sx, it.sx] if it.shape != 1 else [it.sx, it.sx, 0]
            body.add_geom(
                name=f"{name}/geom", type=kind, size=size, mass=0.5, material="mat/distractor"
            )
            continue
        body = world.add_body(
            name=name, pos=[it.x, it.y, 0], quat=[np.cos(it.yaw / 2), 0, 0, np.sin(it.yaw / 2)]
        )
        _furniture(body, it, name)
    for k, r in enumerate(light_rooms):
        cx, cy = plan.rooms[r].center
        world.add_light(
            name=f"light/{k}",
            pos=[cx, cy, WALL_HEIGHT - 0.1],
            dir=[0, 0, -1],
            castshadow=False,
            cutoff=85,
            exponent=1,
            attenuation=[1, 0.05, 0.02],
        )
    marker = world.add_body(name=GOAL_MARKER, mocap=True, pos=[0, 0, 0])
    marker.add_geom(
        name=f"{GOAL_MARKER}/geom",
        type=G.mjGEOM_CYLINDER,
        size=[0.25, 0.01],
        pos=[0, 0, 0.01],
        rgba=[0.1, 0.9, 0.2, 0.6],
        contype=0,
        conaffinity=0,
        group=GROUP_MARKER,
    )
    span = max(plan.width, plan.depth)
    world.add_camera(
        name=OVERVIEW_CAMERA,
        pos=[plan.width / 2, plan.depth / 2 - 0.35 * span, 1.15 * span],
        xyaxes=[1, 0, 0, 0, 0.95, 0.31],
        fovy=55,
    )
    _robot(spec)
    return spec
