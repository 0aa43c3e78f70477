"""The Franka Emika Panda from ``pybullet_data``, built into an ``MjSpec`` from its URDF.

Kinematics, joint limits, efforts and link masses come from ``assets/panda/panda.urdf``
(Apache-2.0, see ``assets/README.md``); meshes from ``assets/panda/panda_meshes.npz``
(the URDF's visual meshes split by material and decimated, plus its collision meshes; rebuild
with ``panda_asset.py``). MuJoCo-side additions, as on the real robot and in MuJoCo
Menagerie's Panda:

* gravity compensation on every arm link (the real arm's controller does this),
* joint position servos with the URDF effort limits (87 N·m joints 1–4, 12 N·m joints 5–7),
  rotor armature and damping,
* the second finger mirrors the first through an equality constraint (the URDF's ``mimic``);
  one position servo drives the gripper with a force limit (``dynamics.gripper_force``),
* link inertias from the collision meshes at the URDF masses (the URDF's inertia tensors are
  placeholders of 0.1 kg·m²),
* a site ``panda/grip`` at the fingertip centre (the URDF's ``panda_grasptarget``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import mujoco
import numpy as np

from .constants import (
    ARM_ACTUATORS,
    ARM_JOINTS,
    FINGER_BODIES,
    FINGER_JOINTS,
    FINGER_OPEN,
    GRIP_SITE,
    GRIPPER_ACTUATOR,
    GRIPPER_KP,
    GRIPPER_KV,
    GROUP_COLLISION,
    GROUP_ROBOT,
    KP,
    KV,
    ROBOT_CONAFFINITY,
    ROBOT_CONTYPE,
)

ASSET_DIR = Path(str(files("simenv.assets"))) / "panda"
# hand pointing down, fingers along the world y axis, grip about 0.5 m in front of the base
HINGE, SLIDE = mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE


@lru_cache(maxsize=1)
def _asset() -> tuple[ET.Element, dict[str, np.ndarray]]:
    root = ET.parse(ASSET_DIR / "panda.urdf").getroot()
    with np.load(ASSET_DIR / "panda_meshes.npz") as npz:
        meshes = {k: npz[k] for k in npz.files}
    return root, meshes


def _floats(text: str | None, default: str = "0 0 0") -> list[float]:
    return [float(x) for x in (text or default).split()]


def _origin(el: ET.Element | None) -> tuple[list[float], np.ndarray]:
    quat = np.zeros(4)
    if el is None:
        return [0.0, 0.0, 0.0], np.array([1.0, 0.0, 0.0, 0.0])
    mujoco.mju_euler2Quat(quat, np.array(_floats(el.get("rpy"))), "XYZ")
    return _floats(el.get("xyz")), quat


def _add_link_geoms(
    spec: mujoco.MjSpec, body: mujoco.MjsBody, link: ET.Element, meshes: dict[str, np.ndarray]
) -> None:
    name = link.get("name", "")
    mass_el = link.find("inertial/mass")
    mass = float(mass_el.get("value", "0")) if mass_el is not None else 0.0
    for kind in ("visual", "collision"):
        el = link.find(kind)
        if el is None:
            continue
        pos, quat = _origin(el.find("origin"))
        i = 0
        while f"{name}/{kind}/{i}/vertices" in meshes:
            key = f"{name}/{kind}/{i}"
            mesh = f"panda/{key}"
            spec.add_mesh(
                name=mesh,
                uservert=meshes[f"{key}/vertices"].ravel().tolist(),
                userface=meshes[f"{key}/faces"].ravel().tolist(),
            )
            common: dict[str, Any] = {
                "type": mujoco.mjtGeom.mjGEOM_MESH,
                "meshname": mesh,
                "pos": pos,
                "quat": quat,
            }
            if kind == "visual":
                rgb = meshes[f"{key}/rgb"]
                body.add_geom(
                    name=f"panda/{name}/visual{i}",
                    **common,
                    group=GROUP_ROBOT,
                    contype=0,
                    conaffinity=0,
                    mass=0.0,
                    material="mat/panda",
                    rgba=[*(0.92 * rgb + 0.04), 1.0],
                )
            else:
                body.add_geom(
                    name=f"panda/{name}/collision",
                    **common,
                    group=GROUP_COLLISION,
                    contype=ROBOT_CONTYPE,
                    conaffinity=ROBOT_CONAFFINITY,
                    mass=max(mass, 1e-3),
                    rgba=[0.8, 0.2, 0.2, 1.0],
                )
            i += 1


def add_panda(spec: mujoco.MjSpec, parent: mujoco.MjsBody, pos: tuple[float, float, float]) -> None:
    """Add the arm, its servos and the gripper under ``parent`` with its base at ``pos``."""
    root, meshes = _asset()
    links = {link.get("name"): link for link in root.findall("link")}
    spec.add_material(name="mat/panda", specular=0.4, shininess=0.5)
    base = parent.add_body(name="panda_link0", pos=list(pos))
    _add_link_geoms(spec, base, links["panda_link0"], meshes)
    bodies = {"panda_link0": base}
    for joint in root.findall("joint"):
        parent_name = str(joint.find("parent").get("link"))  # type: ignore[union-attr]
        child_name = str(joint.find("child").get("link"))  # type: ignore[union-attr]
        jpos, jquat = _origin(joint.find("origin"))
        body = bodies[parent_name].add_body(name=child_name, pos=jpos, quat=jquat)
        bodies[child_name] = body
        body.gravcomp = 1.0
        kind = joint.get("type")
        if kind in ("revolute", "prismatic"):
            limit = joint.find("limit")
            assert limit is not None
            body.add_joint(
                name=joint.get("name"),
                type=HINGE if kind == "revolute" else SLIDE,
                axis=_floats(joint.find("axis").get("xyz")),  # type: ignore[union-attr]
                range=[float(limit.get("lower", 0)), float(limit.get("upper", 0))],
                limited=mujoco.mjtLimited.mjLIMITED_TRUE,
                armature=0.1 if kind == "revolute" else 0.01,
                damping=1.0 if kind == "revolute" else 10.0,
            )
        if child_name in links:
            _add_link_geoms(spec, body, links[child_name], meshes)
    grip = bodies["panda_grasptarget"]
    grip.add_site(name=GRIP_SITE, size=[0.005, 0.005, 0.005], group=4)
    for body_name in FINGER_BODIES:  # finger pads: torsional friction for stable holds
        geom = spec.geom(f"panda/{body_name}/collision")
        geom.condim = 4
        geom.friction = [1.5, 0.02, 0.0001]
    for i, (arm_joint, kp, kv) in enumerate(zip(ARM_JOINTS, KP, KV, strict=True)):
        effort = 87.0 if i < 4 else 12.0
        spec.add_actuator(
            name=ARM_ACTUATORS[i],
            target=arm_joint,
            trntype=mujoco.mjtTrn.mjTRN_JOINT,
            gaintype=mujoco.mjtGain.mjGAIN_FIXED,
            gainprm=[kp] + [0] * 9,
            biastype=mujoco.mjtBias.mjBIAS_AFFINE,
            biasprm=[0, -kp, -kv] + [0] * 7,
            forcerange=[-effort, effort],
            forcelimited=mujoco.mjtLimited.mjLIMITED_TRUE,
            ctrlrange=spec.joint(arm_joint).range,
            ctrllimited=mujoco.mjtLimited.mjLIMITED_TRUE,
        )
    spec.add_actuator(
        name=GRIPPER_ACTUATOR,
        target=FINGER_JOINTS[0],
        trntype=mujoco.mjtTrn.mjTRN_JOINT,
        gaintype=mujoco.mjtGain.mjGAIN_FIXED,
        gainprm=[GRIPPER_KP] + [0] * 9,
        biastype=mujoco.mjtBias.mjBIAS_AFFINE,
        biasprm=[0, -GRIPPER_KP, -GRIPPER_KV] + [0] * 7,
        forcerange=[-40.0, 40.0],
        forcelimited=mujoco.mjtLimited.mjLIMITED_TRUE,
        ctrlrange=[-0.01, FINGER_OPEN],
        ctrllimited=mujoco.mjtLimited.mjLIMITED_TRUE,
    )
    spec.add_equality(
        type=mujoco.mjtEq.mjEQ_JOINT,
        name1=FINGER_JOINTS[1],
        name2=FINGER_JOINTS[0],
        data=[0, 1, 0, 0, 0] + [0] * 7,
        solref=[0.005, 1.0],
    )
    for a, b in (
        ("panda_link7", "panda_hand"),
        ("panda_hand", FINGER_BODIES[0]),
        ("panda_hand", FINGER_BODIES[1]),
    ):
        spec.add_exclude(bodyname1=a, bodyname2=b)
