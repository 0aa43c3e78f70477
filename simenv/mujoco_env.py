"""Thin base for MuJoCo environments: model swap, stepping, cameras, render modes, close.

A task subclasses :class:`MujocoEnv` and implements ``reset``/``step`` with its own scene
builder; this class owns only the engine boilerplate (STYLE.md: "one base class owns the
engine boilerplate"). Physics is read by name through :meth:`body`, :meth:`geom`, ….
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import mujoco
import numpy as np

from .core import (
    RENDER_MODES,
    check_camera_size,
    check_render_mode,
    close_windows,
    render_output,
)
from .rendering import Frame, MujocoRenderer


class MujocoEnv(gym.Env[dict[str, np.ndarray], Any]):
    """Engine base: holds ``model``/``data``, a lazily created renderer and the render mode.

    Args:
        render_mode: ``None``, ``"rgb_array"`` or ``"human"`` (an OpenCV window; needs a
            display).
        camera_size: observation image ``(height, width)``.
        render_size: ``render()`` image ``(height, width)``.
    """

    metadata: dict[str, Any] = {"render_modes": list(RENDER_MODES), "render_fps": 5}

    def __init__(
        self,
        render_mode: str | None,
        camera_size: tuple[int, int],
        render_size: tuple[int, int],
    ) -> None:
        self.render_mode = check_render_mode(render_mode)
        self.camera_size = check_camera_size(camera_size)
        self.render_size = check_camera_size(render_size)
        self.model: mujoco.MjModel | None = None
        self.data: mujoco.MjData | None = None
        self._renderer: MujocoRenderer | None = None

    # ------------------------------------------------------------------ model handling
    def _set_model(self, model: mujoco.MjModel) -> None:
        self.model = model
        self.data = mujoco.MjData(model)
        if self._renderer is not None:
            self._renderer.set_model(model)

    @property
    def renderer(self) -> MujocoRenderer:
        if self._renderer is None:
            assert self.model is not None, "reset() the environment before rendering"
            self._renderer = MujocoRenderer(self.model)
        return self._renderer

    def _id(self, obj: mujoco.mjtObj, name: str) -> int:
        idx = mujoco.mj_name2id(self.model, obj, name)
        if idx < 0:
            raise KeyError(f"no {obj.name[6:].lower()} named {name!r} in the model")
        return idx

    def body(self, name: str) -> int:
        return self._id(mujoco.mjtObj.mjOBJ_BODY, name)

    def geom(self, name: str) -> int:
        return self._id(mujoco.mjtObj.mjOBJ_GEOM, name)

    def joint(self, name: str) -> int:
        return self._id(mujoco.mjtObj.mjOBJ_JOINT, name)

    def actuator(self, name: str) -> int:
        return self._id(mujoco.mjtObj.mjOBJ_ACTUATOR, name)

    def camera(self, name: str) -> int:
        return self._id(mujoco.mjtObj.mjOBJ_CAMERA, name)

    def _render_camera(
        self, camera: str, size: tuple[int, int], option: Any = None, **kinds: bool
    ) -> Frame:
        return self.renderer.render(self.data, self.camera(camera), size, option=option, **kinds)

    # ------------------------------------------------------------------ gymnasium API
    def _render_frame(self) -> np.ndarray:
        """The ``render()`` image; tasks override to choose their view."""
        raise NotImplementedError

    def render(self) -> np.ndarray | None:  # type: ignore[override]
        return render_output(self.render_mode, self._render_frame)

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
        if self.render_mode == "human":
            close_windows()
        super().close()
