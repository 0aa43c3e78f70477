"""The batch renderer: N scenes' cameras drawn in one pass into tiles of one framebuffer.

Every frame:

1. the drawn instances of all scenes (visible, not fully transparent, inside their camera's
   frustum) go into one instance buffer, the cameras and lights into per-scene data;
2. the opaque instances are drawn with instancing, one indirect draw command per mesh, into
   the tiles of a framebuffer with three targets: colour, metric depth along the optical axis
   and segment id. Each scene's clip space is squeezed into its tile and clipped to it with
   ``gl_ClipDistance``. Instances lit per pixel first get a depth-only pass, so that each
   pixel's lighting is evaluated once;
3. transparent instances (alpha < 0.995) are blended over the colour without writing depth,
   sorted per scene by distance from the camera (``transparency="mujoco"``: front to back,
   then back to front, as MuJoCo's classic renderer does; ``"sorted"``: back to front);
4. when segmentation or ``transparent_depth`` is asked for, the transparent instances are
   drawn once more into their own depth and segment targets, depth-tested against the
   opaque scene: the nearest transparent surface in front of it;
5. each requested target is read back once for all scenes.

How scene data reach the shaders decides the number of draw calls (``scene_data``): with a
storage buffer, one multi-draw call draws every scene (GPUs); with plain uniforms, one
multi-draw call per scene (llvmpipe, where uniform loads are several times cheaper than
buffer loads). Either way it is one framebuffer, one clear and one read-back per output.

Scene textures live in layers of texture arrays: scene slot ``i`` owns its own layers, so a
new episode in one scene re-uploads only those. With more layers than one array holds, the
slots are split over several arrays and the draw is issued once per array.

The GL context is created on the first EGL device that is not a software rasteriser (else
Mesa's llvmpipe; see :mod:`simenv.render.egl`), made current only for the duration of each
call, and the previously current context is restored. A renderer used in a process forked
after its creation makes itself a new context there and never touches the parent's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from simenv.core import check_camera_size

from . import egl, frame
from .glstate import GLState
from .resources import MeshArena, texture_layers
from .scene import Scene

OUTPUTS = ("rgb", "depth", "segmentation", "transparent_depth")
Transparency = Literal["mujoco", "sorted"]
TRANSPARENCY: tuple[Transparency, ...] = ("mujoco", "sorted")
SceneDataChoice = Literal["auto", "uniform", "storage"]
SCENE_DATA: tuple[SceneDataChoice, ...] = ("auto", "uniform", "storage")
MAX_FRAMEBUFFER = 16384  # OpenGL 4.1+ guarantees this texture size
# GL state inherited through fork: kept referenced so that nothing in the child ever
# destroys it (it belongs to the parent)
_INHERITED: list[Any] = []


@dataclass
class BatchFrame:
    """One render of all scenes; a field is ``None`` unless requested.

    ``depth`` is in metres along each camera's optical axis through the opaque scene (the
    camera's ``far`` where nothing was drawn); ``transparent_depth`` is the depth of the
    nearest transparent surface in front of it (``inf`` where there is none);
    ``segmentation`` holds the segment id of the nearest instance, transparent ones
    included (-1 for background).
    """

    rgb: np.ndarray | None = None  # (N, H, W, 3) uint8
    depth: np.ndarray | None = None  # (N, H, W) float32
    segmentation: np.ndarray | None = None  # (N, H, W) int32
    transparent_depth: np.ndarray | None = None  # (N, H, W) float32

    def surface_depth(self) -> np.ndarray:
        """Depth with transparent surfaces treated as opaque (needs ``depth`` and
        ``transparent_depth``)."""
        if self.depth is None or self.transparent_depth is None:
            raise ValueError("surface_depth needs the depth and transparent_depth outputs")
        out: np.ndarray = np.minimum(self.depth, self.transparent_depth)
        return out


class BatchRenderer:
    """Draws the cameras of up to ``num_scenes`` scenes in one pass.

    Args:
        num_scenes: scene slots; every render draws all of them (empty slots stay
            black).
        size: ``(height, width)`` of each scene's image, integers in 1..512.
        texture_size: edge of a texture-array layer (a power of two); textures of another
            size are resampled to it.
        texture_layers: layers each slot owns (a 2D texture takes one, a cube six).
        device: EGL device index; ``None`` picks one (see :mod:`simenv.render.egl`).
        transparency: ``"mujoco"`` blends transparent instances front to back and then back
            to front (MuJoCo's classic renderer), ``"sorted"`` back to front once.
        scene_data: how cameras and lights reach the shaders: ``"storage"`` (one storage
            buffer, one multi-draw call for all scenes: GPUs), ``"uniform"`` (uniforms set per
            scene, one multi-draw call per scene: several times faster on llvmpipe), or
            ``"auto"`` (uniform on a software rasteriser, storage otherwise).

    Raises:
        ValueError: a bad argument (one line naming it).
        simenv.rendering.RenderingError: no EGL device/driver could give an OpenGL context.
    """

    def __init__(self, num_scenes: int, size: tuple[int, int], *, texture_size: int = 64,
                 texture_layers: int = 8, device: int | None = None,
                 transparency: Transparency = "mujoco",
                 scene_data: SceneDataChoice = "auto") -> None:
        self.num_scenes = _positive_int("num_scenes", num_scenes)
        self.size = check_camera_size(size)
        self.texture_size = _positive_int("texture_size", texture_size)
        if self.texture_size & (self.texture_size - 1):
            raise ValueError(f"texture_size must be a power of two, got {texture_size!r}")
        self.texture_layers = _positive_int("texture_layers", texture_layers, 0)
        self.transparency = _choice("transparency", transparency, TRANSPARENCY)
        self._scene_data = _choice("scene_data", scene_data, SCENE_DATA)
        cols = math.ceil(math.sqrt(self.num_scenes))
        self.grid = (cols, math.ceil(self.num_scenes / cols))
        fb = (self.grid[0] * self.size[1], self.grid[1] * self.size[0])
        if max(fb) > MAX_FRAMEBUFFER:
            raise ValueError(f"{self.num_scenes} scenes of {self.size} need a {fb} framebuffer,"
                             f" over {MAX_FRAMEBUFFER} px; use fewer scenes per renderer")
        self._device_request = device
        self._scenes: list[Scene | None] = [None] * self.num_scenes
        self._slot_meshes: list[np.ndarray] = [np.zeros(0, np.int64)] * self.num_scenes
        self._uploaded: list[np.ndarray] = [np.zeros(0, np.int64)] * self.num_scenes
        self._arena = MeshArena()
        self._gl: GLState | None = None
        self._pid = -1
        self._closed = False
        self._slots_per_array = self.num_scenes
        self._state()  # fail now, with one clear error, if there is no GL

    # ------------------------------------------------------------------ context lifecycle
    @property
    def device(self) -> egl.DeviceInfo:
        """The EGL device and OpenGL renderer this renderer draws with."""
        return self._state().context.device

    @property
    def scene_data(self) -> str:
        """``"uniform"`` or ``"storage"``: how scene data reach the shaders (see above)."""
        return self._state().scene_data

    def _state(self) -> GLState:
        if self._closed:
            raise RuntimeError("this BatchRenderer is closed")
        if self._gl is not None and self._pid == os.getpid():
            return self._gl
        if self._gl is not None:  # inherited through fork: the parent's, not ours to free
            _INHERITED.append(self._gl)
            self._gl = None
        context = egl.create_context(self._device_request)
        mode = self._scene_data
        if mode == "auto":
            mode = "uniform" if context.device.software else "storage"
        with egl.current(context):
            max_layers = int(context.ctx.info["GL_MAX_ARRAY_TEXTURE_LAYERS"])
            if self.texture_layers > max_layers:
                context.ctx.release()
                raise ValueError(f"texture_layers={self.texture_layers} exceeds the device's "
                                 f"{max_layers} layers per texture array")
            per = self.num_scenes if not self.texture_layers else max_layers // self.texture_layers
            self._slots_per_array = per
            layers = [min(per, self.num_scenes - g) * self.texture_layers
                      for g in range(0, self.num_scenes, per)]
            gl = GLState(context, self.num_scenes, self.size, self.grid, layers,
                         self.texture_size, mode)
        self._gl, self._pid = gl, os.getpid()
        self._arena.needs_rewrite = True
        self._uploaded = [np.full(len(v), -1, np.int64) for v in self._uploaded]
        return gl

    def close(self) -> None:
        """Release every GL object and the context (idempotent; GL state inherited through
        fork belongs to the parent and is left alone)."""
        gl, self._gl = self._gl, None
        self._closed = True
        self._scenes = [None] * self.num_scenes
        if gl is None:
            return
        if self._pid != os.getpid():
            _INHERITED.append(gl)
            return
        with egl.current(gl.context):
            gl.release()
            gl.ctx.release()

    def __enter__(self) -> BatchRenderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: modules may be gone
            pass

    # ------------------------------------------------------------------ scenes
    def set_scene(self, slot: int, scene: Scene | None) -> None:
        """Draw ``scene`` in tile ``slot`` from now on (``None`` empties the slot). Its meshes
        are uploaded unless another scene already uses them; its textures are uploaded at
        the next render."""
        self._check_slot(slot)
        if scene is not None and scene.texture_layers > self.texture_layers:
            raise ValueError(f"the scene's textures need {scene.texture_layers} layers; this "
                             f"renderer gives each scene {self.texture_layers} (texture_layers)")
        for mid in self._slot_meshes[slot]:
            self._arena.release(int(mid))
        self._scenes[slot] = scene
        meshes = [] if scene is None else scene.meshes
        self._slot_meshes[slot] = np.array([self._arena.acquire(m) for m in meshes], np.int64)
        self._uploaded[slot] = np.full(0 if scene is None else len(scene.textures), -1, np.int64)
        self._arena.compact_if_wasteful()

    def scene(self, slot: int) -> Scene | None:
        """The scene drawn in ``slot``."""
        self._check_slot(slot)
        return self._scenes[slot]

    def _check_slot(self, slot: int) -> None:
        if isinstance(slot, bool) or not isinstance(slot, (int, np.integer)) \
                or not 0 <= slot < self.num_scenes:
            raise ValueError(f"slot must be an integer in 0..{self.num_scenes - 1}, got {slot!r}")

    # ------------------------------------------------------------------ rendering
    def render(self, outputs: Iterable[str] = ("rgb",)) -> BatchFrame:
        """Draw every scene and read back ``outputs`` (any of ``rgb``, ``depth``,
        ``segmentation``, ``transparent_depth``) for all of them."""
        wanted = _check_outputs(outputs)
        gl = self._state()
        with egl.current(gl.context):
            self._sync_meshes(gl)
            self._sync_textures(gl)
            rows, lights = frame.scene_rows(self._scenes, self.size[1] / self.size[0])
            features = [0 if s is None else frame.features(s) for s in self._scenes]
            draws = self._draw_list(gl)
            gl.write_frame(draws.floats, draws.ints, draws.commands, rows)
            glass = bool(draws.glass) and bool(wanted & {"segmentation", "transparent_depth"})
            gl.clear(self._backgrounds(), self.size, glass)
            self._draw_opaque(gl, draws.opaque, rows, lights, features)
            if draws.blend and "rgb" in wanted:
                gl.fbo_blend.use()
                gl.ctx.enable(gl.ctx.BLEND)
                gl.draw(draws.blend, rows, lights, features)
                gl.ctx.disable(gl.ctx.BLEND)
            if glass:
                gl.fbo_glass.use()
                gl.draw(draws.glass, rows, lights, features, depth_only=True)
            return self._read(gl, wanted, glass)

    def _draw_opaque(self, gl: GLState, runs: list[frame.Run], rows: np.ndarray,
                     lights: list[tuple[int, ...]], features: list[int]) -> None:
        """Opaque instances: the depth of those lit per pixel first, then those lit per
        vertex, then the per-pixel ones shaded where they are in front: every pixel's
        lighting is evaluated once."""
        pixel = [r for r in runs if r.pixel]
        if pixel:
            gl.fbo_depth.use()
            gl.draw(pixel, rows, lights, features, depth_only=True)
            gl.fbo_main.use()
        gl.draw([r for r in runs if not r.pixel], rows, lights, features)
        gl.draw(pixel, rows, lights, features)

    def _sync_meshes(self, gl: GLState) -> None:
        arena = self._arena
        if not arena.needs_rewrite and not arena.pending:
            return
        rewrite = arena.needs_rewrite or 4 * 8 * arena.vertices > gl.vbo.size \
            or 4 * arena.indices > gl.ibo.size
        gl.write_meshes(arena.blocks(None if rewrite else arena.pending), arena.vertices,
                        arena.indices, rewrite)
        arena.pending.clear()
        arena.needs_rewrite = False

    def _sync_textures(self, gl: GLState) -> None:
        per = self._slots_per_array
        for slot, scene in enumerate(self._scenes):
            if scene is None:
                continue
            stale = np.flatnonzero(self._uploaded[slot] != scene.texture_versions)
            offsets = scene.texture_layer_offsets
            for k in stale:
                for j, image in enumerate(texture_layers(scene.textures[k], self.texture_size)):
                    layer = (slot % per) * self.texture_layers + offsets[k] + j
                    gl.write_layer(slot // per, layer, image)
                self._uploaded[slot][k] = scene.texture_versions[k]

    def _draw_list(self, gl: GLState) -> frame.DrawList:
        per = self._slots_per_array
        slots = [frame.Slot(s, scene, self._slot_meshes[s], (s % per) * self.texture_layers)
                 for s, scene in enumerate(self._scenes) if scene is not None]
        inst = frame.instances(slots, self.size[1] / self.size[0])
        return frame.draw_list(inst, self._arena.table(), per, gl.scene_data == "uniform",
                               self.transparency == "mujoco")

    def _backgrounds(self) -> list[tuple[int, np.ndarray]]:
        return [(s, np.append(scene.background, 1.0).astype(np.float32))
                for s, scene in enumerate(self._scenes) if scene is not None]

    def _read(self, gl: GLState, wanted: frozenset[str], glass: bool) -> BatchFrame:
        out = BatchFrame()
        if "rgb" in wanted:
            out.rgb = self._tiles(gl.read(gl.fbo_main, 0, 3, "f1"), np.uint8, 3)
        if "depth" in wanted:
            depth = self._tiles(gl.read(gl.fbo_main, 1, 1, "f4"), np.float32, 1)
            far = np.array([s.camera.far if s is not None else np.inf for s in self._scenes],
                           np.float32)
            out.depth = np.where(np.isinf(depth), far[:, None, None], depth)
        if "segmentation" in wanted:
            seg = self._tiles(gl.read(gl.fbo_main, 2, 1, "i4"), np.int32, 1)
            if glass:
                front = self._tiles(gl.read(gl.fbo_glass, 1, 1, "i4"), np.int32, 1)
                seg = np.where(front >= 0, front, seg)
            out.segmentation = seg
        if "transparent_depth" in wanted:
            out.transparent_depth = (
                self._tiles(gl.read(gl.fbo_glass, 0, 1, "f4"), np.float32, 1) if glass
                else np.full((self.num_scenes, *self.size), np.inf, np.float32))
        return out

    def _tiles(self, data: bytes, dtype: Any, channels: int) -> np.ndarray:
        """Framebuffer bytes (bottom row first) → ``(N, H, W[, C])`` per scene."""
        (cols, rows), (h, w) = self.grid, self.size
        img = np.frombuffer(data, dtype).reshape(rows * h, cols * w, channels)[::-1]
        tiles = img.reshape(rows, h, cols, w, channels).transpose(0, 2, 1, 3, 4)
        out = tiles.reshape(rows * cols, h, w, channels)[:self.num_scenes]
        return np.ascontiguousarray(out if channels > 1 else out[..., 0])


def _check_outputs(outputs: Iterable[str]) -> frozenset[str]:
    names = (outputs,) if isinstance(outputs, str) else tuple(outputs)
    bad = [o for o in names if o not in OUTPUTS]
    if bad or not names:
        raise ValueError(f"unknown render outputs {bad or names!r}; valid: {', '.join(OUTPUTS)}")
    return frozenset(names)


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _choice(name: str, value: Any, valid: Sequence[str]) -> Any:
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    return value


def render_scenes(scenes: Sequence[Scene], size: tuple[int, int],
                  outputs: Iterable[str] = ("rgb",), **kwargs: Any) -> BatchFrame:
    """Render ``scenes`` once with a temporary renderer (convenience for scripts and tests)."""
    layers = max((s.texture_layers for s in scenes), default=0)
    kwargs.setdefault("texture_layers", layers)
    with BatchRenderer(len(scenes), size, **kwargs) as r:
        for i, scene in enumerate(scenes):
            r.set_scene(i, scene)
        return r.render(outputs)
