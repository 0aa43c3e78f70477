"""MuJoCo engine base: the compiled model, its data, a renderer and named read-outs.

A family subclasses :class:`MujocoEnv` (the episode lifecycle comes from
:class:`simenv.env.SimEnv`), builds its model with ``mujoco.MjSpec`` in ``_build`` and hands
it to :meth:`set_model`. Physics is read by name through :meth:`body`, :meth:`geom`, ….
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import mujoco

from .env import SimEnv
from .randomization import Param
from .rendering import Frame, MujocoRenderer

EpisodeT = TypeVar("EpisodeT")


class MujocoEnv(SimEnv[EpisodeT]):
    """Engine base: ``model``/``data``, a lazily created renderer, name look-ups.

    Arguments are :class:`~simenv.env.SimEnv`'s.
    """

    def __init__(
        self,
        params: Sequence[Param],
        randomization: Any,
        dr_scale: float,
        render_mode: str | None,
        camera_size: tuple[int, int],
        render_size: tuple[int, int],
        dt: float,
    ) -> None:
        super().__init__(params, randomization, dr_scale, render_mode, camera_size, render_size,
                         dt)
        self.model: mujoco.MjModel | None = None
        self.data: mujoco.MjData | None = None
        self._renderer: MujocoRenderer | None = None

    # ------------------------------------------------------------------ model handling
    def set_model(self, model: mujoco.MjModel) -> None:
        """Use a newly compiled model (new geometry, textures, lights) with fresh data."""
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

    def upload_textures(self, texture_ids: Sequence[int]) -> None:
        """Push textures whose ``model.tex_data`` changed in place to the renderer."""
        if self._renderer is not None:
            for texid in texture_ids:
                self._renderer.upload_texture(texid)

    def _id(self, obj: mujoco.mjtObj, name: str) -> int:
        idx = mujoco.mj_name2id(self.model, obj, name)
        if idx < 0:
            raise KeyError(f"no {obj.name[6:].lower()} named {name!r} in the model")
        return int(idx)

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

    def site(self, name: str) -> int:
        return self._id(mujoco.mjtObj.mjOBJ_SITE, name)

    def texture(self, name: str) -> int:
        return self._id(mujoco.mjtObj.mjOBJ_TEXTURE, name)

    def material(self, name: str) -> int:
        return self._id(mujoco.mjtObj.mjOBJ_MATERIAL, name)

    def light(self, name: str) -> int:
        return self._id(mujoco.mjtObj.mjOBJ_LIGHT, name)

    def render_camera(
        self, camera: str | int, size: tuple[int, int], option: Any = None, **kinds: bool
    ) -> Frame:
        """One camera's frame (``rgb``/``depth``/``segmentation`` keywords choose what)."""
        cam = self.camera(camera) if isinstance(camera, str) else camera
        return self.renderer.render(self.data, cam, size, option=option, **kinds)

    def _release(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
