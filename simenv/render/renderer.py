"""The batch renderer: N scenes' cameras drawn in one pass into tiles of one framebuffer.

Every frame:

1. the instances of all scenes go into one instance buffer and the cameras and lights into a
   float texture (one row per scene);
2. the opaque instances are drawn with instancing, one indirect draw command per mesh (one
   multi-draw call per texture array), into the tiles of a framebuffer with three targets:
   colour, metric depth along the optical axis and segment id;
3. transparent instances (alpha < 0.995) are blended over the colour without writing depth,
   sorted per scene by distance from the camera (``transparency="mujoco"``: front to back,
   then back to front, as MuJoCo's classic renderer does; ``"sorted"``: back to front);
4. when segmentation or ``transparent_depth`` is asked for, the transparent instances are
   drawn once more into their own depth and segment targets, depth-tested against the
   opaque scene: the nearest transparent surface in front of it;
5. each requested target is read back once for all scenes.

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

from . import egl, shaders
from .resources import VERTEX_FLOATS, MeshArena, mip_chain, texture_layers
from .scene import MAX_LIGHTS, TRANSPARENT_ALPHA, Scene

OUTPUTS = ("rgb", "depth", "segmentation", "transparent_depth")
Transparency = Literal["mujoco", "sorted"]
TRANSPARENCY: tuple[Transparency, ...] = ("mujoco", "sorted")
SCENE_WIDTH = shaders.SCENE_TEXELS_FIXED + shaders.TEXELS_PER_LIGHT * MAX_LIGHTS
_GL_COLOR, _GL_DEPTH = 0x1800, 0x1801
_GL_TEXTURE_2D_ARRAY, _GL_RGBA, _GL_UNSIGNED_BYTE = 0x8C1A, 0x1908, 0x1401
_GL_CLIP_DISTANCE0 = 0x3000
_INSTANCE_FLOATS = (  # attribute, floats
    ("i_m0", 4), ("i_m1", 4), ("i_m2", 4), ("i_n0", 3), ("i_n1", 3), ("i_n2", 3),
    ("i_rgba", 4), ("i_mat", 4), ("i_trep", 3), ("i_toff", 2))
_ROW = sum(n for _, n in _INSTANCE_FLOATS)
_ALPHA = 12 + 9 + 3  # column of the rgba alpha in an instance row
# contexts inherited through fork: kept referenced so that nothing in the child ever
# destroys them (they belong to the parent)
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
        return np.minimum(self.depth, self.transparent_depth)


@dataclass
class _Batch:
    """One frame's instance rows and draw commands."""

    floats: np.ndarray  # (M, _ROW) float32
    ints: np.ndarray  # (M, 4) int32
    commands: np.ndarray  # (C, 5) uint32
    opaque: list[tuple[int, int, int]]  # (texture array, first command, count)
    transparent: list[tuple[int, int, int]]


