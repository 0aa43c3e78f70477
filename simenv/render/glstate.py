"""Every OpenGL object of one batch renderer in one process, and the few GL operations the
renderer performs with them. Callers make the context current (:func:`.egl.current`)."""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from . import egl, shaders
from .frame import Frame, Run, Shading
from .resources import VERTEX_FLOATS, mip_chain

_GL_COLOR, _GL_DEPTH = 0x1800, 0x1801
_GL_TEXTURE_2D_ARRAY, _GL_RGBA, _GL_RGBA8, _GL_UNSIGNED_BYTE = 0x8C1A, 0x1908, 0x8058, 0x1401
_GL_RGB, _GL_FLOAT, _GL_INT, _GL_NONE = 0x1907, 0x1406, 0x1404, 0
_GL_R32I, _GL_RED_INTEGER = 0x8235, 0x8D94
_GL_DEPTH_COMPONENT, _GL_DEPTH_COMPONENT24 = 0x1902, 0x81A6
_GL_FRAMEBUFFER, _GL_FRAMEBUFFER_COMPLETE = 0x8D40, 0x8CD5
_GL_READ_FRAMEBUFFER = 0x8CA8
_GL_COLOR_ATTACHMENT0, _GL_DEPTH_ATTACHMENT = 0x8CE0, 0x8D00
_GL_TEXTURE_MIN_FILTER, _GL_TEXTURE_MAG_FILTER, _GL_NEAREST = 0x2801, 0x2800, 0x2600
_GL_TEXTURE_MAX_LEVEL, _GL_PACK_ALIGNMENT = 0x813D, 0x0D05
_SAMPLERS = (("u_textures", 0), ("u_cube", 2), ("u_scenes", 3))
_NEG = np.full(4, -1, np.int32)
_BLACK = np.array([0, 0, 0, 255], np.uint8)
_ONE = np.array([1.0], np.float32)
# read-back formats: (GL format, GL type) per output kind
_READ = {
    "rgb": (_GL_RGB, _GL_UNSIGNED_BYTE),
    "depth": (_GL_DEPTH_COMPONENT, _GL_FLOAT),
    "segment": (_GL_RED_INTEGER, _GL_INT),
}


