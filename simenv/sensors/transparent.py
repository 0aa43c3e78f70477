"""Depth-sensor failures on transparent objects, and ClearGrasp-style ground truth.

Real RGB-D cameras (structured light, active stereo, time of flight) do not measure glass
reliably (ClearGrasp, Sajjan et al. 2020; DREDS, Dai et al. 2022). On a transparent surface a
pixel reads one of three things, in spatially coherent regions rather than salt and pepper:

* nothing (depth 0), typically where specular highlights or refraction confuse the matcher;
* the depth of the surface *behind* the glass (the sensor sees through it);
* a noisy, partial reading of the glass surface itself.

and depth is dropped in a band along the object's outline. :func:`transparent_depth` models
this from three renders of the same frame: ``surface`` (true depth of the nearest surface,
glass included), ``behind`` (depth with the glass removed) and ``mask`` (pixels where a
transparent object is the nearest surface). Depth is ``float32`` metres, ``(H, W)`` or
``(H, W, 1)``, with 0 meaning "no measurement"; conventions follow :mod:`simenv.sensors`
(pure functions, randomness only from the ``rng`` argument, the input itself returned when
nothing would change it, one-line ``ValueError`` naming a bad value).

Glass failures are the realistic case, so they are ON at the nominal values (``dr_scale=0``
gives a typical sensor, not a perfect one). The parameters (``TRANSPARENT_DEPTH_PARAMS``,
see ``dr_table(TRANSPARENT_DEPTH_PARAMS)``):

* ``sensor.depth.transparent.missing``: fraction of the glass area that reads 0.
* ``sensor.depth.transparent.see_through``: fraction that reads the depth behind the glass.
  The rest reads the glass surface. When ``missing + see_through > 1`` both are scaled down
  proportionally to sum to 1 (their ratio is kept; no surface readings remain).
* ``sensor.depth.transparent.surface_noise``: std in metres of the surface readings.
* ``sensor.depth.transparent.blob_size``: size of the coherent failure regions as a fraction
  of the shorter image side (the cell size of the random field that assigns the modes;
  0 = independent pixels).
* ``sensor.depth.transparent.edge_width``: pixels of missing depth on each side (inside and
  outside) of the transparent mask's outline (integer; 0 = none).

``missing = see_through = surface_noise = edge_width = 0`` is the identity on valid input.

Ground truth for perception training (depth completion, as in ClearGrasp):
:func:`camera_intrinsics` (MuJoCo pinhole), :func:`normals_from_depth` (camera-frame surface
normals) and :func:`boundary_map` (no boundary / occlusion boundary / contact boundary).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import cv2
import numpy as np
from numpy.typing import NDArray

from simenv.randomization import Param

from .common import Depth, check_depth, number, standard_normal, uniform_u16

FloatArray = NDArray[np.floating[Any]]

__all__ = [
    "BOUNDARY_CONTACT",
    "BOUNDARY_NONE",
    "BOUNDARY_OCCLUSION",
    "TRANSPARENT_DEPTH_PARAMS",
    "TransparentDepthModel",
    "boundary_map",
    "camera_intrinsics",
    "normals_from_depth",
    "transparent_depth",
]

#: Classes of :func:`boundary_map` (ClearGrasp's outline labels).
BOUNDARY_NONE, BOUNDARY_OCCLUSION, BOUNDARY_CONTACT = 0, 1, 2

_MAX_EDGE_WIDTH = 64
_MAX_SURFACE_NOISE = 1.0  # metres


# ----------------------------------------------------------------------------- validation
def _depth_arg(name: str, value: Any) -> FloatArray:
    """``value`` if it is a float depth map (see ``check_depth``), the error naming ``name``."""
    try:
        return check_depth(value)
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from None


def _int_arg(name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as an int if it is an integral number in [lo, hi], else a one-line ValueError."""
    v = number(name, value, lo, hi)
    if v != int(v):
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    return int(v)


def _valid_depth(z: FloatArray) -> Depth:
    """``z`` as float32 with non-finite and negative values set to 0 (the input if all valid)."""
    z = z.astype(np.float32, copy=False)
    valid = np.isfinite(z) & (z >= 0.0)
    return z if valid.all() else np.where(valid, z, np.float32(0.0))


