"""Privileged TransparentGrasp expert: a scripted top-down grasp from the true object pose.

It picks the glassware object with the most free space around it, turns the finger axis
perpendicular to the direction of its nearest neighbour (so the fingers come down in free
space), and runs approach → descend → close → lift on the env's grip target
(``action_mode="ee_delta"``), or sends the same (x, y, θ) as one action in
``topdown_grasp`` mode. If a lift loses the object it opens and tries again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .constants import (
    APPROACH_HEIGHT,
    CLOSE_STEPS,
    DESCEND_SPEED,
    MAX_STEP,
    MAX_TURN,
    UP,
    WORKSPACE,
)


class TransparentGraspExpert:
    """``act(env) -> action`` for ``TransparentGraspEnv`` (the env or any wrapper of it)."""

    def __init__(self) -> None:
        self._episode: int | None = None
        self._phase = "approach"
        self._count = 0
        self._target = 0
        self._theta = 0.0

    def plan(self, env: Any) -> tuple[int, float]:
        """The object to grasp and the finger-axis angle for it."""
        base = env.unwrapped
        pos, _ = base.object_poses()
        n = len(base.episode.shapes)
        if len(pos) < 2:
            return 0, 0.0
        d = np.linalg.norm(pos[:n, None, :2] - pos[None, :, :2], axis=-1)
        d[np.arange(n), np.arange(n)] = np.inf
        target = int(np.argmax(d.min(axis=1)))
        near = pos[int(np.argmin(d[target]))] - pos[target]
        theta = float(np.arctan2(near[1], near[0]) + np.pi / 2)
        theta = (theta + np.pi / 2) % np.pi - np.pi / 2  # the gripper is symmetric
        return target, theta

    def act(self, env: Any) -> np.ndarray:
        base = env.unwrapped
        ep = base.episode
        if self._episode != id(ep):
            self._episode, self._phase, self._count = id(ep), "approach", 0
            self._target, self._theta = self.plan(env)
        if base.action_mode == "topdown_grasp":
            return self._topdown(base)
        grasp = base.grasp_points()[self._target]
        goal, close, speed = grasp + APPROACH_HEIGHT * UP, False, 1.0
        grip, _ = base.arm.grip_pose(base.data)
        if (
            self._phase == "approach"
            and _reached(ep, goal, self._theta)
            and np.linalg.norm(grip - goal) < 0.005
        ):
            self._phase = "descend"
        if self._phase == "descend":
            goal, speed = grasp, DESCEND_SPEED
            if _reached(ep, goal, self._theta, tol=0.002) and np.linalg.norm(grip - goal) < 0.004:
                self._phase, self._count = "close", 0
        if self._phase == "close":
            goal, close = ep.target, True
            self._count += 1
            if self._count >= CLOSE_STEPS:
                self._phase, self._count, self._lift_from = "lift", 0, ep.target.copy()
        if self._phase == "lift":
            goal, close = self._lift_from + 0.2 * UP, True
            self._count = 0 if ep.held >= 0 else self._count + 1
            if self._count > 6:  # lost it: open and start over
                self._phase = "approach"
                self._target, self._theta = self.plan(env)
        delta = np.clip((goal - ep.target) / MAX_STEP, -speed, speed)
        turn = np.clip((self._theta - ep.theta) / MAX_TURN, -1.0, 1.0)
        return np.array([*delta, turn, 1.0 if close else -1.0], np.float32)

    def _topdown(self, base: Any) -> np.ndarray:
        pos, _ = base.object_poses()
        self._target, self._theta = self.plan(base)
        x, y = pos[self._target, :2]
        (x0, x1), (y0, y1) = WORKSPACE
        return np.clip(
            np.array(
                [
                    2 * (x - x0) / (x1 - x0) - 1,
                    2 * (y - y0) / (y1 - y0) - 1,
                    self._theta / (np.pi / 2),
                ],
                np.float32,
            ),
            -1.0,
            1.0,
        )


def _reached(ep: Any, goal: np.ndarray, theta: float, tol: float = 0.01) -> bool:
    return bool(np.linalg.norm(ep.target - goal) < tol and abs(ep.theta - theta) < 0.05)
