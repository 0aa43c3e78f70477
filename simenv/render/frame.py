"""One frame's draw data, computed with NumPy alone: per-scene camera and light texels,
per-instance attribute rows, and the indirect draw commands of each pass.

Commands follow OpenGL's ``DrawElementsIndirectCommand``: (index count, instance count, first
index, base vertex, base instance). A :class:`Run` is a range of commands drawn with one
multi-draw call: for one scene (scene data in uniforms) or for every scene of a texture
array at once (scene data in a storage buffer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import shaders
from .scene import TRANSPARENT_ALPHA, Scene

ROW_FLOATS = sum(n for _, n, t in shaders.INSTANCE_ATTRIBUTES if t == "f")
_ALPHA = 4 * 5 + 3 + 3  # i_m0..i_n1 (20 floats), i_n2 (3), then rgba: alpha is the 4th


@dataclass
class Run:
    """Commands ``first .. first + count`` of one texture array, one scene (-1: every
    scene) and one lighting (``pixel``: per fragment, else per vertex)."""

    array: int
    scene: int
    first: int
    count: int
    pixel: bool = False


@dataclass
class DrawList:
    """Everything one frame draws."""

    floats: np.ndarray  # (M, ROW_FLOATS) float32 instance attributes
    ints: np.ndarray  # (M, 4) int32: scene, segment, layer, mapping
    commands: np.ndarray  # (C, 5) uint32
    opaque: list[Run]
    blend: list[Run]  # transparent instances, blended
    glass: list[Run]  # transparent instances once, front to back, for depth and segments


@dataclass
class Slot:
    """A scene in a renderer slot: arena ids of its meshes and its first texture layer."""

    index: int
    scene: Scene
    meshes: np.ndarray
    layer_base: int


@dataclass
class Instances:
    """The drawn instances of every scene, concatenated."""

    floats: np.ndarray  # (M, ROW_FLOATS) float32
    ints: np.ndarray  # (M, 4) int32
    mesh: np.ndarray  # arena mesh ids
    distance: np.ndarray  # from the camera minus the bounding radius (sorting)


def _cat(arrays: list[np.ndarray], *shape: int) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros((0, *shape))


def _global(per_scene: list[np.ndarray], local: list[np.ndarray], count: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated per-scene tables and, per instance, its index into them (``local``
    indexes its own scene's table; -1 stays -1)."""
    sizes = np.array([len(t) for t in per_scene], np.int64)
    base = np.repeat(np.cumsum(sizes) - sizes, count)
    idx = _cat(local).astype(np.int64)
    return _cat(per_scene), np.where(idx >= 0, idx + base, -1)


