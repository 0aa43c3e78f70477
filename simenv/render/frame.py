"""One frame's draw data, computed with NumPy alone in one vectorised pass over all scenes:
per-scene camera and light texels, per-instance attribute rows, and the indirect draw
commands of each pass.

What does not change from frame to frame (which mesh each instance draws, how instances are
grouped into draw calls) is worked out once per set of scenes in a :class:`Layout`; a frame
then gathers the scenes' arrays, culls, orders the opaque instances of each draw call front to
back (by the distance of their centres from their camera: the depth test then rejects hidden
fragments before they are shaded) and cuts that order into commands.

Commands follow OpenGL's ``DrawElementsIndirectCommand``: (index count, instance count, first
index, base vertex, base instance). A :class:`Run` is a range of commands drawn with one
multi-draw call: the instances of one scene (scene data in uniforms) or of every scene that
shares a shading key (scene data in a texture or storage buffer), of one texture array and one
lighting. A scene's shading key (light kinds, fog, texture features) picks its program, so a
scene is drawn by the same program whatever the other slots hold; within a scene, instances
are drawn in an order that depends on that scene alone (lighting, distance, instance index).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import Any

import numpy as np

from . import shaders
from .scene import TRANSPARENT_ALPHA, Scene

ROW_FLOATS = shaders.ROW_FLOATS
# a scene's shading key: light kinds, fog on, texture feature bits (one program variant each)
Shading = tuple[tuple[int, ...], bool, int]
_EMPTY = np.zeros(0, np.int64)


@dataclass
class Run:
    """Commands ``first .. first + count`` drawn with one call: texture ``array``, shading key
    ``shading`` (an index into :attr:`Frame.shadings`), one ``scene`` (-1: any) and per-pixel
    lighting or not."""

    array: int
    scene: int
    shading: int
    first: int
    count: int
    pixel: bool = False


@dataclass
class Frame:
    """Everything one frame draws."""

    floats: np.ndarray  # (M, ROW_FLOATS) float32 instance attributes, in draw order
    ints: np.ndarray  # (M, 4) int32: scene, segment, layer, mapping
    commands: np.ndarray  # (C, 5) uint32
    opaque: list[Run]
    blend: list[Run]  # transparent instances in blending order
    glass: list[Run]  # transparent instances once (depth and segments)
    rows: np.ndarray  # (slots, SCENE_WIDTH, 4) float32 scene texels
    shadings: list[Shading]  # the distinct shading keys
    scene_sets: np.ndarray  # (slots,) shading key of each slot (-1: empty)


class Layout:
    """The static part of a frame for the scenes in a renderer's slots.

    Args:
        scenes: the scene of every slot (``None``: empty).
        meshes: per slot, the arena ids of its scene's meshes.
        lighting: per arena id, 1 where the mesh is lit per pixel.
        slots_per_array: slots sharing a texture array.
        layers: texture-array layers each slot owns (its first is ``1 + (slot %
            slots_per_array) * layers``); layer 0 of every array is white.
        per_scene: one draw call per scene (uniform scene data) rather than per shading key.
    """

    def __init__(
        self,
        scenes: list[Scene | None],
        meshes: list[np.ndarray],
        lighting: np.ndarray,
        slots_per_array: int,
        layers: int,
        per_scene: bool,
    ) -> None:
        present = [i for i, s in enumerate(scenes) if s is not None]
        self.slots = np.array(present, np.int64)
        self.scenes: list[Scene] = [s for s in scenes if s is not None]
        self.num_slots = len(scenes)
        self.per_scene = per_scene
        count = np.array([s.num_instances for s in self.scenes], np.int64)
        self.total = int(count.sum())
        self.same_count = int(count[0]) if len(count) and np.all(count == count[0]) else 0
        self.inst_slot = np.repeat(self.slots, count)
        self.inst_scene = np.repeat(np.arange(len(self.scenes)), count)
        mesh_local = _cat([s.mesh for s in self.scenes]).astype(np.int64)
        mesh_base = np.cumsum([0] + [len(s.meshes) for s in self.scenes])[:-1]
        arena = _cat([meshes[i] for i in present]).astype(np.int64)
        self.inst_mesh = (
            arena[mesh_local + np.repeat(mesh_base, count).astype(np.int64)]
            if self.total
            else _EMPTY
        )
        self.mesh_radius = (
            _cat([s.mesh_radius for s in self.scenes])[
                mesh_local + np.repeat(mesh_base, count).astype(np.int64)
            ]
            if self.total
            else np.zeros(0)
        )
        self.pixel = lighting[self.inst_mesh].astype(np.int64) if self.total else _EMPTY
        self.array = self.inst_slot // slots_per_array
        self.layer_base = 1 + (self.inst_slot % slots_per_array) * layers
        self.white = 0  # the white layer
        # an instance's texture k (>= 0) starts at layer texture_first[texture_start + k]
        # (each scene's table gets one extra entry, so that k = -1 clipped to 0 is valid)
        tables = [np.append(s.texture_layer_offsets, 0) for s in self.scenes]
        sizes = np.array([len(t) for t in tables], np.int64)
        self.texture_first = _cat(tables).astype(np.int64) if tables else _EMPTY
        self.texture_start = np.repeat(np.cumsum(sizes) - sizes, count)
        self.texture_srgb = (
            _cat([np.append(s.texture_srgb, False) for s in self.scenes]).astype(bool)
            if tables
            else np.zeros(0, bool)
        )
        self.n_mesh = int(self.inst_mesh.max()) + 1 if self.total else 1
        self.features = np.array([features(s) for s in self.scenes], np.int64)
        self.any_srgb = bool(np.any(self.features & shaders.SRGB_TEXTURES))
        self.rows = np.zeros((self.num_slots, shaders.SCENE_WIDTH, 4), np.float32)
        # the present slots: a slice when they are all of them (views, not copies)
        self.slot_index: Any = slice(None) if len(present) == self.num_slots else self.slots
        self.light_count = np.array([s.num_lights for s in self.scenes], np.int64)
        self.num_lights = int(self.light_count.sum())
        self.light_scene = np.repeat(np.arange(len(self.scenes)), self.light_count)
        self.light_slot = self.slots[self.light_scene]
        first = np.arange(self.num_lights) - np.repeat(
            np.cumsum(self.light_count) - self.light_count, self.light_count
        )
        self.light_texel = shaders.SCENE_TEXELS_FIXED + shaders.TEXELS_PER_LIGHT * first
        self.head_lights = _EMPTY  # the headlights (indices of lights) and their scenes
        self.head_scenes = _EMPTY
        # rows.reshape(-1, 4) indices of every light's position and direction texels
        base = self.light_slot * shaders.SCENE_WIDTH + self.light_texel
        self.light_flat = np.stack([base, base + 1], axis=1)
        self.static_key: tuple[bytes, tuple[float, ...]] | None = None  # see scene_rows
        self.shadings: list[Shading] = []
        self.scene_sets = np.full(self.num_slots, -1, np.int64)
        self.cache: dict[str, Any] = {}  # draw lists and rows kept between frames
        self._keys(None)

    def _keys(self, sets: np.ndarray | None) -> None:
        """Draw-call grouping of every instance: by scene (uniform scene data) or by shading
        key, then texture array and lighting (``run_key``: one draw call each), then mesh
        (``cmd_key``: one command per run of consecutive equal keys)."""
        group = self.inst_slot if self.per_scene or sets is None else sets[self.inst_slot]
        n_arrays = int(self.array.max()) + 1 if self.total else 1
        self.run_key = (group * n_arrays + self.array) * 2 + self.pixel
        self.cmd_key = self.run_key * self.n_mesh + self.inst_mesh
        self.cache.clear()
        self.sets_key = None if sets is None else sets.tobytes()

    def set_shadings(self, shadings: list[Shading], scene_sets: np.ndarray) -> None:
        """The shading key of every slot this frame; regroups when they changed."""
        self.shadings = shadings
        self.scene_sets = scene_sets
        if not self.per_scene and scene_sets.tobytes() != self.sets_key:
            self._keys(scene_sets)


def _cat(arrays: list[np.ndarray]) -> np.ndarray:
    return (
        np.concatenate(arrays)
        if len(arrays) > 1
        else (np.asarray(arrays[0]) if arrays else np.zeros(0))
    )


def features(scene: Scene) -> int:
    """Shader feature bits the scene's textures need."""
    return shaders.CUBE_TEXTURES * bool(np.any(scene.texture_cube)) | shaders.SRGB_TEXTURES * bool(
        np.any(scene.texture_srgb)
    )


