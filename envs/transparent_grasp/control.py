"""End-effector control of the Panda: damped least-squares IK to joint position servos.

:class:`ArmController` turns a target grip pose (position of the fingertip centre, finger
axis angle ``theta`` in the table plane, hand pointing down) into joint targets for the
position servos, solving IK on a scratch ``MjData`` (kinematics only) at the control rate,
with a null-space pull towards the home posture. The real Panda's Cartesian impedance
controller plays the same role.
"""

from __future__ import annotations

import mujoco
import numpy as np

from .constants import (
    ARM_ACTUATORS,
    ARM_JOINTS,
    FINGER_JOINTS,
    GRIP_SITE,
    GRIPPER_ACTUATOR,
    HOME_QPOS,
)

_DAMPING = 1e-4 * np.eye(6)
_EYE7 = np.eye(7)


def down_rotation(theta: float) -> np.ndarray:
    """Grip frame pointing down (z = -world z) with the finger axis (y) at angle ``theta``."""
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[-s, c, 0.0], [c, s, 0.0], [0.0, 0.0, -1.0]])


def _orientation_error(rot: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Half the sum of the cross products of matching columns of ``rot`` and ``target`` (the
    same floating-point operations as ``np.cross`` per column, a tenth of its time)."""
    crosses = np.stack(
        [
            rot[1] * target[2] - rot[2] * target[1],
            rot[2] * target[0] - rot[0] * target[2],
            rot[0] * target[1] - rot[1] * target[0],
        ]
    )
    return 0.5 * crosses.sum(1)


class ArmController:
    """IK servo for one compiled model; look-ups by name (``panda.py`` constants)."""

    def __init__(self, model: mujoco.MjModel) -> None:
        self.model = model
        self._scratch = mujoco.MjData(model)
        jid = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, j) for j in ARM_JOINTS]
        self.qadr = model.jnt_qposadr[jid].copy()
        self.dofs = model.jnt_dofadr[jid].copy()
        self.lower, self.upper = model.jnt_range[jid].T.copy()
        self.actuators = np.array(
            [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_ACTUATOR, a) for a in ARM_ACTUATORS]
        )
        self.gripper = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_ACTUATOR, GRIPPER_ACTUATOR)
        fid = [mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, j) for j in FINGER_JOINTS]
        self.finger_qadr = model.jnt_qposadr[fid].copy()
        self.site = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE, GRIP_SITE)
        self._jacp = np.zeros((3, model.nv))
        self._jacr = np.zeros((3, model.nv))
        self.q_target = HOME_QPOS.copy()

    def solve(
        self, pos: np.ndarray, theta: float, seed: np.ndarray, iters: int = 12, tol: float = 1e-4
    ) -> np.ndarray:
        """Joint angles placing the grip at ``pos`` with finger angle ``theta``."""
        m, d = self.model, self._scratch
        target = down_rotation(theta)
        q = seed.copy()
        for _ in range(iters):
            d.qpos[self.qadr] = q
            mujoco.mj_kinematics(m, d)
            mujoco.mj_comPos(m, d)
            err = np.concatenate(
                [
                    pos - d.site_xpos[self.site],
                    _orientation_error(d.site_xmat[self.site].reshape(3, 3), target),
                ]
            )
            if np.abs(err).max() < tol:
                break
            mujoco.mj_jacSite(m, d, self._jacp, self._jacr, self.site)
            jac = np.vstack([self._jacp[:, self.dofs], self._jacr[:, self.dofs]])
            pinv = jac.T @ np.linalg.inv(jac @ jac.T + _DAMPING)  # damped pseudo-inverse
            dq = pinv @ err + (_EYE7 - pinv @ jac) @ (0.2 * (HOME_QPOS - q))
            q = np.clip(q + dq, self.lower, self.upper)
        return q

    def grip_pose(self, data: mujoco.MjData) -> tuple[np.ndarray, float]:
        """Current grip position and finger-axis angle."""
        rot = data.site_xmat[self.site].reshape(3, 3)
        return data.site_xpos[self.site].copy(), float(np.arctan2(rot[1, 1], rot[0, 1]))

    def finger_width(self, data: mujoco.MjData) -> float:
        return float(data.qpos[self.finger_qadr].sum())

    def set_arm(self, data: mujoco.MjData, q: np.ndarray) -> None:
        """Teleport the arm (reset only) and hold it there."""
        data.qpos[self.qadr] = q
        data.qvel[self.dofs] = 0.0
        self.q_target = q.copy()
        data.ctrl[self.actuators] = q

    def command(self, data: mujoco.MjData, pos: np.ndarray, theta: float, close: bool) -> None:
        """Servo towards the grip pose; ``close`` drives the fingers shut (force-limited)."""
        self.q_target = self.solve(pos, theta, self.q_target)
        data.ctrl[self.actuators] = self.q_target
        lo, hi = self.model.actuator_ctrlrange[self.gripper]
        data.ctrl[self.gripper] = lo if close else hi
