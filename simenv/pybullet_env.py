"""PyBullet engine base: one physics client per env, its cameras, close.

A family subclasses :class:`PybulletEnv` (the episode lifecycle comes from
:class:`simenv.env.SimEnv`) and builds what lives as long as the client in
:meth:`_on_connect`. The client connects lazily in the process that first uses it (safe under
``fork``, pickling and ``AsyncVectorEnv``) and is disconnected by ``close()``.

Cameras are :class:`PybulletView`\\ s. ``renderer="batch"`` (default) draws them with
``simenv.render`` (OpenGL through EGL; a vector env draws every env's camera in one pass):
the world's visual shapes become a :class:`~simenv.render.pybullet_adapter.PybulletScene`,
the view's sky and haze are part of the pass. ``"tiny"`` (PyBullet's TinyRenderer, the
reference) and ``"egl"`` (PyBullet's EGL plugin) draw with PyBullet and composite the sky
and haze onto its image. A family tells the batch renderer what an episode shows through
:meth:`PybulletEnv._scene_looks` (when PyBullet's own record of colours cannot be trusted),
which bodies move within an episode (:meth:`PybulletEnv._moving_bodies`) and which texture
images it loaded (:meth:`PybulletEnv._scene_textures`).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pybullet
from pybullet_utils.bullet_client import BulletClient

from .core import check_choice
from .env import SimEnv
from .randomization import Param
from .render import BatchRenderer, fitted
from .render.pybullet_adapter import Look, PybulletScene
from .rendering import Frame

EpisodeT = TypeVar("EpisodeT")
RENDERERS = ("batch", "tiny", "egl")
OUTPUTS = ("rgb", "depth", "segmentation")
# getCameraImage's lighting when a view gives none
DEFAULT_LIGHT = {
    "lightDirection": (1.0, 1.0, 1.0),
    "lightColor": (1.0, 1.0, 1.0),
    "lightAmbientCoeff": 0.6,
    "lightDiffuseCoeff": 0.35,
    "lightSpecularCoeff": 0.05,
}
DEFAULT_SKY = (1.0, 1.0, 1.0)  # TinyRenderer's background
TEXTURE_SIZE = 128  # texture-array layer edge for PyBullet worlds' textures


@dataclass
class PybulletView:
    """A pinhole camera on a PyBullet world.

    Args:
        view: OpenGL view matrix (column-major, 16 floats; ``computeViewMatrix``).
        fov: vertical field of view (degrees).
        near, far: clip planes (m); nothing drawn reads ``far``.
        light: ``getCameraImage``'s lighting keywords (``lightDirection``, ``lightColor``,
            ``lightAmbientCoeff``, ``lightDiffuseCoeff``, ``lightSpecularCoeff``).
        zenith, horizon: sky colours in [0, 1], painted top to bottom where nothing is drawn
            (``None``: PyBullet's own background).
        fog_density: haze per metre; a pixel at depth ``d`` mixes ``1 - exp(-density d)`` of
            the horizon colour in (0: none).
    """

    view: Sequence[float]
    fov: float
    near: float
    far: float
    light: Mapping[str, Any] = field(default_factory=dict)
    zenith: np.ndarray | None = None
    horizon: np.ndarray | None = None
    fog_density: float = 0.0


def sky_and_haze(rgb: np.ndarray, depth: np.ndarray, view: PybulletView) -> np.ndarray:
    """``rgb`` with the view's haze blended in and its sky painted where nothing was drawn."""
    if view.zenith is None or view.horizon is None:
        return rgb
    h = rgb.shape[0]
    t = (np.arange(h, dtype=np.float32) / max(h - 1, 1))[:, None, None]
    sky = (view.zenith * (1 - t) + view.horizon * t) * 255.0
    empty = depth >= view.far * 0.999
    out: np.ndarray = rgb.astype(np.float32)
    if view.fog_density > 0:
        f = (1.0 - np.exp(-view.fog_density * depth))[..., None]
        out = out * (1 - f) + view.horizon * 255.0 * f
    out = np.where(empty[..., None], sky, out)
    composite: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
    return composite


class PybulletEnv(SimEnv[EpisodeT]):
    """Engine base: a lazily connected ``BulletClient`` and camera images.

    Args:
        renderer: ``"batch"`` (``simenv.render``), ``"tiny"`` (TinyRenderer) or ``"egl"``
            (PyBullet's EGL plugin, for an NVIDIA GPU).
        Others: :class:`~simenv.env.SimEnv`'s.
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
        renderer: str = "batch",
    ) -> None:
        super().__init__(params, randomization, dr_scale, render_mode, camera_size, render_size, dt)
        self.renderer_name: str = check_choice("renderer", renderer, RENDERERS)
        self._client: BulletClient | None = None
        self._pid = -1
        self._scene: PybulletScene | None = None
        self._scene_token: Any = None
        self._resets = 0
        self._batches: dict[tuple[int, int], BatchRenderer] = {}

    @property
    def client(self) -> BulletClient:
        """The physics client of this process (connected on first use)."""
        self._check_open()
        if self._client is None or self._pid != os.getpid():
            self._client = BulletClient(connection_mode=pybullet.DIRECT)
            self._pid = os.getpid()
            if self.renderer_name == "egl":
                plugin = importlib.util.find_spec("eglRenderer")
                if plugin is None or plugin.origin is None:
                    raise RuntimeError("renderer='egl' needs pybullet's eglRenderer plugin")
                self._client.loadPlugin(plugin.origin, "_eglRendererPlugin")
            self._scene = None
            for batch in self._batches.values():
                batch.close()
            self._batches.clear()
            self._on_connect(self._client)
        return self._client

    def _on_connect(self, client: BulletClient) -> None:
        """Build what lives for the client's lifetime (tasks override)."""

    def _reset_state(self, seed: int | None) -> dict[str, Any]:
        info = super()._reset_state(seed)
        self._resets += 1  # the batch renderer's scene shows the new episode at its next draw
        return info

    # ------------------------------------------------------------------ what a family tells
    def _scene_textures(self) -> Mapping[int, np.ndarray]:
        """Images (H×W×3 uint8) of the texture ids the family loaded (``loadTexture``)."""
        return {}

    def _scene_looks(self) -> list[Look]:
        """``(body, shape index, rgba, texture id or None)`` of every shape drawn now. The
        default reads ``getVisualShapeData``, right for worlds that never recolour single
        shapes of a multi-shape body."""
        c = self.client
        return [
            (body, k, d[7], None)
            for body in range(c.getNumBodies())
            for k, d in enumerate(c.getVisualShapeData(body))
            if d[7][3] > 0
        ]

    def _looks_token(self) -> Any:
        """A value that changes whenever :meth:`_scene_looks` would (default: per reset)."""
        return self._resets

    def _moving_bodies(self) -> Sequence[int]:
        """Bodies whose poses change within an episode (default: every body)."""
        return range(self.client.getNumBodies())

    # ------------------------------------------------------------------ cameras
    def scene(self) -> PybulletScene:
        """The batch renderer's scene of the world as it is now (a vector env draws it with
        the others): made on first use and when the world gains bodies, re-dressed when the
        looks change, moving bodies' poses copied on every call."""
        c = self.client
        bodies = c.getNumBodies()
        if self._scene is None or len(self._scene.bodies) != bodies:
            self._scene = PybulletScene(c, range(bodies), self._scene_textures())
            self._scene_token = None
        token = self._looks_token()
        if token != self._scene_token:
            self._scene.show(self._scene_looks())
            self._scene_token = token
        else:
            self._scene.update(self._moving_bodies())
        return self._scene

    def _frame_view(self, scene: PybulletScene, view: PybulletView) -> None:
        """Camera, sun, sky and haze of ``view`` on the batch renderer's scene."""
        scene.set_view(view.view, view.fov, view.near, view.far)
        light = {**DEFAULT_LIGHT, **view.light}
        scene.set_sun(
            light["lightDirection"],
            light["lightColor"],
            light["lightAmbientCoeff"],
            light["lightDiffuseCoeff"],
            light["lightSpecularCoeff"],
        )
        s = scene.scene
        horizon = DEFAULT_SKY if view.horizon is None else view.horizon
        s.background[:] = horizon
        s.zenith = None if view.zenith is None else np.asarray(view.zenith, np.float64)
        s.fog_color[:] = horizon
        s.fog_density = float(view.fog_density)

    def draw(
        self, view: PybulletView, size: tuple[int, int], outputs: Sequence[str] = ("rgb",)
    ) -> Frame:
        """What ``view`` sees now at ``size``: ``rgb`` (with the view's sky and haze),
        ``depth`` (metres along the optical axis) and ``segmentation`` (batch: indices into
        :attr:`PybulletScene.shapes`; tiny/egl: body ids; -1 background)."""
        for out in outputs:
            check_choice("output", out, OUTPUTS)
        if self.renderer_name != "batch":
            return self._draw_pybullet(view, size, outputs)
        scene = self.scene()
        self._frame_view(scene, view)
        batch = self._batches[size] = fitted(
            self._batches.get(size), 1, size, TEXTURE_SIZE, max(1, len(scene.textures))
        )
        if batch.scene(0) is not scene.scene:
            batch.set_scene(0, scene.scene)
        return Frame.of(batch.render(outputs), 0)

    @classmethod
    def capture_all(
        cls, envs: Sequence[SimEnv[Any]], which: Sequence[int], cache: dict[str, Any]
    ) -> list[Frame | None]:
        """Every env's observation camera in one batch-renderer pass (scene ``i`` is env
        ``i``'s; frames for the envs in ``which``)."""
        bullet = [e for e in envs if isinstance(e, PybulletEnv)]
        requests = [e._camera_request() for e in bullet]
        first = requests[0] if requests else None
        if (
            len(bullet) < len(envs)
            or first is None
            or any(
                r is None or (r.size, r.outputs) != (first.size, first.outputs) for r in requests
            )
            or any(e.renderer_name != "batch" for e in bullet)
        ):
            return super().capture_all(envs, which, cache)
        scenes = [e.scene() for e in bullet]
        layers = max(1, max(len(s.textures) for s in scenes))
        batch = cache["pybullet"] = fitted(
            cache.get("pybullet"), len(envs), first.size, TEXTURE_SIZE, layers
        )
        for slot, (scene, request) in enumerate(zip(scenes, requests)):
            assert request is not None
            bullet[slot]._frame_view(scene, request.view)
            if batch.scene(slot) is not scene.scene:
                batch.set_scene(slot, scene.scene)
        frames = batch.render(first.outputs)
        return [Frame.of(frames, i) for i in which]

    def _draw_pybullet(
        self, view: PybulletView, size: tuple[int, int], outputs: Sequence[str]
    ) -> Frame:
        """PyBullet's own renderer, the sky and haze composited onto its image."""
        h, w = size
        proj = pybullet.computeProjectionMatrixFOV(view.fov, w / h, view.near, view.far)
        segmentation = "segmentation" in outputs
        flags = 0 if segmentation else pybullet.ER_NO_SEGMENTATION_MASK
        r = (
            pybullet.ER_TINY_RENDERER
            if self.renderer_name == "tiny"
            else pybullet.ER_BULLET_HARDWARE_OPENGL
        )
        _, _, rgba, zbuf, seg = self.client.getCameraImage(
            w, h, view.view, proj, renderer=r, flags=flags, shadow=0, **view.light
        )
        z = np.asarray(zbuf, np.float32).reshape(h, w)
        depth = view.far * view.near / (view.far - (view.far - view.near) * z)
        frame = Frame(depth=depth if "depth" in outputs else None)
        if "rgb" in outputs:
            rgb = np.ascontiguousarray(np.asarray(rgba, np.uint8).reshape(h, w, 4)[..., :3])
            frame.rgb = sky_and_haze(rgb, depth, view)
        if segmentation:
            frame.segmentation = np.asarray(seg, np.int32).reshape(h, w)
        return frame

    def _release(self) -> None:
        for batch in self._batches.values():
            batch.close()
        self._batches.clear()
        self._scene = None
        if self._client is not None and self._pid == os.getpid():
            try:
                self._client.disconnect()
            except pybullet.error:  # already gone
                pass
        self._client = None
