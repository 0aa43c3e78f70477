"""Procedural glassware: surfaces of revolution with randomized profiles (pure NumPy).

Every object is a thin-walled solid of revolution about its z axis, base at ``z = 0``:
an outer profile ``r(z)`` from the base to the rim, a wall of constant thickness and a
thicker base (a wine glass has a solid stem and foot). :func:`sample_shape` draws the
profile of a category from the env's generator; :func:`revolve` makes the visual mesh (outer
surface, rim, inner surface, so the glass looks hollow); :func:`collision_pieces` splits the
outer solid into convex frustum stacks for contacts (MuJoCo collides convex hulls);
:func:`mass_properties` integrates the shell's mass and inertia.

Each category has three profile styles; ``split="test"`` uses only the third, held-out one.
All shapes fit the Panda's parallel gripper (8 cm opening): the radius in the top 5 cm is at
most ``MAX_GRASP_RADIUS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .constants import CATEGORIES, GLASS_DENSITY, MAX_GRASP_RADIUS, STYLES


@dataclass(frozen=True)
class Shape:
    """One object's profile. ``knots`` are outer ``(r, z)`` points from base to rim."""

    category: str
    style: int
    knots: np.ndarray  # (K, 2) outer profile, z increasing, r > 0
    wall: float  # wall thickness (m)
    base: float  # height of the solid bottom (m): the cavity starts here

    @property
    def height(self) -> float:
        return float(self.knots[-1, 1])

    @property
    def max_radius(self) -> float:
        return float(self.knots[:, 0].max())

    def outer(self, n: int = 48) -> np.ndarray:
        """The outer profile resampled smoothly: ``(n, 2)`` (r, z)."""
        return _smooth(self.knots, n)

    def radius_at(self, z: np.ndarray | float) -> np.ndarray:
        prof = self.outer(96)
        return np.interp(z, prof[:, 1], prof[:, 0])


def _smooth(knots: np.ndarray, n: int) -> np.ndarray:
    """Cosine-eased interpolation between knots, sampled at ``n`` points along z."""
    z = np.linspace(knots[0, 1], knots[-1, 1], n)
    z = np.unique(np.concatenate([z, knots[:, 1]]))
    idx = np.clip(np.searchsorted(knots[:, 1], z, side="right") - 1, 0, len(knots) - 2)
    z0, z1 = knots[idx, 1], knots[idx + 1, 1]
    t = np.where(z1 > z0, (z - z0) / np.maximum(z1 - z0, 1e-9), 0.0)
    ease = 0.5 - 0.5 * np.cos(np.pi * t)
    r = knots[idx, 0] + (knots[idx + 1, 0] - knots[idx, 0]) * ease
    return np.column_stack([r, z])


# ----------------------------------------------------------------------------- sampling
def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _glass(rng: np.random.Generator, style: int) -> tuple[list[tuple[float, float]], float]:
    h = _u(rng, 0.085, 0.125)
    rt = _u(rng, 0.028, 0.035)
    if style == 0:  # straight tumbler, slightly tapered
        rb = rt * _u(rng, 0.8, 0.95)
        return [(rb, 0), (rb, 0.004), (rt, h)], _u(rng, 0.008, 0.014)
    if style == 1:  # flared highball
        rb = rt * _u(rng, 0.65, 0.8)
        return [(rb, 0), (rb * 1.02, 0.3 * h), (rt, h)], _u(rng, 0.006, 0.012)
    rb = rt * _u(rng, 0.8, 0.9)  # held out: barrel-shaped rocks glass
    return [(rb, 0), (rt * 1.02, 0.5 * h), (rt * 0.92, h)], _u(rng, 0.012, 0.02)


def _wine_glass(rng: np.random.Generator, style: int) -> tuple[list[tuple[float, float]], float]:
    foot, stem_r = _u(rng, 0.026, 0.034), _u(rng, 0.004, 0.006)
    stem = _u(rng, 0.045, 0.07)
    bowl_h, bowl_r = _u(rng, 0.06, 0.08), _u(rng, 0.03, MAX_GRASP_RADIUS)
    top = stem + bowl_h
    if style == 0:  # tulip: widest low in the bowl, narrower rim
        bowl = [(bowl_r, stem + 0.45 * bowl_h), (bowl_r * 0.85, top)]
    elif style == 1:  # flute-like: straight sides
        bowl = [(bowl_r * 0.9, stem + 0.4 * bowl_h), (bowl_r * 0.95, top)]
    else:  # held out: coupe-like, flaring open
        bowl = [(bowl_r * 0.8, stem + 0.3 * bowl_h), (bowl_r, top)]
    knots = [
        (foot, 0),
        (foot * 0.8, 0.004),
        (stem_r, 0.008),
        (stem_r, stem),
        (bowl_r * 0.55, stem + 0.12 * bowl_h),
        *bowl,
    ]
    return knots, stem + 0.01


