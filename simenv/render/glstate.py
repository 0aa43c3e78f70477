"""Every OpenGL object of one batch renderer in one process, and the few GL operations the
renderer performs with them. Callers make the context current (:func:`.egl.current`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import egl, shaders
from .frame import ROW_FLOATS, Run
from .resources import VERTEX_FLOATS, mip_chain

_GL_COLOR, _GL_DEPTH = 0x1800, 0x1801
_GL_TEXTURE_2D_ARRAY, _GL_RGBA, _GL_RGBA8, _GL_UNSIGNED_BYTE = 0x8C1A, 0x1908, 0x8058, 0x1401
_GL_CLIP_DISTANCE0 = 0x3000
_SAMPLERS = (("u_textures", 0), ("u_cube", 2))


class GLState:
    """Buffers, texture arrays, framebuffers and programs (compiled on first use).

    Framebuffer targets: ``color`` (RGBA8), ``lin_depth`` (R32F, metres along the optical
    axis), ``segment`` (R32I) for opaque geometry; ``glass_depth`` and ``glass_segment`` for
    the nearest transparent surface; one depth buffer shared by all passes.
    """

    def __init__(self, context: egl.Context, num_scenes: int, size: tuple[int, int],
                 grid: tuple[int, int], array_layers: list[int], texture_size: int,
                 scene_data: shaders.SceneData) -> None:
        ctx = self.ctx = context.ctx
        self.context = context
        self.grid = grid
        self.scene_data = scene_data
        self.vbo = ctx.buffer(reserve=4 * VERTEX_FLOATS * 1024)
        self.ibo = ctx.buffer(reserve=4 * 3 * 1024)
        self.inst_f = ctx.buffer(reserve=4 * ROW_FLOATS * 256)
        self.inst_i = ctx.buffer(reserve=4 * 4 * 256)
        self.commands = ctx.buffer(reserve=4 * 5 * 256)
        self.scenes = ctx.buffer(reserve=num_scenes * shaders.SCENE_WIDTH * 16)
        self.arrays = [self._texture_array(texture_size, n) for n in array_layers]
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
        self.fbo_depth = ctx.framebuffer([], self.depth_buffer)  # depth pre-pass
        self._programs: dict[tuple[str, tuple[int, ...] | None, int], tuple[Any, Any]] = {}
        ctx.enable(ctx.DEPTH_TEST | ctx.CULL_FACE)
        ctx.depth_func = "<="
        ctx.front_face = "ccw"
        ctx.cull_face = "back"
        ctx.blend_func = ctx.SRC_ALPHA, ctx.ONE_MINUS_SRC_ALPHA
        for i in range(4):
            ctx.enable_direct(_GL_CLIP_DISTANCE0 + i)

    def _texture_array(self, size: int, layers: int) -> Any:
        """An RGBA8 texture array with storage for its whole mipmap chain (written per
        layer later; allocated directly: llvmpipe's glGenerateMipmap costs ~0.1 s)."""
        ctx = self.ctx
        array = ctx.texture_array((size, size, max(layers, 1)), 4)
        array.use(0)
        level, edge = 1, size // 2
        while edge >= 1:
            self.context.gl.tex_image_3d(_GL_TEXTURE_2D_ARRAY, level, _GL_RGBA8, edge, edge,
                                         max(layers, 1), 0, _GL_RGBA, _GL_UNSIGNED_BYTE, None)
            level, edge = level + 1, edge // 2
        array.filter = (ctx.LINEAR_MIPMAP_LINEAR, ctx.LINEAR)
        return array

    # ------------------------------------------------------------------ programs
    def program(self, stage: shaders.Pass, lights: tuple[int, ...] | None, features: int
                ) -> tuple[Any, Any]:
        """The program and vertex array of a pass (``lights``: uniform scene data only;
        ``features``: :mod:`.shaders` feature bits)."""
        key = (stage, lights if self.scene_data == "uniform" else None, features)
        if key not in self._programs:
            vertex, fragment = shaders.program(stage, self.scene_data, key[1], features)
            prog = self.ctx.program(vertex_shader=vertex, fragment_shader=fragment)
            prog["u_grid"] = self.grid
            for name, unit in _SAMPLERS:
                if name in prog:
                    prog[name] = unit
            self._programs[key] = (prog, self._vertex_array(prog))
        return self._programs[key]

    def _vertex_array(self, program: Any) -> Any:
        content = [_layout(program, self.vbo, shaders.VERTEX_ATTRIBUTES, ""),
                   _layout(program, self.inst_f, tuple(
                       a for a in shaders.INSTANCE_ATTRIBUTES if a[2] == "f"), "/i"),
                   _layout(program, self.inst_i, tuple(
                       a for a in shaders.INSTANCE_ATTRIBUTES if a[2] == "i"), "/i")]
        return self.ctx.vertex_array(program, [c for c in content if len(c) > 2],
                                     index_buffer=self.ibo, index_element_size=4)

    # ------------------------------------------------------------------ uploads
    def write_meshes(self, blocks: list[tuple[int, int, bytes, bytes]], vertices: int,
                     indices: int, rewrite: bool) -> None:
        """Write mesh blocks (vertex offset, index offset, bytes); grow the buffers first
        (and rewrite everything) when ``rewrite`` or when they are too small."""
        vbytes, ibytes = 4 * VERTEX_FLOATS * vertices, 4 * indices
        if rewrite or vbytes > self.vbo.size or ibytes > self.ibo.size:
            self.vbo.orphan(max(vbytes * 2, self.vbo.size))
            self.ibo.orphan(max(ibytes * 2, self.ibo.size))
        for base, first, verts, idx in blocks:
            self.vbo.write(verts, offset=4 * VERTEX_FLOATS * base)
            self.ibo.write(idx, offset=4 * first)

    def write_layer(self, array: int, layer: int, image: np.ndarray) -> None:
        """One texture-array layer with its whole mipmap chain."""
        self.arrays[array].use(0)
        for level, img in enumerate(mip_chain(image)):
            self.context.gl.tex_sub_image_3d(
                _GL_TEXTURE_2D_ARRAY, level, 0, 0, layer, img.shape[1], img.shape[0], 1,
                _GL_RGBA, _GL_UNSIGNED_BYTE, img.ctypes.data)

    def write_frame(self, floats: np.ndarray, ints: np.ndarray, commands: np.ndarray,
                    scene_rows: np.ndarray) -> None:
        _write(self.inst_f, floats)
        _write(self.inst_i, ints)
        _write(self.commands, commands)
        if self.scene_data == "storage":
            _write(self.scenes, scene_rows)
            self.scenes.bind_to_storage_buffer(0)

    # ------------------------------------------------------------------ drawing
    def clear(self, background: list[tuple[int, np.ndarray]], size: tuple[int, int],
              glass: bool) -> None:
        """Clear every target: colour to each scene's background (scissored per tile
        where scenes differ), depths to +inf, segments to -1."""
        fn, ctx = self.context.gl, self.ctx
        if glass:
            self.fbo_glass.use()
            _clear(fn, _GL_COLOR, 0, np.full(4, np.inf, np.float32))
            _clear(fn, _GL_COLOR, 1, np.full(4, -1, np.int32))
        self.fbo_main.use()
        first = background[0][1] if background else np.array([0, 0, 0, 1], np.float32)
        _clear(fn, _GL_COLOR, 0, first)
        h, w = size
        for s, color in background:
            if not np.array_equal(color, first):
                col, row = s % self.grid[0], s // self.grid[0]
                ctx.scissor = (col * w, (self.grid[1] - 1 - row) * h, w, h)
                _clear(fn, _GL_COLOR, 0, color)
        ctx.scissor = None
        _clear(fn, _GL_COLOR, 1, np.full(4, np.inf, np.float32))
        _clear(fn, _GL_COLOR, 2, np.full(4, -1, np.int32))
        _clear(fn, _GL_DEPTH, 0, np.array([1.0], np.float32))

    def draw(self, runs: list[Run], scene_rows: np.ndarray, lights: list[tuple[int, ...]],
             features: list[int], depth_only: bool = False) -> None:
        """Draw ``runs`` into the bound framebuffer: shaded (lit per vertex or per pixel, as
        each run says) or, with ``depth_only``, just depth and segment ids."""
        every = 0
        for f in features:
            every |= f
        for run in runs:
            stage: shaders.Pass = "depth" if depth_only else "pixel" if run.pixel else "vertex"
            one = run.scene >= 0
            prog, vao = self.program(stage, lights[run.scene] if one else None,
                                     features[run.scene] if one else every)
            if run.scene >= 0 and "u_scene" in prog:
                uniform = prog["u_scene"]  # the compiler trims it to the texels used
                uniform.write(scene_rows[run.scene, :uniform.array_length].tobytes())
            array = self.arrays[run.array]
            array.use(0)
            array.use(2)
            self.clamped.use(2)
            vao.render_indirect(self.commands, mode=self.ctx.TRIANGLES, count=run.count,
                                first=run.first)

    def read(self, fbo: Any, attachment: int, components: int, dtype: str) -> bytes:
        return bytes(fbo.read(components=components, attachment=attachment, dtype=dtype))

    def release(self) -> None:
        """Delete every GL object (the context stays)."""
        for prog, vao in self._programs.values():
            vao.release()
            prog.release()
        self._programs.clear()
        for name in ("vbo", "ibo", "inst_f", "inst_i", "commands", "scenes", "fbo_main",
                     "fbo_blend", "fbo_glass", "fbo_depth", "color", "lin_depth", "segment",
                     "glass_depth", "glass_segment", "depth_buffer", "clamped"):
            getattr(self, name).release()
        for array in self.arrays:
            array.release()
        self.arrays = []


def _layout(program: Any, buffer: Any, attrs: tuple[tuple[str, int, str], ...],
            suffix: str) -> tuple[Any, ...]:
    """A vertex-array binding; attributes the program does not use become padding."""
    fmt, names = [], []
    for name, n, kind in attrs:
        if name in program:
            fmt.append(f"{n}{kind}")
            names.append(name)
        else:
            fmt.append(f"{4 * n}x")
    return (buffer, " ".join(fmt) + suffix, *names)


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
