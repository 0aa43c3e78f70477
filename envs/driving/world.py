"""The PyBullet side of Driving-v0: one world per physics client, made once with a fixed
number of bodies and re-dressed on every reset.

What bodies cost (issue 22; PyBullet 3.2.7, TinyRenderer, measured on a 2-core machine):

* Every body in the world costs every ``stepSimulation``, in view or parked. A fixed-base
  multibody (``createMultiBody``'s default) costs about 4 µs per control step (10 substeps)
  at 1,000 bodies and 10 µs at 3,000 (30 ms per step), with or without a collision shape,
  a collision mask of 0 or a sleeping state. A static rigid body
  (``useMaximalCoordinates=True``) costs about 1.5 µs; asleep (made with
  ``URDF_ENABLE_SLEEPING``: Bullet skips its AABB update, and a pose reset still updates it)
  and parked on a spot of its own (bodies stacked at one point make the broadphase test every
  pair of them) about 0.1–0.2 µs.
* ``getCameraImage`` syncs every body's transform and loops over every visual shape, and
  skips a shape whose alpha is 0 before it transforms a vertex: about 0.1–0.2 µs per hidden
  shape and frame. Ray casts cost 0.2 ms a step.
* Nothing can be freed or re-shaped: ``removeBody`` leaves the compound shape PyBullet made
  for the body behind (100–570 B per create/remove, measured over 750,000), visual shapes
  and textures are never freed (0.17 MB per road mesh, 48 kB per 128² texture), a body's
  shapes are fixed, and TinyRenderer ignores ``changeTexture``.

Before, a pool per mesh grew whenever an episode needed more than any earlier one: over 600
strong-DR resets the world grew from 2,500 to 3,500 multibodies and ``stepSimulation`` from
11 to 44 ms per step (the camera from 3.7 to 5.8 ms at 64×64, ray casts 0.2 ms throughout).

So the world is made once, with a fixed number of bodies per kind:

* **Pools with bounds.** Each kind (a road layer of one curvature, a junction part, a
  building size, trunks, crowns, lamps, each obstacle kind, vehicles) has a pool holding the
  most bodies an episode can need (:mod:`.bounds`: exact for the road kit, from the DR
  ranges' maxima for the rest), all made when the world is made, as sleeping static rigid
  bodies. Pools never shrink; ranges widened later (automatic DR) grow them at the next
  reset, up to hard caps.
* **Road kit.** A tile's mesh depends on its curvature, the road width, the line width and
  the dash length (171 meshes): a pool per mesh needs thousands of bodies. A road body is
  instead a visual shape array holding every variant of one layer for one curvature —
  asphalt (2 road widths), sidewalk (2), lines (6 edge and 9 centre-line variants; an array
  holds at most 16) — and a tile shows the episode's variants, the others staying at
  alpha 0. The layers keep their own bodies because their heights differ: a height given as
  a shape's frame offset moves depth by a float ulp. With the most tiles of each curvature
  any road id needs, that is 3 × 319 = 957 bodies, against thousands before. The arrays
  take meshes only as OBJ files (written once per process to a temporary folder); vertices,
  uvs and normals are written with ``repr`` and read back exactly, so every image equals that
  of the former in-memory meshes (``tests/test_behaviour.py``).
* **Parked** bodies (those of a pool an episode does not use) have every shape at alpha 0
  (TinyRenderer draws none), collision group and mask 0 (no ray or contact sees them) and
  stand on their own spot of a grid 500 m below the ground. A solid body gets its collision
  filter back (a fresh broadphase proxy) on every placement, so the order of contacts
  depends on the episode alone, not on earlier ones.

What parked bodies still cost, measured in a strong-DR world (about 1,600 bodies) against
the same world with them removed: 0.25 ms per step of physics, 1.4–1.8 ms per 64×64 camera
frame (TinyRenderer's loop over ~1,400 parked bodies and ~6,000 hidden shapes) and 2 ms per
reset (``forget_contacts`` refreshes the ground plane, whose broadphase query visits every
body). That is flat however long the env runs; making the world takes about 0.25 s (each
body costs ~100 µs, most of it PyBullet's client learning of it). The EGL renderer draws
alpha-0 shapes in its transparent pass, without depth writes.

``getVisualShapeData`` reports one colour for every shape of a body once a single shape's
colour changes, so it cannot tell a kit body's hidden variants from its shown ones:
:meth:`World.drawn` lists what is drawn. Appearance DR picks a pattern from a fixed texture
bank and tints shapes with ``rgbaColor``; every shape that is ever textured gets a texture
when made, so TinyRenderer's per-shape texture copy (12 kB) is not first made thousands of
resets later. The body count is constant from the first reset and memory is flat
(``tests/test_driving.py``, ``benchmarks/bench_soak.py``).
"""

