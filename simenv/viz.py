"""Pictures people look at: mosaics, PNGs, episode videos, metric tables."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np


def mosaic(
    images: Sequence[np.ndarray], columns: int | None = None, pad: int = 2, cell: int | None = None
) -> np.ndarray:
    """Tile RGB images (resized to ``cell`` pixels, nearest) into one grid image."""
    if not images:
        raise ValueError("mosaic needs at least one image")
    columns = columns or math.ceil(math.sqrt(len(images)))
    rows = math.ceil(len(images) / columns)
    h, w = images[0].shape[:2]
    if cell is not None:
        h, w = cell, round(cell * w / h)
    out = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad, 3), 255, np.uint8)
    for i, img in enumerate(images):
        img = to_rgb8(img)
        if img.shape[:2] != (h, w):
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_NEAREST)
        r, c = divmod(i, columns)
        out[
            pad + r * (h + pad) : pad + r * (h + pad) + h,
            pad + c * (w + pad) : pad + c * (w + pad) + w,
        ] = img
    return out


def to_rgb8(img: np.ndarray, max_value: float | None = None) -> np.ndarray:
    """uint8 RGB from RGB, grey, or a float depth map (colour-mapped, 0 = black)."""
    if img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3:
        return img
    arr = np.asarray(img, np.float32).squeeze()
    scale = max_value if max_value is not None else float(arr.max() or 1.0)
    grey = (np.clip(arr / max(scale, 1e-6), 0, 1) * 255).astype(np.uint8)
    coloured = cv2.applyColorMap(grey, cv2.COLORMAP_VIRIDIS)[..., ::-1]
    coloured[arr <= 0] = 0
    return np.ascontiguousarray(coloured)


def save_png(path: str | os.PathLike[str], image: np.ndarray) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(to_rgb8(image), cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")
    return path


def write_video(path: str | os.PathLike[str], frames: Sequence[np.ndarray], fps: int = 10) -> Path:
    """An H.264 MP4 (imageio's bundled ffmpeg) of RGB frames of equal size."""
    import imageio.v2 as imageio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with imageio.get_writer(
        path, fps=fps, codec="libx264", quality=7, macro_block_size=1, ffmpeg_log_level="error"
    ) as writer:
        for frame in frames:
            writer.append_data(to_rgb8(frame))  # type: ignore[attr-defined]
    return path


def side_by_side(*images: np.ndarray, height: int = 256) -> np.ndarray:
    """Scale images to one height (nearest) and join them left to right."""
    out = []
    for img in images:
        img = to_rgb8(img)
        w = round(img.shape[1] * height / img.shape[0])
        out.append(cv2.resize(img, (w, height), interpolation=cv2.INTER_NEAREST))
    return np.concatenate(out, axis=1)


def markdown_table(rows: Sequence[Mapping[str, object]]) -> str:
    """A Markdown table from dict rows (floats to 3 decimals)."""
    if not rows:
        return ""
    keys = list(rows[0])

    def fmt(v: object) -> str:
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(fmt(r.get(k, "")) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


def label_colors(labels: np.ndarray, palette: np.ndarray | None = None) -> np.ndarray:
    """uint8 RGB of an integer label map: 0 black, label k the palette's row k.

    The default palette is a fixed random one (seeded, so label k always gets one colour).
    """
    lab = np.asarray(labels).squeeze().astype(np.int64)
    if palette is None:
        palette = np.random.default_rng(7).integers(60, 256, (256, 3)).astype(np.uint8)
        palette[0] = 0
    return np.ascontiguousarray(palette[np.clip(lab, 0, len(palette) - 1)])


def titled_grid(
    rows: Sequence[Sequence[np.ndarray]],
    titles: Sequence[str],
    cell: int = 128,
    pad: int = 2,
    header: int | None = None,
) -> np.ndarray:
    """A grid of equal cells (rows of images, nearest-resized) under a strip of column titles.

    The image is ``header + len(rows) * (cell + pad) + pad`` pixels high (``header`` defaults
    to 22 px per 128 px of cell); titles are drawn with ``cv2.putText``, scaled with the cell
    and shrunk to fit their column.
    """
    if not rows or not titles:
        raise ValueError("titled_grid needs at least one row and one title")
    header = round(22 * max(cell, 128) / 128) if header is None else header
    cols = len(titles)
    width = cols * (cell + pad) + pad
    out = np.full((header + len(rows) * (cell + pad) + pad, width, 3), 255, np.uint8)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for c, title in enumerate(titles):
        scale = 0.45 * max(cell, 128) / 128
        (tw, th), _ = cv2.getTextSize(title, font, scale, 1)
        if tw > cell - 4:
            scale *= (cell - 4) / tw
            (tw, th), _ = cv2.getTextSize(title, font, scale, 1)
        x = pad + c * (cell + pad) + (cell - tw) // 2
        cv2.putText(
            out,
            title,
            (x, (header + th) // 2),
            font,
            scale,
            (0, 0, 0),
            max(1, round(scale / 0.45)),
            cv2.LINE_AA,
        )
    for r, images in enumerate(rows):
        for c, img in enumerate(images[:cols]):
            img = to_rgb8(img)
            if img.shape[:2] != (cell, cell):
                img = cv2.resize(img, (cell, cell), interpolation=cv2.INTER_NEAREST)
            y0, x0 = header + r * (cell + pad), pad + c * (cell + pad)
            out[y0 : y0 + cell, x0 : x0 + cell] = img
    return out