def _fractions(missing: float, see_through: float) -> tuple[float, float]:
    """The two mode fractions, scaled down proportionally when they sum to more than 1."""
    total = missing + see_through
    return (missing / total, see_through / total) if total > 1.0 else (missing, see_through)


# ----------------------------------------------------------------------------- transparent depth
def _field(shape: tuple[int, int], rng: np.random.Generator, cell: int) -> NDArray[Any]:
    """A random field whose values are correlated over about ``cell`` pixels.

    Independent Gaussian values on a grid of ``cell``-pixel cells, bilinearly upsampled
    (``cv2.resize`` INTER_LINEAR) and cropped at a random sub-cell offset so the grid does
    not sit at the same place in every frame. ``cell <= 1``: independent uniform 16-bit
    pixels. Only the ranks of the values matter (modes are assigned by quantile).
    """
    h, w = shape
    if cell <= 1:
        return uniform_u16(rng, shape)
    gh, gw = h // cell + 2, w // cell + 2
    grid = rng.standard_normal((gh, gw), dtype=np.float32)
    big = cv2.resize(grid, (gw * cell, gh * cell), interpolation=cv2.INTER_LINEAR)
    oy, ox = (int(o) for o in rng.integers(0, cell, size=2))
    return big[oy : oy + h, ox : ox + w]


@lru_cache(maxsize=16)
def _disc(width: int) -> NDArray[Any]:
    """An elliptical (2 width + 1)-pixel structuring element."""
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    k.setflags(write=False)
    return k


def _edge_band(mask: NDArray[np.bool_], width: int) -> NDArray[np.bool_]:
    """Pixels within ``width`` px of the mask outline, on both sides (image borders excluded)."""
    m = mask.view(np.uint8)
    k = _disc(width)
    band = cv2.dilate(m, k) - cv2.erode(m, k)  # 1 where dilated and not eroded
    return band.view(bool)


def _transparent_depth(
    z: Depth,
    behind: FloatArray,
    mask: NDArray[np.bool_],
    rng: np.random.Generator,
    missing: float,
    see_through: float,
    surface_noise: float,
    cell: int,
    edge_width: int,
) -> Depth:
    """The model on validated 2-D arrays; ``z`` is valid float32 surface depth."""
    idx = np.flatnonzero(mask)
    n = idx.size
    missing, see_through = _fractions(missing, see_through)
    k1 = round(missing * n)
    k2 = min(round((missing + see_through) * n), n)
    out: Depth = z.copy()
    flat = out.reshape(-1)
    if k1 > 0 or k2 < n or surface_noise > 0.0:
        f = _field(z.shape, rng, cell).reshape(-1)[idx]
        # Thresholds at the k-th smallest field values: exactly k1 (k2 - k1) pixels below
        # (between) them when the values are distinct, whatever the field's marginal law.
        kth = sorted({k for k in (k1, k2) if 0 < k < n})
        part = np.partition(f, kth) if kth else f
        t1, t2 = (-np.inf if k == 0 else np.inf if k == n else part[k] for k in (k1, k2))
        see = idx[(f >= t1) & (f < t2)]
        b = behind.reshape(-1)[see].astype(np.float32, copy=False)
        flat[see] = np.where(np.isfinite(b) & (b >= 0.0), b, np.float32(0.0))
        flat[idx[f < t1]] = 0.0
        if surface_noise > 0.0:
            surf = idx[f >= t2]
            zs = flat[surf]
            noisy = zs + np.float32(surface_noise) * standard_normal(rng, zs.shape)
            flat[surf] = np.where(zs > 0.0, np.maximum(noisy, 0.0), np.float32(0.0))
    if edge_width > 0:
        out[_edge_band(mask, edge_width)] = 0.0
    return out


