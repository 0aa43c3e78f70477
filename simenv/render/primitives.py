"""Primitive meshes, tessellated once and shared by every scene.

The layouts follow MuJoCo's classic renderer (``render_context.c``: the same slices, stacks,
quads per box face, texture coordinates and normals), so per-vertex lighting interpolates over
the same vertices and an engine adapter can reproduce ``mjr_render`` closely. Each function
returns a :class:`~simenv.render.scene.MeshData` in the primitive's unit frame:

- box: ``[-1, 1]^3`` with ``quads x quads`` quads per face (scale by the half-sizes);
- sphere: unit sphere (scale for an ellipsoid);
- hemisphere: the unit half sphere on ``z in [1, 2]`` (``sign=+1``) or ``[-2, -1]``, the
  caps MuJoCo puts on a capsule's open cylinder;
- cylinder: radius 1, ``z in [-1, 1]``, closed by two disks unless ``closed=False``;
- plane: the square ``[-1, 1]^2`` at ``z = 0`` facing +z, ``quads x quads`` quads;
- grid_plane: a plane in metres with MuJoCo's grid (``size[2]`` spacing) and texture layout.

Results are cached: calling a function twice with the same arguments returns the same object,
so scenes share one uploaded copy.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from .scene import Lighting, MeshData

_MAX_PLANE_GRID = 200  # MuJoCo's mjMAXPLANEGRID


class _Builder:
    """Collects vertices (position, normal, uv) as triangles; quads are split in two."""

    def __init__(self) -> None:
        self.pos: list[tuple[float, float, float]] = []
        self.nrm: list[tuple[float, float, float]] = []
        self.uv: list[tuple[float, float]] = []

    def vertex(self, p: tuple[float, ...], n: tuple[float, ...], uv: tuple[float, float]) -> None:
        self.pos.append((p[0], p[1], p[2]))
        self.nrm.append((n[0], n[1], n[2]))
        self.uv.append(uv)

    def triangle(
        self, *verts: tuple[tuple[float, ...], tuple[float, ...], tuple[float, float]]
    ) -> None:
        for v in verts:
            self.vertex(*v)

    def quad(
        self, *verts: tuple[tuple[float, ...], tuple[float, ...], tuple[float, float]]
    ) -> None:
        # GL_QUADS (v0, v1, v2, v3) as the triangles Mesa draws: (v0, v1, v3), (v1, v2, v3)
        a, b, c, d = verts
        self.triangle(a, b, d)
        self.triangle(b, c, d)

    def mesh(self, name: str, lighting: Lighting = "vertex") -> MeshData:
        return MeshData.indexed(
            np.array(self.pos), np.array(self.nrm), np.array(self.uv), name, lighting
        )


def _sphere_vertex(
    az: float, el: float, offset: float
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    v = (np.cos(az) * np.cos(el), np.sin(az) * np.cos(el), offset + np.sin(el))
    return v, (v[0], v[1], v[2] - offset)


@cache
def sphere(slices: int = 28, stacks: int = 16) -> MeshData:
    """Unit sphere: triangle fans at the poles, quads elsewhere."""
    b = _Builder()
    half = stacks // 2
    for sign in (-1, 1):
        el = 0.5 * np.pi * sign * (half - 1) / half
        v_el = 0.5 - sign * (half - 1) / stacks
        pole_uv = 0.0 if sign > 0 else 1.0
        for j in range(slices):
            az1, az2 = 2 * np.pi * j / slices, 2 * np.pi * (j + 1) / slices
            p1, n1 = _sphere_vertex(az1, el, 0.0)
            p2, n2 = _sphere_vertex(az2, el, 0.0)
            top = (
                (0.0, 0.0, float(sign)),
                (0.0, 0.0, float(sign)),
                ((az1 + az2) / 2 / (2 * np.pi), pole_uv),
            )
            v1 = (p1, n1, (az1 / (2 * np.pi), v_el))
            v2 = (p2, n2, (az2 / (2 * np.pi), v_el))
            b.triangle(v1, v2, top) if sign > 0 else b.triangle(top, v2, v1)
    for sign in (-1, 1):
        for i in range(half - 1):
            el1 = 0.5 * np.pi * sign * i / half
            el2 = 0.5 * np.pi * sign * (i + 1) / half
            ve1, ve2 = 0.5 - sign * i / stacks, 0.5 - sign * (i + 1) / stacks
            _sphere_band(b, slices, el1, el2, ve1, ve2, 0.0, sign > 0)
    return b.mesh(f"sphere{slices}x{stacks}")


def _sphere_band(
    b: _Builder,
    slices: int,
    el1: float,
    el2: float,
    ve1: float,
    ve2: float,
    offset: float,
    upward: bool,
) -> None:
    for j in range(slices):
        az1, az2 = 2 * np.pi * j / slices, 2 * np.pi * (j + 1) / slices
        u1, u2 = az1 / (2 * np.pi), az2 / (2 * np.pi)
        p1, n1 = _sphere_vertex(az1, el1, offset)
        p2, n2 = _sphere_vertex(az2, el1, offset)
        p3, n3 = _sphere_vertex(az2, el2, offset)
        p4, n4 = _sphere_vertex(az1, el2, offset)
        v1, v2 = (p1, n1, (u1, ve1)), (p2, n2, (u2, ve1))
        v3, v4 = (p3, n3, (u2, ve2)), (p4, n4, (u1, ve2))
        b.quad(v1, v2, v3, v4) if upward else b.quad(v4, v3, v2, v1)


@cache
def hemisphere(sign: int, slices: int = 28, stacks: int = 8) -> MeshData:
    """Half unit sphere centred at ``z = sign``, bulging away from the origin."""
    if sign not in (-1, 1):
        raise ValueError(f"hemisphere sign must be +1 or -1, got {sign!r}")
    b = _Builder()
    el = np.pi / 2 * sign * (stacks - 1) / stacks
    v_el = (stacks - 1) / stacks
    pole_v = 1.0
    if sign > 0:
        v_el, pole_v = 1.0 - v_el, 0.0
    for j in range(slices):
        az1, az2 = 2 * np.pi * j / slices, 2 * np.pi * (j + 1) / slices
        p1, n1 = _sphere_vertex(az1, el, float(sign))
        p2, n2 = _sphere_vertex(az2, el, float(sign))
        top = (
            (0.0, 0.0, 2.0 * sign),
            (0.0, 0.0, float(sign)),
            ((az1 + az2) / 2 / (2 * np.pi), pole_v),
        )
        v1, v2 = (p1, n1, (az1 / (2 * np.pi), v_el)), (p2, n2, (az2 / (2 * np.pi), v_el))
        b.triangle(v1, v2, top) if sign > 0 else b.triangle(top, v2, v1)
    for i in range(stacks - 1):
        el1 = np.pi / 2 * sign * i / stacks
        el2 = np.pi / 2 * sign * (i + 1) / stacks
        ve1, ve2 = i / stacks, (i + 1) / stacks
        if sign > 0:
            ve1, ve2 = 1.0 - ve1, 1.0 - ve2
        _sphere_band(b, slices, el1, el2, ve1, ve2, float(sign), sign > 0)
    return b.mesh(f"hemisphere{sign:+d}_{slices}x{stacks}")


def _disk(b: _Builder, sign: int, slices: int, stacks: int) -> None:
    """Flat disk of radius 1 at ``z = sign`` facing ``sign`` (``sign=0``: z = 0, facing -z)."""
    nrm = (0.0, 0.0, float(sign if sign else -1))

    def vert(
        az: float, r: float
    ) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, float]]:
        x, y = np.cos(az) * r, np.sin(az) * r
        return (x, y, float(sign)), nrm, (0.5 + 0.5 * x, 0.5 + 0.5 * y)

    for j in range(slices):
        az1, az2 = 2 * np.pi * j / slices, 2 * np.pi * (j + 1) / slices
        v1, v2 = vert(az1, 1 / stacks), vert(az2, 1 / stacks)
        centre = ((0.0, 0.0, float(sign)), nrm, (0.5, 0.5))
        b.triangle(v1, v2, centre) if sign > 0 else b.triangle(centre, v2, v1)
    for i in range(stacks - 1):
        r1, r2 = (i + 1) / stacks, (i + 2) / stacks
        for j in range(slices):
            az1, az2 = 2 * np.pi * j / slices, 2 * np.pi * (j + 1) / slices
            q = (vert(az1, r2), vert(az2, r2), vert(az2, r1), vert(az1, r1))
            b.quad(*q) if sign > 0 else b.quad(*q[::-1])


def _tube(b: _Builder, slices: int, stacks: int) -> None:
    for i in range(stacks):
        h1, h2 = 2 * i / stacks - 1, 2 * (i + 1) / stacks - 1
        ve1, ve2 = (1 - h1) / 2, (1 - h2) / 2
        for j in range(slices):
            az1, az2 = 2 * np.pi * j / slices, 2 * np.pi * (j + 1) / slices
            c1, s1, c2, s2 = np.cos(az1), np.sin(az1), np.cos(az2), np.sin(az2)
            u1, u2 = j / slices, (j + 1) / slices
            b.quad(
                ((c1, s1, h1), (c1, s1, 0.0), (u1, ve1)),
                ((c2, s2, h1), (c2, s2, 0.0), (u2, ve1)),
                ((c2, s2, h2), (c2, s2, 0.0), (u2, ve2)),
                ((c1, s1, h2), (c1, s1, 0.0), (u1, ve2)),
            )


@cache
def cylinder(
    slices: int = 28, stacks: int = 16, closed: bool = True, rings: int | None = None
) -> MeshData:
    """Cylinder of radius 1 from ``z = -1`` to ``1``; ``closed`` adds the two end disks of
    ``rings`` rings (default ``stacks // 2``, as MuJoCo)."""
    b = _Builder()
    rings = max(1, stacks // 2) if rings is None else rings
    if closed:
        _disk(b, -1, slices, rings)
    _tube(b, slices, stacks)
    if closed:
        _disk(b, 1, slices, rings)
    return b.mesh(f"cylinder{slices}x{stacks}{'' if closed else '_open'}/{rings}")


@cache
def box(quads: int = 4, lighting: Lighting = "vertex") -> MeshData:
    """The cube ``[-1, 1]^3``, ``quads x quads`` quads per face, MuJoCo's face texture layout
    (``quads=1, lighting="pixel"``: the same look in 12 triangles)."""
    return box_grid(quads, quads, quads, lighting)


@cache
def box_grid(qx: int, qy: int, qz: int, lighting: Lighting = "vertex") -> MeshData:
    """The cube ``[-1, 1]^3`` with ``qx``, ``qy``, ``qz`` quads along x, y and z on every face
    that spans that axis (so that a long box lit per vertex gets vertices where light varies),
    MuJoCo's face texture layout."""
    b = _Builder()
    faces = (  # normal, vertex from (a, c) face coordinates, top/bottom uv layout, counts
        ((0, 0, 1), lambda a, c: (a, c, 1.0), True, qx, qy),
        ((0, 0, -1), lambda a, c: (a, c, -1.0), False, qx, qy),
        ((1, 0, 0), lambda a, c: (1.0, a, c), True, qy, qz),
        ((-1, 0, 0), lambda a, c: (-1.0, a, c), False, qy, qz),
        ((0, -1, 0), lambda a, c: (a, -1.0, c), True, qx, qz),
        ((0, 1, 0), lambda a, c: (a, 1.0, c), False, qx, qz),
    )
    for normal, at, top, na, nc in faces:
        n = tuple(float(v) for v in normal)
        for x in range(na):
            for y in range(nc):
                a0, a1 = 2.0 * x / na - 1, 2.0 * (x + 1) / na - 1
                c0, c1 = 2.0 * y / nc - 1, 2.0 * (y + 1) / nc - 1
                u0, u1 = x / na, (x + 1) / na
                if top:
                    v0, v1 = 1 - y / nc, 1 - (y + 1) / nc
                    b.quad(
                        (at(a0, c0), n, (u0, v0)),
                        (at(a1, c0), n, (u1, v0)),
                        (at(a1, c1), n, (u1, v1)),
                        (at(a0, c1), n, (u0, v1)),
                    )
                else:
                    v0, v1 = 1 - (y + 1) / nc, 1 - y / nc
                    b.quad(
                        (at(a0, c1), n, (u0, v0)),
                        (at(a1, c1), n, (u1, v0)),
                        (at(a1, c0), n, (u1, v1)),
                        (at(a0, c0), n, (u0, v1)),
                    )
    name = f"box{qx}" if qx == qy == qz else f"box{qx}x{qy}x{qz}"
    return b.mesh(name, lighting)


@cache
def plane(quads: int = 4, lighting: Lighting = "vertex") -> MeshData:
    """The square ``[-1, 1]^2`` at ``z = 0`` facing +z, ``quads x quads`` quads."""
    grid = np.linspace(-1.0, 1.0, quads + 1)
    uv_u = np.arange(quads + 1) / quads
    return _grid_mesh(grid, grid, uv_u, 1.0 - uv_u, f"plane{quads}", lighting)


def _grid_mesh(
    gx: np.ndarray,
    gy: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    name: str,
    lighting: Lighting = "vertex",
) -> MeshData:
    b = _Builder()
    n = (0.0, 0.0, 1.0)
    for x in range(len(gx) - 1):
        for y in range(len(gy) - 1):
            b.quad(
                ((gx[x], gy[y], 0.0), n, (u[x], v[y])),
                ((gx[x + 1], gy[y], 0.0), n, (u[x + 1], v[y])),
                ((gx[x + 1], gy[y + 1], 0.0), n, (u[x + 1], v[y + 1])),
                ((gx[x], gy[y + 1], 0.0), n, (u[x], v[y + 1])),
            )
    return b.mesh(name, lighting)


def _mujoco_grid(size: float, step: float, n: int) -> np.ndarray:
    """MuJoCo's ``makePlane`` grid for a finite side (``n`` even inner cells of ``2*step``)."""
    pad = size - n * step
    count = n + 2
    lines = np.empty(count + 1)
    for x in range(count):
        if x == 0:
            left = -size
            right = left + pad
        else:
            left = -size + pad + (x - 1) * step * 2
            right = left + (pad if x == count - 1 else step * 2)
        lines[x] = left
        lines[x + 1] = max(left, right)
    return lines


def _infinite_grid(far: float, repeat: float) -> np.ndarray:
    step = 2.0 / repeat if repeat > 0 else 2.1 * far / (_MAX_PLANE_GRID - 2)
    d = (2.1 * far + 2 * step) / _MAX_PLANE_GRID
    return d * np.arange(_MAX_PLANE_GRID + 1) - d * (_MAX_PLANE_GRID // 2)


@lru_cache(maxsize=256)
def grid_plane(
    size_x: float,
    size_y: float,
    spacing: float,
    far: float = 0.0,
    repeat: tuple[float, float] = (0.0, 0.0),
    cells: int | tuple[int, int] | None = None,
    lighting: Lighting | None = None,
) -> MeshData:
    """A plane in metres, tessellated like MuJoCo's plane geoms.

    ``size_x``/``size_y`` are half-sizes; a side of size <= 0 is infinite and spans
    ``2.1 * far`` plus one texture period (``2 / repeat``) around the origin. Texture
    coordinates run 0..1 over a finite side and ``0.5 * metre`` over an infinite one.
    ``cells`` overrides MuJoCo's grid with that many equal cells per side (or ``(x, y)``
    cells: the same plane and texture coordinates in fewer triangles). ``lighting`` defaults
    to per vertex on MuJoCo's grid and per pixel on ``cells``.
    """
    per_axis = (cells, cells) if cells is None or isinstance(cells, int) else cells
    axes = []
    for k, size in enumerate((size_x, size_y)):
        if size > 0:
            step = max(spacing, size / (_MAX_PLANE_GRID - 2))
            n = int(np.floor(size / max(step, 1e-15)))
            lines = _mujoco_grid(size, step, n - n % 2)
            uv = (lines + size) / (2 * size)
        else:
            lines = _infinite_grid(far, repeat[k])
            uv = 0.5 * lines
        n_cells = per_axis[k]
        if n_cells is not None:
            lines = np.linspace(lines[0], lines[-1], n_cells + 1)
            uv = np.linspace(uv[0], uv[-1], n_cells + 1)
        axes.append((lines, uv))
    (gx, u), (gy, v) = axes
    v = 1.0 - v if size_y > 0 else -v
    if lighting is None:
        lighting = "vertex" if cells is None else "pixel"
    return _grid_mesh(
        gx, gy, u, v, f"grid_plane{size_x:g}x{size_y:g}@{spacing:g}/{cells}", lighting
    )