class GLState:
    """Buffers, texture arrays, one layered framebuffer and the programs (compiled on first
    use).

    Framebuffer: three 2D array textures with one layer per scene slot, ``color`` (RGBA8),
    ``segment`` (R32I) and ``depth`` (24-bit), attached (layered) in the combinations a pass
    writes (colour, colour and segments, segments, depth only). A clear clears every layer;
    each output is read back for all layers with one ``glGetTexImage``. Depth in metres is
    recovered from the depth values at read-back.
    """

    def __init__(
        self,
        context: egl.Context,
        num_scenes: int,
        size: tuple[int, int],
        array_layers: list[int],
        texture_size: int,
        scene_data: shaders.SceneData,
        layer_extension: str,
        texture_filter: str = "bilinear",
    ) -> None:
        ctx = self.ctx = context.ctx
        self.context = context
        self.size = size
        self.num_scenes = num_scenes
        self.scene_data = scene_data
        self.layer_extension = layer_extension
        self.vbo = ctx.buffer(reserve=4 * VERTEX_FLOATS * 1024)
        self.ibo = ctx.buffer(reserve=4 * 3 * 1024)
        self.inst_f = ctx.buffer(reserve=4 * shaders.ROW_FLOATS * 256)
        self.inst_i = ctx.buffer(reserve=4 * 4 * 256)
        self.commands = ctx.buffer(reserve=4 * 5 * 256)
        self.scenes = (
            ctx.buffer(reserve=num_scenes * shaders.SCENE_WIDTH * 16)
            if scene_data == "storage"
            else None
        )
        self.scene_texture = (
            ctx.texture((shaders.SCENE_WIDTH, num_scenes), 4, dtype="f4")
            if scene_data == "texture"
            else None
        )
        if self.scene_texture is not None:
            self.scene_texture.filter = (ctx.NEAREST, ctx.NEAREST)
        # minification: bilinear within the nearest mipmap level, or trilinear (MuJoCo's)
        self.min_filter = (
            ctx.LINEAR_MIPMAP_LINEAR if texture_filter == "trilinear" else ctx.LINEAR_MIPMAP_NEAREST
        )
        # every array's layer 0 is white, for untextured instances
        self.arrays = [self._texture_array(texture_size, n + 1) for n in array_layers]
        white = np.full((texture_size, texture_size, 4), 255, np.uint8)
        for k in range(len(array_layers)):
            self.write_layer(k, 0, white)
        self.clamped = ctx.sampler(
            repeat_x=False, repeat_y=False, filter=(self.min_filter, ctx.LINEAR)
        )
        self.background_rows = ctx.buffer(reserve=28 * 64)
        self._background: tuple[Any, Any] | None = None
        self._clear_color: tuple[np.ndarray | None, np.ndarray] = (None, _BLACK)
        fn = context.gl
        self._textures: list[int] = []
        self._fbos: list[int] = []
        self.color = self._layered(_GL_RGBA8, _GL_RGBA, _GL_UNSIGNED_BYTE)
        self.segment = self._layered(_GL_R32I, _GL_RED_INTEGER, _GL_INT)
        self.depth = self._layered(_GL_DEPTH_COMPONENT24, _GL_DEPTH_COMPONENT, _GL_FLOAT)
        self.fbo_color = self._framebuffer([self.color])
        self.fbo_color_segment = self._framebuffer([self.color, self.segment])
        self.fbo_segment = self._framebuffer([self.segment])
        self.fbo_depth = self._framebuffer([])
        fn.bind_framebuffer(_GL_FRAMEBUFFER, 0)
        self._programs: dict[tuple[Any, ...], tuple[Any, Any]] = {}
        self._uniforms: dict[int, tuple[Any, int]] = {}  # program -> u_scene, its texels
        ctx.enable(ctx.DEPTH_TEST | ctx.CULL_FACE)
        ctx.depth_func = "<="
        ctx.front_face = "cw"  # images are drawn upside down
        ctx.cull_face = "back"
        ctx.blend_func = ctx.SRC_ALPHA, ctx.ONE_MINUS_SRC_ALPHA

    def _layered(self, internal: int, fmt: int, kind: int) -> int:
        """A 2D array texture with a layer per scene slot, for a layered attachment."""
        fn = self.context.gl
        name = ctypes.c_uint(0)
        fn.gen_textures(1, ctypes.byref(name))
        self._textures.append(name.value)
        fn.bind_texture(_GL_TEXTURE_2D_ARRAY, name.value)
        for pname, value in (
            (_GL_TEXTURE_MIN_FILTER, _GL_NEAREST),
            (_GL_TEXTURE_MAG_FILTER, _GL_NEAREST),
            (_GL_TEXTURE_MAX_LEVEL, 0),
        ):
            fn.tex_parameter_i(_GL_TEXTURE_2D_ARRAY, pname, value)
        h, w = self.size
        fn.tex_image_3d(
            _GL_TEXTURE_2D_ARRAY, 0, internal, w, h, self.num_scenes, 0, fmt, kind, None
        )
        fn.bind_texture(_GL_TEXTURE_2D_ARRAY, 0)
        return name.value

    def _framebuffer(self, colors: list[int]) -> int:
        """A layered framebuffer: ``colors`` at attachments 0, 1, ... and the depth array."""
        fn = self.context.gl
        name = ctypes.c_uint(0)
        fn.gen_framebuffers(1, ctypes.byref(name))
        self._fbos.append(name.value)
        fn.bind_framebuffer(_GL_FRAMEBUFFER, name.value)
        for k, tex in enumerate(colors):
            fn.framebuffer_texture(_GL_FRAMEBUFFER, _GL_COLOR_ATTACHMENT0 + k, tex, 0)
        fn.framebuffer_texture(_GL_FRAMEBUFFER, _GL_DEPTH_ATTACHMENT, self.depth, 0)
        buffers = (ctypes.c_uint * max(1, len(colors)))(
            *([_GL_COLOR_ATTACHMENT0 + k for k in range(len(colors))] or [_GL_NONE])
        )
        fn.draw_buffers(len(buffers), buffers)
        fn.read_buffer(_GL_COLOR_ATTACHMENT0 if colors else _GL_NONE)
        status = fn.check_framebuffer_status(_GL_FRAMEBUFFER)
        if status != _GL_FRAMEBUFFER_COMPLETE:
            raise RuntimeError(f"layered framebuffer incomplete (status 0x{status:x})")
        return name.value

    def use(self, fbo: int, depth_write: bool = True) -> None:
        """Draw into framebuffer ``fbo`` (all its layers) from now on."""
        fn = self.context.gl
        fn.bind_framebuffer(_GL_FRAMEBUFFER, fbo)
        h, w = self.size
        fn.viewport(0, 0, w, h)
        fn.depth_mask(1 if depth_write else 0)

    def _texture_array(self, size: int, layers: int) -> Any:
        """An RGBA8 texture array with storage for its whole mipmap chain (written per
        layer later; allocated directly: llvmpipe's glGenerateMipmap costs ~0.1 s)."""
        ctx = self.ctx
        array = ctx.texture_array((size, size, layers), 4)
        array.use(0)
        level, edge = 1, size // 2
        while edge >= 1:
            self.context.gl.tex_image_3d(
                _GL_TEXTURE_2D_ARRAY,
                level,
                _GL_RGBA8,
                edge,
                edge,
                layers,
                0,
                _GL_RGBA,
                _GL_UNSIGNED_BYTE,
                None,
            )
            level, edge = level + 1, edge // 2
        array.filter = (self.min_filter, ctx.LINEAR)
        return array

    # ------------------------------------------------------------------ programs
    def program(
        self, lighting: shaders.Lighting, segment: bool, shading: Shading
    ) -> tuple[Any, Any]:
        """The program and vertex array of a pass variant (``shading``: light kinds, fog,
        texture features)."""
        if lighting == "none":
            shading = ((), False, 0)
        key = (lighting, segment, shading)
        if key not in self._programs:
            lights, fog, features = shading
            vertex, fragment = shaders.program(
                lighting, segment, self.scene_data, lights, features, fog, self.layer_extension
            )
            prog = self.ctx.program(vertex_shader=vertex, fragment_shader=fragment)
            for name, unit in _SAMPLERS:
                if name in prog:
                    prog[name] = unit
            if "u_scene" in prog:  # the compiler trims it to the texels used
                u = prog["u_scene"]
                self._uniforms[prog.glo] = (u, u.array_length)
            self._programs[key] = (prog, self._vertex_array(prog))
        return self._programs[key]

    def _vertex_array(self, program: Any) -> Any:
        content = [
            _layout(program, self.vbo, shaders.VERTEX_ATTRIBUTES, ""),
            _layout(
                program,
                self.inst_f,
                tuple(a for a in shaders.INSTANCE_ATTRIBUTES if a[2] == "f"),
                "/i",
            ),
            _layout(
                program,
                self.inst_i,
                tuple(a for a in shaders.INSTANCE_ATTRIBUTES if a[2] == "i"),
                "/i",
            ),
        ]
        return self.ctx.vertex_array(
            program, [c for c in content if len(c) > 2], index_buffer=self.ibo, index_element_size=4
        )

    # ------------------------------------------------------------------ uploads
    def write_meshes(
        self,
        blocks: list[tuple[int, int, bytes, bytes]],
        vertices: int,
        indices: int,
        rewrite: bool,
    ) -> None:
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
                _GL_TEXTURE_2D_ARRAY,
                level,
                0,
                0,
                layer,
                img.shape[1],
                img.shape[0],
                1,
                _GL_RGBA,
                _GL_UNSIGNED_BYTE,
                img.ctypes.data,
            )

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
    def clear(
        self,
        flat: list[tuple[int, np.ndarray]],
        gradients: list[tuple[int, np.ndarray, np.ndarray]],
        color: bool,
        segment: bool,
    ) -> None:
        """Clear every layer: depth, segments to -1 and colour to the first ``flat``
        background (slot, RGBA uint8), then the layers of the other ``flat`` entries to theirs;
        draw the ``gradients`` (slot, zenith, horizon as floats that are multiples of 1/255)
        over their layers. Leaves the colour-and-segment framebuffer bound."""
        fn = self.context.gl
        self.use(self.fbo_color_segment)
        if color:
            first = flat[0][1] if flat else _BLACK
            if self._clear_color[0] is not first:  # the same array while unchanged
                self._clear_color = (first, (first / np.float32(255.0)).astype(np.float32))
            _clear(fn, _GL_COLOR, 0, self._clear_color[1])
            h, w = self.size
            for slot, value in flat[1:]:
                fn.clear_tex_sub_image(
                    self.color,
                    0,
                    0,
                    0,
                    slot,
                    w,
                    h,
                    1,
                    _GL_RGBA,
                    _GL_UNSIGNED_BYTE,
                    value.ctypes.data,
                )
        if segment:
            _clear(fn, _GL_COLOR, 1, _NEG)
        _clear(fn, _GL_DEPTH, 0, _ONE)
        if color and gradients:
            self._draw_gradients(gradients)

    def _draw_gradients(self, gradients: list[tuple[int, np.ndarray, np.ndarray]]) -> None:
        ctx = self.ctx
        if self._background is None:
            vertex, fragment = shaders.background(self.layer_extension)
            prog = ctx.program(vertex_shader=vertex, fragment_shader=fragment)
            vao = ctx.vertex_array(
                prog, [(self.background_rows, "1i 3f 3f/i", "i_layer", "i_zenith", "i_horizon")]
            )
            self._background = (prog, vao)
        prog, vao = self._background
        rows = np.zeros(
            len(gradients), [("layer", "<i4"), ("zenith", "<f4", 3), ("horizon", "<f4", 3)]
        )
        rows["layer"] = [g[0] for g in gradients]
        rows["zenith"] = [g[1] for g in gradients]
        rows["horizon"] = [g[2] for g in gradients]
        _write(self.background_rows, rows)
        prog["u_rows"] = float(max(self.size[0] - 1, 1))
        self.use(self.fbo_color)
        ctx.disable(ctx.DEPTH_TEST)
        vao.render(mode=ctx.TRIANGLES, vertices=3, instances=len(gradients))
        ctx.enable(ctx.DEPTH_TEST)

    def draw(self, runs: list[Run], frame: Frame, shade: bool, segment: bool) -> None:
        """Draw ``runs`` into the bound framebuffer: shaded (lit per vertex or per pixel, as
        each run says) or not, writing segment ids or not."""
        uniform = self.scene_data == "uniform"
        bound = -1
        for run in runs:
            lighting: shaders.Lighting = ("pixel" if run.pixel else "vertex") if shade else "none"
            shading = frame.shadings[run.shading]
            prog, vao = self.program(lighting, segment, shading)
            if uniform:
                u, texels = self._uniforms[prog.glo]
                u.write(frame.rows[run.scene, :texels].tobytes())
            if shade:
                cube = shading[2] & shaders.CUBE_TEXTURES
                if run.array != bound or cube:
                    array = self.arrays[run.array]
                    array.use(0)
                    bound = run.array
                    if cube:
                        array.use(2)
                        self.clamped.use(2)
            vao.render_indirect(
                self.commands, mode=self.ctx.TRIANGLES, count=run.count, first=run.first
            )

    def read(self, what: str, out: np.ndarray) -> None:
        """Every layer of ``what`` (``"rgb"``, ``"depth"`` or ``"segment"``) into ``out``, a
        C-contiguous ``(N, H, W[, 3])`` array of uint8, float32 or int32, with one call:
        ``glGetTexImage`` of the whole array, or ``glReadPixels`` with a single layer (on
        llvmpipe 13 µs against 33 µs at 84×84; the array read wins from a few layers on)."""
        fn = self.context.gl
        fmt, kind = _READ[what]
        fn.pixel_store_i(_GL_PACK_ALIGNMENT, 1)
        if self.num_scenes == 1:  # a layered framebuffer reads back its layer 0
            fbo = {"rgb": self.fbo_color, "depth": self.fbo_depth, "segment": self.fbo_segment}[
                what
            ]
            fn.bind_framebuffer(_GL_READ_FRAMEBUFFER, fbo)
            h, w = self.size
            fn.read_pixels(0, 0, w, h, fmt, kind, out.ctypes.data)
            return
        texture = {"rgb": self.color, "depth": self.depth, "segment": self.segment}[what]
        fn.bind_texture(_GL_TEXTURE_2D_ARRAY, texture)
        fn.get_tex_image(_GL_TEXTURE_2D_ARRAY, 0, fmt, kind, out.ctypes.data)
        fn.bind_texture(_GL_TEXTURE_2D_ARRAY, 0)

    def release(self) -> None:
        """Delete every GL object (the context stays)."""
        for prog, vao in self._programs.values():
            vao.release()
            prog.release()
        self._programs.clear()
        if self._background is not None:
            self._background[1].release()
            self._background[0].release()
            self._background = None
        for name in (
            "vbo",
            "ibo",
            "inst_f",
            "inst_i",
            "commands",
            "scenes",
            "scene_texture",
            "background_rows",
            "clamped",
        ):
            obj = getattr(self, name)
            if obj is not None:
                obj.release()
        for array in self.arrays:
            array.release()
        self.arrays = []
        fn = self.context.gl
        fn.bind_framebuffer(_GL_FRAMEBUFFER, 0)
        if self._fbos:
            fn.delete_framebuffers(len(self._fbos), (ctypes.c_uint * len(self._fbos))(*self._fbos))
        if self._textures:
            fn.delete_textures(
                len(self._textures), (ctypes.c_uint * len(self._textures))(*self._textures)
            )
        self._fbos, self._textures = [], []


def _layout(
    program: Any, buffer: Any, attrs: tuple[tuple[str, int, str], ...], suffix: str
) -> tuple[Any, ...]:
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
