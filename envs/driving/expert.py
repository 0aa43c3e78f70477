"""Privileged Driving expert: pure pursuit on the lane centreline with speed control.

It reads the route's dense centreline and the lane offset, pursues the point ``lookahead``
metres ahead on the lane centre (Coulter 1992), slows for curvature (lateral acceleration
limit) and keeps a gap to the vehicle ahead (a simple adaptive cruise control). It proves the
task solvable, gives imitation data and bounds route completion.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import constants as C


class DrivingExpert:
    """``act(env) -> action`` for ``DrivingEnv`` (pass the env or any wrapper of it).

    Args:
        cruise: target speed on straights (m/s).
        lateral_accel: curvature speed limit, v² |k| ≤ this (m/s²).
        lookahead: pursuit distance at rest (m); grows by 0.3 s × speed.
    """

    def __init__(
        self, cruise: float = C.CRUISE_SPEED, lateral_accel: float = 1.0, lookahead: float = 0.45
    ) -> None:
        self.cruise, self.lateral_accel, self.lookahead = cruise, lateral_accel, lookahead

    def act(self, env: Any) -> np.ndarray | int:
        base = env.unwrapped
        ep = base.episode
        road = ep.road
        xy, yaw = base.car_pose()
        speed = base.speed()
        i = road.locate(xy)
        s = float(road.s[i])
        ld = self.lookahead + 0.3 * max(speed, 0.0)
        offset = ep.lane_centre
        if any(s - 0.8 < o < s + ld + 0.8 for _, o in ep.obstacles):
            offset += 0.07  # give obstacles at the right edge some room
        tx, ty, _ = road.pose_at(s + ld, offset)
        dx, dy = tx - xy[0], ty - xy[1]
        alpha = np.arctan2(dy, dx) - yaw
        dist = max(np.hypot(dx, dy), 1e-3)
        delta = np.arctan2(2 * C.WHEELBASE * np.sin(alpha), dist)
        steer = float(np.clip(delta / C.MAX_STEER, -1.0, 1.0))

        ahead = road.curvature[road.index(s + np.linspace(0, 1.5 + speed, 8))]
        k = float(np.max(np.abs(ahead)))
        target = min(self.cruise, np.sqrt(self.lateral_accel / k) if k > 0 else self.cruise)
        gap, lead = base.lead_vehicle()
        if gap < C.LIDAR_RANGE:  # keep ~0.5 m plus 0.6 s of headway
            target = min(target, max(0.0, lead + 1.2 * (gap - 0.5 - 0.6 * speed)))
        throttle = float(np.clip(2.5 * (target - speed), -1.0, 1.0))
        if base.action_mode == "discrete":
            return _discrete(steer, throttle)
        return np.array([steer, throttle], np.float32)


def _discrete(steer: float, throttle: float) -> int:
    names = list(C.DISCRETE_ACTIONS)
    if abs(steer) > 0.25:
        return names.index("left" if steer > 0 else "right")
    if throttle < -0.3:
        return names.index("brake")
    return names.index("gas" if throttle > 0.1 else "coast")