from __future__ import annotations

import atexit
import math
import os
import shutil
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pybullet_data
from pybullet_utils.bullet_client import BulletClient

from . import constants as C
from .randomize import GROUND_TILE, paint_facade, paint_sidewalk, pattern_bank
from .roads import BUILDINGS, TREES, sample_arc

GARAGE = (0.0, 0.0, -500.0)  # parked bodies: below the ground, outside every camera frustum
GARAGE_ROW, GARAGE_PITCH = 64, 6.0  # parking grid: spots per row, metres between spots
GROUND_HALF = 60.0
Z_ROAD, Z_SIDEWALK, Z_LINE = 0.002, 0.003, 0.004
STATIC_GROUP, STATIC_MASK = 2, -1 ^ 2  # Bullet's collision filter of a static rigid body
HIDDEN = [1.0, 1.0, 1.0, 0.0]  # every pooled shape is made with alpha 0
TEXTURED = ("asphalt", "sidewalk", "jasphalt", "jcorner", "jside", "building")  # kinds placed
# with a texture: TinyRenderer copies a texture into each shape the first time it gets one
HALVES = tuple(sorted({f"{n * w / 2:.3f}" for n, w in C.LANE_WIDTH.items()}))  # road half widths
WIDTHS = tuple(f"{w}" for w in C.MARKING_WIDTHS)
DASHES = tuple(f"{d}" for d in C.DASH_FRACTIONS)

Look = tuple[Any, "int | None"]  # (rgb, or None for the shape's own colour; texture id)


def _quat(c: BulletClient, yaw: float) -> list[float]:
    return list(c.getQuaternionFromEuler([0.0, 0.0, yaw]))


