"""Procedural textures for appearance randomization, engine-agnostic (NumPy only).

``make_texture(kind, size, color, rng)`` returns an ``(size, size, 3)`` uint8 image that tiles
seamlessly (every pattern is periodic over the image), coloured around ``color`` (RGB in
[0, 1]). The generator ``rng`` supplies all randomness (noise fields, grain phase).
"""

from __future__ import annotations

import colorsys
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

KINDS = (
    "flat",
    "checker",
    "stripes",
    "gradient",
    "noise",
    "bricks",
    "wood",
    "marble",
    "dots",
    "tiles",
)


@lru_cache(maxsize=8)
def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    v = (np.arange(size, dtype=np.float32) + 0.5) / size
    return np.meshgrid(v, v, indexing="xy")  # u along x, v along y, both in [0, 1)


def _periodic_noise(size: int, rng: np.random.Generator, cells: int) -> np.ndarray:
    """Smooth value noise in [0, 1] that wraps around (bilinear over a periodic lattice)."""
    lattice = rng.random((cells, cells)).astype(np.float32)
    u, v = _grid(size)
    x, y = u * cells, v * cells
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    fx, fy = fx * fx * (3 - 2 * fx), fy * fy * (3 - 2 * fy)
    x0, y0, x1, y1 = x0 % cells, y0 % cells, (x0 + 1) % cells, (y0 + 1) % cells
    top = lattice[y0, x0] * (1 - fx) + lattice[y0, x1] * fx
    bottom = lattice[y1, x0] * (1 - fx) + lattice[y1, x1] * fx
    out: np.ndarray = top * (1 - fy) + bottom * fy
    return out


def _fractal(size: int, rng: np.random.Generator) -> np.ndarray:
    out = sum(_periodic_noise(size, rng, c) * w for c, w in ((4, 0.5), (8, 0.3), (16, 0.2)))
    return np.asarray(out, np.float32)


def _pattern(kind: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """A scalar field in [0, 1]; 1 = the base colour, 0 = its darker second tone."""
    u, v = _grid(size)
    patterns: dict[str, Callable[[], np.ndarray]] = {
        "flat": lambda: np.ones_like(u),
        "checker": lambda: ((np.floor(u * 4) + np.floor(v * 4)) % 2).astype(np.float32),
        "stripes": lambda: (np.floor(u * 8) % 2).astype(np.float32),
        "gradient": lambda: 0.5 + 0.5 * np.cos(2 * np.pi * v),
        "noise": lambda: _fractal(size, rng),
        "bricks": lambda: _bricks(u, v),
        "wood": lambda: (
            0.5 + 0.5 * np.sin(2 * np.pi * (6 * v + 0.6 * _periodic_noise(size, rng, 4)))
        ),
        "marble": lambda: 0.5 + 0.5 * np.sin(2 * np.pi * (2 * u + 2 * _fractal(size, rng))),
        "dots": lambda: (((u * 6) % 1 - 0.5) ** 2 + ((v * 6) % 1 - 0.5) ** 2 > 0.09).astype(
            np.float32
        ),
        "tiles": lambda: np.minimum((u * 4) % 1, (v * 4) % 1).__gt__(0.06).astype(np.float32),
    }
    if kind not in patterns:
        raise ValueError(f"unknown texture kind {kind!r}; valid: {', '.join(KINDS)}")
    return patterns[kind]()


def _bricks(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    rows = 8
    row = np.floor(v * rows)
    shifted = u * 4 + 0.5 * (row % 2)
    mortar = ((v * rows) % 1 < 0.12) | (shifted % 1 < 0.06)
    out: np.ndarray = (~mortar).astype(np.float32)
    return out


def make_texture(
    kind: str, size: int, color: np.ndarray, rng: np.random.Generator, contrast: float = 0.35
) -> np.ndarray:
    """An ``(size, size, 3)`` uint8 tileable texture of ``kind`` around RGB ``color``."""
    field = _pattern(kind, size, rng)
    base = np.clip(np.asarray(color, np.float32), 0.0, 1.0)
    shade = 1.0 - contrast * (1.0 - field)
    return (np.clip(shade[..., None] * base, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


WARM, COOL = np.array([1.0, 0.82, 0.62]), np.array([0.75, 0.86, 1.0])


def light_tint(temperature: float, warm: np.ndarray = WARM, cool: np.ndarray = COOL) -> np.ndarray:
    """RGB gain of a light: ``temperature`` -1 is ``warm``, 0 white, +1 ``cool``."""
    t = float(temperature)
    return (1 - abs(t)) * np.ones(3) + abs(t) * (warm if t < 0 else cool)


def material_color(nominal: Sequence[float], sample: Mapping[str, Any], group: str) -> np.ndarray:
    """``nominal`` RGB shifted by the sample's ``material.{group}.hue/saturation/value``."""
    return hsv_shift(
        np.asarray(nominal, float),
        sample[f"material.{group}.hue"],
        sample[f"material.{group}.saturation"],
        sample[f"material.{group}.value"],
    )


def hsv_shift(rgb: np.ndarray, hue: float, saturation: float, value: float) -> np.ndarray:
    """Shift an RGB colour in [0, 1]: hue by ``hue`` turns, scale saturation and value."""
    h, s, v = colorsys.rgb_to_hsv(*(float(c) for c in rgb))
    return np.array(
        colorsys.hsv_to_rgb((h + hue) % 1.0, min(1.0, s * saturation), min(1.0, v * value))
    )
