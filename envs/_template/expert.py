"""Privileged template expert: a PD controller that pushes the puck onto the target."""

from __future__ import annotations

from typing import Any

import numpy as np


class TemplateExpert:
    """``act(env) -> action`` for ``TemplateEnv`` (the env or any wrapper of it).

    Args:
        kp: force per metre of error (action units).
        kd: damping per m/s of puck speed (action units).
    """

    def __init__(self, kp: float = 8.0, kd: float = 1.5) -> None:
        self.kp, self.kd = kp, kd

    def act(self, env: Any) -> np.ndarray:
        base = env.unwrapped
        error = base.episode.target - base.puck_xy()
        force = self.kp * error - self.kd * base.puck_velocity()
        return np.clip(force, -1.0, 1.0).astype(np.float32)
