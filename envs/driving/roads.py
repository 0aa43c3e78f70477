"""Procedural road networks, pure NumPy (no engine): routes, junctions, scenery, traffic.

A route is a chain of constant-curvature segments built from a small road kit: 1 m straight
and curved tiles (radii in ``RADII``) and 3 m x 3 m junction patches, where the route goes
straight or turns 90° and side roads (T or X junctions) branch off. Every road id
(``SPLITS``) seeds one route; candidate segments are rejected when their strip would overlap
any earlier strip, so a route never crosses itself and is drivable by construction.
Scenery, obstacles and traffic are placed per episode from the env's generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from . import constants as C

Pose = tuple[float, float, float]  # x, y, yaw


def advance(pose: Pose, curvature: float, length: float) -> Pose:
    """The pose after ``length`` metres along a path of constant ``curvature`` (1/m, left +)."""
    x, y, yaw = pose
    if abs(curvature) < 1e-12:
        return x + length * np.cos(yaw), y + length * np.sin(yaw), yaw
    yaw2 = yaw + curvature * length
    return (
        x + (np.sin(yaw2) - np.sin(yaw)) / curvature,
        y - (np.cos(yaw2) - np.cos(yaw)) / curvature,
        yaw2,
    )


def sample_arc(pose: Pose, curvature: float, length: float, ds: float) -> np.ndarray:
    """``(n, 3)`` poses every ``ds`` metres (end excluded) along a constant-curvature path."""
    t = np.arange(0.0, length - 1e-9, ds)
    x, y, yaw = pose
    if abs(curvature) < 1e-12:
        return np.stack([x + t * np.cos(yaw), y + t * np.sin(yaw), np.full_like(t, yaw)], 1)
    yaw2 = yaw + curvature * t
    return np.stack(
        [
            x + (np.sin(yaw2) - np.sin(yaw)) / curvature,
            y - (np.cos(yaw2) - np.cos(yaw)) / curvature,
            yaw2,
        ],
        1,
    )


@dataclass(frozen=True)
class Segment:
    """A constant-curvature stretch of road starting at ``pose``; ``kind`` is ``road``
    (tiled with 1 m pieces), ``junction`` (inside a junction patch) or ``stub`` (a side road)."""

    pose: Pose
    curvature: float
    length: float
    kind: str = "road"


@dataclass(frozen=True)
class Junction:
    """A junction patch centred at ``(x, y)``; ``exits`` are world headings with a road."""

    x: float
    y: float
    yaw: float  # heading of the route entering the junction
    exits: tuple[float, ...]
    turn: str  # "straight", "left" or "right"


@dataclass
class Road:
    """A generated route with its side roads and a dense centreline for metrics."""

    road_id: int
    segments: list[Segment]
    stubs: list[Segment]
    junctions: list[Junction]
    goal_s: float
    xy: np.ndarray = field(repr=False)  # (n, 2) centreline every SAMPLE_DS metres
    heading: np.ndarray = field(repr=False)
    curvature: np.ndarray = field(repr=False)
    s: np.ndarray = field(repr=False)
    in_junction: np.ndarray = field(repr=False)
    strip_points: np.ndarray = field(repr=False)  # centreline points of every strip

    @property
    def length(self) -> float:
        return float(self.s[-1])

    def locate(self, xy: np.ndarray) -> int:
        """Index of the centreline sample nearest to ``xy``."""
        d = self.xy - np.asarray(xy)[:2]
        return int(np.argmin(np.einsum("ij,ij->i", d, d)))

    def index(self, s: float | np.ndarray) -> np.ndarray:
        return np.clip(np.round(np.asarray(s) / C.SAMPLE_DS).astype(int), 0, len(self.s) - 1)

    def lateral(self, xy: np.ndarray, i: int) -> float:
        """Signed offset of ``xy`` from centreline sample ``i`` (left of the route is +)."""
        h = self.heading[i]
        d = np.asarray(xy)[:2] - self.xy[i]
        return float(-np.sin(h) * d[0] + np.cos(h) * d[1])

    def pose_at(self, s: float, offset: float = 0.0) -> Pose:
        i = int(self.index(s))
        h = float(self.heading[i])
        x, y = self.xy[i]
        return float(x - offset * np.sin(h)), float(y + offset * np.cos(h)), h


def road_id_range(split: str) -> range:
    if split not in C.SPLITS:
        raise ValueError(f"split={split!r} is not valid; valid: {', '.join(C.SPLITS)}")
    return C.SPLITS[split]


# ---------------------------------------------------------------------------- generation
def _points(segs: list[Segment], s0: float) -> tuple[np.ndarray, np.ndarray]:
    """Clearance points every 0.5 m of ``segs`` and their distance along the route."""
    pts, ss = [], []
    for seg in segs:
        p = sample_arc(seg.pose, seg.curvature, seg.length, 0.5)
        pts.append(p[:, :2])
        ss.append(s0 + np.arange(len(p)) * 0.5)
        s0 += seg.length
    return np.concatenate(pts), np.concatenate(ss)


def _junction(
    pose: Pose, turn: str, sides: list[float], stub_len: float
) -> tuple[list[Segment], list[Segment], Junction]:
    """Route segment(s) through a junction patch entered at ``pose`` and its side stubs."""
    x, y, yaw = pose
    h = C.JUNCTION_HALF
    cx, cy = x + h * np.cos(yaw), y + h * np.sin(yaw)
    if turn == "straight":
        route = [Segment(pose, 0.0, 2 * h, "junction")]
        out_dir = yaw
    else:
        sign = 1.0 if turn == "left" else -1.0
        route = [Segment(pose, sign / h, h * np.pi / 2, "junction")]
        out_dir = yaw + sign * np.pi / 2
    stubs = []
    exits = [out_dir]
    for rel in sides:
        d = yaw + rel
        start = (cx + h * np.cos(d), cy + h * np.sin(d), d)
        stubs.append(Segment(start, 0.0, stub_len, "stub"))
        exits.append(d)
    exits.append(yaw + np.pi)  # where the route came from
    return route, stubs, Junction(cx, cy, yaw, tuple(exits), turn)


def _candidate(
    rng: np.random.Generator, pose: Pose, after_junction: bool
) -> tuple[list[Segment], list[Segment], Junction | None]:
    kind = rng.choice(["straight", "arc", "junction"], p=[0.3, 0.45, 0.25])
    if kind == "junction" and not after_junction:
        turn = str(rng.choice(["straight", "left", "right"]))
        free = {
            "straight": [np.pi / 2, -np.pi / 2],
            "left": [0.0, -np.pi / 2],
            "right": [0.0, np.pi / 2],
        }[turn]
        sides = [free[int(rng.integers(2))]] if rng.random() < 0.5 else free
        route, stubs, junction = _junction(pose, turn, sides, float(rng.integers(3, 6)))
        return route, stubs, junction
    if kind == "arc":
        radius = float(rng.choice(C.RADII))
        max_pieces = max(1, int(radius * 2 * np.pi / 3))  # at most 120°
        n = int(rng.integers(1, max_pieces + 1))
        sign = 1.0 if rng.random() < 0.5 else -1.0
        return [Segment(pose, sign / radius, n * C.PIECE_LENGTH)], [], None
    n = int(rng.integers(2, 7))
    return [Segment(pose, 0.0, n * C.PIECE_LENGTH)], [], None


def _clear(new: tuple[np.ndarray, np.ndarray], old: tuple[np.ndarray, np.ndarray]) -> bool:
    if not len(old[0]):
        return True
    d = np.linalg.norm(new[0][:, None] - old[0][None], axis=2)
    related = np.abs(new[1][:, None] - old[1][None]) <= 6.0
    return bool(np.all((d >= C.ROAD_CLEARANCE) | related))


def _try_route(rng: np.random.Generator, road_id: int) -> Road | None:
    target = float(rng.uniform(*C.ROUTE_LENGTH))
    pose: Pose = (0.0, 0.0, 0.0)
    first = Segment(pose, 0.0, 3 * C.PIECE_LENGTH)
    segments, stubs, junctions = [first], [], []
    old = _points([first], 0.0)
    s = first.length
    pose = advance(pose, 0.0, first.length)
    while s < target + C.RUN_OUT:
        for _ in range(12):
            after = segments[-1].kind == "junction" or s < 4.0
            route, side, junction = _candidate(rng, pose, after)
            new = _points(route, s)
            stub_pts = [_points([st], s + C.JUNCTION_HALF) for st in side]
            parts = [new, *stub_pts]
            if all(_clear(p, old) for p in parts):  # stubs of one junction never meet
                break
        else:
            return None
        segments += route
        stubs += side
        if junction is not None:
            junctions.append(junction)
        old = (
            np.concatenate([old[0], *[p[0] for p in parts]]),
            np.concatenate([old[1], *[p[1] for p in parts]]),
        )
        for seg in route:
            pose = advance(seg.pose, seg.curvature, seg.length)
            s += seg.length
    return _finish(road_id, segments, stubs, junctions, target, old[0])


def _finish(
    road_id: int,
    segments: list[Segment],
    stubs: list[Segment],
    junctions: list[Junction],
    goal_s: float,
    strip_points: np.ndarray,
) -> Road:
    xy, heading, curv, jun = [], [], [], []
    for seg in segments:
        p = sample_arc(seg.pose, seg.curvature, seg.length, C.SAMPLE_DS)
        xy.append(p[:, :2])
        heading.append(p[:, 2])
        curv.append(np.full(len(p), seg.curvature))
        jun.append(np.full(len(p), seg.kind == "junction"))
    xy_arr = np.concatenate(xy)
    return Road(
        road_id=road_id,
        segments=segments,
        stubs=stubs,
        junctions=junctions,
        goal_s=goal_s,
        xy=xy_arr,
        heading=np.concatenate(heading),
        curvature=np.concatenate(curv),
        s=np.arange(len(xy_arr)) * C.SAMPLE_DS,
        in_junction=np.concatenate(jun),
        strip_points=strip_points,
    )


@lru_cache(maxsize=64)
def generate_road(road_id: int) -> Road:
    """The route of ``road_id`` (deterministic; retried internally until it closes)."""
    rng = np.random.default_rng([int(road_id), 0xD1])
    for _ in range(200):
        road = _try_route(rng, int(road_id))
        if road is not None:
            return road
    raise RuntimeError(f"could not generate road {road_id}")  # pragma: no cover


def pieces(road: Road) -> list[tuple[Pose, float]]:
    """The 1 m tiles (start pose, curvature) covering every road and stub segment."""
    out = []
    for seg in [*road.segments, *road.stubs]:
        if seg.kind == "junction":
            continue
        pose = seg.pose
        for _ in range(round(seg.length / C.PIECE_LENGTH)):
            out.append((pose, seg.curvature))
            pose = advance(pose, seg.curvature, C.PIECE_LENGTH)
    return out


# ---------------------------------------------------------------------------- placement
# building footprints (half x along the road, half y across, height), metres
BUILDINGS = (
    (0.5, 0.5, 0.7),
    (0.8, 0.5, 1.0),
    (1.0, 0.7, 1.4),
    (1.2, 0.9, 0.9),
    (0.6, 0.6, 2.0),
    (0.9, 0.6, 2.6),
)
TREES = ((0.25, 0.6), (0.35, 0.9), (0.45, 1.2))  # crown radius, height


@dataclass(frozen=True)
class Placement:
    kind: str  # building, tree, lamp, cone, barrel, parked
    variant: int
    x: float
    y: float
    yaw: float


def _box_clear(
    points: np.ndarray, x: float, y: float, yaw: float, hx: float, hy: float, clearance: float
) -> bool:
    c, s = np.cos(yaw), np.sin(yaw)
    d = points - (x, y)
    lx = np.abs(c * d[:, 0] + s * d[:, 1]) - hx
    ly = np.abs(-s * d[:, 0] + c * d[:, 1]) - hy
    return bool(np.all(np.hypot(np.maximum(lx, 0), np.maximum(ly, 0)) >= clearance))


def place_scenery(
    road: Road, rng: np.random.Generator, buildings: float, trees: float, lamps: float
) -> list[Placement]:
    """Buildings, trees and street lamps beside every strip; densities are per 10 m and side."""
    pts = road.strip_points
    out: list[Placement] = []
    taken: list[tuple[float, float, float]] = []  # x, y, radius
    for seg in [*road.segments, *road.stubs]:
        if seg.kind == "junction":
            continue
        for pose in sample_arc(seg.pose, seg.curvature, seg.length, 1.0):
            x, y, yaw = pose
            for side in (1.0, -1.0):
                nx, ny = -side * np.sin(yaw), side * np.cos(yaw)
                u = rng.random()
                if u < buildings / 10:
                    v = int(rng.integers(len(BUILDINGS)))
                    hx, hy, _ = BUILDINGS[v]
                    off = C.STRIP_HALF + 0.15 + hy + rng.uniform(0, 0.6)
                    px, py = x + off * nx, y + off * ny
                    if _box_clear(pts, px, py, yaw, hx, hy, C.STRIP_HALF + 0.1) and _free(
                        taken, px, py, np.hypot(hx, hy)
                    ):
                        out.append(Placement("building", v, px, py, yaw))
                        taken.append((px, py, np.hypot(hx, hy)))
                elif u < (buildings + trees) / 10:
                    v = int(rng.integers(len(TREES)))
                    r = TREES[v][0]
                    off = C.STRIP_HALF - 0.3 + rng.uniform(0, 1.5)
                    px, py = x + off * nx, y + off * ny
                    if _box_clear(pts, px, py, 0.0, r, r, C.STRIP_HALF - 0.55) and _free(
                        taken, px, py, r
                    ):
                        out.append(Placement("tree", v, px, py, float(rng.uniform(0, 6.3))))
                        taken.append((px, py, r))
                elif u < (buildings + trees + lamps) / 10:
                    off = C.STRIP_HALF - 0.55
                    px, py = x + off * nx, y + off * ny
                    # the lamp's post (5 cm half width) on the sidewalk's outer edge, clear of
                    # every other strip
                    if _box_clear(pts, px, py, 0.0, 0.05, 0.05, off - 0.07) and _free(
                        taken, px, py, 0.1
                    ):
                        out.append(Placement("lamp", 0, px, py, yaw + (np.pi if side < 0 else 0)))
                        taken.append((px, py, 0.1))
    return out


def _free(taken: list[tuple[float, float, float]], x: float, y: float, r: float) -> bool:
    return all(np.hypot(x - a, y - b) >= r + c + 0.1 for a, b, c in taken)


@dataclass(frozen=True)
class Vehicle:
    """A scripted vehicle following a lane: distance ``s0`` along the route, ``speed`` (m/s,
    negative = oncoming), lateral ``offset`` (m, left +)."""

    s0: float
    speed: float
    offset: float
    variant: int


def lane_centre(lanes: int, lane_width: float) -> float:
    """Lateral offset of the ego lane centre (right-hand traffic; one-lane roads are one-way)."""
    return -lane_width / 2 if lanes == 2 else 0.0


def place_obstacles(
    road: Road, rng: np.random.Generator, density: float, lanes: int, lane_width: float
) -> list[tuple[Placement, float]]:
    """Static obstacles (cones, barrels, parked cars) at the right edge of the ego lane,
    reaching ``intrusion`` metres into it: ``density`` per 10 m, never in junctions.
    Returns each placement with its distance along the route."""
    half = lanes * lane_width / 2
    n = int(rng.poisson(density * road.goal_s / 10))
    out: list[tuple[Placement, float]] = []
    used: list[float] = []
    for _ in range(n):
        s = float(rng.uniform(C.OBSTACLE_FROM, road.goal_s - C.OBSTACLE_BEFORE_GOAL))
        lo, hi = road.index(s - 1.0), road.index(s + 1.0)
        if road.in_junction[lo : hi + 1].any() or any(
            abs(s - u) < C.OBSTACLE_SPACING for u in used
        ):
            continue
        kind = str(rng.choice(["cone", "barrel", "parked"]))
        size = OBSTACLE_HALF_WIDTH[kind]
        intrusion = 0.06 if kind != "parked" else 0.08
        offset = -half + intrusion - size
        x, y, h = road.pose_at(s, offset)
        out.append((Placement(kind, int(rng.integers(4)), x, y, h), s))
        used.append(s)
    return out


OBSTACLE_HALF_WIDTH = {"cone": 0.05, "barrel": 0.06, "parked": 0.1}


def place_traffic(
    road: Road, rng: np.random.Generator, density: float, lanes: int, lane_width: float
) -> list[Vehicle]:
    """Lane-following vehicles: ahead in the ego lane slower than the ego's cruise speed and,
    on two-lane roads, oncoming in the other lane. ``density`` is vehicles per 10 m."""
    n = int(rng.poisson(density * road.goal_s / 10))
    ego = lane_centre(lanes, lane_width)
    out: list[Vehicle] = []
    for _ in range(n):
        oncoming = lanes == 2 and rng.random() < 0.5
        if oncoming:
            out.append(
                Vehicle(
                    float(rng.uniform(10.0, road.length)),
                    -float(rng.uniform(0.5, 1.0)) * C.CRUISE_SPEED,
                    -ego,
                    int(rng.integers(4)),
                )
            )
        else:
            s0 = float(rng.uniform(5.0, road.goal_s - 4.0))
            if any(v.speed > 0 and abs(v.s0 - s0) < 2.0 for v in out):
                continue
            out.append(
                Vehicle(
                    s0, float(rng.uniform(0.6, 0.9)) * C.CRUISE_SPEED, ego, int(rng.integers(4))
                )
            )
    return out
