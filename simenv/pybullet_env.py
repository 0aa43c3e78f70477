"""PyBullet engine base: one physics client per env, its cameras, close.

A family subclasses :class:`PybulletEnv` (the episode lifecycle comes from
:class:`simenv.env.SimEnv`) and builds what lives as long as the client in
:meth:`_on_connect`. The client connects lazily in the process that first uses it (safe under
``fork``, pickling and ``AsyncVectorEnv``) and is disconnected by ``close()``.

Cameras are :class:`PybulletView`\\ s drawn by PyBullet's TinyRenderer (``renderer="tiny"``)
or its EGL plugin (``"egl"``, OpenGL on an NVIDIA GPU; ``"auto"`` picks it when one is
present). A view's sky (a vertical gradient where nothing is drawn) and haze (exponential
distance fog) are composited onto PyBullet's image.
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
from .rendering import Frame

EpisodeT = TypeVar("EpisodeT")
RENDERERS = ("auto", "tiny", "egl")


def gpu_present() -> bool:
    """Whether an NVIDIA GPU is visible (EGL rendering is only faster there)."""
    return os.path.exists("/dev/nvidiactl")


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
        renderer: ``"auto"`` (EGL with an NVIDIA GPU, else TinyRenderer), ``"tiny"``,
            ``"egl"``.
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
        renderer: str = "auto",
    ) -> None:
        super().__init__(params, randomization, dr_scale, render_mode, camera_size, render_size,
                         dt)
        check_choice("renderer", renderer, RENDERERS)
        if renderer == "auto":
            renderer = "egl" if gpu_present() else "tiny"
        self.renderer_name: str = renderer
        self._client: BulletClient | None = None
        self._pid = -1

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
            self._on_connect(self._client)
        return self._client

    def _on_connect(self, client: BulletClient) -> None:
        """Build what lives for the client's lifetime (tasks override)."""

    def draw(self, view: PybulletView, size: tuple[int, int],
             outputs: Sequence[str] = ("rgb",)) -> Frame:
        """What ``view`` sees now at ``size``: ``rgb`` (sky and haze composited), ``depth``
        (metres along the optical axis) and ``segmentation`` (body ids, -1 background)."""
        h, w = size
        proj = pybullet.computeProjectionMatrixFOV(view.fov, w / h, view.near, view.far)
        segmentation = "segmentation" in outputs
        flags = 0 if segmentation else pybullet.ER_NO_SEGMENTATION_MASK
        r = pybullet.ER_TINY_RENDERER if self.renderer_name == "tiny" else \
            pybullet.ER_BULLET_HARDWARE_OPENGL
        _, _, rgba, zbuf, seg = self.client.getCameraImage(
            w, h, view.view, proj, renderer=r, flags=flags, shadow=0, **view.light)
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
        if self._client is not None and self._pid == os.getpid():
            try:
                self._client.disconnect()
            except pybullet.error:  # already gone
                pass
        self._client = None