def transparent_depth(
    surface: FloatArray,
    behind: FloatArray,
    mask: NDArray[np.bool_],
    rng: np.random.Generator,
    missing: float,
    see_through: float,
    surface_noise: float,
    blob_size: float,
    edge_width: int,
) -> Depth:
    """What a real depth sensor reads where ``mask`` marks transparent surfaces.

    Args:
        surface: true depth of the nearest surface, glass included (metres, (H, W) or
            (H, W, 1), float).
        behind: depth of the same view with the transparent objects removed (same shape).
        mask: bool, True where a transparent object is the nearest surface ((H, W) or the
            shape of ``surface``).
        rng: the only source of randomness.
        missing: fraction of the mask that reads 0, in [0, 1].
        see_through: fraction of the mask that reads ``behind``, in [0, 1]; if
            ``missing + see_through > 1`` both are scaled down proportionally to sum to 1.
        surface_noise: std in metres of the (per-pixel, independent) Gaussian noise on the
            remaining surface readings, in [0, 1]; a reading pushed to <= 0 becomes missing.
        blob_size: size of the coherent failure regions, a fraction of the shorter image
            side in [0, 1]; below 1.5 pixels every pixel draws its mode independently.
        edge_width: integer in [0, 64]; pixels within this distance of the mask outline, on
            both sides, read 0.

    The mode of each masked pixel comes from ranking a smooth random field (see
    ``blob_size``) over the mask: the lowest ``missing`` fraction reads 0, the next
    ``see_through`` fraction reads ``behind``, the rest reads the noisy surface, so the
    fractions hold on every mask, large or small, to within a pixel (plus the rare ties of
    the random field). The edge band is cut afterwards, so the fractions are of the mask
    before it. Pixels outside the mask and its edge band are exactly ``surface``.
    Non-finite or negative depth counts as missing (0).

    Returns:
        float32 depth of ``surface``'s shape; ``surface`` itself (as float32) when the mask is
        empty or all four strengths are 0 and the input is valid.
    """
    surface = _depth_arg("surface", surface)
    behind = _depth_arg("behind", behind)
    if behind.shape != surface.shape:
        raise ValueError(
            f"behind shape {behind.shape} does not match surface shape {surface.shape}"
        )
    h, w = surface.shape[:2]
    if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
        got = mask.dtype if isinstance(mask, np.ndarray) else type(mask).__name__
        raise ValueError(f"mask must be a bool array, got {got}")
    if mask.shape not in ((h, w), surface.shape):
        raise ValueError(f"mask shape {mask.shape} does not match surface shape {surface.shape}")
    missing = number("missing", missing, 0.0, 1.0)
    see_through = number("see_through", see_through, 0.0, 1.0)
    surface_noise = number("surface_noise", surface_noise, 0.0, _MAX_SURFACE_NOISE)
    blob_size = number("blob_size", blob_size, 0.0, 1.0)
    edge_width = _int_arg("edge_width", edge_width, 0, _MAX_EDGE_WIDTH)
    z = _valid_depth(surface)
    m2 = np.ascontiguousarray(mask).reshape(h, w)
    off = missing == 0.0 and see_through == 0.0 and surface_noise == 0.0 and edge_width == 0
    if off or not m2.any():
        return z
    cell = round(blob_size * min(h, w))
    out = _transparent_depth(
        z.reshape(h, w), behind.reshape(h, w), m2, rng,
        missing, see_through, surface_noise, cell, edge_width,
    )  # fmt: skip
    return out.reshape(surface.shape)


# ----------------------------------------------------------------------------- DR params
TRANSPARENT_DEPTH_PARAMS: tuple[Param, ...] = (
    Param("sensor.depth.transparent.missing", 0.45, 0.3, 0.6, limits=(0.0, 1.0),
          doc="fraction of the transparent area that reads 0 (no depth)"),
    Param("sensor.depth.transparent.see_through", 0.35, 0.2, 0.5, limits=(0.0, 1.0),
          doc="fraction that reads the depth behind the glass (scaled down with missing "
              "if the two sum to more than 1); the rest reads the glass surface"),
    Param("sensor.depth.transparent.surface_noise", 0.01, 0.005, 0.02,
          limits=(0.0, _MAX_SURFACE_NOISE),
          doc="std in metres of the partial readings of the glass surface"),
    Param("sensor.depth.transparent.blob_size", 0.08, 0.04, 0.16, limits=(0.0, 1.0),
          doc="size of the coherent failure regions, fraction of the shorter image side"),
    Param("sensor.depth.transparent.edge_width", 1, 0.0, 2.0, integer=True,
          limits=(0.0, float(_MAX_EDGE_WIDTH)),
          doc="pixels of missing depth on each side of the transparent objects' outline"),
)  # fmt: skip