def garage_spot(i: int) -> list[float]:
    """Parking spot of the ``i``-th pooled body: a grid 500 m below the ground."""
    return [
        GARAGE[0] + GARAGE_PITCH * (i % GARAGE_ROW),
        GARAGE[1] + GARAGE_PITCH * (i // GARAGE_ROW),
        GARAGE[2],
    ]


@dataclass
class Kind:
    """A pooled body type: one visual shape (array) and optional collision shape; each variant
    names the shapes it shows (``""``: the only variant, every shape)."""

    visual: int
    collision: int
    variants: dict[str, tuple[int, ...]]
    textured: bool = False  # placements set textures (so every body gets one when made)

    @property
    def solid(self) -> bool:
        return self.collision >= 0


@dataclass
class Pool:
    """The bodies of one kind, made together. ``shown[i]``: the shapes body ``i`` draws and
    their rgba (empty: parked); ``textures[i]``: the texture each of its shapes last got."""

    name: str
    kind: Kind
    cap: int | None  # hard cap on the pool size (None: no cap, the road kit)
    bodies: list[int] = field(default_factory=list)
    spots: list[list[float]] = field(default_factory=list)
    shown: list[dict[int, list[float]]] = field(default_factory=list)
    textures: list[dict[int, int]] = field(default_factory=list)
    colors: list[list[float]] = field(default_factory=list)  # each shape's rgba as made
    used: int = 0


Mesh = tuple[list, list, list]  # vertices, indices, uvs


def band_mesh(curvature: float, lats: list[tuple[float, float]], length: float = 1.0) -> Mesh:
    """Strips between lateral offsets ``lats`` (left +) along the first ``length`` metres of a
    1 m tile starting at the origin along +x; ``u`` runs 0→1 from the inner (road-side) edge."""
    rows = 2 if curvature == 0 else max(2, int(np.ceil(8 * length)) + 1)
    poses = sample_arc((0.0, 0.0, 0.0), curvature, length + 1e-6, length / (rows - 1))[:rows]
    verts: list = []
    uvs: list = []
    idx: list = []
    for lo, hi in lats:
        base = len(verts)
        for k, (x, y, yaw) in enumerate(poses):
            nx, ny = -np.sin(yaw), np.cos(yaw)
            for lat in (hi, lo):
                verts.append([x + lat * nx, y + lat * ny, 0.0])
                inner = lo if abs(lo) < abs(hi) else hi
                uvs.append([abs(lat - inner) / (hi - lo), k * length / (rows - 1)])
        for k in range(rows - 1):
            a = base + 2 * k
            idx += [a, a + 1, a + 2, a + 1, a + 3, a + 2]
    return verts, idx, uvs


def sector_mesh(r0: float, r1: float, n: int = 8) -> Mesh:
    """A quarter annulus (r0 = 0: a quarter disc) around the origin in the +x+y quadrant."""
    a = np.linspace(0, np.pi / 2, n + 1)
    verts, uvs, idx = [], [], []
    for t in a:
        for r in (r1, r0):
            verts.append([r * np.cos(t), r * np.sin(t), 0.0])
            uvs.append([(r1 - r) / max(r1 - r0, 1e-6), t])
    for k in range(n):
        b = 2 * k
        idx += [b, b + 2, b + 1, b + 1, b + 2, b + 3]
    return verts, idx, uvs


def rect_mesh(x0: float, x1: float, y0: float, y1: float) -> Mesh:
    verts = [[x0, y0, 0.0], [x1, y0, 0.0], [x1, y1, 0.0], [x0, y1, 0.0]]
    uvs = [[0.0, 0.0], [0.0, (x1 - x0)], [1.0, (x1 - x0)], [1.0, 0.0]]
    return verts, [0, 1, 2, 0, 2, 3], uvs


def _ground_mesh() -> Mesh:
    n = 12
    g = np.linspace(-GROUND_HALF, GROUND_HALF, n + 1)
    verts = [[x, y, 0.0] for y in g for x in g]
    uvs = [[x / GROUND_TILE, y / GROUND_TILE] for x, y, _ in verts]
    idx = []
    for r in range(n):
        for c in range(n):
            a = r * (n + 1) + c
            idx += [a, a + 1, a + n + 2, a, a + n + 2, a + n + 1]
    return verts, idx, uvs


def _icosahedron(radius: float, height: float) -> tuple[list, list]:
    t = (1 + 5**0.5) / 2
    v = np.array(
        [
            [-1, t, 0],
            [1, t, 0],
            [-1, -t, 0],
            [1, -t, 0],
            [0, -1, t],
            [0, 1, t],
            [0, -1, -t],
            [0, 1, -t],
            [t, 0, -1],
            [t, 0, 1],
            [-t, 0, -1],
            [-t, 0, 1],
        ],
        float,
    )
    v = v / np.linalg.norm(v[0]) * radius
    v[:, 2] *= height / (2 * radius)
    f = [
        0,
        11,
        5,
        0,
        5,
        1,
        0,
        1,
        7,
        0,
        7,
        10,
        0,
        10,
        11,
        1,
        5,
        9,
        5,
        11,
        4,
        11,
        10,
        2,
        10,
        7,
        6,
        7,
        1,
        8,
        3,
        9,
        4,
        3,
        4,
        2,
        3,
        2,
        6,
        3,
        6,
        8,
        3,
        8,
        9,
        4,
        9,
        5,
        2,
        4,
        11,
        6,
        2,
        10,
        8,
        6,
        7,
        9,
        8,
        1,
    ]
    return v.tolist(), f


@dataclass
class Car:
    body: int
    wheels: list[int]
    steering: list[int]
    links: list[int]  # every link with a visual (for hiding from its own camera)
    colors: list[tuple[float, ...]]
    camera_link: int
    chassis_link: int
    chassis_mass: float
    wheel_friction: float
    rest_height: float  # base height when standing on its wheels


def _write_obj(path: str, mesh: Mesh, normals: list | None = None) -> None:
    """An OBJ file of ``mesh`` whose numbers read back exactly (``repr`` of each double);
    ``normals``: one per vertex (default: +z everywhere, as the in-memory meshes had)."""
    v, idx, uv = mesh

    def row(tag: str, values: list) -> str:
        return " ".join([tag, *(repr(float(a)) for a in values)])

    lines = [row("v", p) for p in v] + [row("vt", t) for t in uv]
    lines += [row("vn", n) for n in normals] if normals is not None else ["vn 0 0 1"]
    for a in range(0, len(idx), 3):
        tri = [i + 1 for i in idx[a : a + 3]]
        lines.append(
            "f "
            + " ".join(
                f"{i}/{i if len(uv) > 1 else 1}/{i if normals is not None else 1}" for i in tri
            )
        )
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".obj")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)  # whole or not at all, should two worlds write it at once


_MESH_DIRS: dict[int, str] = {}  # process id -> folder of kit meshes (OBJ), made once


def _mesh_dir() -> str:
    """This process's folder of road-kit OBJ files (their contents follow from their names, so
    every world of the process shares them; removed at exit by the process that made it)."""
    pid = os.getpid()
    if pid not in _MESH_DIRS:
        path = tempfile.mkdtemp(prefix="simenv-driving-kit-")
        atexit.register(_remove_mesh_dir, pid, path)
        _MESH_DIRS[pid] = path
    return _MESH_DIRS[pid]


def _remove_mesh_dir(pid: int, path: str) -> None:
    if os.getpid() == pid:  # not a forked child's copy of the handler
        shutil.rmtree(path, ignore_errors=True)


