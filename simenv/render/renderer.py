"""The batch renderer: N scenes' cameras drawn in one pass into the layers of one layered
framebuffer.

Every frame:

1. the drawn instances of all scenes (visible, not fully transparent, inside their camera's
   frustum) go into one instance buffer, the cameras and lights into per-scene data, in one
   vectorised NumPy pass over all scenes (:mod:`.frame`);
2. the opaque instances are drawn with instancing, one indirect draw command per mesh, into
   one layered framebuffer (2D array textures: colour and, when asked for, segment ids, and
   depth): scene slot ``i`` is layer ``i``, chosen per instance in the vertex shader
   (``gl_Layer``), so every scene is rasterised at the same window origin with the same
   arithmetic: a scene's image is the same bit for bit in any slot of any renderer, whatever
   the other slots hold. Backgrounds: one clear for all layers, one per layer whose flat
   colour differs, a full-screen pass for vertical gradients. Lighting is
   evaluated per vertex, as MuJoCo's fixed-function pipeline does (per pixel for meshes that
   ask for it); a pass that writes no colour does no lighting;
3. transparent instances (alpha < 0.995) are blended over the colour without writing depth,
   sorted per scene by distance from the camera (``transparency="mujoco"``: front to back,
   then back to front, as MuJoCo's classic renderer does; ``"sorted"``: back to front) — only
   when colour is asked for;
4. when segmentation or ``transparent_depth`` is asked for and a scene has transparent
   instances, they are drawn once more, depth and segment ids only, depth-tested against the
   opaque scene: the nearest transparent surface in front of it;
5. each requested output is read back once for all scenes; depth in metres comes from the
   depth buffer (read before and, for ``transparent_depth``, after step 4).

Images are drawn upside down, so that an output's layers read back (one ``glGetTexImage``)
are already the ``(N, H, W)`` array of the scenes.

How scene data reach the shaders decides the number of draw calls (``scene_data``): with
plain uniforms, one multi-draw call per scene (llvmpipe: constant-index uniform loads are the
cheapest); with a float texture or a storage buffer, one multi-draw call for every scene that
shares a shading key (light kinds, fog, texture features: GPUs). Either way it is one
framebuffer, one clear and one read-back per output.

Scene textures live in layers of texture arrays: scene slot ``i`` owns its own layers, so a
new episode in one scene re-uploads only those. With more layers than one array holds, the
slots are split over several arrays and the draw is issued once per array. Layer 0 of every
array is white (untextured instances sample it: no branch per pixel).

The GL context is created on the first EGL device that is not a software rasteriser (else
Mesa's llvmpipe; see :mod:`simenv.render.egl`), made current only for the duration of each
call, and the previously current context is restored. A renderer used in a process forked
after its creation makes itself a new context there and never touches the parent's.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from simenv.core import check_camera_size
from simenv.rendering import RenderingError

from . import egl, frame, shaders
from .glstate import GLState
from .resources import MeshArena, texture_layers
from .scene import Scene

OUTPUTS = ("rgb", "depth", "segmentation", "transparent_depth")
Transparency = Literal["mujoco", "sorted"]
TRANSPARENCY: tuple[Transparency, ...] = ("mujoco", "sorted")
SceneDataChoice = Literal["auto", "uniform", "texture", "storage"]
SCENE_DATA: tuple[SceneDataChoice, ...] = ("auto", "uniform", "texture", "storage")
TextureFilter = Literal["bilinear", "trilinear"]
# flat backgrounds (slot, RGBA uint8) and gradients (slot, zenith, horizon)
Backgrounds = tuple[list[tuple[int, np.ndarray]], list[tuple[int, np.ndarray, np.ndarray]]]
TEXTURE_FILTERS: tuple[TextureFilter, ...] = ("bilinear", "trilinear")
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
            buffer, one multi-draw call for all scenes with the same light set: GPUs),
            ``"texture"`` (the same through a float texture), ``"uniform"`` (uniforms set per
            scene, one multi-draw call per scene: the fastest on llvmpipe), or ``"auto"``
            (uniform on a software rasteriser, storage otherwise).
        texture_filter: how minified textures are sampled: ``"bilinear"`` (default: within
            the nearest mipmap level; on llvmpipe ~10 % faster per frame than trilinear, RGB
            within ~0.1 of trilinear's mean difference from ``mjr_render``) or
            ``"trilinear"`` (between mipmap levels, as MuJoCo does).

    Raises:
        ValueError: a bad argument (one line naming it).
        simenv.rendering.RenderingError: no EGL device/driver could give an OpenGL context.
    """

    def __init__(
        self,
        num_scenes: int,
        size: tuple[int, int],
        *,
        texture_size: int = 64,
        texture_layers: int = 8,
        device: int | None = None,
        transparency: Transparency = "mujoco",
        scene_data: SceneDataChoice = "auto",
        texture_filter: TextureFilter = "bilinear",
    ) -> None:
        self.num_scenes = _positive_int("num_scenes", num_scenes)
        self.size = check_camera_size(size, "size")
        self.texture_size = _positive_int("texture_size", texture_size)
        if self.texture_size & (self.texture_size - 1):
            raise ValueError(f"texture_size must be a power of two, got {texture_size!r}")
        self.texture_layers = _positive_int("texture_layers", texture_layers, 0)
        self.transparency = _choice("transparency", transparency, TRANSPARENCY)
        self._scene_data = _choice("scene_data", scene_data, SCENE_DATA)
        self.texture_filter = _choice("texture_filter", texture_filter, TEXTURE_FILTERS)
        self._device_request = device
        self._scenes: list[Scene | None] = [None] * self.num_scenes
        self._slot_meshes: list[np.ndarray] = [np.zeros(0, np.int64)] * self.num_scenes
        self._uploaded: list[np.ndarray] = [np.zeros(0, np.int64)] * self.num_scenes
        self._stamps = [-1] * self.num_scenes  # texture_stamp of each slot's scene uploaded
        self._arena = MeshArena()
        self._layout: frame.Layout | None = None
        self._background_cache: tuple[bytes, Backgrounds] | None = None
        self._table: tuple[int, np.ndarray] | None = None  # (arena version, table)
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
        """``"uniform"``, ``"storage"`` or ``"texture"``: how scene data reach the shaders
        (see above)."""
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
            info = context.ctx.info
            max_layers = int(info["GL_MAX_ARRAY_TEXTURE_LAYERS"])
            max_scenes = min(max_layers, int(info.get("GL_MAX_FRAMEBUFFER_LAYERS", max_layers)))
            extension = next(
                (e for e in shaders.LAYER_EXTENSIONS if e in context.ctx.extensions), None
            )
            problem: tuple[type[Exception], str] | None = None
            if self.num_scenes > max_scenes:
                problem = (
                    ValueError,
                    (
                        f"num_scenes={self.num_scenes} exceeds the device's {max_scenes} "
                        "framebuffer layers (one per scene); use several renderers"
                    ),
                )
            elif self.texture_layers > max_layers - 1:  # layer 0 of each array is white
                problem = (
                    ValueError,
                    (
                        f"texture_layers={self.texture_layers} exceeds the device's "
                        f"{max_layers - 1} texture layers per scene"
                    ),
                )
            elif extension is None:
                problem = (
                    RenderingError,
                    (
                        f"the OpenGL driver ({context.device.renderer}) has neither "
                        f"{' nor '.join(shaders.LAYER_EXTENSIONS)} (gl_Layer in a vertex shader)"
                    ),
                )
            if problem is not None:
                context.ctx.release()
                raise problem[0](problem[1])
            assert extension is not None
            per = (
                self.num_scenes
                if not self.texture_layers
                else (max_layers - 1) // self.texture_layers
            )  # layer 0: white
            self._slots_per_array = per
            layers = [
                min(per, self.num_scenes - g) * self.texture_layers
                for g in range(0, self.num_scenes, per)
            ]
            try:
                gl = GLState(
                    context,
                    self.num_scenes,
                    self.size,
                    layers,
                    self.texture_size,
                    mode,
                    extension,
                    self.texture_filter,
                )
            except BaseException:
                context.ctx.release()  # nothing else holds the new context yet
                raise
        self._gl, self._pid = gl, os.getpid()
        self._arena.needs_rewrite = True
        self._layout = None
        self._uploaded = [np.full(len(v), -1, np.int64) for v in self._uploaded]
        self._stamps = [-1] * self.num_scenes
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
        """Draw ``scene`` in ``slot`` (its framebuffer layer) from now on (``None`` empties
        the slot). Its meshes are uploaded unless another scene already uses them; its
        textures are uploaded at the next render."""
        self._check_slot(slot)
        if scene is not None and scene.texture_layers > self.texture_layers:
            raise ValueError(
                f"the scene's textures need {scene.texture_layers} layers; this "
                f"renderer gives each scene {self.texture_layers} (texture_layers)"
            )
        for mid in self._slot_meshes[slot]:
            self._arena.release(int(mid))
        old = self._scenes[slot]
        self._scenes[slot] = scene
        meshes = [] if scene is None else scene.meshes
        self._slot_meshes[slot] = np.array([self._arena.acquire(m) for m in meshes], np.int64)
        uploaded = np.full(0 if scene is None else len(scene.textures), -1, np.int64)
        if (
            old is not None
            and scene is not None
            and np.array_equal(
                old.texture_layer_offsets[: len(uploaded)],
                scene.texture_layer_offsets[: len(old.textures)],
            )
        ):  # the same texture objects in the same layers stay uploaded
            for k in range(min(len(old.textures), len(uploaded))):
                same = old.textures[k] is scene.textures[k]
                if same and self._uploaded[slot][k] == old.texture_versions[k]:
                    uploaded[k] = scene.texture_versions[k]
        self._uploaded[slot] = uploaded
        self._stamps[slot] = -1
        self._arena.compact_if_wasteful()
        self._layout = None

    def scene(self, slot: int) -> Scene | None:
        """The scene drawn in ``slot``."""
        self._check_slot(slot)
        return self._scenes[slot]

    def _check_slot(self, slot: int) -> None:
        if (
            isinstance(slot, bool)
            or not isinstance(slot, (int, np.integer))
            or not 0 <= slot < self.num_scenes
        ):
            raise ValueError(f"slot must be an integer in 0..{self.num_scenes - 1}, got {slot!r}")

    # ------------------------------------------------------------------ rendering
    def render(self, outputs: Iterable[str] = ("rgb",)) -> BatchFrame:
        """Draw every scene and read back ``outputs`` (any of ``rgb``, ``depth``,
        ``segmentation``, ``transparent_depth``) for all of them."""
        wanted = _check_outputs(outputs)
        gl = self._state()
        rgb, seg = "rgb" in wanted, "segmentation" in wanted
        glass_depth = "transparent_depth" in wanted
        with egl.current(gl.context):
            self._sync_meshes(gl)
            self._sync_textures(gl)
            fr = frame.build(
                self._current_layout(gl),
                self.size[1] / self.size[0],
                self._mesh_table(),
                self.transparency == "mujoco",
                rgb or seg or glass_depth,
            )
            gl.write_frame(fr)
            flat, gradients = self._backgrounds() if rgb else ([], [])
            gl.clear(flat, gradients, rgb, seg)
            fbo = (
                (gl.fbo_color_segment if seg else gl.fbo_color)
                if rgb
                else gl.fbo_segment
                if seg
                else gl.fbo_depth
            )
            gl.use(fbo)
            gl.draw(fr.opaque, fr, rgb, seg)
            if fr.blend and rgb:
                gl.use(gl.fbo_color, depth_write=False)
                gl.ctx.enable(gl.ctx.BLEND)
                gl.draw(fr.blend, fr, True, False)
                gl.ctx.disable(gl.ctx.BLEND)
            out = BatchFrame()
            opaque_z = self._read(gl, "depth") if "depth" in wanted or glass_depth else None
            if opaque_z is not None and "depth" in wanted:
                out.depth = self._metres(opaque_z)
            glass = bool(fr.glass) and (seg or glass_depth)
            if glass:
                gl.use(gl.fbo_segment if seg else gl.fbo_depth)
                gl.draw(fr.glass, fr, False, seg)
            if glass_depth:
                out.transparent_depth = (
                    self._glass_depth(gl, opaque_z)
                    if glass
                    else np.full((self.num_scenes, *self.size), np.inf, np.float32)
                )
            if seg:
                out.segmentation = self._read(gl, "segment")
            if rgb:
                out.rgb = self._read(gl, "rgb")
            return out

    def _current_layout(self, gl: GLState) -> frame.Layout:
        if self._layout is None:
            self._layout = frame.Layout(
                self._scenes,
                self._slot_meshes,
                self._mesh_table()[:, 3],
                self._slots_per_array,
                self.texture_layers,
                gl.scene_data == "uniform",
            )
        return self._layout

    def _mesh_table(self) -> np.ndarray:
        """The arena's (index count, first index, base vertex, per-pixel) per mesh id, kept
        until the arena changes."""
        arena = self._arena
        stamp = arena.version
        if self._table is None or self._table[0] != stamp:
            self._table = (stamp, arena.table())
        return self._table[1]

    def _sync_meshes(self, gl: GLState) -> None:
        arena = self._arena
        if not arena.needs_rewrite and not arena.pending:
            return
        rewrite = (
            arena.needs_rewrite
            or 4 * 8 * arena.vertices > gl.vbo.size
            or 4 * arena.indices > gl.ibo.size
        )
        gl.write_meshes(
            arena.blocks(None if rewrite else arena.pending), arena.vertices, arena.indices, rewrite
        )
        arena.pending.clear()
        arena.needs_rewrite = False

    def _sync_textures(self, gl: GLState) -> None:
        per = self._slots_per_array
        for slot, scene in enumerate(self._scenes):
            if scene is None:
                continue
            if self._stamps[slot] == scene.texture_stamp:
                continue
            self._stamps[slot] = scene.texture_stamp
            stale = np.flatnonzero(self._uploaded[slot] != scene.texture_versions)
            offsets = scene.texture_layer_offsets
            for k in stale:
                for j, image in enumerate(texture_layers(scene.textures[k], self.texture_size)):
                    layer = 1 + (slot % per) * self.texture_layers + offsets[k] + j
                    gl.write_layer(slot // per, layer, image)
                self._uploaded[slot][k] = scene.texture_versions[k]

    def _backgrounds(self) -> Backgrounds:
        """Flat backgrounds as (slot, RGBA uint8): the first scene's, then those of the
        scenes whose background differs from it; gradients as (slot, zenith, horizon), floats
        quantised to multiples of 1/255 (so that every path gives the same 8-bit colours)."""
        present = [(s, scene) for s, scene in enumerate(self._scenes) if scene is not None]
        if not present:
            return [], []
        key = b"".join(
            [
                b
                for s, scene in present
                for b in (
                    s.to_bytes(4, "little"),
                    scene.background.tobytes(),
                    b"" if scene.zenith is None else scene.zenith.tobytes(),
                )
            ]
        )
        if self._background_cache is not None and self._background_cache[0] == key:
            return self._background_cache[1]
        flat: list[tuple[int, np.ndarray]] = []
        gradients: list[tuple[int, np.ndarray, np.ndarray]] = []
        first: np.ndarray | None = None
        for slot, scene in present:
            horizon = _quantise(scene.background)
            zenith = None if scene.zenith is None else _quantise(scene.zenith)
            if zenith is not None and not np.array_equal(zenith, horizon):
                gradients.append((slot, zenith / np.float32(255), horizon / np.float32(255)))
                continue
            color = np.append(horizon, 255).astype(np.uint8)
            if first is None:
                first = color
                flat.append((slot, color))
            elif not np.array_equal(color, first):
                flat.append((slot, color))
        self._background_cache = (key, (flat, gradients))
        return flat, gradients

    def _read(self, gl: GLState, what: str) -> np.ndarray:
        """One output (``"rgb"``, ``"depth"``, ``"segment"``) of every layer → ``(N, H, W[,
        3])``, with one read-back."""
        shape = (self.num_scenes, *self.size, 3) if what == "rgb" else (self.num_scenes, *self.size)
        dtype = {"rgb": np.uint8, "depth": np.float32, "segment": np.int32}[what]
        out = np.empty(shape, dtype)
        gl.read(what, out)
        return out

    def _clip_planes(self) -> tuple[np.ndarray, np.ndarray]:
        near = np.full((self.num_scenes, 1, 1), np.nan, np.float32)
        far = np.full((self.num_scenes, 1, 1), np.nan, np.float32)
        for s, scene in enumerate(self._scenes):
            if scene is not None:
                near[s], far[s] = scene.camera.near, scene.camera.far
        return near, far

    def _metres(self, z: np.ndarray) -> np.ndarray:
        """Depth-buffer values → metres along the optical axis (``inf`` in empty slots)."""
        near, far = self._clip_planes()
        with np.errstate(invalid="ignore"):
            d: np.ndarray = far * near / (near + (far - near) * (np.float32(1.0) - z))
        return np.where(np.isnan(d), np.float32(np.inf), d)

    def _glass_depth(self, gl: GLState, opaque_z: np.ndarray | None) -> np.ndarray:
        z = self._read(gl, "depth")
        assert opaque_z is not None
        return np.where(z < opaque_z, self._metres(z), np.float32(np.inf))


def _quantise(color: np.ndarray) -> np.ndarray:
    """A colour in [0, 1] as 8-bit levels (float32 0..255, whole numbers)."""
    out: np.ndarray = np.rint(np.clip(np.asarray(color, np.float64), 0.0, 1.0) * 255.0).astype(
        np.float32
    )
    return out


def _check_outputs(outputs: Iterable[str]) -> frozenset[str]:
    names = (outputs,) if isinstance(outputs, str) else tuple(outputs)
    bad = [o for o in names if o not in OUTPUTS]
    if bad or not names:
        raise ValueError(f"unknown render outputs {bad or names!r}; valid: {', '.join(OUTPUTS)}")
    return frozenset(names)


def fitted(
    batch: BatchRenderer | None,
    num_scenes: int,
    size: tuple[int, int],
    texture_size: int,
    texture_layers: int,
) -> BatchRenderer:
    """``batch`` if it draws ``num_scenes`` scenes at ``size`` with textures of
    ``texture_size`` in ``texture_layers`` layers per scene, else a new renderer that does
    (``batch`` closed): the engine bases keep one per camera and remake it when a rebuilt
    model's textures no longer fit."""
    if (
        batch is not None
        and batch.num_scenes == num_scenes
        and batch.size == size
        and batch.texture_size == texture_size
        and batch.texture_layers >= texture_layers
    ):
        return batch
    if batch is not None:
        batch.close()
    return BatchRenderer(num_scenes, size, texture_size=texture_size, texture_layers=texture_layers)


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _choice(name: str, value: Any, valid: Sequence[str]) -> Any:
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; valid: {', '.join(valid)}")
    return value