def _bottle(rng: np.random.Generator, style: int) -> tuple[list[tuple[float, float]], float]:
    r = _u(rng, 0.025, 0.034)
    body = _u(rng, 0.09, 0.14)
    neck_r, neck = _u(rng, 0.011, 0.015), _u(rng, 0.03, 0.05)
    shoulder = _u(rng, 0.02, 0.035)
    if style == 0:  # wine bottle: round shoulder
        mid = [(r, body), (neck_r * 1.1, body + shoulder)]
    elif style == 1:  # straight-shouldered (conical)
        mid = [(r, body), (neck_r, body + shoulder * 1.3)]
    else:  # held out: flask with a bulging body
        mid = [(r * 1.05, body * 0.5), (r * 0.9, body), (neck_r, body + shoulder)]
    top = mid[-1][1] + neck
    knots = [(r * 0.96, 0), (r, 0.006), *mid, (neck_r, top - 0.006), (neck_r * 1.15, top)]
    return knots, 0.006


def _cup(rng: np.random.Generator, style: int) -> tuple[list[tuple[float, float]], float]:
    h, rt = _u(rng, 0.065, 0.095), _u(rng, 0.03, MAX_GRASP_RADIUS)
    if style == 0:  # straight coffee cup
        return [(rt * 0.85, 0), (rt * 0.93, 0.008), (rt, h)], 0.008
    if style == 1:  # tapered
        return [(rt * 0.7, 0), (rt * 0.75, 0.006), (rt, h)], 0.007
    return [(rt * 0.8, 0), (rt, 0.4 * h), (rt * 0.97, h)], 0.01  # held out: belly cup


def _bowl(rng: np.random.Generator, style: int) -> tuple[list[tuple[float, float]], float]:
    h, rt = _u(rng, 0.04, 0.06), _u(rng, 0.03, MAX_GRASP_RADIUS)
    if style == 0:  # ramekin: steep sides
        return [(rt * 0.85, 0), (rt * 0.9, 0.006), (rt, h)], 0.008
    if style == 1:  # dessert bowl
        return [(rt * 0.6, 0), (rt * 0.68, 0.005), (rt * 0.93, 0.6 * h), (rt, h)], 0.008
    return [(rt * 0.7, 0), (rt * 0.95, 0.5 * h), (rt * 0.9, h)], 0.01  # held out: lipped


def _vase(rng: np.random.Generator, style: int) -> tuple[list[tuple[float, float]], float]:
    r, h = _u(rng, 0.028, MAX_GRASP_RADIUS), _u(rng, 0.12, 0.18)
    neck_r = _u(rng, 0.014, 0.022)
    if style == 0:  # bulb vase with narrow neck and lip
        knots = [(r * 0.7, 0), (r, 0.35 * h), (neck_r, 0.8 * h), (neck_r * 1.5, h)]
    elif style == 1:  # cylinder vase flaring at the top
        knots = [(r * 0.85, 0), (r * 0.8, 0.5 * h), (r * 0.95, h)]
    else:  # held out: amphora-like
        knots = [(r * 0.5, 0), (r, 0.5 * h), (neck_r, 0.85 * h), (neck_r * 1.3, h)]
    return knots, 0.01


_MAKERS = {
    "glass": _glass,
    "wine_glass": _wine_glass,
    "bottle": _bottle,
    "cup": _cup,
    "bowl": _bowl,
    "vase": _vase,
}


def sample_shape(
    category: str, rng: np.random.Generator, split: str = "train", scale: float = 1.0
) -> Shape:
    """Draw one object of ``category``; ``scale`` multiplies its size (radii capped to fit)."""
    if category not in _MAKERS:
        raise ValueError(f"unknown glassware category {category!r}; valid: {', '.join(CATEGORIES)}")
    if split not in STYLES:
        raise ValueError(f"split must be one of {', '.join(STYLES)}, got {split!r}")
    styles = STYLES[split]
    style = int(styles[int(rng.integers(len(styles)))])
    raw, base = _MAKERS[category](rng, style)
    knots = np.asarray(raw, np.float64) * scale
    knots[:, 0] = np.minimum(knots[:, 0], MAX_GRASP_RADIUS)
    wall = _u(rng, 0.0018, 0.003)
    return Shape(category, style, knots, wall, min(base * scale, 0.6 * knots[-1, 1]))


