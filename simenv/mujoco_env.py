"""MuJoCo engine base: the compiled model, its data, the cameras' renderer, named read-outs.

A family subclasses :class:`MujocoEnv` (the episode lifecycle comes from
:class:`simenv.env.SimEnv`), builds its model with ``mujoco.MjSpec`` in ``_build`` and hands
it to :meth:`set_model`. Physics is read by name through :meth:`body`, :meth:`geom`, ….

Cameras are drawn by :meth:`draw` with ``renderer="batch"`` (default: ``simenv.render``,
OpenGL through EGL, one pass for every output) or ``renderer="mujoco"`` (MuJoCo's own
``mjr_render``, the reference). A :class:`View` names a camera and the geom groups it shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import mujoco
import numpy as np

from .core import check_choice
from .env import SimEnv
from .randomization import Param
from .render import BatchRenderer, MujocoScene, fitted
from .rendering import Frame, MujocoRenderer

EpisodeT = TypeVar("EpisodeT")
RENDERERS = ("batch", "mujoco")
OUTPUTS = ("rgb", "depth", "segmentation", "transparent_depth")


@dataclass(frozen=True)
class View:
    """A camera the env draws: its name and the geom groups shown (``MjvOption.geomgroup``)."""

    camera: str
    geomgroup: tuple[int, int, int, int, int, int] = (1, 1, 1, 0, 0, 0)


class MujocoEnv(SimEnv[EpisodeT]):
    """Engine base: ``model``/``data``, the camera renderers, name look-ups.

    Args:
        renderer: ``"batch"`` (``simenv.render``) or ``"mujoco"`` (``mjr_render``).
        Others: :class:`~simenv.env.SimEnv`'s.

    A family tunes its batch-renderer scenes with ``scene_options`` (keyword arguments of
    :class:`~simenv.render.MujocoScene`, e.g. a coarser ``vertex_spacing``).
    """

    scene_options: ClassVar[Mapping[str, Any]] = {}

    def __init__(
        self,
        params: Sequence[Param],
        randomization: Any,
        dr_scale: float,
        render_mode: str | None,
        camera_size: tuple[int, int],
        render_size: tuple[int, int],
        dt: float,
        renderer: str = "batch",
    ) -> None:
        super().__init__(params, randomization, dr_scale, render_mode, camera_size, render_size, dt)
        self.renderer_name: str = check_choice("renderer", renderer, RENDERERS)
        self.model: mujoco.MjModel | None = None
        self.data: mujoco.MjData | None = None
        self._reference: MujocoRenderer | None = None
        self._batches: dict[tuple[View, tuple[int, int]], BatchRenderer] = {}
        self._scenes: dict[View, MujocoScene] = {}
        self._options: dict[View, mujoco.MjvOption] = {}

    # ------------------------------------------------------------------ model handling
    def set_model(self, model: mujoco.MjModel) -> None:
        """Use a newly compiled model (new geometry, textures, lights) with fresh data."""
        self.model = model
        self.data = mujoco.MjData(model)
        self._scenes.clear()  # rebuilt from the new model on the next draw
        if self._reference is not None:
            self._reference.set_model(model)

    def upload_textures(self, texture_ids: Sequence[int]) -> None:
        """Push textures whose ``model.tex_data`` changed in place to the renderers."""
        for scene in self._scenes.values():
            for texid in texture_ids:
                scene.upload_texture(texid)
        if self._reference is not None:
            for texid in texture_ids:
                self._reference.upload_texture(texid)

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

    # ------------------------------------------------------------------ cameras
    def draw(self, view: View, size: tuple[int, int], outputs: Sequence[str] = ("rgb",)) -> Frame:
        """What ``view`` sees now at ``size``: any of ``rgb``, ``depth`` (metres, through
        transparent surfaces), ``segmentation`` (geom ids, -1 background) and
        ``transparent_depth`` (the nearest transparent surface, ``inf`` where none; the batch
        renderer only), drawn in one pass by the batch renderer."""
        for out in outputs:
            check_choice("output", out, OUTPUTS)
        if self.renderer_name == "mujoco":
            return self._draw_reference(view, size, outputs)
        key = (view, size)
        scene = self.scene(view)
        batch = self._batches[key] = fitted(
            self._batches.get(key), 1, size, scene.texture_size, scene.texture_layers
        )  # (a rebuilt model's textures may differ)
        if batch.scene(0) is not scene.scene:
            batch.set_scene(0, scene.scene)
        scene.update(self.data)
        return Frame.of(batch.render(outputs), 0)

    @classmethod
    def capture_all(
        cls, envs: Sequence[SimEnv[Any]], which: Sequence[int], cache: dict[str, Any]
    ) -> list[Frame | None]:
        """Every env's observation camera in one batch-renderer pass (scene ``i`` is env
        ``i``'s; frames for the envs in ``which``)."""
        mujoco_envs = [e for e in envs if isinstance(e, MujocoEnv)]
        requests = [e._camera_request() for e in mujoco_envs]
        first = requests[0]
        if (
            len(mujoco_envs) < len(envs)
            or first is None
            or any(r != first for r in requests)
            or any(e.renderer_name != "batch" for e in mujoco_envs)
        ):
            return super().capture_all(envs, which, cache)
        scenes = [e.scene(first.view) for e in mujoco_envs]
        texture_size = max(s.texture_size for s in scenes)
        layers = max(s.texture_layers for s in scenes)
        batch = cache["mujoco"] = fitted(
            cache.get("mujoco"), len(envs), first.size, texture_size, layers
        )  # (a rebuilt model may need more)
        for slot, (env, scene) in enumerate(zip(mujoco_envs, scenes)):
            if batch.scene(slot) is not scene.scene:
                batch.set_scene(slot, scene.scene)
            scene.update(env.data)
        frames = batch.render(first.outputs)
        return [Frame.of(frames, i) for i in which]

    def scene(self, view: View) -> MujocoScene:
        """The batch renderer's scene of ``view`` for the current model (made on first use,
        remade after :meth:`set_model`); a vector env draws it with the others."""
        scene = self._scenes.get(view)
        if scene is None:
            scene = self._scenes[view] = MujocoScene(
                self.model, view.camera, geomgroup=view.geomgroup, **self.scene_options
            )
        return scene

    def _draw_reference(self, view: View, size: tuple[int, int], outputs: Sequence[str]) -> Frame:
        option = self._options.get(view)
        if option is None:
            option = self._options[view] = mujoco.MjvOption()
            option.geomgroup[:] = np.asarray(view.geomgroup, np.uint8)
        frame = self.reference_renderer.render(
            self.data,
            self.camera(view.camera),
            size,
            rgb="rgb" in outputs,
            depth="depth" in outputs,
            segmentation="segmentation" in outputs,
            option=option,
        )
        if "transparent_depth" in outputs:
            frame.transparent_depth = self._reference_transparent_depth(view, size)
        return frame

    def _reference_transparent_depth(self, view: View, size: tuple[int, int]) -> np.ndarray:
        """The nearest transparent surface's depth with MuJoCo's renderer (which draws no
        depth for transparent geoms): a family with glass supplies its own pass."""
        raise ValueError(
            f"{type(self).__name__} draws no transparent_depth with "
            "renderer='mujoco'; use renderer='batch'"
        )

    @property
    def reference_renderer(self) -> MujocoRenderer:
        """MuJoCo's own renderer for this model (parity checks, the reference paths)."""
        if self._reference is None:
            assert self.model is not None, "reset() the environment before rendering"
            self._reference = MujocoRenderer(self.model)
        return self._reference

    def _release(self) -> None:
        for batch in self._batches.values():
            batch.close()
        self._batches.clear()
        self._scenes.clear()
        if self._reference is not None:
            self._reference.close()
            self._reference = None
