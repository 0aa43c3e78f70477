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
_KINDS = {0: shaders.DIRECTIONAL, 1: shaders.POINT, 2: shaders.SPOT}


@dataclass
class Run:
    """Commands ``first .. first + count`` of one texture array (and one scene, or -1)."""

    array: int
    scene: int
    first: int
    count: int


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
class SceneInstances:
    """The drawn instances of one scene."""

    floats: np.ndarray
    ints: np.ndarray
    mesh: np.ndarray  # arena mesh ids
    distance: np.ndarray  # from the camera, minus the bounding radius (sorting)


def layer_offsets(scene: Scene) -> np.ndarray:
    """First layer (within the scene's own layers) of every texture."""
    sizes = [t.layers for t in scene.textures]
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if sizes else \
        np.zeros(0, np.int64)


def in_frustum(scene: Scene, rows: np.ndarray, aspect: float) -> np.ndarray:
    """Which instances' bounding spheres touch the camera's view frustum (conservative:
    culling the others changes no pixel)."""
    cam = scene.camera
    radius = scene.mesh_radius[scene.mesh[rows]] * np.max(np.abs(scene.scale[rows]), axis=1)
    local = (scene.position[rows] - cam.position) @ cam.rotation  # camera frame
    depth = -local[:, 2]
    ty = np.tan(np.radians(cam.fovy) / 2)
    inside = (depth + radius > cam.near) & (depth - radius < cam.far)
    for t, c in ((ty * aspect, local[:, 0]), (ty, local[:, 1])):
        # signed distance to the side planes |c| = t * depth, along their unit normals
        inside &= (np.abs(c) - t * depth) / np.sqrt(1 + t * t) < radius
    return inside


def scene_instances(slot: int, scene: Scene, meshes: np.ndarray, layer_base: int,
                    aspect: float) -> SceneInstances:
    """Attribute rows of the instances of ``scene`` that are drawn: visible, not fully
    transparent, inside the frustum. ``meshes`` maps scene mesh indices to arena ids."""
    keep = np.flatnonzero(scene.visible & (scene.rgba[:, 3] > 0))
    keep = keep[in_frustum(scene, keep, aspect)]
    rot, scale, pos = scene.rotation[keep], scene.scale[keep], scene.position[keep]
    m = len(keep)
    with np.errstate(divide="ignore"):
        inv = np.where(scale != 0, 1.0 / scale, 0.0)
    normal = rot * inv[:, None, :]
    offset = scene.texture_offset[keep]
    floats = np.concatenate([
        np.concatenate([rot * scale[:, None, :], pos[:, :, None]], axis=2).reshape(m, 12),
        normal[:, 0], offset[:, :1], normal[:, 1], offset[:, 1:], normal[:, 2],
        scene.rgba[keep],
        np.stack([scene.specular[keep], 128.0 * np.clip(scene.shininess[keep], 0.0, 1.0),
                  scene.emission[keep], np.zeros(m)], axis=1),
        scene.texture_repeat[keep]], axis=1)
    tex = scene.texture[keep]
    textured = tex >= 0
    safe = np.maximum(tex, 0)
    first = layer_offsets(scene)
    layer = np.where(textured, layer_base + first[safe], -1) if len(first) else np.full(m, -1)
    mode = np.where(textured, scene.mapping[keep] + 1, 0)
    srgb = np.array([t.srgb for t in scene.textures], bool)
    if len(srgb):
        mode = mode + 16 * (textured & srgb[safe])
    ints = np.stack([np.full(m, slot), scene.segment[keep], layer, mode], axis=1)
    distance = np.linalg.norm(pos - scene.camera.position, axis=1) - scene.radius[keep]
    return SceneInstances(floats.astype(np.float32), ints.astype(np.int32),
                          meshes[scene.mesh[keep]], distance)


def features(scene: Scene) -> int:
    """Shader feature bits the scene's textures need."""
    return (shaders.CUBE_TEXTURES * any(t.cube for t in scene.textures)
            | shaders.SRGB_TEXTURES * any(t.srgb for t in scene.textures))


def scene_row(scene: Scene, aspect: float) -> tuple[np.ndarray, tuple[int, ...]]:
    """The scene's camera and lights as ``SCENE_WIDTH`` texels (see :mod:`.shaders`) and the
    kinds of its lights."""
    cam = scene.camera
    cam.check()
    row = np.zeros((shaders.SCENE_WIDTH, 4), np.float64)
    row[0:4] = (cam.projection_matrix(aspect) @ cam.view_matrix()).T
    row[4, :3] = cam.position
    row[5, :3] = scene.ambient
    row[5, 3] = scene.num_lights
    forward = -cam.rotation[:, 2]
    kinds = []
    for i in range(scene.num_lights):
        t = shaders.SCENE_TEXELS_FIXED + shaders.TEXELS_PER_LIGHT * i
        head = bool(scene.light_headlight[i])
        cutoff = float(scene.light_cutoff[i])
        kind = shaders.DIRECTIONAL if head else _KINDS[int(scene.light_kind[i])]
        if kind == shaders.SPOT and cutoff >= 180.0:
            kind = shaders.POINT  # a spot without a cone is a point light
        direction = forward if head else scene.light_direction[i]
        norm = np.linalg.norm(direction)
        row[t, :3] = cam.position if head else scene.light_position[i]
        row[t, 3] = kind
        row[t + 1, :3] = direction / norm if norm > 0 else (0.0, 0.0, -1.0)
        row[t + 1, 3] = np.cos(np.radians(min(cutoff, 180.0)))
        row[t + 2, :3] = scene.light_ambient[i]
        row[t + 2, 3] = scene.light_exponent[i]
        row[t + 3, :3] = scene.light_diffuse[i]
        row[t + 4, :3] = scene.light_specular[i]
        row[t + 5, :3] = scene.light_attenuation[i]
        kinds.append(kind)
    return row.astype(np.float32), tuple(kinds)