# ----------------------------------------------------------------------------- meshes
def _section(shape: Shape, n: int) -> np.ndarray:
    """The closed half cross-section as an (r, z) polyline from the base centre, up the
    outside, over the rim and down the inside to the centre of the cavity floor."""
    outer = shape.outer(n)
    inner_z = outer[:, 1][outer[:, 1] >= shape.base][::-1]
    inner_r = np.maximum(np.interp(inner_z, outer[:, 1], outer[:, 0]) - shape.wall, 0.002)
    return np.vstack([[0.0, 0.0], outer, np.column_stack([inner_r, inner_z]), [0.0, shape.base]])


def revolve(shape: Shape, segments: int = 16, samples: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Visual mesh ``(vertices (N, 3) float32, faces (M, 3) int32)``, outward-facing.

    The defaults give 700-1,000 triangles, enough for cameras up to a few hundred pixels
    (24 segments and 32 samples gave ~3,000 and drew at half the frame rate)."""
    sec = _section(shape, samples)
    ring = sec[1:-1]  # rings; the two axis points are poles
    ang = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    c, s = np.cos(ang), np.sin(ang)
    verts = np.empty((len(ring) * segments + 2, 3))
    verts[:-2, 0] = (ring[:, :1] * c).ravel()
    verts[:-2, 1] = (ring[:, :1] * s).ravel()
    verts[:-2, 2] = np.repeat(ring[:, 1], segments)
    verts[-2] = [0.0, 0.0, sec[0, 1]]
    verts[-1] = [0.0, 0.0, sec[-1, 1]]
    bottom, top = len(verts) - 2, len(verts) - 1
    j = np.arange(segments)
    j1 = (j + 1) % segments
    faces = [np.column_stack([np.full(segments, bottom), j1, j])]
    for i in range(len(ring) - 1):
        a, b = i * segments + j, (i + 1) * segments + j
        a1, b1 = i * segments + j1, (i + 1) * segments + j1
        faces += [np.column_stack([a, a1, b1]), np.column_stack([a, b1, b])]
    last = (len(ring) - 1) * segments
    faces.append(np.column_stack([np.full(segments, top), last + j, last + j1]))
    return verts.astype(np.float32), np.vstack(faces).astype(np.int32)


def collision_pieces(shape: Shape, segments: int = 12) -> list[np.ndarray]:
    """Convex pieces of the outer solid, one per knot interval: ``[(V, 3) vertices]``.

    Each piece is the convex hull of rings sampled in its interval, so a concave waist is
    followed closely and a wine glass gets a thin stem, not the hull of the whole glass.
    """
    outer = shape.outer(48)
    ang = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    ring = np.column_stack([np.cos(ang), np.sin(ang)])
    pieces = []
    for z0, z1 in zip(shape.knots[:-1, 1], shape.knots[1:, 1], strict=True):
        sel = outer[(outer[:, 1] >= z0 - 1e-9) & (outer[:, 1] <= z1 + 1e-9)]
        if len(sel) < 2 or z1 - z0 < 1e-4:
            continue
        pts = [np.column_stack([ring * r, np.full(segments, z)]) for r, z in sel]
        pieces.append(np.vstack(pts))
    return pieces


def mass_properties(
    shape: Shape, density: float = GLASS_DENSITY
) -> tuple[float, np.ndarray, np.ndarray]:
    """Mass (kg), centre of mass (3,) and diagonal inertia about it (3,) of the glass shell."""
    z = np.linspace(0.0, shape.height, 400)
    dz = z[1] - z[0]
    r_out = shape.radius_at(z)
    r_in = np.where(z >= shape.base, np.maximum(r_out - shape.wall, 0.0), 0.0)
    # disk slices: area pi (ro^2 - ri^2); polar moment per slice pi/2 (ro^4 - ri^4)
    area = np.pi * (r_out**2 - r_in**2)
    dm = density * area * dz
    mass = float(dm.sum())
    zc = float((dm * z).sum() / mass)
    izz = float((density * np.pi / 2 * (r_out**4 - r_in**4) * dz).sum())
    ixx = float(0.5 * izz + (dm * (z - zc) ** 2).sum())
    return mass, np.array([0.0, 0.0, zc]), np.array([ixx, ixx, izz])


def grasp_height(shape: Shape, finger_reach: float = 0.045) -> float:
    """Height (object frame) at which a top-down grasp whose palm rests on the rim closes."""
    return max(shape.height - 0.6 * finger_reach, 0.5 * shape.height)