def _bullet_normals(vertices: list) -> list:
    """The normals PyBullet gives an in-memory mesh without any: each vertex position scaled
    to unit length, as Bullet computes it (times the reciprocal of the norm)."""
    out = []
    for x, y, z in vertices:
        x, y, z = float(x), float(y), float(z)
        inv = 1.0 / math.sqrt(x * x + y * y + z * z)
        out.append([x * inv, y * inv, z * inv])
    return out


KitMesh = tuple[Mesh, "list | None", list]  # mesh, per-vertex normals (None: +z), frame


def _bands(kind: str, args: list[str]) -> tuple[list[tuple[float, float]], float]:
    """Lateral bands and tile length of a road-kit mesh: curvature, then the variant."""
    if kind == "asphalt":
        half = float(args[1])
        return [(-half, half)], 1.0
    if kind == "sidewalk":
        a, b = float(args[1]), float(args[1]) + C.KERB + C.SIDEWALK
        return [(a, b), (-b, -a)], 1.0
    if kind == "edge":
        half, width = float(args[1]), float(args[2])
        at = half - 0.04
        return [(at - width / 2, at + width / 2), (-at - width / 2, -at + width / 2)], 1.0
    dash, width = float(args[1]), float(args[2])  # centre line
    return [(-width / 2, width / 2)], dash


def _tile(kind: str, args: list[str]) -> KitMesh:
    return band_mesh(float(args[0]), *_bands(kind, args)), None, [0.0, 0.0, 0.0]


def _kit_meshes(layer: str, args: list[str]) -> dict[str, KitMesh]:
    """The variants of a visual-only kit kind (empty for a one-variant kind). Numbers come
    from the same strings as the meshes of the former per-mesh pools (``float("+0.3333")``)."""
    flat = [0.0, 0.0, 0.0]
    h = C.JUNCTION_HALF
    if layer in ("asphalt", "sidewalk"):
        return {half: _tile(layer, [args[0], half]) for half in HALVES}
    if layer == "lines":
        edges = {
            f"edge/{half}/{w}": _tile("edge", [args[0], half, w]) for half in HALVES for w in WIDTHS
        }
        return edges | {
            f"centre/{d}/{w}": _tile("centre", [args[0], d, w]) for d in DASHES for w in WIDTHS
        }
    if layer == "jcorner":  # sidewalk quarter annulus at a junction corner, verge inside
        rims = {half: h - float(half) for half in HALVES}
        walks = {
            f"walk/{half}": (sector_mesh(rc - C.KERB - C.SIDEWALK, rc), None, flat)
            for half, rc in rims.items()
        }
        return walks | {
            f"verge/{half}": (sector_mesh(0.0, rc - C.KERB - C.SIDEWALK), None, flat)
            for half, rc in rims.items()
        }
    if layer == "jside":  # the closed side of a T junction: sidewalk then verge
        inner = {half: float(half) + C.KERB + C.SIDEWALK for half in HALVES}
        walks = {
            f"walk/{half}": (rect_mesh(-h, h, float(half), b), None, flat)
            for half, b in inner.items()
        }
        return walks | {
            f"verge/{half}": (rect_mesh(-h, h, b, h), None, flat) for half, b in inner.items()
        }
    if layer == "crown":
        crowns: dict[str, KitMesh] = {}
        for v, (radius, height) in enumerate(TREES):
            verts, faces = _icosahedron(radius, height * 0.6)
            crowns[str(v)] = (
                (verts, faces, [[0.5, 0.5]]),
                _bullet_normals(verts),
                [0.0, 0.0, height * 0.65],
            )
        return crowns
    return {}


