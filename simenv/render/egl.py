"""Headless OpenGL contexts on EGL: device choice, creation with one clear error, and a
guard that makes a context current for a block and restores whatever was current before.

Device choice (``device=None``): ``$SIMENV_EGL_DEVICE`` if set, else the first EGL device
that is not a software rasteriser (an NVIDIA GPU on a GPU machine), else device 0 (Mesa's
llvmpipe on a CPU machine). Restoring the previous context matters because other code in the
process — MuJoCo's own renderer, another batch renderer — keeps its context current and
draws without checking.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from simenv.rendering import RenderingError

GL_VERSION = 430  # multi-draw indirect with base instance
_EGL_EXTENSIONS = 0x3055
_EGL_DRAW, _EGL_READ = 0x3059, 0x305A
_SOFTWARE = "EGL_MESA_device_software"
_FIX = (
    "install an EGL driver (apt install libegl1 libgl1-mesa-dri for Mesa llvmpipe, or the "
    "NVIDIA driver), or pick another device with SIMENV_EGL_DEVICE=<index>"
)


@dataclass(frozen=True)
class DeviceInfo:
    """What a context runs on."""

    index: int
    vendor: str
    renderer: str
    version: str
    software: bool


class _Egl:
    """The few libEGL entry points used here, loaded once per process."""

    def __init__(self) -> None:
        path = ctypes.util.find_library("EGL")
        if path is None:
            raise RenderingError(f"the batch renderer found no libEGL; {_FIX}")
        lib = ctypes.CDLL(path)
        self.path = path
        # GL entry points: glvnd's libOpenGL (no X11 needed) where present, else libGL
        self.libgl = (
            ctypes.util.find_library("OpenGL") or ctypes.util.find_library("GL") or "libGL.so.1"
        )
        vp = ctypes.c_void_p
        lib.eglGetProcAddress.restype = vp
        lib.eglGetProcAddress.argtypes = [ctypes.c_char_p]
        for name in ("eglGetCurrentContext", "eglGetCurrentDisplay"):
            getattr(lib, name).restype = vp
            getattr(lib, name).argtypes = []
        lib.eglGetCurrentSurface.restype = vp
        lib.eglGetCurrentSurface.argtypes = [ctypes.c_int]
        lib.eglMakeCurrent.restype = ctypes.c_uint
        lib.eglMakeCurrent.argtypes = [vp, vp, vp, vp]
        self.lib = lib
        query = lib.eglGetProcAddress(b"eglQueryDevicesEXT")
        string = lib.eglGetProcAddress(b"eglQueryDeviceStringEXT")
        self.query_devices = (
            ctypes.CFUNCTYPE(
                ctypes.c_uint, ctypes.c_int, ctypes.POINTER(vp), ctypes.POINTER(ctypes.c_int)
            )(query)
            if query
            else None
        )
        self.device_string = (
            ctypes.CFUNCTYPE(ctypes.c_char_p, vp, ctypes.c_int)(string) if string else None
        )

    def device_extensions(self) -> list[str]:
        """The extension string of every EGL device, in index order."""
        if self.query_devices is None or self.device_string is None:
            return []
        count = ctypes.c_int(0)
        if not self.query_devices(0, None, ctypes.byref(count)) or count.value <= 0:
            return []
        devices = (ctypes.c_void_p * count.value)()
        self.query_devices(count.value, devices, ctypes.byref(count))
        return [(self.device_string(d, _EGL_EXTENSIONS) or b"").decode() for d in devices]

    def current(self) -> tuple[Any, Any, Any, Any]:
        lib = self.lib
        return (
            lib.eglGetCurrentDisplay(),
            lib.eglGetCurrentSurface(_EGL_DRAW),
            lib.eglGetCurrentSurface(_EGL_READ),
            lib.eglGetCurrentContext(),
        )

    def make_current(self, state: tuple[Any, Any, Any, Any]) -> None:
        self.lib.eglMakeCurrent(*state)


@lru_cache(maxsize=1)
def _egl() -> _Egl:
    return _Egl()


def devices() -> list[str]:
    """The extension string of every EGL device, in index order (an NVIDIA GPU lists
    ``EGL_NV_device_cuda``, Mesa's software rasteriser ``EGL_MESA_device_software``)."""
    return _egl().device_extensions()


def choose_device(device: int | None) -> int:
    """The EGL device index to use (see the module docstring)."""
    if device is None:
        env = os.environ.get("SIMENV_EGL_DEVICE", "").strip()
        if env:
            if not env.isdigit():
                raise ValueError(f"SIMENV_EGL_DEVICE must be a device index, got {env!r}")
            return int(env)
        exts = _egl().device_extensions()
        return next((i for i, e in enumerate(exts) if _SOFTWARE not in e), 0)
    if isinstance(device, bool) or not isinstance(device, int) or device < 0:
        raise ValueError(f"device must be None or an EGL device index >= 0, got {device!r}")
    return device


class GLFunctions:
    """OpenGL entry points moderngl does not wrap, called through ctypes."""

    def __init__(self, raw: Any) -> None:
        u, i, vp = ctypes.c_uint, ctypes.c_int, ctypes.c_void_p

        def load(name: str, *args: Any, restype: Any = None) -> Any:
            ptr = raw.load(name)
            if not ptr:
                raise RenderingError(f"the OpenGL driver lacks {name}")
            return ctypes.CFUNCTYPE(restype, *args)(ptr)

        self.clear_buffer_fv = load("glClearBufferfv", u, i, vp)
        self.clear_buffer_iv = load("glClearBufferiv", u, i, vp)
        self.tex_sub_image_3d = load("glTexSubImage3D", u, i, i, i, i, i, i, i, u, u, vp)
        self.tex_image_3d = load("glTexImage3D", u, i, i, i, i, i, i, u, u, vp)
        self.gen_textures = load("glGenTextures", i, vp)
        self.delete_textures = load("glDeleteTextures", i, vp)
        self.bind_texture = load("glBindTexture", u, u)
        self.tex_parameter_i = load("glTexParameteri", u, u, i)
        self.get_tex_image = load("glGetTexImage", u, i, u, u, vp)
        self.clear_tex_sub_image = load("glClearTexSubImage", u, i, i, i, i, i, i, i, u, u, vp)
        self.gen_framebuffers = load("glGenFramebuffers", i, vp)
        self.delete_framebuffers = load("glDeleteFramebuffers", i, vp)
        self.bind_framebuffer = load("glBindFramebuffer", u, u)
        self.framebuffer_texture = load("glFramebufferTexture", u, u, u, i)
        self.framebuffer_texture_layer = load("glFramebufferTextureLayer", u, u, u, i, i)
        self.draw_buffers = load("glDrawBuffers", i, vp)
        self.read_buffer = load("glReadBuffer", u)
        self.check_framebuffer_status = load("glCheckFramebufferStatus", u, restype=u)
        self.depth_mask = load("glDepthMask", ctypes.c_ubyte)
        self.viewport = load("glViewport", i, i, i, i)
        self.pixel_store_i = load("glPixelStorei", u, i)
        self.read_pixels = load("glReadPixels", i, i, i, i, u, u, vp)


@dataclass
class Context:
    """A moderngl context with its EGL handle (``raw``), extra GL functions and device."""

    ctx: Any
    raw: Any
    gl: GLFunctions
    device: DeviceInfo
    handle: Any = None  # the EGLContext (to tell whether it is current already)


def create_context(device: int | None = None) -> Context:
    """A standalone moderngl context (OpenGL 4.3 core) on an EGL device, or one
    :class:`~simenv.rendering.RenderingError` naming what was tried."""
    import glcontext
    import moderngl

    lib = _egl()
    index = choose_device(device)
    saved = lib.current()
    try:
        raw = glcontext.get_backend_by_name("egl")(
            mode="standalone",
            glversion=GL_VERSION,
            device_index=index,
            libegl=lib.path,
            libgl=lib.libgl,
        )
        ctx = moderngl.create_context(require=GL_VERSION, standalone=True, context=raw)
    except Exception as err:  # every backend failure becomes one clear error
        lib.make_current(saved)
        raise RenderingError(
            f"the batch renderer could not create an OpenGL {GL_VERSION // 100}."
            f"{GL_VERSION // 10 % 10} context on EGL device {index} via {lib.path} and "
            f"{lib.libgl} "
            f"({type(err).__name__}: {err}); {_FIX}"
        ) from err
    try:
        info = ctx.info  # queried while the new context is current
        functions = GLFunctions(raw)
        handle = lib.lib.eglGetCurrentContext()
    except Exception:
        ctx.release()
        raise
    finally:
        _restore(lib, saved, raw)
    renderer = str(info.get("GL_RENDERER", "?"))
    device_info = DeviceInfo(
        index,
        str(info.get("GL_VENDOR", "?")),
        renderer,
        str(info.get("GL_VERSION", "?")),
        any(s in renderer.lower() for s in ("llvmpipe", "softpipe")),
    )
    return Context(ctx, raw, functions, device_info, handle)


def _restore(lib: _Egl, saved: tuple[Any, Any, Any, Any], raw: Any) -> None:
    """Make ``saved`` current again; if nothing was current, unbind ``raw``'s context."""
    if saved[3]:
        lib.make_current(saved)
    else:
        raw.__exit__()


@contextmanager
def current(context: Context) -> Iterator[None]:
    """Make ``context`` current for the block, then restore the previously current one."""
    lib = _egl()
    if context.handle and lib.lib.eglGetCurrentContext() == context.handle:
        yield  # current already (a nested block): nothing to switch or restore
        return
    saved = lib.current()
    context.raw.__enter__()
    try:
        yield
    finally:
        _restore(lib, saved, context.raw)