def draw_list(parts: list[SceneInstances], table: np.ndarray, slots_per_array: int,
              per_scene: bool, double_blend: bool) -> DrawList:
    """Sort the instance rows and build the commands of every pass.

    ``table`` gives (index count, first index, base vertex) per arena mesh id;
    ``per_scene`` splits runs by scene (uniform scene data); ``double_blend`` blends
    transparent instances front to back and then back to front (MuJoCo), else back to front.
    """
    if not parts:
        empty = np.zeros((0, 5), np.uint32)
        return DrawList(np.zeros((0, ROW_FLOATS), np.float32), np.zeros((0, 4), np.int32),
                        empty, [], [], [])
    floats = np.concatenate([p.floats for p in parts])
    ints = np.concatenate([p.ints for p in parts])
    mesh = np.concatenate([p.mesh for p in parts])
    dist = np.concatenate([p.distance for p in parts])
    array = ints[:, 0] // slots_per_array
    group = ints[:, 0] if per_scene else np.full(len(ints), -1)
    transparent = floats[:, _ALPHA] < TRANSPARENT_ALPHA
    opaque = np.flatnonzero(~transparent)
    # front to back within each command, so that early depth tests skip hidden fragments
    opaque = opaque[np.lexsort((dist[opaque], mesh[opaque], group[opaque], array[opaque]))]
    glass = np.flatnonzero(transparent)
    glass = glass[np.lexsort((dist[glass], ints[glass, 0], array[glass]))]
    rows = np.concatenate([opaque, glass])
    o_cmds, o_runs = _instanced(mesh[opaque], array[opaque], group[opaque], table, 0, 0)
    b_cmds, b_runs, g_cmds, g_runs = _transparent(
        mesh[glass], array[glass], group[glass], table, len(opaque), len(o_cmds), double_blend)
    commands = np.concatenate([o_cmds, b_cmds, g_cmds]).astype(np.uint32)
    return DrawList(floats[rows], ints[rows], commands, o_runs, b_runs, g_runs)


def _runs(array: np.ndarray, group: np.ndarray, first: int) -> list[Run]:
    """Runs of equal (array, group) over consecutive commands."""
    n = len(array)
    if n == 0:
        return []
    start = np.flatnonzero(np.r_[True, (array[1:] != array[:-1]) | (group[1:] != group[:-1])])
    count = np.diff(np.r_[start, n])
    return [Run(int(array[s]), int(group[s]), first + int(s), int(c))
            for s, c in zip(start, count)]


def _instanced(mesh: np.ndarray, array: np.ndarray, group: np.ndarray, table: np.ndarray,
               first_row: int, first_cmd: int) -> tuple[np.ndarray, list[Run]]:
    """One instanced command per run of equal (array, group, mesh) rows."""
    n = len(mesh)
    if n == 0:
        return np.zeros((0, 5), np.int64), []
    change = (mesh[1:] != mesh[:-1]) | (array[1:] != array[:-1]) | (group[1:] != group[:-1])
    start = np.flatnonzero(np.r_[True, change])
    length = np.diff(np.r_[start, n])
    m = mesh[start]
    cmds = np.stack([table[m, 0], length, table[m, 1], table[m, 2], first_row + start], axis=1)
    return cmds, _runs(array[start], group[start], first_cmd)


def _transparent(mesh: np.ndarray, array: np.ndarray, group: np.ndarray, table: np.ndarray,
                 first_row: int, first_cmd: int, double_blend: bool
                 ) -> tuple[np.ndarray, list[Run], np.ndarray, list[Run]]:
    """Blend and glass commands, one per transparent instance (rows sorted front to back
    within each scene)."""
    one = np.stack([table[mesh, 0], np.ones(len(mesh), np.int64), table[mesh, 1],
                    table[mesh, 2], first_row + np.arange(len(mesh))], axis=1)
    blend, blend_runs, cursor = [], [], first_cmd
    for run in _runs(array, group, 0):
        block = one[run.first:run.first + run.count]
        cmds = np.concatenate([block, block[::-1]]) if double_blend else block[::-1]
        blend.append(cmds)
        blend_runs.append(Run(run.array, run.scene, cursor, len(cmds)))
        cursor += len(cmds)
    glass_runs = [Run(r.array, r.scene, cursor + r.first, r.count)
                  for r in _runs(array, group, 0)]
    blend_cmds = np.concatenate(blend) if blend else np.zeros((0, 5), np.int64)
    return blend_cmds, blend_runs, one, glass_runs
