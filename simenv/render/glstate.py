"""Every OpenGL object of one batch renderer in one process, and the few GL operations the
renderer performs with them. Callers make the context current (:func:`.egl.current`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import egl, shaders
from .frame import Frame, Run
from .resources import VERTEX_FLOATS, mip_chain

_GL_COLOR, _GL_DEPTH = 0x1800, 0x1801
_GL_TEXTURE_2D_ARRAY, _GL_RGBA, _GL_RGBA8, _GL_UNSIGNED_BYTE = 0x8C1A, 0x1908, 0x8058, 0x1401
_GL_CLIP_DISTANCE0 = 0x3000
_SAMPLERS = (("u_textures", 0), ("u_cube", 2), ("u_scenes", 3))
_NEG = np.full(4, -1, np.int32)
_ONE = np.array([1.0], np.float32)


class GLState:
    """Buffers, texture arrays, one framebuffer and the programs (compiled on first use).

    Framebuffer: ``color`` (RGBA8), ``segment`` (R32I) and one depth buffer, attached in the
    combinations a pass writes (colour, colour and segments, segments, depth only). Depth in
    metres is recovered from the depth buffer at read-back.
    """

    def __init__(self, context: egl.Context, num_scenes: int, size: tuple[int, int],
                 grid: tuple[int, int], array_layers: list[int], texture_size: int,
                 scene_data: shaders.SceneData) -> None:
        ctx = self.ctx = context.ctx
        self.context = context
        self.grid = grid
        self.scene_data = scene_data
        self.tile_clip = num_scenes > 1
        self.vbo = ctx.buffer(reserve=4 * VERTEX_FLOATS * 1024)
        self.ibo = ctx.buffer(reserve=4 * 3 * 1024)
        self.inst_f = ctx.buffer(reserve=4 * shaders.ROW_FLOATS * 256)
        self.inst_i = ctx.buffer(reserve=4 * 4 * 256)
        self.commands = ctx.buffer(reserve=4 * 5 * 256)
        self.scenes = ctx.buffer(reserve=num_scenes * shaders.SCENE_WIDTH * 16) \
            if scene_data == "storage" else None
        self.scene_texture = ctx.texture((shaders.SCENE_WIDTH, num_scenes), 4, dtype="f4") \
            if scene_data == "texture" else None
        if self.scene_texture is not None:
            self.scene_texture.filter = (ctx.NEAREST, ctx.NEAREST)
        # every array's layer 0 is white, for untextured instances
        self.arrays = [self._texture_array(texture_size, n + 1) for n in array_layers]
        white = np.full((texture_size, texture_size, 4), 255, np.uint8)
        for k in range(len(array_layers)):
            self.write_layer(k, 0, white)
        self.clamped = ctx.sampler(repeat_x=False, repeat_y=False,
                                   filter=(ctx.LINEAR_MIPMAP_LINEAR, ctx.LINEAR))
        h, w = size
        self.fb_size = (grid[0] * w, grid[1] * h)
        self.color = ctx.texture(self.fb_size, 4)
        self.segment = ctx.texture(self.fb_size, 1, dtype="i4")
        self.depth_buffer = ctx.depth_renderbuffer(self.fb_size)
        self.fbo_color = ctx.framebuffer([self.color], self.depth_buffer)
        self.fbo_color_segment = ctx.framebuffer([self.color, self.segment], self.depth_buffer)
        self.fbo_segment = ctx.framebuffer([self.segment], self.depth_buffer)
        self.fbo_depth = ctx.framebuffer([], self.depth_buffer)
        self.fbo_blend = ctx.framebuffer([self.color], self.depth_buffer)
        self.fbo_blend.depth_mask = False
        self._programs: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        ctx.enable(ctx.DEPTH_TEST | ctx.CULL_FACE)
        ctx.depth_func = "<="
        ctx.front_face = "cw"  # tiles are drawn upside down
        ctx.cull_face = "back"
        ctx.blend_func = ctx.SRC_ALPHA, ctx.ONE_MINUS_SRC_ALPHA
        if self.tile_clip:
            for i in range(4):
                ctx.enable_direct(_GL_CLIP_DISTANCE0 + i)

    def _texture_array(self, size: int, layers: int) -> Any:
        """An RGBA8 texture array with storage for its whole mipmap chain (written per
        layer later; allocated directly: llvmpipe's glGenerateMipmap costs ~0.1 s)."""
        ctx = self.ctx
        array = ctx.texture_array((size, size, layers), 4)
        array.use(0)
        level, edge = 1, size // 2
        while edge >= 1:
            self.context.gl.tex_image_3d(_GL_TEXTURE_2D_ARRAY, level, _GL_RGBA8, edge, edge,
                                         layers, 0, _GL_RGBA, _GL_UNSIGNED_BYTE, None)
            level, edge = level + 1, edge // 2
        array.filter = (ctx.LINEAR_MIPMAP_LINEAR, ctx.LINEAR)
        return array

    # ------------------------------------------------------------------ programs
    def program(self, lighting: shaders.Lighting, segment: bool, lights: tuple[int, ...],
                features: int) -> tuple[Any, Any]:
        """The program and vertex array of a pass variant."""
        if lighting == "none":
            lights, features = (), 0
        key = (lighting, segment, lights, features)
        if key not in self._programs:
            vertex, fragment = shaders.program(lighting, segment, self.scene_data, lights,
                                               features, self.tile_clip)
            prog = self.ctx.program(vertex_shader=vertex, fragment_shader=fragment)
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

    def write_frame(self, frame: Frame) -> None:
        _write(self.inst_f, frame.floats)
        _write(self.inst_i, frame.ints)
        _write(self.commands, frame.commands)
        if self.scenes is not None:
            _write(self.scenes, frame.rows)
            self.scenes.bind_to_storage_buffer(0)
        elif self.scene_texture is not None:
            self.scene_texture.write(frame.rows)
            self.scene_texture.use(3)

    # ------------------------------------------------------------------ drawing
    def clear(self, background: list[tuple[int, np.ndarray]], size: tuple[int, int],
              color: bool, segment: bool) -> None:
        """Clear the depth buffer, the colour to the first background and then, scissored to
        their tiles, to the other (differing) backgrounds, and segments to -1."""
        fn, ctx = self.context.gl, self.ctx
        self.fbo_color_segment.use()
        if color:
            first = background[0][1] if background else np.array([0, 0, 0, 1], np.float32)
            _clear(fn, _GL_COLOR, 0, first)
            h, w = size
            rows = self.grid[1]
            if len(background) > 1:
                for s, value in background[1:]:
                    ctx.scissor = ((s // rows) * w, (s % rows) * h, w, h)
                    _clear(fn, _GL_COLOR, 0, np.ascontiguousarray(value))
                ctx.scissor = None
        if segment:
            _clear(fn, _GL_COLOR, 1, _NEG)
        _clear(fn, _GL_DEPTH, 0, _ONE)

    def draw(self, runs: list[Run], frame: Frame, shade: bool, segment: bool) -> None:
        """Draw ``runs`` into the bound framebuffer: shaded (lit per vertex or per pixel, as
        each run says) or not, writing segment ids or not."""
        uniform = self.scene_data == "uniform"
        for run in runs:
            lighting: shaders.Lighting = ("pixel" if run.pixel else "vertex") if shade \
                else "none"
            prog, vao = self.program(lighting, segment, frame.light_sets[run.lights],
                                     frame.features)
            if uniform:
                u = prog["u_scene"]  # the compiler trims it to the texels used
                u.write(frame.rows[run.scene, :u.array_length].tobytes())
            if shade:
                array = self.arrays[run.array]
                array.use(0)
                if frame.features & shaders.CUBE_TEXTURES:
                    array.use(2)
                    self.clamped.use(2)
            vao.render_indirect(self.commands, mode=self.ctx.TRIANGLES, count=run.count,
                                first=run.first)

    def read(self, fbo: Any, attachment: int, components: int, dtype: str,
             out: np.ndarray) -> None:
        fbo.read_into(out, components=components, attachment=attachment, dtype=dtype)

    def release(self) -> None:
        """Delete every GL object (the context stays)."""
        for prog, vao in self._programs.values():
            vao.release()
            prog.release()
        self._programs.clear()
        for name in ("vbo", "ibo", "inst_f", "inst_i", "commands", "scenes", "scene_texture",
                     "fbo_color", "fbo_color_segment", "fbo_segment", "fbo_depth", "fbo_blend",
                     "color", "segment", "depth_buffer", "clamped"):
            obj = getattr(self, name)
            if obj is not None:
                obj.release()
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
    data = np.ascontiguousarray(array)
    if data.nbytes > buffer.size:
        buffer.orphan(data.nbytes * 2)
    if data.nbytes:
        buffer.write(data)
