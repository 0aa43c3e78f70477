"""Thin base for PyBullet environments: one physics client per env, camera images, close.

Images come from PyBullet's CPU TinyRenderer, or from its EGL plugin (OpenGL on a GPU) when
an NVIDIA device is present: ``renderer="auto"`` picks, ``"tiny"``/``"egl"`` override. The
physics client connects lazily in the process that first uses it (safe under ``fork``,
pickling and ``AsyncVectorEnv``) and is disconnected by :meth:`close`.
"""

from __future__ import annotations

import os
from typing import Any

import gymnasium as gym
import numpy as np
import pybullet
from pybullet_utils.bullet_client import BulletClient

from .core import (
    RENDER_MODES,
    check_camera_size,
    check_choice,
    check_render_mode,
    close_windows,
    render_output,
)
from .rendering import Frame

RENDERERS = ("auto", "tiny", "egl")


def gpu_present() -> bool:
    """Whether an NVIDIA GPU is visible (EGL rendering is only faster there)."""
    return os.path.exists("/dev/nvidiactl")


class PybulletEnv(gym.Env[dict[str, np.ndarray], Any]):
    """Engine base: a lazily connected ``BulletClient`` and camera images.

    Args:
        render_mode: ``None``, ``"rgb_array"`` or ``"human"`` (an OpenCV window; needs a
            display).
        camera_size: observation image ``(height, width)``.
        render_size: ``render()`` image ``(height, width)``.
        renderer: ``"auto"`` (EGL with an NVIDIA GPU, else TinyRenderer), ``"tiny"``, ``"egl"``.
    """

    metadata: dict[str, Any] = {"render_modes": list(RENDER_MODES), "render_fps": 20}

    def __init__(
        self,
        render_mode: str | None,
        camera_size: tuple[int, int],
        render_size: tuple[int, int],
        renderer: str = "auto",
    ) -> None:
        self.render_mode = check_render_mode(render_mode)
        self.camera_size = check_camera_size(camera_size)
        self.render_size = check_camera_size(render_size)
        check_choice("renderer", renderer, RENDERERS)
        if renderer == "auto":
            renderer = "egl" if gpu_present() else "tiny"
        self.renderer = renderer
        self._client: BulletClient | None = None
        self._pid = -1

    @property
    def client(self) -> BulletClient:
        """The physics client of this process (connected on first use)."""
        if self._client is None or self._pid != os.getpid():
            self._client = BulletClient(connection_mode=pybullet.DIRECT)
            self._pid = os.getpid()
            if self.renderer == "egl":
                import importlib.util

                plugin = importlib.util.find_spec("eglRenderer")
                if plugin is None or plugin.origin is None:
                    raise RuntimeError("renderer='egl' needs pybullet's eglRenderer plugin")
                self._client.loadPlugin(plugin.origin, "_eglRendererPlugin")
            self._on_connect(self._client)
        return self._client

    def _on_connect(self, client: BulletClient) -> None:
        """Build what lives for the client's lifetime (tasks override)."""

    def camera_image(
        self,
        view: np.ndarray,
        fov: float,
        size: tuple[int, int],
        *,
        near: float,
        far: float,
        depth: bool = False,
        segmentation: bool = False,
        **light: Any,
    ) -> Frame:
        """RGB (and metric depth / body ids) from a camera with an OpenGL ``view`` matrix
        (column-major, 16 floats) and vertical ``fov`` in degrees. ``light`` takes
        ``getCameraImage``'s ``lightDirection``, ``lightColor``, ``lightAmbientCoeff``, …"""
        h, w = size
        proj = pybullet.computeProjectionMatrixFOV(fov, w / h, near, far)
        flags = 0 if segmentation else pybullet.ER_NO_SEGMENTATION_MASK
        r = pybullet.ER_TINY_RENDERER if self.renderer == "tiny" else \
            pybullet.ER_BULLET_HARDWARE_OPENGL
        _, _, rgba, zbuf, seg = self.client.getCameraImage(
            w, h, view, proj, renderer=r, flags=flags, shadow=0, **light)
        frame = Frame(rgb=np.ascontiguousarray(np.asarray(rgba, np.uint8).reshape(h, w, 4)[
            ..., :3]))
        if depth:
            z = np.asarray(zbuf, np.float32).reshape(h, w)
            frame.depth = far * near / (far - (far - near) * z)
        if segmentation:
            frame.segmentation = np.asarray(seg, np.int32).reshape(h, w)
        return frame

    # ------------------------------------------------------------------ gymnasium API
    def _render_frame(self) -> np.ndarray:
        """The ``render()`` image; tasks override to choose their view."""
        raise NotImplementedError

    def render(self) -> np.ndarray | None:
        return render_output(self.render_mode, self._render_frame)

    def close(self) -> None:
        if self._client is not None and self._pid == os.getpid():
            try:
                self._client.disconnect()
            except pybullet.error:  # already gone
                pass
        self._client = None
        if self.render_mode == "human":
            close_windows()
        super().close()
