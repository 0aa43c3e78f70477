"""Mesh simplification for level of detail: fewer triangles for meshes that cover a few dozen
pixels of an 84×84 camera (a software rasteriser pays per triangle, ~0.1 µs each).

:func:`simplify` collapses edges in rounds, all in NumPy: every round computes each vertex's
cheapest collapse onto a neighbour under the quadric error metric (Garland & Heckbert: the
summed squared distances to the planes of the faces around it), takes the cheapest half of
those that share no vertex with a cheaper one, rejects those that would flip a triangle, and
applies them at once. Collapses move a vertex onto a neighbour (half-edge collapse), so the
kept vertices keep their exact positions, normals and texture coordinates. Vertices on a
boundary of the index topology (open borders, and seams where a position has several normals
or uvs: creases, texture seams) never move, so no cracks open.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from .scene import MeshData

_CACHE: OrderedDict[tuple[bytes, int], MeshData] = OrderedDict()
_CACHE_SIZE = 512
_MAX_ROUNDS = 60


def simplify(mesh: MeshData, max_triangles: int) -> MeshData:
    """``mesh`` with at most about ``max_triangles`` triangles (itself when it has no more;
    results are cached by content)."""
    if len(mesh.indices) <= max_triangles:
        return mesh
    key = (mesh.key, int(max_triangles))
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    faces = _collapse(mesh, max_triangles)
    used = np.unique(faces)
    remap = np.full(len(mesh.positions), -1, np.int64)
    remap[used] = np.arange(len(used))
    out = MeshData(
        mesh.positions[used],
        mesh.normals[used],
        mesh.uvs[used],
        remap[faces],
        mesh.name,
        mesh.lighting,
    )
    _CACHE[key] = out
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return out


def _plane_quadrics(pos: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted plane quadrics of the faces, summed per vertex: ``(V, 4, 4)``."""
    a, b, c = pos[faces[:, 0]], pos[faces[:, 1]], pos[faces[:, 2]]
    n = np.cross(b - a, c - a)
    area = np.linalg.norm(n, axis=1)
    unit = n / np.maximum(area, 1e-30)[:, None]
    plane = np.concatenate([unit, -np.einsum("ij,ij->i", unit, a)[:, None]], axis=1)
    k = 0.5 * area[:, None, None] * plane[:, :, None] * plane[:, None, :]
    q = np.zeros((len(pos), 4, 4))
    for j in range(3):
        np.add.at(q, faces[:, j], k)
    return q


def _collapse(mesh: MeshData, target: int) -> np.ndarray:
    """The simplified triangles (indices into the mesh's vertices). Topology and errors work
    on positions (vertices welded where they coincide); a corner that moves takes the copy
    of its new position whose normal and uv are closest to its own."""
    unique, pid = np.unique(mesh.positions, axis=0, return_inverse=True)
    pid = pid.reshape(-1)
    pos = unique.astype(np.float64)
    nv = len(pos)
    faces = mesh.indices.astype(np.int64)  # corners: attribute vertices
    quadric = _plane_quadrics(pos, pid[faces])
    scale = max(float(np.ptp(pos, axis=0).max()), 1e-9)
    homog = np.concatenate([pos, np.ones((nv, 1))], axis=1)
    locked = _boundary(pid[faces], nv)
    attrs = np.concatenate([mesh.normals, mesh.uvs], axis=1).astype(np.float64)
    by_pid = np.argsort(pid, kind="stable")
    start = np.searchsorted(pid[by_pid], np.arange(nv))
    copies = np.diff(np.append(start, len(pid)))
    for _ in range(_MAX_ROUNDS):
        if len(faces) <= target:
            break
        pf = pid[faces]
        u = pf.reshape(-1)
        v = np.roll(pf, -1, axis=1).reshape(-1)  # half-edges u -> v (both directions)
        u, v = np.concatenate([u, v]), np.concatenate([v, u])
        ok = ~locked[u]
        u, v = u[ok], v[ok]
        if not len(u):
            break
        q = quadric[u] + quadric[v]
        cost = np.einsum("ni,nij,nj->n", homog[v], q, homog[v])
        cost += 1e-9 * scale * scale * np.einsum("ij,ij->i", pos[u] - pos[v], pos[u] - pos[v])
        chosen = _independent(u, v, cost, nv, len(faces) - target)
        if not len(chosen):
            break
        cu, cv = _without_flips(pos, pf, u[chosen], v[chosen], nv)
        if not len(cu):
            break
        target_pid = np.arange(nv)
        target_pid[cu] = cv
        faces = _move_corners(faces, pid, target_pid, attrs, by_pid, start, copies)
        pf = pid[faces]
        keep = (pf[:, 0] != pf[:, 1]) & (pf[:, 1] != pf[:, 2]) & (pf[:, 2] != pf[:, 0])
        faces = faces[keep]
        quadric[cv] += quadric[cu]
    return faces


