"""Headless MuJoCo rendering: offscreen RGB, depth in metres and segmentation.

Backend selection happens once, before MuJoCo is imported (``simenv`` calls
:func:`configure_gl` on import): an explicit ``MUJOCO_GL`` wins; otherwise EGL when
``libEGL`` is present, then OSMesa when ``libOSMesa`` is. If no backend can create a context,
:class:`MujocoRenderer` raises one :class:`RenderingError` that names what was tried and how
to fix it (``simenv doctor`` runs the same checks).

Defaults are chosen for software GL, where they matter most: no shadows (~25× slower on
llvmpipe), no multisampling (~3×), no reflections, no skybox, no post-processing.

A renderer creates its GL context lazily in the process that first renders and never
shares it across ``fork``: an environment built in the parent and used in a forked
``AsyncVectorEnv`` worker gets a fresh context there.
"""

from __future__ import annotations

import ctypes.util
import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

_BACKENDS = ("egl", "osmesa")
_LIBS = {"egl": "EGL", "osmesa": "OSMesa"}


class RenderingError(RuntimeError):
    """No headless OpenGL backend could render."""


def configure_gl() -> str:
    """Pick the headless GL backend (``MUJOCO_GL``) before MuJoCo is imported; return it."""
    chosen = os.environ.get("MUJOCO_GL", "").lower().strip()
    if not chosen:
        chosen = next((b for b in _BACKENDS if ctypes.util.find_library(_LIBS[b])), "egl")
        os.environ["MUJOCO_GL"] = chosen
    if chosen in _BACKENDS:
        os.environ.setdefault("PYOPENGL_PLATFORM", chosen)
    return chosen


def _gl_context_class(backend: str) -> Any:
    if backend == "egl":
        from mujoco.egl import GLContext
    elif backend == "osmesa":
        from mujoco.osmesa import GLContext
    elif backend == "glfw":
        from mujoco.glfw import GLContext
    else:
        raise RenderingError(
            f"MUJOCO_GL={backend!r} is not supported; valid values: egl, osmesa, glfw"
        )
    return GLContext


def _no_backend_error(backend: str, err: BaseException) -> RenderingError:
    return RenderingError(
        f"cannot create an OpenGL context with MUJOCO_GL={backend} ({type(err).__name__}: "
        f"{err}); install Mesa EGL (apt install libegl1 libgl1-mesa-dri) or OSMesa "
        "(apt install libosmesa6) and set MUJOCO_GL=egl or osmesa; `simenv doctor` checks both"
    )


@dataclass
class Frame:
    """What one camera saw; fields are ``None`` unless requested."""

    rgb: np.ndarray | None = None  # (H, W, 3) uint8
    depth: np.ndarray | None = None  # (H, W) float32, metres along the optical axis
    segmentation: np.ndarray | None = None  # (H, W) int32 geom id, -1 for background
    # (H, W) float32 metres to the nearest transparent surface, inf where there is none
    transparent_depth: np.ndarray | None = None

    @classmethod
    def of(cls, batch: Any, slot: int) -> Frame:
        """Scene ``slot``'s images of a batch render (a :class:`simenv.render.BatchFrame`)."""
        return cls(
            *(
                None if a is None else a[slot]
                for a in (batch.rgb, batch.depth, batch.segmentation, batch.transparent_depth)
            )
        )


# id() of the MujocoRenderer whose GL context is current, per thread (as OpenGL's own
# current context is): a renderer makes its context current only when another one is
_THREAD = threading.local()


def _current() -> int | None:
    return getattr(_THREAD, "renderer", None)


