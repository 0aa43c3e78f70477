"""Procedural apartments: floor plan, furniture, occupancy grid and geodesic distances.

A floor plan is a pure function of its integer id (``generate_floorplan``): the apartment's
footprint is split recursively (binary space partition) into 3–6 rooms, optionally with a
corridor; every split line is a wall with at least one door, which makes every apartment
connected by construction (each split joins two connected halves). Each room gets a kind
(living room, bedroom, kitchen, office, corridor) and a priority-ordered list of furniture
slots against walls or in the middle. ``furnish`` then takes the first ``n`` slots of every
room, jitters them and scatters distractors — the part that domain randomization varies,
drawn from the environment's generator.

``OccupancyGrid`` rasterizes walls and furniture, inflates obstacles by the robot's radius
and answers geodesic (shortest-path) distances by Dijkstra over a 16-neighbour grid, which is
within ~3 % of the true Euclidean shortest path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from .constants import (
    CLEARANCE,
    DOOR_WIDTH,
    FURNITURE,
    GRID_RES,
    LAYOUT_SPLITS,
    MIN_ROOM,
    WALL_THICKNESS,
)


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class Door:
    x: float
    y: float
    axis: int  # the wall's: 0 = a wall at y = const (runs along x), 1 = a wall at x = const
    width: float


@dataclass(frozen=True)
class Item:
    """A placed object: furniture (category in CATEGORIES) or a distractor."""

    category: str
    x: float
    y: float
    yaw: float
    sx: float  # footprint half-extent along the item's local x
    sy: float
    room: int = -1
    shape: int = 0  # distractors: 0 box, 1 cylinder, 2 sphere

    def corners(self) -> np.ndarray:
        c, s = np.cos(self.yaw), np.sin(self.yaw)
        local = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [self.sx, self.sy]
        return local @ np.array([[c, s], [-s, c]]) + [self.x, self.y]


@dataclass
class Floorplan:
    layout_id: int
    width: float
    depth: float
    rooms: list[Rect]
    kinds: list[str]
    walls: list[Rect]  # wall boxes (footprints), doors already cut out
    doors: list[Door]
    slots: list[list[Item]] = field(default_factory=list)  # furniture slots per room


def layout_id_range(split: str) -> range:
    """The layout ids of a split: ``train`` (900,000 layouts) or ``test`` (100,000)."""
    if split not in LAYOUT_SPLITS:
        raise ValueError(f"split={split!r} is not valid; valid: {', '.join(LAYOUT_SPLITS)}")
    return LAYOUT_SPLITS[split]


def _snap(v: float) -> float:
    return round(v * 10) / 10


def _bsp(rng: np.random.Generator, outer: Rect) -> tuple[list[Rect], list[tuple], list[int]]:
    """Split ``outer`` into rooms. Returns leaves, split lines and the corridor leaf indices.

    A split line is ``(axis, coord, lo, hi, side_a, side_b)``: a wall at ``x = coord``
    (axis 1) or ``y = coord`` (axis 0) between the regions ``side_a`` and ``side_b``.
    """
    n_rooms = int(rng.integers(3, 7))
    leaves: list[Rect] = [outer]
    splits: list[tuple] = []
    corridors: list[int] = []
    corridor_first = rng.random() < 0.5
    while len(leaves) < n_rooms:
        order = sorted(range(len(leaves)), key=lambda i: -leaves[i].w * leaves[i].h)
        cand = [
            i for i in order if i not in corridors and max(leaves[i].w, leaves[i].h) >= 2 * MIN_ROOM
        ]
        if not cand:
            break
        i = cand[0]
        r = leaves.pop(i)
        corridors = [c - (c > i) for c in corridors]
        vertical = r.w >= r.h  # split across the longer side
        lo, hi = (r.x0, r.x1) if vertical else (r.y0, r.y1)
        if corridor_first and not splits and hi - lo >= 2 * MIN_ROOM + 1.2:
            s = _snap(rng.uniform(lo + MIN_ROOM, hi - MIN_ROOM - 1.2))
            cuts = [s, s + 1.2]
        else:
            cuts = [_snap(rng.uniform(lo + 0.35 * (hi - lo), lo + 0.65 * (hi - lo)))]
        edges = [lo, *cuts, hi]
        parts = [
            Rect(a, r.y0, b, r.y1) if vertical else Rect(r.x0, a, r.x1, b)
            for a, b in zip(edges[:-1], edges[1:])
        ]
        for k, c in enumerate(cuts):
            axis = 1 if vertical else 0
            span = (r.y0, r.y1) if vertical else (r.x0, r.x1)
            splits.append((axis, c, *span, parts[k], parts[k + 1]))
        base = len(leaves)
        leaves.extend(parts)
        if len(cuts) == 2:
            corridors.append(base + 1)
    return leaves, splits, corridors


def _touching(leaves: list[Rect], region: Rect, axis: int, coord: float) -> list[Rect]:
    eps = 1e-6
    out = []
    for r in leaves:
        inside = (
            region.x0 - eps <= r.x0
            and r.x1 <= region.x1 + eps
            and region.y0 - eps <= r.y0
            and r.y1 <= region.y1 + eps
        )
        if not inside:
            continue
        if axis == 1 and (abs(r.x0 - coord) < eps or abs(r.x1 - coord) < eps):
            out.append(r)
        if axis == 0 and (abs(r.y0 - coord) < eps or abs(r.y1 - coord) < eps):
            out.append(r)
    return out


def _doors(rng: np.random.Generator, leaves: list[Rect], splits: list[tuple]) -> list[Door]:
    doors = []
    for axis, coord, _, _, side_a, side_b in splits:
        spans = []
        for a in _touching(leaves, side_a, axis, coord):
            for b in _touching(leaves, side_b, axis, coord):
                lo = max(a.y0, b.y0) if axis == 1 else max(a.x0, b.x0)
                hi = min(a.y1, b.y1) if axis == 1 else min(a.x1, b.x1)
                if hi - lo > 0:
                    spans.append((hi - lo, lo, hi))
        spans.sort(reverse=True)
        n_doors = 2 if spans and spans[0][0] > 5.0 and rng.random() < 0.3 else 1
        for length, lo, hi in spans[:n_doors]:
            width = min(DOOR_WIDTH * rng.uniform(0.95, 1.1), length - 0.3)
            margin = 0.15 + width / 2
            t = rng.uniform(lo + margin, hi - margin) if hi - lo > 2 * margin else (lo + hi) / 2
            x, y = (coord, t) if axis == 1 else (t, coord)
            doors.append(Door(x, y, axis, width))
    return doors


def _wall_boxes(width: float, depth: float, splits: list[tuple], doors: list[Door]) -> list[Rect]:
    ht = WALL_THICKNESS / 2
    lines = [
        (0, 0.0, 0.0, width),
        (0, depth, 0.0, width),
        (1, 0.0, 0.0, depth),
        (1, width, 0.0, depth),
    ]
    lines += [(axis, coord, lo, hi) for axis, coord, lo, hi, _, _ in splits]
    boxes = []
    for axis, coord, lo, hi in lines:
        gaps = sorted(
            ((d.y if axis == 1 else d.x) - d.width / 2, (d.y if axis == 1 else d.x) + d.width / 2)
            for d in doors
            if abs((d.x if axis == 1 else d.y) - coord) < 1e-6 and d.axis == axis
        )
        start = lo - ht
        for g0, g1 in [*gaps, (hi + ht, hi + ht)]:
            if g0 - start > 1e-3:
                if axis == 1:
                    boxes.append(Rect(coord - ht, start, coord + ht, g0))
                else:
                    boxes.append(Rect(start, coord - ht, g0, coord + ht))
            start = g1
    return boxes


ROOM_FURNITURE = {
    "living": ("sofa", "table", "chair", "shelf", "chair", "chair"),
    "bedroom": ("bed", "shelf", "chair", "table"),
    "kitchen": ("table", "chair", "chair", "shelf", "chair"),
    "office": ("table", "chair", "shelf", "sofa"),
    "corridor": ("shelf",),
}


def _door_zones(doors: list[Door]) -> list[Rect]:
    zones = []
    for d in doors:
        along, across = d.width / 2 + 0.25, 1.0
        if d.axis == 0:  # wall along x, passage along y
            zones.append(Rect(d.x - along, d.y - across, d.x + along, d.y + across))
        else:
            zones.append(Rect(d.x - across, d.y - along, d.x + across, d.y + along))
    return zones


def _overlaps(a: Rect, b: Rect, pad: float = 0.0) -> bool:
    return not (
        a.x1 + pad <= b.x0 or b.x1 + pad <= a.x0 or a.y1 + pad <= b.y0 or b.y1 + pad <= a.y0
    )


def _bbox(item: Item) -> Rect:
    c = item.corners()
    return Rect(c[:, 0].min(), c[:, 1].min(), c[:, 0].max(), c[:, 1].max())


def _place_slots(
    rng: np.random.Generator, room: Rect, index: int, kind: str, zones: list[Rect]
) -> list[Item]:
    """Priority-ordered furniture slots of one room.

    Items stand with their back against a wall (yaw turns the item's front, local +y, to the
    room) or free in the middle; gaps between items and to walls are either zero or wide
    enough for the robot, so furniture never cuts a room in two.
    """
    items: list[Item] = []
    gap = 2 * CLEARANCE + 0.25
    ht = WALL_THICKNESS / 2 + 0.02
    inner = Rect(room.x0 + ht, room.y0 + ht, room.x1 - ht, room.y1 - ht)
    for category in ROOM_FURNITURE[kind]:
        length, depth_, _ = FURNITURE[category]
        for _ in range(25):
            side = int(rng.integers(0, 5))  # 0..3: against the S, E, N, W wall; 4: free-standing
            yaw = [0.0, np.pi / 2, np.pi, -np.pi / 2, float(rng.choice([0.0, np.pi / 2]))][side]
            ex, ey = (
                (length / 2, depth_ / 2) if abs(np.sin(yaw)) < 0.5 else (depth_ / 2, length / 2)
            )
            margin = gap if side == 4 else 0.0
            if inner.w < 2 * (ex + margin) or inner.h < 2 * (ey + margin):
                continue
            x = _lateral(rng, inner.x0 + ex, inner.x1 - ex, margin, gap)
            y = _lateral(rng, inner.y0 + ey, inner.y1 - ey, margin, gap)
            x = {1: inner.x1 - ex, 3: inner.x0 + ex}.get(side, x)
            y = {0: inner.y0 + ey, 2: inner.y1 - ey}.get(side, y)
            item = Item(category, float(x), float(y), yaw, length / 2, depth_ / 2, index)
            box = _bbox(item)
            if any(_overlaps(box, z) for z in zones):
                continue
            if any(_overlaps(box, _bbox(o), pad=gap) for o in items):
                continue
            items.append(item)
            break
    return items


def _lateral(rng: np.random.Generator, lo: float, hi: float, margin: float, gap: float) -> float:
    """A position in [lo, hi] that is flush with an end or at least ``gap`` away from both."""
    if margin > 0:
        return float(rng.uniform(lo + margin, hi - margin))
    v = float(rng.uniform(lo, hi))
    if v - lo < gap:
        return lo
    if hi - v < gap:
        return hi
    return v


def generate_floorplan(layout_id: int) -> Floorplan:
    """The floor plan of ``layout_id`` (deterministic; ids of both splits are valid)."""
    if not isinstance(layout_id, (int, np.integer)) or layout_id < 0:
        raise ValueError(f"layout id must be a non-negative integer, got {layout_id!r}")
    rng = np.random.default_rng([int(layout_id), 0x51E7])
    width = _snap(rng.uniform(7.0, 12.0))
    depth = _snap(rng.uniform(6.0, 10.0))
    leaves, splits, corridors = _bsp(rng, Rect(0.0, 0.0, width, depth))
    doors = _doors(rng, leaves, splits)
    walls = _wall_boxes(width, depth, splits, doors)
    order = sorted(
        (i for i in range(len(leaves)) if i not in corridors),
        key=lambda i: -leaves[i].w * leaves[i].h,
    )
    kinds = ["corridor"] * len(leaves)
    others = list(rng.permutation(["bedroom", "kitchen", "office", "bedroom", "office"]))
    for rank, i in enumerate(order):
        kinds[i] = "living" if rank == 0 else str(others[(rank - 1) % len(others)])
    zones = _door_zones(doors)
    slots = [_place_slots(rng, r, i, kinds[i], zones) for i, r in enumerate(leaves)]
    return Floorplan(int(layout_id), width, depth, leaves, kinds, walls, doors, slots)


def furnish(
    plan: Floorplan,
    per_room: int,
    jitter: float,
    n_distractors: int,
    rng: np.random.Generator,
) -> list[Item]:
    """Choose furniture (the first ``per_room`` slots of each room), jitter it, add distractors.

    ``jitter`` in metres moves each item by up to that much (and turns it by up to
    ``jitter`` radians); items stay inside their room.
    """
    items: list[Item] = []
    for r, room_slots in enumerate(plan.slots):
        room = plan.rooms[r]
        for it in room_slots[: max(0, per_room)]:
            dx, dy, dyaw = rng.uniform(-1.0, 1.0, 3) * jitter
            moved = Item(it.category, it.x + dx, it.y + dy, it.yaw + dyaw, it.sx, it.sy, r)
            box = _bbox(moved)
            ox = max(0.0, room.x0 + 0.06 - box.x0) - max(0.0, box.x1 - room.x1 + 0.06)
            oy = max(0.0, room.y0 + 0.06 - box.y0) - max(0.0, box.y1 - room.y1 + 0.06)
            items.append(Item(it.category, moved.x + ox, moved.y + oy, moved.yaw, it.sx, it.sy, r))
    for _ in range(max(0, n_distractors)):
        r = int(rng.integers(len(plan.rooms)))
        room = plan.rooms[r]
        size = rng.uniform(0.08, 0.2)
        x = rng.uniform(room.x0 + 0.3, room.x1 - 0.3)
        y = rng.uniform(room.y0 + 0.3, room.y1 - 0.3)
        items.append(
            Item(
                "distractor",
                x,
                y,
                rng.uniform(-np.pi, np.pi),
                size,
                size,
                r,
                shape=int(rng.integers(3)),
            )
        )
    return items


class OccupancyGrid:
    """Occupancy of a furnished apartment and geodesic distances for the robot's centre.

    Cells are ``GRID_RES`` metres. ``free`` marks cells whose centre is at least
    ``clearance`` metres from every obstacle; ``reachable`` is the largest connected part
    of it (where starts and goals are drawn).
    """

    _OFFSETS = np.array([(1, 0), (0, 1), (1, 1), (1, -1), (1, 2), (2, 1), (1, -2), (2, -1)])

    def __init__(self, plan: Floorplan, items: list[Item], clearance: float) -> None:
        self.res = GRID_RES
        self.origin = np.array([-0.2, -0.2])
        self.shape = (
            int(np.ceil((plan.depth + 0.4) / self.res)),
            int(np.ceil((plan.width + 0.4) / self.res)),
        )
        occ = np.zeros(self.shape, np.uint8)
        polys = [
            np.array([[w.x0, w.y0], [w.x1, w.y0], [w.x1, w.y1], [w.x0, w.y1]]) for w in plan.walls
        ] + [it.corners() for it in items]
        cv2.fillPoly(occ, [self._poly(p) for p in polys], 1, shift=3)
        self.occupied = occ.astype(bool)
        # Distance (m) from each cell centre to the nearest occupied cell centre.
        self.clearance_map = (
            cv2.distanceTransform((occ == 0).astype(np.uint8), cv2.DIST_L2, 5) * self.res
        )
        free = self.clearance_map >= clearance + self.res / 2
        inside = np.zeros_like(free)
        r0, c0 = self.cell(np.array([0.0, 0.0]))
        r1, c1 = self.cell(np.array([plan.width, plan.depth]))
        inside[r0 : r1 + 1, c0 : c1 + 1] = True
        free &= inside
        n, labels = cv2.connectedComponents(free.astype(np.uint8), connectivity=8)
        counts = np.bincount(labels[free], minlength=n) if free.any() else np.zeros(n, int)
        self.reachable = (labels == int(np.argmax(counts))) & free if n > 1 else free
        self._graph = self._build_graph(self.reachable)

    def _poly(self, xy: np.ndarray) -> np.ndarray:
        # cv2 rasterizes pixel centres inside the polygon; scale by 8 (shift=3) for sub-cell
        # precision, then grow by half a cell so any cell an obstacle touches is occupied.
        centre = xy.mean(axis=0)
        d = xy - centre
        grown = centre + d + np.sign(d) * self.res / 2
        pts = (grown - self.origin) / self.res - 0.5
        return np.round(pts * 8).astype(np.int32).reshape(-1, 1, 2)

    def cell(self, xy: np.ndarray) -> tuple[int, int]:
        c = np.floor((np.asarray(xy) - self.origin) / self.res).astype(int)
        return int(np.clip(c[1], 0, self.shape[0] - 1)), int(np.clip(c[0], 0, self.shape[1] - 1))

    def center(self, rc: tuple[int, int]) -> np.ndarray:
        return self.origin + (np.array([rc[1], rc[0]]) + 0.5) * self.res

    def _build_graph(self, free: np.ndarray) -> coo_matrix:
        h, w = free.shape
        idx = np.arange(h * w).reshape(h, w)
        rows, cols, weights = [], [], []
        for dr, dc in self._OFFSETS:
            # Both endpoints and every cell the straight move passes must be free.
            ok = free & _shift(free, dr, dc)
            for pr, pc in _passed_cells(dr, dc):
                ok &= _shift(free, pr, pc)
            r, c = np.nonzero(ok)
            a, b = idx[r, c], idx[r + dr, c + dc]
            wgt = np.full(a.shape, self.res * float(np.hypot(dr, dc)))
            rows += [a, b]
            cols += [b, a]
            weights += [wgt, wgt]
        return coo_matrix(
            (np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))),
            shape=(h * w, h * w),
        ).tocsr()

    def distance_field(self, sources: np.ndarray) -> np.ndarray:
        """Geodesic distance (m) from every cell to the nearest source cell (inf: unreachable).

        ``sources`` is a boolean mask; only reachable source cells count.
        """
        src = np.flatnonzero(sources & self.reachable)
        if src.size == 0:
            return np.full(self.shape, np.inf)
        dist = dijkstra(self._graph, directed=False, indices=src, min_only=True)
        return np.asarray(dist).reshape(self.shape)

    def lookup(self, field: np.ndarray, xy: np.ndarray) -> float:
        """Geodesic distance at a continuous position: nearest finite cell + straight offset."""
        r, c = self.cell(xy)
        r0, r1 = max(r - 3, 0), min(r + 4, self.shape[0])
        c0, c1 = max(c - 3, 0), min(c + 4, self.shape[1])
        patch = field[r0:r1, c0:c1]
        if not np.isfinite(patch).any():
            return float("inf")
        rr, cc = np.mgrid[r0:r1, c0:c1]
        centres = self.origin + (np.stack([cc, rr], -1) + 0.5) * self.res
        total = patch + np.linalg.norm(centres - np.asarray(xy)[:2], axis=-1)
        return float(total.min())


def _passed_cells(dr: int, dc: int) -> list[tuple[int, int]]:
    if (abs(dr), abs(dc)) == (1, 1):
        return [(dr, 0), (0, dc)]
    if abs(dc) == 2:
        return [(0, int(np.sign(dc))), (dr, int(np.sign(dc)))]
    if abs(dr) == 2:
        return [(int(np.sign(dr)), 0), (int(np.sign(dr)), dc)]
    return []


def _shift(free: np.ndarray, dr: int, dc: int) -> np.ndarray:
    """``out[r, c] = free[r + dr, c + dc]`` (False outside)."""
    h, w = free.shape
    out = np.zeros_like(free)
    rs, re = max(0, -dr), min(h, h - dr)
    cs, ce = max(0, -dc), min(w, w - dc)
    out[rs:re, cs:ce] = free[rs + dr : re + dr, cs + dc : ce + dc]
    return out