def _move_corners(
    faces: np.ndarray,
    pid: np.ndarray,
    target_pid: np.ndarray,
    attrs: np.ndarray,
    by_pid: np.ndarray,
    start: np.ndarray,
    copies: np.ndarray,
) -> np.ndarray:
    """Corners whose position collapses take the copy of the new position with the closest
    attributes (normal, uv)."""
    moving = np.flatnonzero(target_pid[pid] != pid)  # attribute vertices that move
    if not len(moving):
        return faces
    dest = target_pid[pid[moving]]
    n = copies[dest]
    a = np.repeat(moving, n)
    offset = np.arange(len(a)) - np.repeat(np.cumsum(n) - n, n)
    b = by_pid[np.repeat(start[dest], n) + offset]
    dist = np.einsum("ij,ij->i", attrs[a] - attrs[b], attrs[a] - attrs[b])
    order = np.lexsort((dist, a))
    first = np.concatenate([[True], a[order][1:] != a[order][:-1]])
    remap = np.arange(len(pid))
    remap[a[order][first]] = b[order][first]
    out: np.ndarray = remap[faces]
    return out


def _boundary(faces: np.ndarray, nv: int) -> np.ndarray:
    """Vertices on an edge used by one triangle only (open borders and attribute seams)."""
    a = faces.reshape(-1)
    b = np.roll(faces, -1, axis=1).reshape(-1)
    key = np.minimum(a, b) * nv + np.maximum(a, b)
    uniq, count = np.unique(key, return_counts=True)
    edge = uniq[count == 1]
    locked = np.zeros(nv, bool)
    locked[edge // nv] = True
    locked[edge % nv] = True
    return locked


def _independent(
    u: np.ndarray, v: np.ndarray, cost: np.ndarray, nv: int, excess: int
) -> np.ndarray:
    """Collapses (indices into ``u``/``v``) that are the cheapest at both of their vertices,
    the cheapest half of those, at most ``excess / 2`` (each removes about two triangles)."""
    order = np.lexsort((v, u, cost))  # ties broken by vertex ids: a strict total order
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    best = np.full(nv, np.iinfo(np.int64).max)
    np.minimum.at(best, u, rank)
    np.minimum.at(best, v, rank)
    mutual = np.flatnonzero((best[u] == rank) & (best[v] == rank))
    if not len(mutual):
        return mutual
    mutual = mutual[np.argsort(cost[mutual], kind="stable")]
    limit = max(1, min((len(mutual) + 1) // 2, excess // 2 + 1))
    return mutual[:limit]


def _without_flips(
    pos: np.ndarray, faces: np.ndarray, cu: np.ndarray, cv: np.ndarray, nv: int
) -> tuple[np.ndarray, np.ndarray]:
    """Drop collapses that would turn a surviving triangle over (or make it a sliver)."""
    remap = np.arange(nv)
    remap[cu] = cv
    moved = remap[faces]
    changed = np.any(moved != faces, axis=1)
    survive = (
        changed
        & (moved[:, 0] != moved[:, 1])
        & (moved[:, 1] != moved[:, 2])
        & (moved[:, 2] != moved[:, 0])
    )
    if not np.any(survive):
        return cu, cv
    old, new = faces[survive], moved[survive]

    def normal(f: np.ndarray) -> np.ndarray:
        return np.cross(pos[f[:, 1]] - pos[f[:, 0]], pos[f[:, 2]] - pos[f[:, 0]])

    n0, n1 = normal(old), normal(new)
    dot = np.einsum("ij,ij->i", n0, n1)
    good = dot > 0.2 * np.linalg.norm(n0, axis=1) * np.linalg.norm(n1, axis=1)
    if np.all(good):
        return cu, cv
    bad_vertices = np.zeros(nv, bool)
    bad_vertices[old[~good].reshape(-1)] = True
    keep = ~bad_vertices[cu]
    return cu[keep], cv[keep]