def instances(slots: list[Slot], aspect: float) -> Instances:
    """Attribute rows of every drawn instance of every slot: visible, not fully transparent,
    inside its camera's frustum. One vectorised pass over all scenes."""
    scenes = [s.scene for s in slots]
    count = np.array([sc.num_instances for sc in scenes], np.int64)
    cams = [sc.camera for sc in scenes]
    cam_pos = np.repeat(np.array([c.position for c in cams]).reshape(-1, 3), count, axis=0)
    cam_rot = np.repeat(np.array([c.rotation for c in cams]).reshape(-1, 3, 3), count, axis=0)
    fovy, near, far = np.repeat(np.array([(c.fovy, c.near, c.far) for c in cams]
                                         ).reshape(-1, 3), count, axis=0).T
    pos = _cat([sc.position for sc in scenes], 3)
    rot = _cat([sc.rotation for sc in scenes], 3, 3)
    scale = _cat([sc.scale for sc in scenes], 3)
    rgba = _cat([sc.rgba for sc in scenes], 4)
    local_mesh = [sc.mesh for sc in scenes]
    mesh_radius, mesh_index = _global([sc.mesh_radius for sc in scenes], local_mesh, count)
    arena_ids, _ = _global([s.meshes for s in slots], local_mesh, count)
    radius = mesh_radius[mesh_index] * np.max(np.abs(scale), axis=1, initial=0.0)
    drawn = _cat([sc.visible for sc in scenes]).astype(bool) & (rgba[:, 3] > 0)
    drawn &= _in_frustum(pos - cam_pos, cam_rot, radius, fovy, near, far, aspect)
    keep = np.flatnonzero(drawn)
    pos, rot, scale = pos[keep], rot[keep], scale[keep]
    m = len(keep)
    with np.errstate(divide="ignore"):
        inv = np.where(scale != 0, 1.0 / scale, 0.0)
    normal = rot * inv[:, None, :]
    offset = _cat([sc.texture_offset for sc in scenes], 2)[keep]
    material = np.stack([_cat([sc.specular for sc in scenes]),
                         128.0 * np.clip(_cat([sc.shininess for sc in scenes]), 0.0, 1.0),
                         _cat([sc.emission for sc in scenes]),
                         np.zeros(len(rgba))], axis=1)[keep]
    floats = np.concatenate([
        np.concatenate([rot * scale[:, None, :], pos[:, :, None]], axis=2).reshape(m, 12),
        normal[:, 0], offset[:, :1], normal[:, 1], offset[:, 1:], normal[:, 2], rgba[keep],
        material, _cat([sc.texture_repeat for sc in scenes], 3)[keep]], axis=1)
    layer, mode = _texturing(slots, count)
    ints = np.stack([np.repeat([s.index for s in slots], count).astype(np.int64),
                     _cat([sc.segment for sc in scenes]), layer, mode], axis=1)[keep]
    distance = np.linalg.norm(pos - cam_pos[keep], axis=1) - _cat(
        [sc.radius for sc in scenes])[keep]
    return Instances(floats.astype(np.float32), ints.astype(np.int32),
                     arena_ids[mesh_index[keep]].astype(np.int64), distance)