class World:
    """Pooled bodies, the texture bank and the ego racecar of one physics client.

    Args:
        client: the physics client.
        bounds: bodies per pool kind (``bounds.pool_bounds``), all made now.
        caps: each kind's hard cap (``None``: none); an episode beyond its bound grows the
            pool up to the cap, and :meth:`place` returns ``None`` beyond it.
    """

    def __init__(
        self, client: BulletClient, bounds: Mapping[str, int], caps: Mapping[str, int | None]
    ) -> None:
        self.c = c = client
        self.images: dict[int, np.ndarray] = {}  # texture id -> its image (RGB uint8)
        self.version = 0  # bumped by every change of what is drawn or where it stands
        c.setGravity(0, 0, -9.81)
        c.setPhysicsEngineParameter(
            fixedTimeStep=C.PHYSICS_DT, numSolverIterations=10, deterministicOverlappingPairs=1
        )
        c.setAdditionalSearchPath(pybullet_data.getDataPath())
        self.patterns = {k: self._texture(img) for k, img in pattern_bank().items()}
        self.sidewalk_texture = self._texture(paint_sidewalk())
        self.facade_texture = self._texture(paint_facade())
        plane = c.createCollisionShape(c.GEOM_PLANE)
        self.ground = c.createMultiBody(0, plane, self._visual("ground", _ground_mesh()))
        self.ground_look: tuple[list[float], int | None] = ([0.5, 0.5, 0.5, 1.0], None)
        self.car = self._load_car()
        self.show_car(False)  # never in its own camera; the chase view shows it
        self.pools: dict[str, Pool] = {}
        self.caps = dict(caps)
        self._parked = 0  # parking spots handed out
        self._index: dict[int, tuple[Pool, int]] = {}  # body -> its pool and index there
        self.ensure(bounds)

    # ------------------------------------------------------------------ construction
    def _texture(self, image: np.ndarray) -> int:
        import cv2

        fd, path = tempfile.mkstemp(suffix=".png")
        os.close(fd)
        try:
            cv2.imwrite(path, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            texture = int(self.c.loadTexture(path))
            self.images[texture] = image
            return texture
        finally:
            os.unlink(path)

    def _visual(self, name: str, mesh: Mesh, **kwargs: object) -> int:
        """A mesh visual shape read from an OBJ file (so that a renderer can read it too)."""
        path = os.path.join(_mesh_dir(), f"{name}.obj")
        if not os.path.exists(path):
            _write_obj(path, mesh)
        return self.c.createVisualShape(self.c.GEOM_MESH, fileName=path, **kwargs)

    def _load_car(self) -> Car:
        c = self.c
        body = c.loadURDF(C.CAR_URDF, [0, 0, 0.05])
        joints = [c.getJointInfo(body, j) for j in range(c.getNumJoints(body))]
        names = {info[1].decode(): j for j, info in enumerate(joints)}
        links = {info[12].decode(): j for j, info in enumerate(joints)}
        for j in names.values():  # free every default joint motor
            c.setJointMotorControl2(body, j, c.VELOCITY_CONTROL, targetVelocity=0, force=0)
        missing = [n for n in (*C.DRIVE_WHEELS, *C.STEER_JOINTS) if n not in names]
        if missing:
            raise RuntimeError(f"{C.CAR_URDF} lacks joints {missing}")
        # never let Bullet put the car to sleep: a sleeping car would make episodes depend on
        # what happened before reset
        c.changeDynamics(body, -1, activationState=c.ACTIVATION_STATE_DISABLE_SLEEPING)
        for _ in range(200):  # let it settle once to learn its resting height
            c.stepSimulation()
        rest = float(c.getBasePositionAndOrientation(body)[0][2])
        shapes = c.getVisualShapeData(body)
        chassis = links["chassis"]
        wheels = [names[n] for n in C.DRIVE_WHEELS]
        return Car(
            body=body,
            wheels=wheels,
            steering=[names[n] for n in C.STEER_JOINTS],
            links=[s[1] for s in shapes],
            colors=[tuple(s[7]) for s in shapes],
            camera_link=links[C.CAMERA_LINK],
            chassis_link=chassis,
            chassis_mass=float(c.getDynamicsInfo(body, chassis)[0]),
            wheel_friction=C.TYRE_FRICTION,
            rest_height=rest,
        )

    def forget_contacts(self) -> None:
        """Drop the car's cached contacts so an episode never depends on the one before."""
        c, body = self.c, self.car.body
        links = range(-1, c.getNumJoints(body))
        for enable in (0, 1):
            for link in links:
                c.setCollisionFilterPair(self.ground, body, -1, link, enable)
            c.performCollisionDetection()

    def show_car(self, visible: bool) -> None:
        for link, rgba in zip(self.car.links, self.car.colors):
            self.c.changeVisualShape(
                self.car.body, link, rgbaColor=[*rgba[:3], rgba[3] if visible else 0.0]
            )

    # ------------------------------------------------------------------ kinds and pools
    def _kit(self, name: str, meshes: Mapping[str, KitMesh]) -> Kind:
        """A visual-only kind with one mesh per variant: an OBJ visual shape array."""
        files = []
        for variant, (mesh, normals, _) in meshes.items():
            path = os.path.join(_mesh_dir(), f"{name}/{variant}.obj".replace("/", "_"))
            if not os.path.exists(path):
                _write_obj(path, mesh, normals)
            files.append(path)
        c = self.c
        vis = c.createVisualShapeArray(
            [c.GEOM_MESH] * len(files),
            fileNames=files,
            meshScales=[[1.0, 1.0, 1.0]] * len(files),
            visualFramePositions=[frame for _, _, frame in meshes.values()],
            rgbaColors=[HIDDEN] * len(files),
        )
        return Kind(vis, -1, {v: (n,) for n, v in enumerate(meshes)})

    def _kind(self, name: str) -> Kind:
        """The shapes of pool kind ``name`` (made once, with its pool)."""
        layer, *args = name.split("/")
        meshes = _kit_meshes(layer, args)
        kind = self._kit(name, meshes) if meshes else self._plain(layer, args)
        kind.textured = layer in TEXTURED
        return kind

    def _plain(self, layer: str, args: list[str]) -> Kind:
        """A one-variant kind (every shape shown)."""
        c = self.c
        col = -1
        if layer == "jasphalt":
            h = C.JUNCTION_HALF
            vis = self._visual("jasphalt", rect_mesh(-h, h, -h, h), rgbaColor=HIDDEN)
        elif layer == "building":
            hx, hy, height = BUILDINGS[int(args[0])]
            half_extents = [hx, hy, height / 2]
            vis = c.createVisualShape(c.GEOM_BOX, halfExtents=half_extents, rgbaColor=HIDDEN)
            col = c.createCollisionShape(c.GEOM_BOX, halfExtents=half_extents)
        elif layer == "trunk":
            vis = c.createVisualShape(
                c.GEOM_BOX, halfExtents=[0.03, 0.03, 0.25], rgbaColor=[0.4, 0.28, 0.18, 0]
            )
            col = c.createCollisionShape(c.GEOM_BOX, halfExtents=[0.03, 0.03, 0.25])
        elif layer == "lamp":
            vis = c.createVisualShapeArray(
                [c.GEOM_BOX, c.GEOM_BOX],
                halfExtents=[[0.012, 0.012, 0.3], [0.07, 0.02, 0.012]],
                visualFramePositions=[[0, 0, 0.3], [-0.06, 0, 0.6]],
                rgbaColors=[HIDDEN] * 2,
            )
        elif layer == "cone":
            vis = c.createVisualShape(
                c.GEOM_MESH, fileName="racecar/meshes/cone.obj", rgbaColor=[1.0, 0.45, 0.05, 0]
            )
            col = c.createCollisionShape(
                c.GEOM_CYLINDER, radius=0.05, height=0.17, collisionFramePosition=[0, 0, 0.085]
            )
        elif layer == "barrel":
            vis = c.createVisualShape(
                c.GEOM_CYLINDER,
                radius=0.06,
                length=0.15,
                visualFramePosition=[0, 0, 0.075],
                rgbaColor=HIDDEN,
            )
            col = c.createCollisionShape(
                c.GEOM_CYLINDER, radius=0.06, height=0.15, collisionFramePosition=[0, 0, 0.075]
            )
        elif layer in ("parked", "vehicle"):
            vis, col = self._vehicle_shapes()
        else:
            raise KeyError(f"unknown body kind {'/'.join([layer, *args])!r}")
        return Kind(vis, col, {"": ()})  # every shape (counted when the pool is made)

    def _vehicle_shapes(self) -> tuple[int, int]:
        """A low-poly car about the racecar's size: body, cabin and four wheels."""
        c = self.c
        boxes = [([0.22, 0.1, 0.035], [0, 0, 0.075]), ([0.11, 0.085, 0.035], [-0.03, 0, 0.14])]
        boxes += [
            ([0.045, 0.02, 0.045], [sx * 0.14, sy * 0.095, 0.045])
            for sx in (-1, 1)
            for sy in (-1, 1)
        ]
        vis = c.createVisualShapeArray(
            [c.GEOM_BOX] * len(boxes),
            halfExtents=[b[0] for b in boxes],
            visualFramePositions=[b[1] for b in boxes],
            rgbaColors=[HIDDEN] * len(boxes),
        )
        col = c.createCollisionShape(
            c.GEOM_BOX, halfExtents=[0.22, 0.1, 0.08], collisionFramePosition=[0, 0, 0.08]
        )
        return vis, col

    def ensure(
        self, bounds: Mapping[str, int], caps: Mapping[str, int | None] | None = None
    ) -> None:
        """Grow every pool to at least ``bounds[kind]`` bodies (pools never shrink)."""
        self.caps.update(caps or {})
        for name, n in bounds.items():
            pool = self.pools.get(name)
            if pool is None or len(pool.bodies) < n:
                self._grow(name, n - (len(pool.bodies) if pool else 0))

    def _grow(self, name: str, n: int) -> Pool:
        """Make ``n`` more parked bodies of kind ``name``."""
        pool = self.pools.get(name)
        if pool is None:
            pool = self.pools[name] = Pool(name, self._kind(name), self.caps.get(name))
        if n <= 0:
            return pool
        c, kind = self.c, pool.kind
        spots = [garage_spot(self._parked + i) for i in range(n)]
        self._parked += n
        # made hidden (alpha 0) and asleep: Bullet skips a sleeping static body's AABB update
        # every substep, and a pose reset (resetBasePositionAndOrientation) still updates it
        # one call per body: a batched createMultiBody (batchPositions) is no faster once
        # the client has learnt of its bodies (syncBodyInfo), and without that getNumBodies
        # and everything that lists bodies miss them
        bodies = [
            c.createMultiBody(
                0,
                kind.collision,
                kind.visual,
                spot,
                useMaximalCoordinates=True,
                flags=c.URDF_ENABLE_SLEEPING,
            )
            for spot in spots
        ]
        if not pool.colors:  # each shape's colour as made, shown
            pool.colors = [[*d[7][:3], 1.0] for d in c.getVisualShapeData(bodies[0])]
            if kind.variants == {"": ()}:
                kind.variants = {"": tuple(range(len(pool.colors)))}
        for body in bodies:
            if kind.solid:
                c.setCollisionFilterGroupMask(body, -1, 0, 0)
            if kind.textured:  # allocate the shapes' texture copies now, not in episode 10,000
                c.changeVisualShape(body, -1, textureUniqueId=self.sidewalk_texture)
        pool.bodies += bodies
        pool.spots += spots
        pool.shown += [{} for _ in bodies]
        pool.textures += [
            dict.fromkeys(range(len(pool.colors)), self.sidewalk_texture) if kind.textured else {}
            for _ in bodies
        ]
        for i, body in enumerate(bodies, start=len(pool.bodies) - n):
            self._index[body] = (pool, i)
        return pool

    # ------------------------------------------------------------------ per episode
    def begin(self) -> None:
        self.version += 1
        for pool in self.pools.values():
            pool.used = 0

    def end(self) -> None:
        """Park every body the episode does not use."""
        c = self.c
        self.version += 1
        for pool in self.pools.values():
            for i in range(pool.used, len(pool.bodies)):
                if not pool.shown[i]:
                    continue
                body = pool.bodies[i]
                for k in pool.shown[i]:
                    c.changeVisualShape(
                        body, -1, shapeIndex=k, rgbaColor=[*pool.colors[k][:3], 0.0]
                    )
                if pool.kind.solid:
                    c.setCollisionFilterGroupMask(body, -1, 0, 0)
                c.resetBasePositionAndOrientation(body, pool.spots[i], [0, 0, 0, 1])
                pool.shown[i] = {}

    def place(
        self,
        key: str,
        x: float,
        y: float,
        z: float,
        yaw: float,
        rgb: np.ndarray | tuple | None = None,
        texture: int | None = None,
        *,
        show: Mapping[str, Look] | None = None,
    ) -> int | None:
        """Put a body of kind ``key`` at a pose and return it.

        One-variant kinds (``"barrel"``, ``"building/3"``, …) show every shape, optionally
        tinted ``rgb`` and textured as a whole. Kit kinds (``"lines/+0.1250"``, …) show the
        variants in ``show`` (variant name → (rgb or ``None`` for the shape's own colour,
        texture or ``None``)) and hide the rest. Returns ``None`` when the pool is at its hard
        cap (the caller leaves the item out).
        """
        pool = self.pools.get(key) or self._grow(key, 0)
        if pool.used == len(pool.bodies):
            if pool.cap is not None and len(pool.bodies) >= pool.cap:
                return None
            if pool.cap is None and pool.bodies:
                warnings.warn(
                    f"the {key!r} pool grows past its bound ({len(pool.bodies)}): "
                    "constants.ROAD_KIT_MAX is stale",
                    RuntimeWarning,
                    stacklevel=2,
                )
            self._grow(key, 1)
        c = self.c
        self.version += 1
        i = pool.used
        pool.used += 1
        body = pool.bodies[i]
        shown, textures = pool.shown[i], pool.textures[i]
        # each changeVisualShape walks every body's render data: skip those that change nothing
        if show is None:
            if not shown:
                for k, rgba in enumerate(pool.colors):
                    c.changeVisualShape(body, -1, shapeIndex=k, rgbaColor=rgba)
                    shown[k] = rgba
            kwargs: dict = {}
            if rgb is not None and any(v != [*map(float, rgb), 1.0] for v in shown.values()):
                kwargs["rgbaColor"] = [*map(float, rgb), 1.0]
                shown.update(dict.fromkeys(shown, kwargs["rgbaColor"]))
            if texture is not None and any(textures.get(k) != texture for k in shown):
                kwargs["textureUniqueId"] = texture
                textures.update(dict.fromkeys(shown, texture))
            if kwargs:
                c.changeVisualShape(body, -1, **kwargs)
        else:
            looks = {k: look for variant, look in show.items() for k in pool.kind.variants[variant]}
            for k in shown.keys() - looks.keys():
                c.changeVisualShape(body, -1, shapeIndex=k, rgbaColor=[*pool.colors[k][:3], 0.0])
                del shown[k]
            for k, (tint, tex) in looks.items():
                rgba = [*map(float, tint), 1.0] if tint is not None else pool.colors[k]
                if tex is not None and textures.get(k) != tex:
                    c.changeVisualShape(body, -1, shapeIndex=k, rgbaColor=rgba, textureUniqueId=tex)
                    textures[k] = tex
                elif shown.get(k) != rgba:
                    c.changeVisualShape(body, -1, shapeIndex=k, rgbaColor=rgba)
                shown[k] = rgba
        if pool.kind.solid:  # back in collision, with a fresh broadphase proxy
            c.setCollisionFilterGroupMask(body, -1, STATIC_GROUP, STATIC_MASK)
        c.resetBasePositionAndOrientation(body, [x, y, z], _quat(c, yaw))
        return body

    def color(self, body: int, rgb: np.ndarray | tuple, shape: int = -1) -> None:
        """Tint shape ``shape`` (-1: every shape) of a placed body."""
        rgba = [*map(float, rgb), 1.0]
        pool, i = self._index[body]
        shown = pool.shown[i]
        shapes = list(shown) if shape < 0 else [shape]
        if any(shown.get(k) != rgba for k in shapes):
            self.c.changeVisualShape(body, -1, shapeIndex=shape, rgbaColor=rgba)
            shown.update(dict.fromkeys(shapes, rgba))
            self.version += 1

    def dress_ground(self, x: float, y: float, rgb: np.ndarray, pattern: str) -> None:
        # keep the pattern anchored to the world: snap the mesh to whole ground tiles
        x, y = (round(v / GROUND_TILE) * GROUND_TILE for v in (x, y))
        self.c.resetBasePositionAndOrientation(self.ground, [x, y, 0], [0, 0, 0, 1])
        rgba = [*map(float, rgb), 1.0]
        self.c.changeVisualShape(
            self.ground, -1, rgbaColor=rgba, textureUniqueId=self.patterns[pattern]
        )
        self.ground_look = (rgba, self.patterns[pattern])
        self.version += 1

    # ------------------------------------------------------------------ introspection
    def census(self) -> dict[str, int]:
        """Bodies in the Bullet world, pooled, placed (in use), placed solid ones (in
        collision) and shapes shown (drawn) this episode."""
        pools = self.pools.values()
        return {
            "bodies": self.c.getNumBodies(),
            "pooled": sum(len(p.bodies) for p in pools),
            "placed": sum(bool(s) for p in pools for s in p.shown),
            "solid": sum(bool(s) for p in pools if p.kind.solid for s in p.shown),
            "shapes": sum(len(s) for p in pools for s in p.shown),
        }

    def parked(self) -> list[int]:
        """Every pooled body the current episode does not use."""
        return [b for p in self.pools.values() for b, s in zip(p.bodies, p.shown) if not s]

    def drawn(self) -> list[tuple[int, int, list[float], int | None]]:
        """``(body, shape index, rgba, texture id or None)`` of every pooled shape drawn now,
        and of the ground.

        Read this, not ``getVisualShapeData``: after a per-shape colour change PyBullet
        reports that colour for every shape of the body, hidden variants included."""
        rgba, texture = self.ground_look
        return [(self.ground, 0, rgba, texture)] + [
            (body, k, rgba, pool.textures[i].get(k))
            for pool in self.pools.values()
            for i, body in enumerate(pool.bodies)
            for k, rgba in pool.shown[i].items()
        ]

    def car_looks(self, visible: bool) -> list[tuple[int, int, list[float], None]]:
        """``(body, shape index, rgba, None)`` of the ego car's shapes, shown or hidden."""
        return [
            (self.car.body, k, [*rgba[:3], rgba[3] if visible else 0.0], None)
            for k, rgba in enumerate(self.car.colors)
        ]

    def semantic_class(self, body: int, shape: int) -> str:
        """The ``seg`` class (``constants.SEG_CLASSES``) of one shape of a body."""
        if body == self.ground:
            return "ground"
        if body == self.car.body:
            return "ego_car"
        found = self._index.get(body)
        if found is None:
            return "sky"
        pool = found[0]
        kind = pool.name.split("/")[0]
        if kind in ("jcorner", "jside"):
            variant = next(v for v, ks in pool.kind.variants.items() if shape in ks)
            return "sidewalk" if variant.startswith("walk") else "ground"
        return C.SEG_OF_KIND[kind]
