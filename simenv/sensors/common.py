"""What the sensor models share: input checks and fast seeded noise draws.

Shapes: images are ``uint8`` RGB ``(H, W, 3)`` or batches ``(N, H, W, 3)``; depth maps are
float metres ``(H, W)`` or ``(H, W, 1)`` with 0 meaning "no measurement". A bad input is a
one-line ``ValueError`` naming it.
"""

from __future__ import annotations

import math
import statistics
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

Image = NDArray[Any]  # uint8 (H, W, 3) or (N, H, W, 3); cv2 returns untyped arrays
Depth = NDArray[Any]  # float32 metres (H, W) or (H, W, 1), 0 = no measurement


def check_image(img: Any) -> Image:
    """Return ``img`` if it is a uint8 (H, W, 3) or (N, H, W, 3) array, else raise."""
    if (
        not isinstance(img, np.ndarray)
        or img.dtype != np.uint8
        or img.ndim not in (3, 4)
        or img.shape[-1] != 3
        or 0 in img.shape
    ):
        got = (
            f"{img.dtype} {tuple(img.shape)}" if isinstance(img, np.ndarray) else type(img).__name__
        )
        raise ValueError(f"expected uint8 image of shape (H, W, 3) or (N, H, W, 3), got {got}")
    return img


def check_depth(depth: Any) -> NDArray[np.floating[Any]]:
    """Return ``depth`` if it is a float (H, W) or (H, W, 1) array, else raise."""
    if (
        not isinstance(depth, np.ndarray)
        or depth.dtype.kind != "f"
        or not (depth.ndim == 2 or (depth.ndim == 3 and depth.shape[-1] == 1))
        or 0 in depth.shape
    ):
        got = (
            f"{depth.dtype} {tuple(depth.shape)}"
            if isinstance(depth, np.ndarray)
            else type(depth).__name__
        )
        raise ValueError(f"expected float32 depth of shape (H, W) or (H, W, 1), got {got}")
    return depth


def number(name: str, value: Any, lo: float = -math.inf, hi: float = math.inf) -> float:
    """``value`` as a float if it is a finite number in [lo, hi], else a one-line ValueError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if isinstance(value, (bool, str)) or not math.isfinite(v) or not lo <= v <= hi:
        raise ValueError(f"{name} must be a finite number in [{lo:g}, {hi:g}], got {value!r}")
    return v


@lru_cache(maxsize=1)
def normal_table() -> NDArray[np.float32]:
    """The standard normal's quantiles at 65536 equiprobable points (unit variance)."""
    nd = statistics.NormalDist()
    z = np.array([nd.inv_cdf((i + 0.5) / 65536.0) for i in range(65536)])
    z /= z.std()  # the table truncates the tails at 4.3 sigma; restore unit variance
    table = z.astype(np.float32)
    table.setflags(write=False)
    return table


# Bit generators whose raw output is 64 uniform bits (the default PCG64 among them).
RAW64 = (np.random.PCG64, np.random.PCG64DXSM, np.random.Philox, np.random.SFC64)


def uniform_u16(rng: np.random.Generator, shape: tuple[int, ...]) -> NDArray[np.uint16]:
    """Uniform 16-bit integers from ``rng`` (raw 64-bit words split in four when possible)."""
    n = math.prod(shape)
    if isinstance(rng.bit_generator, RAW64):
        raw = rng.bit_generator.random_raw((n + 3) // 4)
        return raw.view(np.uint16)[:n].reshape(shape)
    return rng.integers(0, 65536, size=shape, dtype=np.uint16)


def standard_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> NDArray[np.float32]:
    """Standard-normal float32 draws from ``rng`` through a 16-bit inverse-CDF table.

    A 65536-point discretisation of the normal (unit variance, tails stop at 4.3 sigma),
    indistinguishable once the noise is rounded to 8-bit levels, and several times faster
    than ``rng.standard_normal`` (image noise is one of the pipeline's main costs).
    """
    return normal_table().take(uniform_u16(rng, shape))