def _texturing(slots: list[Slot], count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Texture-array layer (-1: untextured) and mapping code (0 none, 1 uv, 2 planar,
    3 cube, +16 sRGB) of every instance."""
    scenes = [s.scene for s in slots]
    first, tex = _global([sc.texture_layer_offsets for sc in scenes],
                         [sc.texture for sc in scenes], count)
    srgb = _cat([sc.texture_srgb for sc in scenes]).astype(bool)
    textured = tex >= 0
    safe = np.maximum(tex, 0)
    base = np.repeat([s.layer_base for s in slots], count)
    layer = np.where(textured, base + first[safe], -1) if len(first) else np.full(len(tex), -1)
    mode = np.where(textured, _cat([sc.mapping for sc in scenes]) + 1, 0)
    if len(srgb):
        mode = mode + 16 * (textured & srgb[safe])
    return layer, mode


def _in_frustum(rel: np.ndarray, cam_rot: np.ndarray, radius: np.ndarray, fovy: np.ndarray,
                near: np.ndarray, far: np.ndarray, aspect: float) -> np.ndarray:
    """Which bounding spheres (centres ``rel`` to their camera) touch its view frustum
    (conservative: culling the others changes no pixel)."""
    local = np.einsum("ni,nij->nj", rel, cam_rot)  # camera frame
    depth = -local[:, 2]
    ty = np.tan(np.radians(fovy) / 2)
    inside: np.ndarray = (depth + radius > near) & (depth - radius < far)
    for t, c in ((ty * aspect, local[:, 0]), (ty, local[:, 1])):
        # signed distance to the side planes |c| = t * depth, along their unit normals
        inside &= (np.abs(c) - t * depth) / np.sqrt(1 + t * t) < radius
    return inside


def features(scene: Scene) -> int:
    """Shader feature bits the scene's textures need."""
    return (shaders.CUBE_TEXTURES * bool(np.any(scene.texture_cube))
            | shaders.SRGB_TEXTURES * bool(np.any(scene.texture_srgb)))


def scene_rows(scenes: list[Scene | None], aspect: float
               ) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Every scene's camera and lights as ``SCENE_WIDTH`` texels (see :mod:`.shaders`), and
    the kinds of each scene's lights. Empty slots get zeros."""
    rows = np.zeros((len(scenes), shaders.SCENE_WIDTH, 4), np.float64)
    kinds: list[tuple[int, ...]] = [()] * len(scenes)
    used = np.array([i for i, sc in enumerate(scenes) if sc is not None], np.int64)
    present = [sc for sc in scenes if sc is not None]
    if not present:
        return rows.astype(np.float32), kinds
    cams = [sc.camera for sc in present]
    for cam in cams:
        cam.check()
    pos = np.array([c.position for c in cams])
    rot = np.array([c.rotation for c in cams])
    view = np.zeros((len(cams), 4, 4))
    view[:, :3, :3] = rot.transpose(0, 2, 1)
    view[:, :3, 3] = -np.einsum("nji,nj->ni", rot, pos)
    view[:, 3, 3] = 1.0
    proj = np.array([c.projection_matrix(aspect) for c in cams])
    rows[used, 0:4] = (proj @ view).transpose(0, 2, 1)
    rows[used, 4, :3] = pos
    rows[used, 5, :3] = [sc.ambient for sc in present]
    count = np.array([sc.num_lights for sc in present], np.int64)
    rows[used, 5, 3] = count
    kind = _light_texels(present, rows, used, count, pos, -rot[:, :, 2])
    ends = np.cumsum(count)
    for i, start, end in zip(used, ends - count, ends):
        kinds[i] = tuple(kind[start:end].tolist())
    return rows.astype(np.float32), kinds


def _light_texels(scenes: list[Scene], rows: np.ndarray, used: np.ndarray, count: np.ndarray,
                  cam_pos: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """Write every scene's lights into its row; return their kinds, concatenated (a headlight
    is a directional light along the view, a spot without a cone a point light)."""
    def cat(name: str, *shape: int) -> np.ndarray:
        return _cat([getattr(sc, name) for sc in scenes], *shape)

    head = cat("light_headlight").astype(bool)
    cutoff = cat("light_cutoff")
    kind = np.where(head, shaders.DIRECTIONAL, cat("light_kind"))  # LIGHT_KINDS order = codes
    kind = np.where((kind == shaders.SPOT) & (cutoff >= 180.0), shaders.POINT, kind)
    direction = np.where(head[:, None], np.repeat(forward, count, axis=0),
                         cat("light_direction", 3))
    norm = np.linalg.norm(direction, axis=1, keepdims=True)
    direction = np.where(norm > 0, direction / np.maximum(norm, 1e-300), [0.0, 0.0, -1.0])
    scene = np.repeat(used, count)
    slot = np.arange(len(kind)) - np.repeat(np.cumsum(count) - count, count)
    t = shaders.SCENE_TEXELS_FIXED + shaders.TEXELS_PER_LIGHT * slot
    rows[scene, t, :3] = np.where(head[:, None], np.repeat(cam_pos, count, axis=0),
                                  cat("light_position", 3))
    rows[scene, t, 3] = kind
    rows[scene, t + 1, :3] = direction
    rows[scene, t + 1, 3] = np.cos(np.radians(np.minimum(cutoff, 180.0)))
    rows[scene, t + 2, :3] = cat("light_ambient", 3)
    rows[scene, t + 2, 3] = cat("light_exponent")
    rows[scene, t + 3, :3] = cat("light_diffuse", 3)
    rows[scene, t + 4, :3] = cat("light_specular", 3)
    rows[scene, t + 5, :3] = cat("light_attenuation", 3)
    return kind.astype(np.int64)


def draw_list(inst: Instances, table: np.ndarray, slots_per_array: int,
              per_scene: bool, double_blend: bool) -> DrawList:
    """Sort the instance rows and build the commands of every pass.

    ``table`` gives (index count, first index, base vertex, per-pixel lighting) per arena
    mesh id;
    ``per_scene`` splits runs by scene (uniform scene data); ``double_blend`` blends
    transparent instances front to back and then back to front (MuJoCo), else back to front.
    """
    floats, ints, mesh, dist = inst.floats, inst.ints, inst.mesh, inst.distance
    if not len(ints):
        return DrawList(floats, ints, np.zeros((0, 5), np.uint32), [], [], [])
    array = ints[:, 0] // slots_per_array
    scene = ints[:, 0] if per_scene else np.full(len(ints), -1)
    group = (scene + 1) * 2 + table[mesh, 3]  # runs split by scene and by lighting
    transparent = floats[:, _ALPHA] < TRANSPARENT_ALPHA
    opaque = np.flatnonzero(~transparent)
    # front to back within each command, so that early depth tests skip hidden fragments
    opaque = opaque[np.lexsort((dist[opaque], mesh[opaque], group[opaque], array[opaque]))]
    glass = np.flatnonzero(transparent)
    glass = glass[np.lexsort((dist[glass], ints[glass, 0], array[glass]))]
    rows = np.concatenate([opaque, glass])
    o_cmds, o_runs = _instanced(mesh[opaque], array[opaque], group[opaque], table, 0, 0)
    if not len(glass):
        return DrawList(floats[opaque], ints[opaque], o_cmds.astype(np.uint32), o_runs, [], [])
    b_cmds, b_runs, g_cmds, g_runs = _transparent(
        mesh[glass], array[glass], group[glass], table, len(opaque), len(o_cmds), double_blend)
    commands = np.concatenate([o_cmds, b_cmds, g_cmds]).astype(np.uint32)
    return DrawList(floats[rows], ints[rows], commands, o_runs, b_runs, g_runs)


def _starts(change: np.ndarray) -> np.ndarray:
    """Indices where runs begin, given where consecutive elements differ."""
    return np.concatenate([[0], np.flatnonzero(change) + 1])


def _runs(array: np.ndarray, group: np.ndarray, first: int) -> list[Run]:
    """Runs of equal (array, group) over consecutive commands; ``group`` encodes the scene
    and the lighting as ``(scene + 1) * 2 + pixel``."""
    n = len(array)
    if n == 0:
        return []
    start = _starts((array[1:] != array[:-1]) | (group[1:] != group[:-1]))
    count = np.diff(start, append=n)
    return [Run(int(array[s]), int(group[s]) // 2 - 1, first + int(s), int(c),
                bool(group[s] % 2)) for s, c in zip(start, count)]


def _instanced(mesh: np.ndarray, array: np.ndarray, group: np.ndarray, table: np.ndarray,
               first_row: int, first_cmd: int) -> tuple[np.ndarray, list[Run]]:
    """One instanced command per run of equal (array, group, mesh) rows."""
    n = len(mesh)
    if n == 0:
        return np.zeros((0, 5), np.int64), []
    start = _starts((mesh[1:] != mesh[:-1]) | (array[1:] != array[:-1])
                    | (group[1:] != group[:-1]))
    length = np.diff(start, append=n)
    m = mesh[start]
    cmds = np.stack([table[m, 0], length, table[m, 1], table[m, 2], first_row + start], axis=1)
    return cmds, _runs(array[start], group[start], first_cmd)


def _transparent(mesh: np.ndarray, array: np.ndarray, group: np.ndarray, table: np.ndarray,
                 first_row: int, first_cmd: int, double_blend: bool
                 ) -> tuple[np.ndarray, list[Run], np.ndarray, list[Run]]:
    """Blend and glass commands, one per transparent instance (rows sorted front to back
    within each scene)."""
    one = np.stack([table[mesh, 0], np.ones(len(mesh), np.int64), table[mesh, 1],
                    table[mesh, 2], first_row + np.arange(len(mesh)), table[mesh, 3]], axis=1)
    blend, blend_runs, cursor = [], [], first_cmd
    for run in _runs(array, group - group % 2, 0):  # one scene's blending order is kept
        block = one[run.first:run.first + run.count]
        cmds = np.concatenate([block, block[::-1]]) if double_blend else block[::-1]
        blend.append(cmds)
        blend_runs.extend(_runs(np.full(len(cmds), run.array),
                                np.full(len(cmds), (run.scene + 1) * 2) + cmds[:, 5], cursor))
        cursor += len(cmds)
    glass_runs = [Run(r.array, r.scene, cursor + r.first, r.count)
                  for r in _runs(array, group - group % 2, 0)]
    blend_cmds = np.concatenate(blend) if blend else np.zeros((0, 6), np.int64)
    return blend_cmds[:, :5], blend_runs, one[:, :5], glass_runs