_FIELD_OF: dict[str, str] = {
    "sensor.depth.transparent.missing": "missing",
    "sensor.depth.transparent.see_through": "see_through",
    "sensor.depth.transparent.surface_noise": "surface_noise",
    "sensor.depth.transparent.blob_size": "blob_size",
    "sensor.depth.transparent.edge_width": "edge_width",
}


@dataclass(frozen=True)
class TransparentDepthModel:
    """One depth camera's behaviour on transparent objects; the defaults are nominal.

    Build it from a DR sample with :meth:`from_sample` (once per episode), then call
    :meth:`apply` on every frame with the env's generator. See :func:`transparent_depth`.
    """

    missing: float = 0.45
    see_through: float = 0.35
    surface_noise: float = 0.01
    blob_size: float = 0.08
    edge_width: int = 1

    def __post_init__(self) -> None:
        bounds: dict[str, tuple[float, float]] = {
            "missing": (0.0, 1.0),
            "see_through": (0.0, 1.0),
            "surface_noise": (0.0, _MAX_SURFACE_NOISE),
            "blob_size": (0.0, 1.0),
        }
        for name, (lo, hi) in bounds.items():
            object.__setattr__(self, name, number(name, getattr(self, name), lo, hi))
        width = _int_arg("edge_width", self.edge_width, 0, _MAX_EDGE_WIDTH)
        object.__setattr__(self, "edge_width", width)

    @classmethod
    def from_sample(cls, sample: Mapping[str, Any]) -> TransparentDepthModel:
        """Read the ``sensor.depth.transparent.*`` keys of a DR sample; missing keys are
        nominal, other keys are left to their owners."""
        return cls(**{f: sample[k] for k, f in _FIELD_OF.items() if k in sample})

    def to_sample(self) -> dict[str, float | int]:
        """The ``sensor.depth.transparent.*`` part of a DR sample (``from_sample`` inverts it)."""
        return {k: getattr(self, f) for k, f in _FIELD_OF.items()}

    @property
    def is_identity(self) -> bool:
        """True when :meth:`apply` returns valid ``surface`` depth unchanged."""
        return (
            self.missing == 0.0
            and self.see_through == 0.0
            and self.surface_noise == 0.0
            and self.edge_width == 0
        )

    def apply(
        self,
        surface: FloatArray,
        behind: FloatArray,
        mask: NDArray[np.bool_],
        rng: np.random.Generator,
    ) -> Depth:
        """Sensor depth for one frame; see :func:`transparent_depth`."""
        return transparent_depth(
            surface, behind, mask, rng,
            self.missing, self.see_through, self.surface_noise, self.blob_size, self.edge_width,
        )  # fmt: skip


# ----------------------------------------------------------------------------- ground truth
def camera_intrinsics(height: int, width: int, fovy_deg: float) -> NDArray[np.float64]:
    """The 3×3 pinhole matrix ``K`` of a camera with vertical field of view ``fovy_deg``.

    MuJoCo's camera model: square pixels, focal length ``f = (height / 2) / tan(fovy / 2)``
    pixels, principal point at the image centre ``((width - 1) / 2, (height - 1) / 2)`` in
    coordinates where pixel ``(u, v)`` (column, row) has its centre at integers (as in
    dm_control's ``Camera.matrix``). Maps OpenCV camera-frame points (x right, y down,
    z forward) to pixels: ``[u, v, 1] ~ K @ [x, y, z]``.
    """
    h = _int_arg("height", height, 1, 1 << 20)
    w = _int_arg("width", width, 1, 1 << 20)
    fovy = number("fovy_deg", fovy_deg, 0.0, 180.0)
    if fovy in (0.0, 180.0):
        raise ValueError(f"fovy_deg must be in (0, 180), got {fovy_deg!r}")
    f = 0.5 * h / math.tan(math.radians(fovy) / 2.0)
    return np.array([[f, 0.0, (w - 1) / 2.0], [0.0, f, (h - 1) / 2.0], [0.0, 0.0, 1.0]])


