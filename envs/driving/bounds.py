"""How many bodies of each kind a Driving world holds: the most any episode can need.

A Driving world is built once with a fixed number of bodies per kind (``world.py`` says why).
This module sizes those pools:

* **Road pieces and junction parts** depend on the road alone. Road ids are a finite set
  (``SPLITS``), so the bounds are exact: the most 1 m tiles of each curvature, junctions and
  T junctions any road id needs (``constants.ROAD_KIT_MAX``, ``MAX_JUNCTIONS``,
  ``MAX_TEES``), computed once over every road id by :func:`road_kit_maxima`.
* **Scenery, obstacles and traffic** are random counts that grow with the ``scene.*``
  densities, so their bounds come from the maxima of the DR ranges in effect
  (``DomainRandomizer.ranges()``, after ``randomization`` and ``dr_scale``): the count that at
  most ``POOL_TAIL`` (1e-9) of episodes exceed at those maxima on the longest road.

  - vehicles: ``Poisson(traffic_density · L / 10)``, L = 40 m to the goal;
  - obstacles of one kind (cone, barrel, parked car): ``Poisson(obstacle_density · L / 30)``
    (a third of the obstacles), never more than ``MAX_OBSTACLES`` (15: they stand 2.5 m apart
    between 4 m and 1 m before the goal);
  - scenery: one draw per metre of road and side (``2 · MAX_TILES`` draws) places at most one
    item: a building (one of 6 sizes, each its own pool) with p = buildings / 10, a tree with
    p = min(1, (buildings + trees) / 10) − min(1, buildings / 10), a lamp likewise after the
    trees; the bound is the binomial count at the largest p the ranges allow.

Pools never shrink. A range that would need more than a kind's hard cap (``POOL_CAPS``: 32
vehicles, 48 buildings of one size) is a one-line ``ValueError`` naming the parameter, the
count it needs and the largest maximum that fits. An episode beyond a bound (probability
below 1e-9) grows its pool up to the cap; items beyond the cap are left out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import constants as C
from .roads import BUILDINGS, Road, generate_road, pieces

SCENE_PARAMS = (
    "scene.buildings",
    "scene.trees",
    "scene.lamps",
    "scene.obstacle_density",
    "scene.traffic_density",
)  # the DR parameters pool sizes depend on
CURVATURES = tuple(C.ROAD_KIT_MAX)  # tile curvature keys, f"{curvature:+.4f}"
SCENERY_DRAWS = 2 * C.MAX_TILES  # one draw per metre of road and side
ROUTE_TO_GOAL = C.ROUTE_LENGTH[1]
TAIL = f"{C.POOL_TAIL:.0e}".replace("e-0", "e-")  # "1e-9"


# ---------------------------------------------------------------------------- road kit
def kit_demand(road: Road) -> Counter[str]:
    """Road-kit pieces one road needs: tiles per curvature key, ``tiles``, ``junctions``,
    ``tees`` (T junctions)."""
    need: Counter[str] = Counter(f"{k:+.4f}" for _, k in pieces(road))
    need["tiles"] = sum(need.values())
    need["junctions"] = len(road.junctions)
    need["tees"] = sum(len(j.exits) == 3 for j in road.junctions)
    return need


def road_kit_maxima(ids: Iterable[int] | None = None) -> Counter[str]:
    """The most of each road-kit count any road of ``ids`` needs (default: every road id,
    about 25 minutes on one core; the source of ``constants.ROAD_KIT_MAX`` and friends)."""
    most: Counter[str] = Counter()
    for road_id in ids if ids is not None else range(C.SPLITS["test"].stop):
        most |= kit_demand(generate_road.__wrapped__(int(road_id)))  # uncached: 1M roads
    return most


# ---------------------------------------------------------------------------- tail bounds
def _tail_bound(logpmf: Callable[[int], float], top: int, tail: float) -> int:
    """Smallest k with P(X > k) <= tail for a distribution on 0..top (pmf in log space)."""
    above = 0.0
    for k in range(top, -1, -1):
        p = math.exp(logpmf(k))
        if above + p > tail:
            return k
        above += p
    return 0


def poisson_bound(lam: float, tail: float = C.POOL_TAIL) -> int:
    """Smallest k with P(Poisson(lam) > k) <= tail."""
    if lam <= 0:
        return 0
    top = int(lam + 20 * math.sqrt(lam) + 60)
    return _tail_bound(lambda k: k * math.log(lam) - lam - math.lgamma(k + 1), top, tail)


def binomial_bound(n: int, p: float, tail: float = C.POOL_TAIL) -> int:
    """Smallest k with P(Binomial(n, p) > k) <= tail."""
    if p <= 0 or n <= 0:
        return 0
    if p >= 1:
        return n
    head = math.lgamma(n + 1)
    return _tail_bound(
        lambda k: (
            head
            - math.lgamma(k + 1)
            - math.lgamma(n - k + 1)
            + k * math.log(p)
            + (n - k) * math.log1p(-p)
        ),
        n,
        tail,
    )


# ---------------------------------------------------------------------------- pool sizes
def extent(ranges: Mapping[str, Any], name: str) -> tuple[float, float]:
    """(smallest, largest) value parameter ``name`` can take (an entry of ``ranges()``)."""
    r = ranges[name]
    if r["dist"] == "fixed":
        return float(r["value"]), float(r["value"])
    if r["dist"] == "choice":
        values = [float(v) for v in r["choices"]]
        return min(values), max(values)
    return float(r["low"]), float(r["high"])


def _p(density: float) -> float:
    return min(1.0, max(density, 0.0) / 10.0)


def _obstacles(d: float) -> int:
    return min(C.MAX_OBSTACLES, poisson_bound(d * ROUTE_TO_GOAL / 30.0))


def _vehicles(d: float) -> int:
    return poisson_bound(d * ROUTE_TO_GOAL / 10.0)


def _buildings(d: float) -> int:
    return binomial_bound(SCENERY_DRAWS, _p(d) / len(BUILDINGS))


def _largest_fitting(need: Callable[[float], int], low: float, high: float, cap: int) -> float:
    """The largest maximum in [low, high] whose need fits ``cap`` (to 0.01, rounded down)."""
    lo, hi = low, high
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if need(mid) <= cap else (lo, mid)
    return math.floor(lo * 100) / 100


def pool_bounds(ranges: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, int | None]]:
    """``(bounds, caps)``: bodies per pool kind for DR ranges ``ranges`` and the hard cap of
    each kind (``None``: road kit, exact). Raises a one-line ``ValueError`` for a range whose
    maximum needs more than its kind's cap."""
    b_lo, b_hi = extent(ranges, "scene.buildings")
    t_lo, t_hi = extent(ranges, "scene.trees")
    _, l_hi = extent(ranges, "scene.lamps")
    _, o_hi = extent(ranges, "scene.obstacle_density")
    _, v_hi = extent(ranges, "scene.traffic_density")
    caps: dict[str, int | None] = {}
    bounds: dict[str, int] = {}
    checks = (  # (kinds, parameter, its range, need(max), what, cap)
        (
            ("vehicle",),
            "scene.traffic_density",
            (0.0, v_hi),
            _vehicles,
            "vehicles",
            C.POOL_CAPS["vehicle"],
        ),
        (
            ("cone", "barrel", "parked"),
            "scene.obstacle_density",
            (0.0, o_hi),
            _obstacles,
            "obstacles of one kind",
            C.MAX_OBSTACLES,
        ),
        (
            tuple(f"building/{v}" for v in range(len(BUILDINGS))),
            "scene.buildings",
            (b_lo, b_hi),
            _buildings,
            "buildings of one size",
            C.POOL_CAPS["building"],
        ),
    )
    for kinds, name, (lo, hi), need, what, cap in checks:
        n = need(hi)
        if n > cap:
            fits = _largest_fitting(need, lo, hi, cap)
            raise ValueError(
                f"randomization[{name!r}] up to {hi:g} needs up to {n} {what} in an episode "
                f"(all but {TAIL} of episodes); a Driving world holds {cap}: lower "
                f"its maximum to {fits:g} or less"
            )
        for kind in kinds:
            bounds[kind], caps[kind] = n, cap
    trees = binomial_bound(SCENERY_DRAWS, _p(b_lo + t_hi) - _p(b_lo))
    lamps = binomial_bound(SCENERY_DRAWS, _p(b_lo + t_lo + l_hi) - _p(b_lo + t_lo))
    for kind, n in (("trunk", trees), ("crown", trees), ("lamp", lamps)):
        bounds[kind], caps[kind] = n, SCENERY_DRAWS
    for k in CURVATURES:
        for layer in ("asphalt", "sidewalk", "lines"):
            bounds[f"{layer}/{k}"], caps[f"{layer}/{k}"] = C.ROAD_KIT_MAX[k], None
    for kind, n in (
        ("jasphalt", C.MAX_JUNCTIONS),
        ("jcorner", 4 * C.MAX_JUNCTIONS),
        ("jside", C.MAX_TEES),
    ):
        bounds[kind], caps[kind] = n, None
    return bounds, caps
