"""Build the template's MuJoCo model with ``mujoco.MjSpec``: a table, a puck, a target."""

from __future__ import annotations

import mujoco

from .constants import (
    ARENA,
    CAMERA,
    NOMINAL_PUCK_RGB,
    OVERVIEW_CAMERA,
    PHYSICS_DT,
    PUCK,
    PUCK_JOINTS,
    PUCK_MOTORS,
    PUCK_RADIUS,
    TARGET,
    TARGET_RADIUS,
)


def build_spec(camera_size: tuple[int, int], render_size: tuple[int, int]) -> mujoco.MjSpec:
    """The whole scene; the structure never changes, so it is compiled once."""
    spec = mujoco.MjSpec()
    spec.modelname = "template"
    spec.option.timestep = PHYSICS_DT
    vis = spec.visual
    vis.global_.offwidth = max(camera_size[1], render_size[1])
    vis.global_.offheight = max(camera_size[0], render_size[0])
    vis.map.znear, vis.map.zfar = 0.01, 10.0
    spec.stat.extent = 1.0
    world = spec.worldbody
    world.add_light(name="light", pos=[0, 0, 2], dir=[0, 0, -1], castshadow=False)
    world.add_geom(
        name="table",
        type=mujoco.mjtGeom.mjGEOM_PLANE,
        size=[ARENA, ARENA, 0.1],
        rgba=[0.55, 0.55, 0.58, 1],
    )
    for i, (x, y, sx, sy) in enumerate(
        [
            (ARENA, 0, 0.02, ARENA),
            (-ARENA, 0, 0.02, ARENA),
            (0, ARENA, ARENA, 0.02),
            (0, -ARENA, ARENA, 0.02),
        ]
    ):
        world.add_geom(
            name=f"wall/{i}",
            type=mujoco.mjtGeom.mjGEOM_BOX,
            pos=[x, y, 0.03],
            size=[sx, sy, 0.03],
            rgba=[0.3, 0.3, 0.35, 1],
        )
    mat = spec.add_material(name="mat/puck", rgba=[*NOMINAL_PUCK_RGB, 1])
    puck = world.add_body(name=PUCK, pos=[0, 0, PUCK_RADIUS / 2])
    for joint, axis in zip(PUCK_JOINTS, ([1, 0, 0], [0, 1, 0])):
        puck.add_joint(name=joint, type=mujoco.mjtJoint.mjJNT_SLIDE, axis=axis, damping=2.0)
    puck.add_geom(
        name="puck/geom",
        type=mujoco.mjtGeom.mjGEOM_CYLINDER,
        size=[PUCK_RADIUS, PUCK_RADIUS / 2, 0],
        mass=0.2,
        material=mat.name,
    )
    for motor, joint in zip(PUCK_MOTORS, PUCK_JOINTS):
        spec.add_actuator(
            name=motor,
            target=joint,
            trntype=mujoco.mjtTrn.mjTRN_JOINT,
            ctrllimited=True,
            ctrlrange=[-1, 1],
            gear=[2.0, 0, 0, 0, 0, 0],
        )
    target = world.add_body(name=TARGET, mocap=True, pos=[0, 0, 0])
    target.add_geom(
        name="target/geom",
        type=mujoco.mjtGeom.mjGEOM_CYLINDER,
        size=[TARGET_RADIUS, 0.001, 0],
        rgba=[0.1, 0.8, 0.2, 1],
        contype=0,
        conaffinity=0,
    )
    world.add_camera(name=CAMERA, pos=[0, 0, 1.2], xyaxes=[1, 0, 0, 0, 1, 0], fovy=50)
    world.add_camera(
        name=OVERVIEW_CAMERA, pos=[0, -1.1, 1.0], xyaxes=[1, 0, 0, 0, 0.7, 0.7], fovy=50
    )
    return spec
