"""Privileged IndoorNav expert: follows the geodesic shortest path on the occupancy grid.

It reads the episode's geodesic distance field (Dijkstra from the goal over the inflated
occupancy grid), walks down it from the robot's cell to a look-ahead point, and steers
there with a pure-pursuit-style controller (turn in place when the error is large, slow
down near the goal). It proves the task solvable and bounds success and SPL.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import constants as C

_STEPS = [
    (dr, dc)
    for dr in (-2, -1, 0, 1, 2)
    for dc in (-2, -1, 0, 1, 2)
    if (dr, dc) != (0, 0)
    and (abs(dr), abs(dc)) != (2, 2)
    and not (abs(dr) == 2 and dc == 0)
    and not (abs(dc) == 2 and dr == 0)
]


class IndoorNavExpert:
    """``act(env) -> action`` for ``IndoorNavEnv`` (pass the env or any wrapper of it).

    Args:
        lookahead: path distance (m) to the pursued point.
    """

    def __init__(self, lookahead: float = 0.6) -> None:
        self.lookahead = lookahead

    def path(self, env: Any, xy: np.ndarray, max_length: float) -> list[np.ndarray]:
        """Points down the geodesic field from ``xy`` (cell centres), up to ``max_length``."""
        ep = env.unwrapped.episode
        grid, field = ep.grid, ep.distance_field
        r, c = grid.cell(xy)
        if not np.isfinite(field[r, c]):  # pushed off the free grid: start from nearest cell
            r0, c0 = max(r - 4, 0), max(c - 4, 0)
            patch = field[r0 : r + 5, c0 : c + 5]
            if not np.isfinite(patch).any():
                return []
            rr, cc = np.unravel_index(
                np.argmin(
                    np.where(
                        np.isfinite(patch),
                        np.hypot(
                            *np.mgrid[
                                r0 - r : r0 - r + patch.shape[0], c0 - c : c0 - c + patch.shape[1]
                            ]
                        ),
                        np.inf,
                    )
                ),
                patch.shape,
            )
            r, c = r0 + int(rr), c0 + int(cc)
        points, length = [grid.center((r, c))], 0.0
        h, w = field.shape
        while length < max_length and field[r, c] > 0:
            best, step = field[r, c], None
            for dr, dc in _STEPS:
                nr, nc = r + dr, c + dc
                if 0 <= nr < h and 0 <= nc < w and field[nr, nc] < best:
                    best, step = field[nr, nc], (nr, nc)
            if step is None:
                break
            length += grid.res * float(np.hypot(step[0] - r, step[1] - c))
            r, c = step
            points.append(grid.center((r, c)))
        return points

    def act(self, env: Any) -> np.ndarray | int:
        base = env.unwrapped
        ep = base.episode
        xy, yaw = base.robot_pose()
        if base.task == "pointgoal" and np.linalg.norm(ep.goal - xy) < 1.0:
            target = ep.goal
            remaining = float(np.linalg.norm(target - xy))
        else:
            lookahead = self.lookahead if base.action_mode == "continuous" else 0.35
            pts = self.path(env, xy, lookahead)
            target = pts[-1] if pts else xy
            remaining = ep.distance
        d = target - xy
        err = float(np.angle(np.exp(1j * (np.arctan2(d[1], d[0]) - yaw))))
        within = base.within_goal(xy)
        if base.action_mode == "discrete":
            if within:
                return C.DISCRETE_ACTIONS.index("stop")
            if abs(err) > np.deg2rad(12):
                return C.DISCRETE_ACTIONS.index("turn_left" if err > 0 else "turn_right")
            return C.DISCRETE_ACTIONS.index("forward")
        w = np.clip(2.5 * err / C.MAX_ANGULAR, -1.0, 1.0)
        speed = max(0.0, np.cos(err)) ** 3 if abs(err) < np.deg2rad(60) else 0.0
        # do not overshoot the goal within one step
        speed = min(speed, max(remaining, 0.1) / (C.MAX_LINEAR * C.CONTROL_DT))
        return np.array([speed, w], np.float32)