class MujocoRenderer:
    """Offscreen renderer for one MuJoCo model; any number of cameras and sizes.

    Args:
        model: the compiled model; its ``vis.global_.offwidth/offheight`` bound the image size.
        shadows: render shadows (off by default; very slow on software GL).
    """

    def __init__(self, model: Any, *, shadows: bool = False) -> None:
        import mujoco

        self._mj = mujoco
        self.model = model
        self.shadows = shadows
        self._pid: int | None = None
        self._gl: Any = None
        self._con: Any = None
        self._scene = mujoco.MjvScene(model, maxgeom=2000)
        self._flags(self._scene)
        self._cam = mujoco.MjvCamera()
        self._option = mujoco.MjvOption()
        self._buffers: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def _flags(self, scene: Any) -> None:
        f = self._mj.mjtRndFlag
        scene.flags[f.mjRND_SHADOW] = int(self.shadows)
        scene.flags[f.mjRND_REFLECTION] = 0
        scene.flags[f.mjRND_SKYBOX] = 0
        scene.flags[f.mjRND_POST_PROCESSING] = 0

    # ------------------------------------------------------------------ context lifecycle
    def _ensure_context(self) -> None:
        """Create this renderer's GL context, or make it current if another one is.

        Several renderers (e.g. two envs in one process) each own a context; rendering with
        another renderer's context current would draw this scene with its textures.
        """
        pid = os.getpid()
        if self._con is not None and self._pid == pid:
            if _current() != id(self):
                self._make_current()
            return
        if self._pid is not None and self._pid != pid:
            # Inherited through fork: the parent's context is not ours to use or free.
            self._gl = self._con = None
        backend = os.environ.get("MUJOCO_GL", "egl").lower()
        try:
            ctx_cls = _gl_context_class(backend)
            width = self.model.vis.global_.offwidth
            height = self.model.vis.global_.offheight
            self._gl = ctx_cls(width, height)
            self._make_current()
            self._con = self._mj.MjrContext(self.model, self._mj.mjtFontScale.mjFONTSCALE_100)
        except RenderingError:
            raise
        except Exception as err:  # every backend failure becomes one clear error
            self._free_gl()
            raise _no_backend_error(backend, err) from err
        self._mj.mjr_setBuffer(self._mj.mjtFramebuffer.mjFB_OFFSCREEN, self._con)
        self._pid = pid

    def set_model(self, model: Any) -> None:
        """Switch to a rebuilt model (new geometry, textures, lights)."""
        self.model = model
        self._scene = self._mj.MjvScene(model, maxgeom=2000)
        self._flags(self._scene)
        if self._con is not None and self._pid == os.getpid():
            self._make_current()
            self._con.free()
            self._con = self._mj.MjrContext(model, self._mj.mjtFontScale.mjFONTSCALE_100)
            self._mj.mjr_setBuffer(self._mj.mjtFramebuffer.mjFB_OFFSCREEN, self._con)

    def upload_texture(self, texid: int) -> None:
        """Push a texture whose ``model.tex_data`` changed in place to the GPU."""
        if self._con is not None and self._pid == os.getpid():
            self._make_current()
            self._mj.mjr_uploadTexture(self.model, self._con, texid)

    def _make_current(self) -> None:
        self._gl.make_current()
        _THREAD.renderer = id(self)

    def _free_gl(self) -> None:
        if _current() == id(self):
            _THREAD.renderer = None
        if self._con is not None:
            self._con.free()
        if self._gl is not None:
            self._gl.free()
        self._con = self._gl = None

    def close(self) -> None:
        """Release the GL context (safe to call twice; a no-op in a forked copy)."""
        if self._pid == os.getpid():
            self._free_gl()
        self._con = self._gl = None
        self._pid = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: modules may be gone
            pass

    # ------------------------------------------------------------------ rendering
    def render(
        self,
        data: Any,
        camera: int | Any,
        size: tuple[int, int],
        *,
        rgb: bool = True,
        depth: bool = False,
        segmentation: bool = False,
        option: Any = None,
    ) -> Frame:
        """Render ``camera`` (a camera id, or an ``MjvCamera``) at ``size=(height, width)``."""
        mj = self._mj
        self._ensure_context()
        height, width = size
        if camera is None or isinstance(camera, (int, np.integer)):
            self._cam.type = mj.mjtCamera.mjCAMERA_FIXED
            self._cam.fixedcamid = -1 if camera is None else int(camera)
            cam = self._cam
        else:
            cam = camera
        opt = option if option is not None else self._option
        mj.mjv_updateScene(self.model, data, opt, None, cam, mj.mjtCatBit.mjCAT_ALL, self._scene)
        viewport = mj.MjrRect(0, 0, width, height)
        color, zbuf = self._buffer(height, width)
        frame = Frame()
        if rgb or depth:
            mj.mjr_render(viewport, self._scene, self._con)
            mj.mjr_readPixels(color if rgb else None, zbuf if depth else None, viewport, self._con)
            if rgb:
                frame.rgb = color[::-1].copy()
            if depth:
                frame.depth = self._linear_depth(zbuf[::-1])
        if segmentation:
            frame.segmentation = self._segment(viewport, color)
        return frame

    def _buffer(self, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        key = (height, width)
        if key not in self._buffers:
            self._buffers[key] = (
                np.empty((height, width, 3), np.uint8),
                np.empty((height, width), np.float32),
            )
        return self._buffers[key]

    def _linear_depth(self, zbuf: np.ndarray) -> np.ndarray:
        extent = self.model.stat.extent
        near = self.model.vis.map.znear * extent
        far = self.model.vis.map.zfar * extent
        depth: np.ndarray = (near / (1.0 - zbuf * (1.0 - near / far))).astype(np.float32)
        return depth

    def _segment(self, viewport: Any, color: np.ndarray) -> np.ndarray:
        mj, scene = self._mj, self._scene
        flags = mj.mjtRndFlag
        scene.flags[flags.mjRND_SEGMENT] = 1
        scene.flags[flags.mjRND_IDCOLOR] = 1
        try:
            mj.mjr_render(viewport, scene, self._con)
            mj.mjr_readPixels(color, None, viewport, self._con)
        finally:
            scene.flags[flags.mjRND_SEGMENT] = 0
            scene.flags[flags.mjRND_IDCOLOR] = 0
        ids = color[::-1].astype(np.int32)
        segid = ids[..., 0] + (ids[..., 1] << 8) + (ids[..., 2] << 16)
        lookup = np.full(scene.ngeom + 1, -1, np.int32)
        for i in range(scene.ngeom):
            g = scene.geoms[i]
            if g.objtype == mj.mjtObj.mjOBJ_GEOM and g.segid >= 0:
                lookup[g.segid + 1] = g.objid
        seg: np.ndarray = lookup[np.clip(segid, 0, scene.ngeom)]
        return seg


def probe_backend(backend: str, size: int = 64) -> tuple[bool, str]:
    """Try one backend in a fresh process; ``(works, message)``. Used by ``simenv doctor``."""
    import subprocess
    import sys

    code = (
        "import mujoco, numpy as np, time;"
        "from simenv.rendering import MujocoRenderer;"
        'm = mujoco.MjModel.from_xml_string(\'<mujoco><worldbody><light pos="0 0 3"/>'
        '<geom type="sphere" size=".2" rgba="1 0 0 1"/>'
        '<camera name="c" pos="0 -1 0" xyaxes="1 0 0 0 0 1"/></worldbody></mujoco>\');'
        "d = mujoco.MjData(m); mujoco.mj_forward(m, d); r = MujocoRenderer(m);"
        f"f = r.render(d, 0, ({size}, {size})); t = time.perf_counter();"
        f"[r.render(d, 0, ({size}, {size})) for _ in range(20)];"
        "ms = (time.perf_counter() - t) / 20 * 1e3; r.close();"
        "red = f.rgb[..., 0].mean() > f.rgb[..., 2].mean();"
        "print(f'ok {ms:.2f} ms/frame' if red else 'rendered a blank frame')"
    )
    env = dict(os.environ, MUJOCO_GL=backend, PYOPENGL_PLATFORM=backend)
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        return False, "timed out after 60 s"
    text = out.stdout.strip() or out.stderr.strip().splitlines()[-1:] or ["no output"]
    message = text if isinstance(text, str) else text[0]
    return out.returncode == 0 and message.startswith("ok"), message