def _check_k(k: Any) -> tuple[float, float, float, float]:
    """``(fx, fy, cx, cy)`` of a finite 3×3 intrinsics matrix with positive focal lengths."""
    try:
        arr = np.asarray(k, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.full(1, np.nan)
    if arr.shape != (3, 3) or not np.isfinite(arr).all():
        got = f"shape {arr.shape}" if arr.shape != (3, 3) else "non-finite values"
        raise ValueError(f"K must be a finite 3x3 matrix, got {got}")
    fx, fy = float(arr[0, 0]), float(arr[1, 1])
    if fx <= 0.0 or fy <= 0.0:
        raise ValueError(f"K must have positive focal lengths, got fx={fx:g}, fy={fy:g}")
    return fx, fy, float(arr[0, 2]), float(arr[1, 2])


def _derivative(a: NDArray[np.float32], dx: int, dy: int) -> NDArray[Any]:
    """Derivative along x (``dx=1``) or y (``dy=1``) per pixel: the central difference
    ``(a[i+1] - a[i-1]) / 2``, one-sided (``a[1] - a[0]``) at the image border."""
    d = cv2.Sobel(a, cv2.CV_32F, dx, dy, ksize=1, scale=0.5, borderType=cv2.BORDER_REPLICATE)
    edges = (d[:, 0], d[:, -1]) if dx else (d[0], d[-1])
    for edge in edges:
        edge *= 2.0
    return d


@lru_cache(maxsize=1)
def _cross() -> NDArray[Any]:
    k = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    k.setflags(write=False)
    return k


def _undefined(w: NDArray[np.float32], max_jump: float) -> NDArray[np.bool_]:
    """Pixels without depth, or with a 4-neighbour that is missing or across a jump.

    On inverse depth ``w = 1 / z``, ``|z_n - z| > t min(z, z_n)`` is ``|w_n - w| > t min(w,
    w_n)``, i.e. a neighbour above ``(1 + t) w`` or below ``w / (1 + t)``; a missing
    neighbour (``w = 0``) is below. Neighbourhood maxima and minima are one dilation and one
    erosion with a cross.
    """
    g = np.float32(1.0 + max_jump)
    hi = cv2.dilate(w, _cross(), borderType=cv2.BORDER_REPLICATE)
    lo = cv2.erode(w, _cross(), borderType=cv2.BORDER_REPLICATE)
    undefined: NDArray[np.bool_] = (hi > g * w) | (lo * g < w) | (w <= 0.0)
    return undefined


def normals_from_depth(
    depth: FloatArray, K: NDArray[np.floating[Any]], max_jump: float = 0.05
) -> NDArray[np.float32]:
    """Unit surface normals ``(H, W, 3)`` float32 in the camera frame, from a depth map.

    OpenCV camera frame (x right, y down, z forward) with intrinsics ``K`` (see
    :func:`camera_intrinsics`); normals face the camera (``n · p < 0`` for the pixel's back-
    projected point ``p``). The normal comes from the inverse depth ``w = 1 / z``, which is
    affine in the pixel coordinates ``(u, v)`` on a plane ``n · p = d``:
    ``n ∝ -(fx w_u, fy w_v, w - (u - cx) w_u - (v - cy) w_v)``, with ``w_u``, ``w_v`` central
    differences (one-sided at the image border). This equals the cross product of the
    back-projected tangents and is exact on planes, whatever their tilt.

    Pixels get the zero vector where the normal is undefined: missing depth (0, negative or
    non-finite), a missing 4-neighbour, or a depth discontinuity, i.e. a relative jump
    ``|z_neighbour - z| > max_jump * min(z, z_neighbour)``. A plane tilted by ``θ`` from
    fronto-parallel changes depth by about ``z tan θ / f`` per pixel, so the default 0.05
    keeps planes up to about 79° at ``f = 100`` px (an 84-pixel, 45° image) while flagging
    steps of more than 5%: steeper surfaces or subtler steps need a finer image or another
    ``max_jump``.
    """
    depth = _depth_arg("depth", depth)
    fx, fy, cx, cy = _check_k(K)
    max_jump = number("max_jump", max_jump, 0.0)
    h, w = depth.shape[:2]
    if h < 2 or w < 2:
        return np.zeros((h, w, 3), np.float32)
    z = depth.reshape(h, w).astype(np.float32, copy=False)
    inv_z = np.zeros((h, w), np.float32)
    np.divide(np.float32(1.0), z, out=inv_z, where=np.isfinite(z) & (z > 0.0))
    wu, wv = _derivative(inv_z, 1, 0), _derivative(inv_z, 0, 1)
    us = (np.arange(w, dtype=np.float32) - np.float32(cx))[None, :]
    vs = (np.arange(h, dtype=np.float32) - np.float32(cy))[:, None]
    nx = wu * np.float32(-fx)
    ny = wv * np.float32(-fy)
    nz = us * wu
    nz += vs * wv
    nz -= inv_z
    norm = nx * nx
    norm += ny * ny
    norm += nz * nz
    np.sqrt(norm, out=norm)
    ok = ~_undefined(inv_z, max_jump) & (norm > 0.0)
    scale = np.zeros((h, w), np.float32)
    np.divide(np.float32(1.0), norm, out=scale, where=ok)
    return cast(NDArray[np.float32], cv2.merge([nx * scale, ny * scale, nz * scale]))


def boundary_map(
    depth: FloatArray,
    instances: NDArray[np.integer[Any]],
    threshold: float = 0.03,
    dilate: int = 0,
) -> NDArray[np.uint8]:
    """ClearGrasp's outline labels ``(H, W)`` uint8 from ground-truth depth and instance ids.

    ``instances`` is an integer ``(H, W)`` map: 0 = background (table, floor, walls),
    ``k > 0`` = object ``k``. The outline of an object is its pixels that have a 4-neighbour
    with another id; each outline pixel ``p`` is compared with each such neighbour ``q``:

    * :data:`BOUNDARY_OCCLUSION` (1): ``z_q - z_p > threshold * z_p`` — the object is in front
      of what is next to it (a neighbour with missing depth counts as infinitely far);
    * :data:`BOUNDARY_CONTACT` (2): ``|z_q - z_p| <= threshold * z_p`` — depth continues
      across the outline, e.g. where a glass stands on the table or two objects touch;
    * otherwise (the neighbour is in front, occluding the object) the pair adds no label.

    Occlusion wins over contact on a pixel with both kinds of neighbours. Background pixels
    and pixels with missing depth are never labelled. ``dilate > 0`` grows both classes by
    that many pixels (an elliptical kernel, onto any pixel; occlusion still wins), as
    ClearGrasp does to make thin outlines easier to learn. ``threshold`` is relative depth.
    """
    depth = _depth_arg("depth", depth)
    h, w = depth.shape[:2]
    if (
        not isinstance(instances, np.ndarray)
        or instances.dtype.kind not in "iu"
        or instances.shape not in ((h, w), depth.shape)
    ):
        got = (
            f"{instances.dtype} {instances.shape}"
            if isinstance(instances, np.ndarray)
            else type(instances).__name__
        )
        raise ValueError(f"instances must be an integer array of shape {(h, w)}, got {got}")
    threshold = number("threshold", threshold, 0.0)
    dilate = _int_arg("dilate", dilate, 0, _MAX_EDGE_WIDTH)
    ids = instances.reshape(h, w)
    z = depth.reshape(h, w).astype(np.float32, copy=False)
    valid = np.isfinite(z) & (z > 0.0)
    z_near = np.where(valid, z, np.float32(0.0))  # as the labelled pixel p
    z_far = np.where(valid, z, np.float32(np.inf))  # as the neighbour q
    labelled = valid & (ids > 0)
    tol = np.float32(threshold) * z_near
    occl = np.zeros((h, w), bool)
    cont = np.zeros((h, w), bool)
    # (p, q) slices for the four neighbour directions: right, left, down, up.
    s, a, b = slice(None), slice(1, None), slice(None, -1)
    for p, q in (((s, b), (s, a)), ((s, a), (s, b)), ((b, s), (a, s)), ((a, s), (b, s))):
        outline = labelled[p] & (ids[p] != ids[q])
        jump = z_far[q] - z_near[p]
        occl[p] |= outline & (jump > tol[p])
        cont[p] |= outline & (np.abs(jump) <= tol[p])
    if dilate > 0:
        k = _disc(dilate)
        occl = cv2.dilate(occl.view(np.uint8), k).view(bool)
        cont = cv2.dilate(cont.view(np.uint8), k).view(bool)
    out = np.zeros((h, w), np.uint8)
    out[cont] = BOUNDARY_CONTACT
    out[occl] = BOUNDARY_OCCLUSION
    return out
