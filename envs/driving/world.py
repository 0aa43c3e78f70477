"""The PyBullet side of Driving-v0: one world per physics client, built once and re-dressed
on every reset.

PyBullet never frees a visual shape or a texture, and TinyRenderer ignores
``changeTexture``: creating a road mesh or a texture per episode leaks (about 0.17 MB per
road mesh and 48 kB per 128² texture, measured). So nothing is created per episode. The road
kit is a finite set of meshes (asphalt, sidewalk bands, lane lines and junction parts for
each curvature, road width, line width and dash length), each made once on first use; bodies
come from pools and are moved into place on reset or parked far below the world; appearance
DR picks a pattern from a fixed texture bank and tints bodies with ``rgbaColor``. Memory stays
flat over hundreds of resets (``tests/test_driving.py``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pybullet_data
from pybullet_utils.bullet_client import BulletClient

from . import constants as C
from .randomize import GROUND_TILE, paint_facade, paint_sidewalk, pattern_bank
from .roads import BUILDINGS, TREES, sample_arc

GARAGE = (0.0, 0.0, -500.0)  # parked bodies: below the ground, outside every camera frustum
GROUND_HALF = 60.0
Z_ROAD, Z_SIDEWALK, Z_LINE = 0.002, 0.003, 0.004


def _quat(c: BulletClient, yaw: float) -> list[float]:
    return list(c.getQuaternionFromEuler([0.0, 0.0, yaw]))


class Pool:
    """Bodies sharing one visual (and collision) shape, reused across episodes.

    Unused bodies are parked below the world and made fully transparent, which TinyRenderer
    skips entirely (a parked but visible body still costs vertex work in every frame).
    """

    def __init__(self, client: BulletClient, make: Callable[[], int], solid: bool) -> None:
        self.client, self.make, self.solid = client, make, solid
        self.bodies: list[int] = []
        self.used = 0
        self._parked: set[int] = set()
        self._colors: list[tuple[int, list[float]]] = []  # (shape index, rgba) as created

    def place(self, x: float, y: float, z: float, yaw: float) -> int:
        c = self.client
        if self.used == len(self.bodies):
            body = self.make()
            self.bodies.append(body)
            if not self._colors:
                self._colors = [(k, list(d[7])) for k, d in enumerate(c.getVisualShapeData(body))]
        body = self.bodies[self.used]
        self.used += 1
        if body in self._parked:
            self._parked.discard(body)
            for k, rgba in self._colors:
                c.changeVisualShape(body, -1, shapeIndex=k, rgbaColor=rgba)
        c.resetBasePositionAndOrientation(body, [x, y, z], _quat(c, yaw))
        return body

    def park_unused(self) -> None:
        c = self.client
        for body in self.bodies[self.used:]:
            if body not in self._parked:
                if self.solid:  # out of reach of the car and the lidar
                    c.resetBasePositionAndOrientation(body, GARAGE, [0, 0, 0, 1])
                for k, rgba in self._colors:
                    c.changeVisualShape(body, -1, shapeIndex=k, rgbaColor=[*rgba[:3], 0.0])
                self._parked.add(body)


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
    t = (1 + 5 ** 0.5) / 2
    v = np.array([[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t],
                  [0, -1, -t], [0, 1, -t], [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]], float)
    v = v / np.linalg.norm(v[0]) * radius
    v[:, 2] *= height / (2 * radius)
    f = [0, 11, 5, 0, 5, 1, 0, 1, 7, 0, 7, 10, 0, 10, 11, 1, 5, 9, 5, 11, 4, 11, 10, 2, 10, 7,
         6, 7, 1, 8, 3, 9, 4, 3, 4, 2, 3, 2, 6, 3, 6, 8, 3, 8, 9, 4, 9, 5, 2, 4, 11, 6, 2, 10,
         8, 6, 7, 9, 8, 1]
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


class World:
    """Pooled bodies, the texture bank and the ego racecar of one physics client."""

    def __init__(self, client: BulletClient) -> None:
        self.c = c = client
        c.setGravity(0, 0, -9.81)
        c.setPhysicsEngineParameter(fixedTimeStep=C.PHYSICS_DT, numSolverIterations=10,
                                    deterministicOverlappingPairs=1)
        c.setAdditionalSearchPath(pybullet_data.getDataPath())
        self.patterns = {k: self._texture(img) for k, img in pattern_bank().items()}
        self.sidewalk_texture = self._texture(paint_sidewalk())
        self.facade_texture = self._texture(paint_facade())
        plane = c.createCollisionShape(c.GEOM_PLANE)
        self.ground = c.createMultiBody(0, plane, self._visual(_ground_mesh()))
        self.car = self._load_car()
        self.show_car(False)  # never in its own camera; the chase view shows it
        self.pools: dict[str, Pool] = {}
        self._shapes: dict[str, tuple[int, int]] = {}

    # ------------------------------------------------------------------ construction
    def _texture(self, image: np.ndarray) -> int:
        import cv2

        fd, path = tempfile.mkstemp(suffix=".png")
        os.close(fd)
        try:
            cv2.imwrite(path, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            return self.c.loadTexture(path)
        finally:
            os.unlink(path)

    def _visual(self, mesh: Mesh, **kwargs: object) -> int:
        v, i, uv = mesh
        return self.c.createVisualShape(self.c.GEOM_MESH, vertices=v, indices=i, uvs=uv,
                                        normals=[[0, 0, 1]] * len(v), **kwargs)

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
            body=body, wheels=wheels, steering=[names[n] for n in C.STEER_JOINTS],
            links=[s[1] for s in shapes], colors=[tuple(s[7]) for s in shapes],
            camera_link=links[C.CAMERA_LINK], chassis_link=chassis,
            chassis_mass=float(c.getDynamicsInfo(body, chassis)[0]),
            wheel_friction=C.TYRE_FRICTION, rest_height=rest,
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
            self.c.changeVisualShape(self.car.body, link,
                                     rgbaColor=[*rgba[:3], rgba[3] if visible else 0.0])

    def _shape(self, key: str) -> tuple[int, int]:
        """(visual, collision) shape of ``key``, created on first use and kept."""
        if key in self._shapes:
            return self._shapes[key]
        c = self.c
        kind, *args = key.split("/")
        col = -1
        if kind in ("asphalt", "sidewalk", "edge", "centre"):
            vis = self._visual(band_mesh(float(args[0]), *self._bands(kind, args)))
        elif kind == "jasphalt":
            h = C.JUNCTION_HALF
            vis = self._visual(rect_mesh(-h, h, -h, h))
        elif kind == "jcorner":  # sidewalk quarter annulus at a junction corner
            rc = C.JUNCTION_HALF - float(args[0])
            vis = self._visual(sector_mesh(rc - C.KERB - C.SIDEWALK, rc))
        elif kind == "jverge":
            rc = C.JUNCTION_HALF - float(args[0])
            vis = self._visual(sector_mesh(0.0, rc - C.KERB - C.SIDEWALK))
        elif kind == "jside":  # the closed side of a T junction: sidewalk then verge
            half, h = float(args[0]), C.JUNCTION_HALF
            inner = half + C.KERB + C.SIDEWALK
            mesh = rect_mesh(-h, h, half, inner) if args[1] == "walk" else rect_mesh(
                -h, h, inner, h)
            vis = self._visual(mesh)
        elif kind == "building":
            hx, hy, height = BUILDINGS[int(args[0])]
            half_extents = [hx, hy, height / 2]
            vis = c.createVisualShape(c.GEOM_BOX, halfExtents=half_extents)
            col = c.createCollisionShape(c.GEOM_BOX, halfExtents=half_extents)
        elif kind == "crown":
            radius, height = TREES[int(args[0])]
            v, f = _icosahedron(radius, height * 0.6)
            vis = c.createVisualShape(c.GEOM_MESH, vertices=v, indices=f,
                                      visualFramePosition=[0, 0, height * 0.65])
        elif kind == "trunk":
            vis = c.createVisualShape(c.GEOM_BOX, halfExtents=[0.03, 0.03, 0.25],
                                      rgbaColor=[0.4, 0.28, 0.18, 1])
            col = c.createCollisionShape(c.GEOM_BOX, halfExtents=[0.03, 0.03, 0.25])
        elif kind == "lamp":
            vis = c.createVisualShapeArray(
                [c.GEOM_BOX, c.GEOM_BOX], halfExtents=[[0.012, 0.012, 0.3], [0.07, 0.02, 0.012]],
                visualFramePositions=[[0, 0, 0.3], [-0.06, 0, 0.6]])
        elif kind == "cone":
            vis = c.createVisualShape(c.GEOM_MESH, fileName="racecar/meshes/cone.obj",
                                      rgbaColor=[1.0, 0.45, 0.05, 1])
            col = c.createCollisionShape(c.GEOM_CYLINDER, radius=0.05, height=0.17,
                                         collisionFramePosition=[0, 0, 0.085])
        elif kind == "barrel":
            vis = c.createVisualShape(c.GEOM_CYLINDER, radius=0.06, length=0.15,
                                      visualFramePosition=[0, 0, 0.075])
            col = c.createCollisionShape(c.GEOM_CYLINDER, radius=0.06, height=0.15,
                                         collisionFramePosition=[0, 0, 0.075])
        elif kind in ("parked", "vehicle"):
            vis, col = self._vehicle_shapes()
        else:  # pragma: no cover
            raise KeyError(key)
        self._shapes[key] = (vis, col)
        return vis, col

    @staticmethod
    def _bands(kind: str, args: list[str]) -> tuple[list[tuple[float, float]], float]:
        """Lateral bands and tile length of a road-kit mesh key."""
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

    def _vehicle_shapes(self) -> tuple[int, int]:
        """A low-poly car about the racecar's size: body, cabin and four wheels."""
        c = self.c
        boxes = [([0.22, 0.1, 0.035], [0, 0, 0.075]), ([0.11, 0.085, 0.035], [-0.03, 0, 0.14])]
        boxes += [([0.045, 0.02, 0.045], [sx * 0.14, sy * 0.095, 0.045])
                  for sx in (-1, 1) for sy in (-1, 1)]
        vis = c.createVisualShapeArray([c.GEOM_BOX] * len(boxes),
                                       halfExtents=[b[0] for b in boxes],
                                       visualFramePositions=[b[1] for b in boxes])
        col = c.createCollisionShape(c.GEOM_BOX, halfExtents=[0.22, 0.1, 0.08],
                                     collisionFramePosition=[0, 0, 0.08])
        return vis, col

    # ------------------------------------------------------------------ per episode
    def begin(self) -> None:
        for pool in self.pools.values():
            pool.used = 0

    def end(self) -> None:
        for pool in self.pools.values():
            pool.park_unused()

    def place(self, key: str, x: float, y: float, z: float, yaw: float,
              rgb: np.ndarray | tuple | None = None, texture: int | None = None) -> int:
        """Put a body of kind ``key`` at a pose, optionally tinted and textured."""
        pool = self.pools.get(key)
        if pool is None:
            vis, col = self._shape(key)
            pool = self.pools[key] = Pool(
                self.c, lambda: self.c.createMultiBody(0, col, vis, list(GARAGE)), col >= 0)
        body = pool.place(x, y, z, yaw)
        if rgb is not None or texture is not None:
            kwargs: dict = {}
            if rgb is not None:
                kwargs["rgbaColor"] = [*map(float, rgb), 1.0]
            if texture is not None:
                kwargs["textureUniqueId"] = texture
            self.c.changeVisualShape(body, -1, **kwargs)
        return body

    def color(self, body: int, rgb: np.ndarray | tuple, shape: int = -1) -> None:
        self.c.changeVisualShape(body, -1, shapeIndex=shape, rgbaColor=[*map(float, rgb), 1.0])

    def dress_ground(self, x: float, y: float, rgb: np.ndarray, pattern: str) -> None:
        # keep the pattern anchored to the world: snap the mesh to whole ground tiles
        x, y = (round(v / GROUND_TILE) * GROUND_TILE for v in (x, y))
        self.c.resetBasePositionAndOrientation(self.ground, [x, y, 0], [0, 0, 0, 1])
        self.c.changeVisualShape(self.ground, -1, rgbaColor=[*map(float, rgb), 1.0],
                                 textureUniqueId=self.patterns[pattern])