def build(
    layout: Layout, aspect: float, table: np.ndarray, double_blend: bool, transparent_passes: bool
) -> Frame:
    """The frame's rows and commands. ``table`` gives (index count, first index, base vertex)
    per arena mesh id; ``double_blend`` blends transparent instances front to back and then
    back to front (MuJoCo), else back to front; without ``transparent_passes`` transparent
    instances are left out."""
    scenes = layout.scenes
    rows = layout.rows
    cams = scene_rows(layout, aspect)
    shadings, scene_sets = layout.shadings, layout.scene_sets
    if not layout.total:
        return Frame(
            np.zeros((0, ROW_FLOATS), np.float32),
            np.zeros((0, 4), np.int32),
            np.zeros((0, 5), np.uint32),
            [],
            [],
            [],
            rows,
            shadings,
            scene_sets,
        )
    pos = _cat([s.position for s in scenes])
    scale = _cat([s.scale for s in scenes])
    rgba = _cat([s.rgba for s in scenes])
    cam_pos, cam_rot, tan_y, near, far = cams
    one = len(scenes) == 1
    rel = pos - (cam_pos if one else cam_pos[layout.inst_scene])
    scale_key = scale.tobytes()
    if layout.cache.get("scale_key") != scale_key:  # bounding radii: while the scales stay
        layout.cache["radius"] = layout.mesh_radius * np.abs(scale).max(axis=1)
        layout.cache["scale_key"] = scale_key
    radius = layout.cache["radius"]
    keep = (
        _cat([s.visible for s in scenes]) if one else _cat([s.visible for s in scenes]).astype(bool)
    ) & (rgba[:, 3] > 0)
    keep &= _in_frustum(
        rel,
        radius,
        _frustum_planes(cam_rot, tan_y, near, far, aspect),
        None if one else layout.inst_scene,
        layout.same_count,
    )
    glassy = rgba[:, 3] < TRANSPARENT_ALPHA
    # opaque instances front to back (by their centres) within each draw call: far fewer
    # fragments are shaded (the depth test rejects the hidden ones first)
    opaque = np.flatnonzero(keep & ~glassy)
    near_rel = rel[opaque]
    opaque = opaque[np.lexsort((np.einsum("ij,ij->i", near_rel, near_rel), layout.run_key[opaque]))]
    key = opaque.tobytes()
    cached = layout.cache.get("opaque")
    if cached is not None and cached[0] == key:
        o_cmds, o_runs = cached[1:]
    else:  # the commands change only when the order does
        o_cmds, o_runs = _commands(opaque, layout, table)
        layout.cache["opaque"] = (key, o_cmds, o_runs)
    cmds = [o_cmds]
    blend_runs: list[Run] = []
    glass_runs: list[Run] = []
    drawn = opaque
    glass = np.flatnonzero(keep & glassy) if transparent_passes else _EMPTY
    if len(glass):
        dist = (
            np.sqrt(np.einsum("ij,ij->i", rel[glass], rel[glass]))
            - _cat([s.radius for s in scenes])[glass]
        )
        block = layout.run_key[glass] // 2 * layout.num_slots + layout.inst_slot[glass]
        glass = glass[np.lexsort((dist, block))]
        key = glass.tobytes() + np.array([len(opaque), len(o_cmds), double_blend]).tobytes()
        cached = layout.cache.get("glass")
        if cached is not None and cached[0] == key:  # the same order as last frame
            b_cmds, blend_runs, g_cmds, glass_runs = cached[1]
        else:
            b_cmds, blend_runs, g_cmds, glass_runs = _transparent(
                glass, layout, table, len(opaque), len(o_cmds), double_blend
            )
            layout.cache["glass"] = (key, (b_cmds, blend_runs, g_cmds, glass_runs))
        cmds += [b_cmds, g_cmds]
        drawn = np.concatenate([opaque, glass])
    floats, ints = _rows(drawn, scenes, layout, pos, scale, rgba)
    commands = (
        np.concatenate(cmds).astype(np.uint32) if len(cmds) > 1 else cmds[0].astype(np.uint32)
    )
    return Frame(floats, ints, commands, o_runs, blend_runs, glass_runs, rows, shadings, scene_sets)