class _GLState:
    """Every GL object of one renderer in one process."""

    def __init__(self, context: egl.Context, n: int, size: tuple[int, int],
                 grid: tuple[int, int], array_layers: list[int], texture_size: int) -> None:
        ctx = self.ctx = context.ctx
        self.context = context
        self.shade = ctx.program(vertex_shader=shaders.source(shaders.VERTEX, "LIGHTING"),
                                 fragment_shader=shaders.source(shaders.SHADE))
        self.depth = ctx.program(vertex_shader=shaders.source(shaders.VERTEX),
                                 fragment_shader=shaders.source(shaders.DEPTH))
        self.vbo = ctx.buffer(reserve=4 * VERTEX_FLOATS * 1024)
        self.ibo = ctx.buffer(reserve=4 * 3 * 1024)
        self.inst_f = ctx.buffer(reserve=4 * _ROW * 256)
        self.inst_i = ctx.buffer(reserve=4 * 4 * 256)
        self.commands = ctx.buffer(reserve=4 * 5 * 256)
        self.vao_shade = self._vertex_array(self.shade)
        self.vao_depth = self._vertex_array(self.depth)
        self.scenes = ctx.buffer(reserve=n * SCENE_WIDTH * 16)
        self.arrays = [self._texture_array(texture_size, layers) for layers in array_layers]
        self.clamped = ctx.sampler(repeat_x=False, repeat_y=False,
                                   filter=(ctx.LINEAR_MIPMAP_LINEAR, ctx.LINEAR))
        h, w = size
        fb = (grid[0] * w, grid[1] * h)
        self.color = ctx.texture(fb, 4)
        self.lin_depth = ctx.texture(fb, 1, dtype="f4")
        self.segment = ctx.texture(fb, 1, dtype="i4")
        self.glass_depth = ctx.texture(fb, 1, dtype="f4")
        self.glass_segment = ctx.texture(fb, 1, dtype="i4")
        self.depth_buffer = ctx.depth_renderbuffer(fb)
        self.fbo_main = ctx.framebuffer([self.color, self.lin_depth, self.segment],
                                        self.depth_buffer)
        self.fbo_blend = ctx.framebuffer([self.color], self.depth_buffer)
        self.fbo_glass = ctx.framebuffer([self.glass_depth, self.glass_segment],
                                         self.depth_buffer)
        self.fbo_blend.depth_mask = False
        for program in (self.shade, self.depth):
            program["u_grid"] = grid
            program["u_width"] = SCENE_WIDTH
        self.shade["u_textures"] = 0
        self.shade["u_cube"] = 2
        ctx.enable(ctx.DEPTH_TEST | ctx.CULL_FACE)
        ctx.depth_func = "<="
        ctx.front_face = "ccw"
        ctx.cull_face = "back"
        ctx.blend_func = ctx.SRC_ALPHA, ctx.ONE_MINUS_SRC_ALPHA
        for i in range(4):
            ctx.enable_direct(_GL_CLIP_DISTANCE0 + i)

    def _vertex_array(self, program: Any) -> Any:
        per_vertex = [("in_pos", 3), ("in_nrm", 3), ("in_uv", 2)]
        content = [
            _layout(program, self.vbo, per_vertex, ""),
            _layout(program, self.inst_f, list(_INSTANCE_FLOATS), "/i"),
            _layout(program, self.inst_i, [("i_ids", 4)], "/i", kind="i"),
        ]
        return self.ctx.vertex_array(program, content, index_buffer=self.ibo,
                                     index_element_size=4)

    def _texture_array(self, size: int, layers: int) -> Any:
        ctx = self.ctx
        array = ctx.texture_array((size, size, max(layers, 1)), 4)
        array.filter = (ctx.LINEAR_MIPMAP_LINEAR, ctx.LINEAR)
        array.build_mipmaps()  # allocates every level; levels are then written per layer
        return array

    def release(self) -> None:
        for name in ("vao_shade", "vao_depth", "shade", "depth", "vbo", "ibo", "inst_f",
                     "inst_i", "commands", "scenes", "fbo_main", "fbo_blend", "fbo_glass",
                     "color", "lin_depth", "segment", "glass_depth", "glass_segment",
                     "depth_buffer", "clamped"):
            getattr(self, name).release()
        for array in self.arrays:
            array.release()
        self.arrays = []


def _layout(program: Any, buffer: Any, attrs: list[tuple[str, int]], suffix: str,
            kind: str = "f") -> tuple[Any, ...]:
    """A vertex-array binding; attributes a program does not use become padding."""
    fmt, names = [], []
    for name, n in attrs:
        if name in program:
            fmt.append(f"{n}{kind}")
            names.append(name)
        else:
            fmt.append(f"{4 * n}x")
    return (buffer, " ".join(fmt) + suffix, *names)