def _rows(
    drawn: np.ndarray,
    scenes: list[Scene],
    layout: Layout,
    pos: np.ndarray,
    scale: np.ndarray,
    rgba: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Instance attribute rows of the ``drawn`` instances, in that order. The material and id
    columns are kept from the previous frame while the drawn set and the scenes' material
    arrays are byte-for-byte the same."""
    m = len(drawn)
    out = np.empty((m, ROW_FLOATS), np.float32)
    rot = _cat([s.rotation for s in scenes])[drawn]
    sc = scale[drawn]
    top = out[:, :12].reshape(m, 3, 4)
    top[:, :, :3] = rot * sc[:, None, :]
    top[:, :, 3] = pos[drawn]
    key = drawn.tobytes() + _bytes(scenes, _MATERIAL_FIELDS)
    cached = layout.cache.get("rows")
    if cached is not None and cached[0] == key:
        out[:, 12:] = cached[1]
        return out, cached[2]
    out[:, 12:16] = rgba[drawn]
    with np.errstate(divide="ignore"):
        out[:, 16:19] = np.where(sc != 0, 1.0 / (sc * sc), 0.0)
    out[:, 19] = _cat([s.specular for s in scenes])[drawn]
    out[:, 20] = 128.0 * np.clip(_cat([s.shininess for s in scenes])[drawn], 0.0, 1.0)
    out[:, 21] = _cat([s.emission for s in scenes])[drawn]
    out[:, 22:24] = _cat([s.texture_offset for s in scenes])[drawn]
    out[:, 24:27] = _cat([s.texture_repeat for s in scenes])[drawn]
    out[:, 27] = 0.0
    ints = np.empty((m, 4), np.int32)
    ints[:, 0] = layout.inst_slot[drawn]
    ints[:, 1] = _cat([s.segment for s in scenes])[drawn]
    tex = _cat([s.texture for s in scenes])[drawn]
    textured = tex >= 0
    where = layout.texture_start[drawn] + np.maximum(tex, 0)
    ints[:, 2] = np.where(
        textured, layout.layer_base[drawn] + layout.texture_first[where], layout.white
    )
    mode = np.where(textured, _cat([s.mapping for s in scenes])[drawn] + 1, 0)
    if layout.any_srgb:
        mode = mode + 16 * (textured & layout.texture_srgb[where])
    ints[:, 3] = mode
    layout.cache["rows"] = (key, out[:, 12:].copy(), ints)
    return out, ints


def _commands(rows: np.ndarray, layout: Layout, table: np.ndarray) -> tuple[np.ndarray, list[Run]]:
    """One instanced command per run of equal command keys among ``rows`` (in static
    order), and the runs of commands drawn by one call."""
    n = len(rows)
    if n == 0:
        return np.zeros((0, 5), np.int64), []
    key = layout.cmd_key[rows]
    start = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    length = np.diff(start, append=n)
    mesh = layout.inst_mesh[rows[start]]
    cmds = np.stack([table[mesh, 0], length, table[mesh, 1], table[mesh, 2], start], axis=1)
    return cmds, _runs(layout, rows[start], 0)


def _runs(layout: Layout, first_rows: np.ndarray, first_cmd: int) -> list[Run]:
    """Runs of consecutive commands with equal run keys (``first_rows``: an instance of
    every command)."""
    key = layout.run_key[first_rows]
    n = len(key)
    start = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    count = np.diff(start, append=n)
    inst = first_rows[start]
    slot = layout.inst_slot[inst]
    sets = layout.scene_sets[slot]
    scene = slot if layout.per_scene else np.full(len(start), -1)
    return [
        Run(int(a), int(sc), int(ls), first_cmd + int(s), int(c), bool(p))
        for a, sc, ls, s, c, p in zip(
            layout.array[inst], scene, sets, start, count, layout.pixel[inst]
        )
    ]


def _transparent(
    glass: np.ndarray,
    layout: Layout,
    table: np.ndarray,
    first_row: int,
    first_cmd: int,
    double_blend: bool,
) -> tuple[np.ndarray, list[Run], np.ndarray, list[Run]]:
    """Blend and glass commands, one per transparent instance (``glass``: sorted front to
    back within each scene's block)."""
    n = len(glass)
    mesh = layout.inst_mesh[glass]
    one = np.stack(
        [
            table[mesh, 0],
            np.ones(n, np.int64),
            table[mesh, 1],
            table[mesh, 2],
            first_row + np.arange(n),
        ],
        axis=1,
    )
    block = layout.run_key[glass] // 2 * layout.num_slots + layout.inst_slot[glass]
    start = np.flatnonzero(np.concatenate([[True], block[1:] != block[:-1]]))
    length = np.diff(start, append=n)
    b_start = np.repeat(start, length)
    b_len = np.repeat(length, length)
    rank = np.arange(n) - b_start
    if double_blend:  # per scene: front to back, then back to front
        where = np.empty(2 * n, np.int64)
        where[2 * b_start + rank] = np.arange(n)
        where[2 * b_start + 2 * b_len - 1 - rank] = np.arange(n)
    else:  # back to front
        where = np.empty(n, np.int64)
        where[b_start + b_len - 1 - rank] = np.arange(n)
    blend = one[where]
    b_runs = _runs(layout, glass[where], first_cmd)
    g_runs = _runs(layout, glass, first_cmd + len(blend))
    return blend, b_runs, one, g_runs


def _frustum_planes(
    cam_rot: np.ndarray, ty: np.ndarray, near: np.ndarray, far: np.ndarray, aspect: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per camera, the world-space unit normals ``(n, 3, 6)`` (columns: right, left, top,
    bottom, near, far; pointing out of the frustum) and offsets ``(n, 6)`` of its view
    frustum's planes, for points relative to the camera: outside a plane where ``p @ normal
    + offset > 0``."""
    n = len(ty)
    if n == 1:  # Python floats: fewer NumPy calls (culling is conservative either way)
        y, nr, fr = float(ty[0]), float(near[0]), float(far[0])
        x = y * aspect
        sx, sy = 1.0 / math.sqrt(1.0 + x * x), 1.0 / math.sqrt(1.0 + y * y)
        one = np.array(
            [
                [sx, -sx, 0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, sy, -sy, 0.0, 0.0],
                [x * sx, x * sx, y * sy, y * sy, 1.0, -1.0],
            ]
        )
        return (cam_rot[0] @ one)[None], np.array([[0.0, 0.0, 0.0, 0.0, nr, -fr]])
    tx = ty * aspect
    cx, cy = 1.0 / np.sqrt(1.0 + tx * tx), 1.0 / np.sqrt(1.0 + ty * ty)
    planes = np.zeros((n, 3, 6))  # in the camera frame (x right, y up, z backward)
    planes[:, 0, 0], planes[:, 0, 1] = cx, -cx
    planes[:, 1, 2], planes[:, 1, 3] = cy, -cy
    planes[:, 2, 0] = planes[:, 2, 1] = tx * cx
    planes[:, 2, 2] = planes[:, 2, 3] = ty * cy
    planes[:, 2, 4:] = (1.0, -1.0)
    offsets = np.zeros((n, 6))
    offsets[:, 4], offsets[:, 5] = near, -far
    return cam_rot @ planes, offsets


def _in_frustum(
    rel: np.ndarray,
    radius: np.ndarray,
    planes: tuple[np.ndarray, np.ndarray],
    scene: np.ndarray | None,
    same_count: int = 0,
) -> np.ndarray:
    """Which bounding spheres (centres ``rel`` to their camera, the camera of instance ``i``
    being ``scene[i]``, or the only one) touch its view frustum (conservative: culling the
    others changes no pixel). ``same_count``: every scene has this many instances, in scene
    order (one batched product)."""
    normals, offsets = planes
    if scene is None:
        dist = rel @ normals[0] + offsets[0]
    elif same_count:
        n = len(normals)
        dist = (rel.reshape(n, same_count, 3) @ normals + offsets[:, None, :]).reshape(-1, 6)
    else:
        dist = np.einsum("ni,nij->nj", rel, normals[scene]) + offsets[scene]
    inside: np.ndarray = (dist < radius[:, None]).all(axis=1)
    return inside


# a scene's arrays that its static texels and its instances' material rows are made of
_STATIC_FIELDS = attrgetter(
    "ambient",
    "fog_color",
    "light_kind",
    "light_headlight",
    "light_cutoff",
    "light_exponent",
    "light_ambient",
    "light_diffuse",
    "light_specular",
    "light_attenuation",
)
_MATERIAL_FIELDS = attrgetter(
    "scale",
    "rgba",
    "specular",
    "shininess",
    "emission",
    "texture_offset",
    "texture_repeat",
    "segment",
    "texture",
    "mapping",
)


def _bytes(scenes: list[Scene], fields: attrgetter[Any]) -> bytes:
    """The bytes of the ``fields`` arrays of every scene, joined (to tell when any
    changed)."""
    return b"".join(map(np.ndarray.tobytes, chain.from_iterable(map(fields, scenes))))


def scene_rows(layout: Layout, aspect: float) -> tuple[np.ndarray, ...]:
    """Write every scene's texels into ``layout.rows`` (see :mod:`.shaders`) and set the
    layout's shading keys (light kinds, fog, texture features) per slot; return the cameras
    (position, rotation, tan(fovy / 2), near, far per scene).

    Per frame only the camera and the lights' positions and directions are written; the
    other texels (ambient, fog, light colours and cones) and the shading keys are rewritten
    when the scenes' arrays for them differ from the last frame's."""
    scenes, rows, where = layout.scenes, layout.rows, layout.slot_index
    n = len(scenes)
    if not n:
        z = np.zeros(0)
        layout.set_shadings([], np.full(layout.num_slots, -1, np.int64))
        return np.zeros((0, 3)), np.zeros((0, 3, 3)), z, z, z
    cams = [sc.camera for sc in scenes]
    if n == 1:
        cam = cams[0]
        fovy, near, far = np.array([[cam.fovy], [cam.near], [cam.far]], np.float64)
        pos, rot = cam.position.reshape(1, 3), cam.rotation.reshape(1, 3, 3)
    else:
        fovy, near, far = np.array([(c.fovy, c.near, c.far) for c in cams], np.float64).T
        pos = np.array([c.position for c in cams], np.float64).reshape(n, 3)
        rot = np.array([c.rotation for c in cams], np.float64).reshape(n, 3, 3)
    if np.any((fovy <= 0) | (fovy >= 180) | (near <= 0) | (near >= far)):
        for c in cams:
            c.check()
    tan = np.tan(fovy * (np.pi / 360.0))
    rows[where, 0:3, :3] = rot.transpose(0, 2, 1)
    rows[where, 3, :3] = pos
    # y negated: row 0 of an image is the top one (the same float64 arithmetic either way)
    if n == 1:
        t, nr, fr = float(tan[0]), float(near[0]), float(far[0])
        rows[where, 4] = (
            1.0 / (t * aspect),
            -1.0 / t,
            (fr + nr) / (nr - fr),
            2 * fr * nr / (nr - fr),
        )
    else:
        proj = np.empty((n, 4))
        proj[:, 0], proj[:, 1] = 1.0 / (tan * aspect), -1.0 / tan
        proj[:, 2], proj[:, 3] = (far + near) / (near - far), 2 * far * near / (near - far)
        rows[where, 4] = proj
    key = (_bytes(scenes, _STATIC_FIELDS), tuple([sc.fog_density for sc in scenes]))
    if key != layout.static_key:
        _static_texels(layout)
        layout.static_key = key
    if layout.num_lights:
        _light_texels(layout, pos, rot)
    return pos, rot, tan, near, far


def _static_texels(layout: Layout) -> None:
    """Ambient, fog, light colours, cones and attenuation of every scene, and the shading
    keys."""
    scenes, rows, where = layout.scenes, layout.rows, layout.slot_index
    fog = np.array([sc.fog_density for sc in scenes], np.float64)
    if np.any(~np.isfinite(fog) | (fog < 0)):
        raise ValueError(f"fog_density must be finite and >= 0, got {fog.tolist()}")
    rows[where, 5, :3] = [sc.fog_color for sc in scenes]
    rows[where, 5, 3] = fog
    rows[where, 6, :3] = [sc.ambient for sc in scenes]
    kinds = np.zeros(0, np.int64)
    if layout.num_lights:

        def cat(name: str) -> np.ndarray:
            return _cat([getattr(sc, name) for sc in scenes])

        head = cat("light_headlight").astype(bool)
        cutoff = cat("light_cutoff")
        kinds = np.where(head, shaders.DIRECTIONAL, cat("light_kind"))  # LIGHT_KINDS = codes
        kinds = np.where((kinds == shaders.SPOT) & (cutoff >= 180.0), shaders.POINT, kinds).astype(
            np.int64
        )
        layout.head_lights = np.flatnonzero(head)
        layout.head_scenes = layout.light_scene[layout.head_lights]
        slot, t = layout.light_slot, layout.light_texel
        rows[slot, t, 3] = 0.0
        rows[slot, t + 1, 3] = np.cos(np.radians(np.minimum(cutoff, 180.0)))
        rows[slot, t + 2, :3] = cat("light_ambient")
        rows[slot, t + 2, 3] = cat("light_exponent")
        rows[slot, t + 3, :3] = cat("light_diffuse")
        rows[slot, t + 4, :3] = cat("light_specular")
        rows[slot, t + 5, :3] = cat("light_attenuation")
        rows[slot[:, None], t[:, None] + np.arange(3, 6), 3] = 0.0
    shadings: list[Shading] = []
    index: dict[Shading, int] = {}
    sets = np.full(layout.num_slots, -1, np.int64)
    end = 0
    for slot_, c, f, bits in zip(
        layout.slots.tolist(),
        layout.light_count.tolist(),
        (fog > 0).tolist(),
        layout.features.tolist(),
    ):
        key = (tuple(kinds[end : end + c].tolist()), f, bits)
        end += c
        k = index.get(key)
        if k is None:
            k = index[key] = len(shadings)
            shadings.append(key)
        sets[slot_] = k
    layout.set_shadings(shadings, sets)


def _light_texels(layout: Layout, cam_pos: np.ndarray, cam_rot: np.ndarray) -> None:
    """Every light's position and direction (a headlight sits at the camera and shines
    along its view)."""
    scenes = layout.scenes
    block = np.empty((layout.num_lights, 2, 3))
    if len(scenes) == 1:
        block[:, 0] = scenes[0].light_position
        block[:, 1] = scenes[0].light_direction
    else:
        block[:, 0] = _cat([sc.light_position for sc in scenes])
        block[:, 1] = _cat([sc.light_direction for sc in scenes])
    head = layout.head_lights
    if len(head):
        scene = layout.head_scenes
        block[head, 0] = cam_pos[scene]
        block[head, 1] = -cam_rot[scene, :, 2]
    direction = block[:, 1]
    norm = np.sqrt(np.einsum("ij,ij->i", direction, direction))
    if norm.all():
        direction /= norm[:, None]
    else:
        direction[:] = np.where(
            norm[:, None] > 0, direction / np.maximum(norm, 1e-300)[:, None], (0.0, 0.0, -1.0)
        )
    layout.rows.reshape(-1, 4)[layout.light_flat, :3] = block