class BatchRenderer:
    """Draws the cameras of up to ``num_scenes`` scenes in one pass.

    Args:
        num_scenes: scene slots; every render draws all of them (empty slots stay
            background).
        size: ``(height, width)`` of each scene's image, integers in 1..512.
        texture_size: edge of a texture-array layer (a power of two); textures of another
            size are resampled to it.
        texture_layers: layers each slot owns (a 2D texture takes one, a cube six).
        device: EGL device index; ``None`` picks one (see :mod:`simenv.render.egl`).
        transparency: ``"mujoco"`` blends transparent instances front to back and then back
            to front (MuJoCo's classic renderer), ``"sorted"`` back to front once.

    Raises:
        ValueError: a bad argument (one line naming it).
        simenv.rendering.RenderingError: no EGL device/driver could give an OpenGL context.
    """

    def __init__(self, num_scenes: int, size: tuple[int, int], *, texture_size: int = 64,
                 texture_layers: int = 8, device: int | None = None,
                 transparency: Transparency = "mujoco") -> None:
        if isinstance(num_scenes, bool) or not isinstance(num_scenes, (int, np.integer)) \
                or num_scenes < 1:
            raise ValueError(f"num_scenes must be a positive integer, got {num_scenes!r}")
        self.size = check_camera_size(size)
        if isinstance(texture_size, bool) or not isinstance(texture_size, (int, np.integer)) \
                or texture_size < 1 or texture_size & (texture_size - 1):
            raise ValueError(f"texture_size must be a power of two, got {texture_size!r}")
        if isinstance(texture_layers, bool) or not isinstance(texture_layers, (int, np.integer)) \
                or texture_layers < 0:
            raise ValueError(f"texture_layers must be an integer >= 0, got {texture_layers!r}")
        if transparency not in TRANSPARENCY:
            raise ValueError(f"unknown transparency {transparency!r}; valid: "
                             f"{', '.join(TRANSPARENCY)}")
        self.num_scenes = int(num_scenes)
        self.texture_size = int(texture_size)
        self.texture_layers = int(texture_layers)
        self.transparency = transparency
        cols = math.ceil(math.sqrt(self.num_scenes))
        self.grid = (cols, math.ceil(self.num_scenes / cols))
        self._device_request = device
        self._scenes: list[Scene | None] = [None] * self.num_scenes
        self._slot_meshes: list[np.ndarray] = [np.zeros(0, np.int64)] * self.num_scenes
        self._uploaded: list[np.ndarray] = [np.zeros(0, np.int64)] * self.num_scenes
        self._arena = MeshArena()
        self._gl: _GLState | None = None
        self._pid = -1
        self._closed = False
        self._state()  # fail now, with one clear error, if there is no GL

    # ------------------------------------------------------------------ context lifecycle
    @property
    def device(self) -> egl.DeviceInfo:
        """The EGL device and OpenGL renderer this renderer draws with."""
        return self._state().context.device

    def _state(self) -> _GLState:
        if self._closed:
            raise RuntimeError("this BatchRenderer is closed")
        if self._gl is not None and self._pid == os.getpid():
            return self._gl
        if self._gl is not None:  # inherited through fork: the parent's, not ours to free
            _INHERITED.append(self._gl)
            self._gl = None
        context = egl.create_context(self._device_request)
        fb = (self.grid[0] * self.size[1], self.grid[1] * self.size[0])
        limit = int(context.ctx.info.get("GL_MAX_TEXTURE_SIZE", 16384)) if False else 16384
        if max(fb) > limit:
            context.ctx.release()
            raise ValueError(f"{self.num_scenes} scenes of {self.size} need a {fb} framebuffer,"
                             f" over the {limit} px limit; use fewer scenes per renderer")
        with egl.current(context):
            max_layers = int(context.ctx.info["GL_MAX_ARRAY_TEXTURE_LAYERS"])
            self._group_slots = self._slots_per_array(max_layers)
            layers = [min(self._group_slots, self.num_scenes - g) * self.texture_layers
                      for g in range(0, self.num_scenes, self._group_slots)]
            gl = _GLState(context, self.num_scenes, self.size, self.grid, layers,
                          self.texture_size)
        self._gl, self._pid = gl, os.getpid()
        self._arena.needs_rewrite = True
        self._uploaded = [np.full(len(v), -1, np.int64) for v in self._uploaded]
        return gl

    def _slots_per_array(self, max_layers: int) -> int:
        if self.texture_layers > max_layers:
            raise ValueError(f"texture_layers={self.texture_layers} exceeds the device's "
                             f"{max_layers} layers per texture array")
        return self.num_scenes if self.texture_layers == 0 else max_layers // self.texture_layers

    def close(self) -> None:
        """Release every GL object and the context (idempotent; a no-op for GL state
        inherited through fork, which belongs to the parent)."""
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
            batch = self._batch()
            self._upload(gl, batch)
            self._draw(gl, batch, wanted)
            return self._read(gl, wanted)

    def _sync_meshes(self, gl: _GLState) -> None:
        arena = self._arena
        if not arena.needs_rewrite and not arena.pending:
            return
        vbytes, ibytes = 4 * VERTEX_FLOATS * arena.vertices, 4 * arena.indices
        if arena.needs_rewrite or vbytes > gl.vbo.size or ibytes > gl.ibo.size:
            gl.vbo.orphan(max(vbytes * 2, gl.vbo.size))
            gl.ibo.orphan(max(ibytes * 2, gl.ibo.size))
            blocks = arena.blocks()
        else:
            blocks = arena.blocks(arena.pending)
        for base, first, verts, idx in blocks:
            gl.vbo.write(verts, offset=4 * VERTEX_FLOATS * base)
            gl.ibo.write(idx, offset=4 * first)
        arena.pending.clear()
        arena.needs_rewrite = False

    def _sync_textures(self, gl: _GLState) -> None:
        for slot, scene in enumerate(self._scenes):
            if scene is None:
                continue
            stale = np.flatnonzero(self._uploaded[slot] != scene.texture_versions)
            if not len(stale):
                continue
            offsets = _layer_offsets(scene)
            array = gl.arrays[slot // self._group_slots]
            base = (slot % self._group_slots) * self.texture_layers
            array.use(0)
            for k in stale:
                for j, image in enumerate(texture_layers(scene.textures[k], self.texture_size)):
                    self._write_layer(gl, base + offsets[k] + j, image)
                self._uploaded[slot][k] = scene.texture_versions[k]

    def _write_layer(self, gl: _GLState, layer: int, image: np.ndarray) -> None:
        for level, img in enumerate(mip_chain(image)):
            gl.context.gl.tex_sub_image_3d(
                _GL_TEXTURE_2D_ARRAY, level, 0, 0, layer, img.shape[1], img.shape[0], 1,
                _GL_RGBA, _GL_UNSIGNED_BYTE, img.ctypes.data)

    def _batch(self) -> _Batch:
        """Instance rows of every visible instance and the draw commands for them."""
        table = self._arena.table()
        parts = [_scene_instances(s, scene, self._slot_meshes[s], self._slot_layer_base(s))
                 for s, scene in enumerate(self._scenes) if scene is not None]
        if not parts:
            return _Batch(np.zeros((0, _ROW), np.float32), np.zeros((0, 4), np.int32),
                          np.zeros((0, 5), np.uint32), [], [])
        floats = np.concatenate([p[0] for p in parts])
        ints = np.concatenate([p[1] for p in parts])
        mesh = np.concatenate([p[2] for p in parts])
        dist = np.concatenate([p[3] for p in parts])
        transparent = floats[:, _ALPHA] < TRANSPARENT_ALPHA
        array = ints[:, 0] // self._group_slots
        opaque_rows = np.flatnonzero(~transparent)
        opaque_rows = opaque_rows[np.lexsort((mesh[opaque_rows], array[opaque_rows]))]
        glass_rows = np.flatnonzero(transparent)
        glass_rows = glass_rows[np.lexsort((dist[glass_rows], ints[glass_rows, 0],
                                            array[glass_rows]))]
        rows = np.concatenate([opaque_rows, glass_rows])
        cmds, opaque = _opaque_commands(mesh[opaque_rows], array[opaque_rows], table)
        glass_cmds, glass = self._glass_commands(mesh[glass_rows], array[glass_rows], table,
                                                 len(opaque_rows), len(cmds))
        return _Batch(floats[rows], ints[rows], np.concatenate([cmds, glass_cmds]),
                      opaque, glass)

    def _glass_commands(self, mesh: np.ndarray, array: np.ndarray, table: np.ndarray,
                        first_row: int, first_cmd: int
                        ) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
        """One command per transparent instance, front to back (and back again)."""
        cmds, runs = [], []
        for g in np.unique(array):
            idx = np.flatnonzero(array == g)
            one = np.stack([table[mesh[idx], 0], np.ones(len(idx), np.int64),
                            table[mesh[idx], 1], table[mesh[idx], 2], first_row + idx], axis=1)
            order = [one, one[::-1]] if self.transparency == "mujoco" else [one[::-1]]
            block = np.concatenate(order)
            runs.append((int(g), first_cmd + sum(len(c) for c in cmds), len(block)))
            cmds.append(block)
        out = np.concatenate(cmds) if cmds else np.zeros((0, 5), np.int64)
        return out.astype(np.uint32), runs

    def _slot_layer_base(self, slot: int) -> int:
        return (slot % self._group_slots) * self.texture_layers

    def _upload(self, gl: _GLState, batch: _Batch) -> None:
        _write(gl.inst_f, batch.floats)
        _write(gl.inst_i, batch.ints)
        _write(gl.commands, batch.commands)
        rows = np.zeros((self.num_scenes, SCENE_WIDTH, 4), np.float32)
        aspect = self.size[1] / self.size[0]
        for s, scene in enumerate(self._scenes):
            if scene is not None:
                rows[s] = _scene_row(scene, aspect)
        gl.scenes.write(rows.tobytes())

    def _draw(self, gl: _GLState, batch: _Batch, wanted: frozenset[str]) -> None:
        ctx, fn = gl.ctx, gl.context.gl
        glass = bool(batch.transparent)
        gl.fbo_glass.use()
        if glass and wanted & {"segmentation", "transparent_depth"}:
            _clear(fn, _GL_COLOR, 0, np.array([np.inf] * 4, np.float32))
            _clear(fn, _GL_COLOR, 1, np.array([-1] * 4, np.int32))
        gl.fbo_main.use()
        self._clear_background(gl)
        _clear(fn, _GL_COLOR, 1, np.array([np.inf] * 4, np.float32))
        _clear(fn, _GL_COLOR, 2, np.array([-1] * 4, np.int32))
        _clear(fn, _GL_DEPTH, 0, np.array([1.0], np.float32))
        gl.scenes.bind_to_storage_buffer(0)
        self._run(gl, gl.vao_shade, batch.opaque)
        if glass and "rgb" in wanted:
            gl.fbo_blend.use()
            ctx.enable(ctx.BLEND)
            self._run(gl, gl.vao_shade, batch.transparent)
            ctx.disable(ctx.BLEND)
        if glass and wanted & {"segmentation", "transparent_depth"}:
            gl.fbo_glass.use()
            once = [(g, first, count // 2 if self.transparency == "mujoco" else count)
                    for g, first, count in batch.transparent]
            self._run(gl, gl.vao_depth, once)

    def _clear_background(self, gl: _GLState) -> None:
        fn, ctx = gl.context.gl, gl.ctx
        colors = [(s, np.append(scene.background, 1.0).astype(np.float32))
                  for s, scene in enumerate(self._scenes) if scene is not None]
        first = colors[0][1] if colors else np.array([0, 0, 0, 1], np.float32)
        _clear(fn, _GL_COLOR, 0, first)
        h, w = self.size
        for s, color in colors:
            if not np.array_equal(color, first):  # per-tile clear, scissored
                col, row = s % self.grid[0], s // self.grid[0]
                ctx.scissor = (col * w, (self.grid[1] - 1 - row) * h, w, h)
                _clear(fn, _GL_COLOR, 0, color)
        ctx.scissor = None

    def _run(self, gl: _GLState, vao: Any, runs: list[tuple[int, int, int]]) -> None:
        for array, first, count in runs:
            if count:
                gl.arrays[array].use(0)
                gl.arrays[array].use(2)
                gl.clamped.use(2)
                vao.render_indirect(gl.commands, mode=gl.ctx.TRIANGLES, count=count, first=first)

    def _read(self, gl: _GLState, wanted: frozenset[str]) -> BatchFrame:
        frame = BatchFrame()
        if "rgb" in wanted:
            frame.rgb = self._tiles(gl.fbo_main.read(components=3, attachment=0), np.uint8, 3)
        if "depth" in wanted:
            depth = self._tiles(gl.fbo_main.read(components=1, attachment=1, dtype="f4"),
                                np.float32, 1)
            far = np.array([s.camera.far if s is not None else np.inf for s in self._scenes],
                           np.float32)
            frame.depth = np.where(np.isinf(depth), far[:, None, None], depth)
        glass = bool(self._any_transparent())
        if "segmentation" in wanted:
            seg = self._tiles(gl.fbo_main.read(components=1, attachment=2, dtype="i4"),
                              np.int32, 1)
            if glass:
                front = self._glass_tiles(gl, 1, "i4", np.int32)
                seg = np.where(front >= 0, front, seg)
            frame.segmentation = seg
        if "transparent_depth" in wanted:
            frame.transparent_depth = (self._glass_tiles(gl, 0, "f4", np.float32) if glass
                                       else np.full((self.num_scenes, *self.size), np.inf,
                                                    np.float32))
        return frame

    def _any_transparent(self) -> bool:
        return any(scene is not None and np.any(
            scene.visible & (scene.rgba[:, 3] > 0) & (scene.rgba[:, 3] < TRANSPARENT_ALPHA))
            for scene in self._scenes)

    def _glass_tiles(self, gl: _GLState, attachment: int, dtype: str, np_type: Any
                     ) -> np.ndarray:
        return self._tiles(gl.fbo_glass.read(components=1, attachment=attachment, dtype=dtype),
                           np_type, 1)

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


def _clear(fn: egl.GLFunctions, buffer: int, index: int, value: np.ndarray) -> None:
    if value.dtype == np.int32:
        fn.clear_buffer_iv(buffer, index, value.ctypes.data)
    else:
        fn.clear_buffer_fv(buffer, index, value.ctypes.data)


def _write(buffer: Any, array: np.ndarray) -> None:
    data = np.ascontiguousarray(array).tobytes()
    if len(data) > buffer.size:
        buffer.orphan(len(data) * 2)
    if data:
        buffer.write(data)


def _layer_offsets(scene: Scene) -> np.ndarray:
    """First layer (within the scene's own layers) of every texture."""
    sizes = [t.layers for t in scene.textures]
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if sizes else \
        np.zeros(0, np.int64)


def _scene_instances(slot: int, scene: Scene, meshes: np.ndarray, layer_base: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Float rows, int rows, arena mesh ids and camera distances of a scene's drawn
    instances."""
    keep = np.flatnonzero(scene.visible & (scene.rgba[:, 3] > 0))
    rot, scale = scene.rotation[keep], scene.scale[keep]
    model = rot * scale[:, None, :]
    with np.errstate(divide="ignore"):
        inv = np.where(scale != 0, 1.0 / scale, 0.0)
    normal = rot * inv[:, None, :]
    pos = scene.position[keep]
    floats = np.concatenate([
        np.concatenate([model, pos[:, :, None]], axis=2).reshape(-1, 12),
        normal.reshape(-1, 9),
        scene.rgba[keep],
        np.stack([scene.specular[keep], 128.0 * np.clip(scene.shininess[keep], 0, 1),
                  scene.emission[keep], np.zeros(len(keep))], axis=1),
        scene.texture_repeat[keep], scene.texture_offset[keep]], axis=1).astype(np.float32)
    tex = scene.texture[keep]
    textured = tex >= 0
    offsets = _layer_offsets(scene)
    layer = np.where(textured, layer_base + offsets[np.maximum(tex, 0)] if len(offsets) else -1,
                     -1)
    srgb = np.array([t.srgb for t in scene.textures], bool)
    mode = np.where(textured, scene.mapping[keep] + 1, 0)
    if len(srgb):
        mode = mode + 16 * (textured & srgb[np.maximum(tex, 0)])
    ints = np.stack([np.full(len(keep), slot), scene.segment[keep], layer, mode],
                    axis=1).astype(np.int32)
    dist = np.linalg.norm(pos - scene.camera.position, axis=1) - scene.radius[keep]
    return floats, ints, meshes[scene.mesh[keep]], dist


def _opaque_commands(mesh: np.ndarray, array: np.ndarray, table: np.ndarray
                     ) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """One instanced command per run of equal (texture array, mesh) rows."""
    n = len(mesh)
    if n == 0:
        return np.zeros((0, 5), np.uint32), []
    start = np.flatnonzero(np.r_[True, (mesh[1:] != mesh[:-1]) | (array[1:] != array[:-1])])
    length = np.diff(np.r_[start, n])
    m = mesh[start]
    cmds = np.stack([table[m, 0], length, table[m, 1], table[m, 2], start], axis=1)
    runs = []
    groups = array[start]
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        runs.append((int(g), int(idx[0]), len(idx)))
    return cmds.astype(np.uint32), runs


def _scene_row(scene: Scene, aspect: float) -> np.ndarray:
    """The scene's camera and lights as texels (layout in :mod:`simenv.render.shaders`)."""
    cam = scene.camera
    cam.check()
    row = np.zeros((SCENE_WIDTH, 4), np.float64)
    row[0:4] = (cam.projection_matrix(aspect) @ cam.view_matrix()).T
    row[4, :3] = cam.position
    row[5, :3] = scene.ambient
    row[5, 3] = scene.num_lights
    forward = -cam.rotation[:, 2]
    for i in range(scene.num_lights):
        t = shaders.SCENE_TEXELS_FIXED + shaders.TEXELS_PER_LIGHT * i
        head = scene.light_headlight[i]
        kind = int(scene.light_kind[i])
        cutoff = float(scene.light_cutoff[i])
        if kind == 2 and cutoff >= 180.0:
            kind = 1  # a spot without a cone is a point light
        direction = forward if head else scene.light_direction[i]
        norm = np.linalg.norm(direction)
        row[t, :3] = cam.position if head else scene.light_position[i]
        row[t, 3] = 0 if head else kind
        row[t + 1, :3] = direction / norm if norm > 0 else (0.0, 0.0, -1.0)
        row[t + 1, 3] = np.cos(np.radians(min(cutoff, 180.0)))
        row[t + 2, :3] = scene.light_ambient[i]
        row[t + 2, 3] = scene.light_exponent[i]
        row[t + 3, :3] = scene.light_diffuse[i]
        row[t + 4, :3] = scene.light_specular[i]
        row[t + 5, :3] = scene.light_attenuation[i]
    return row.astype(np.float32)


def render_scenes(scenes: Sequence[Scene], size: tuple[int, int],
                  outputs: Iterable[str] = ("rgb",), **kwargs: Any) -> BatchFrame:
    """Render ``scenes`` once with a temporary renderer (convenience for scripts and tests)."""
    layers = max((s.texture_layers for s in scenes), default=0)
    with BatchRenderer(len(scenes), size, texture_layers=max(layers, 1), **kwargs) as r:
        for i, scene in enumerate(scenes):
            r.set_scene(i, scene)
        return r.render(outputs)
