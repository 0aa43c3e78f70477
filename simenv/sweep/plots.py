"""Sweep figures: the train × test heat map and metric-vs-axis curves with 95 % bands."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .results import aggregate, is_number


def plot_results(
    rows: list[dict[str, Any]], out: str | os.PathLike[str], metric: str = "success"
) -> list[Path]:
    """``heatmap_<metric>.png`` and ``<metric>_vs_<column>.png`` per train/test axis column."""
    out = Path(out)
    files = [_heatmap(rows, out / f"heatmap_{metric}.png", metric)]
    for col in [
        k
        for k in rows[0]
        if k.startswith(("train_", "test_")) and k not in ("train_point", "test_point")
    ]:
        other = "train_point" if col.startswith("test_") else "test_point"
        use = [r for r in rows if r[col] is not None]
        if use:
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", col)
            files.append(_lines(use, col, other, out / f"{metric}_vs_{name}.png", metric))
    return files


def _save(fig: Any, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=100)
    return path


def _heatmap(rows: list[dict[str, Any]], path: Path, metric: str) -> Path:
    cells = aggregate(rows, ("agent", "train_point", "test_point"), metric)
    agents = list(dict.fromkeys(r["agent"] for r in rows))
    tests = list(dict.fromkeys(r["test_point"] for r in rows))
    trains = {
        a: list(dict.fromkeys(r["train_point"] for r in rows if r["agent"] == a)) for a in agents
    }
    height = max(len(v) for v in trains.values())
    longest = max(len(t) for t in [*tests, *(x for v in trains.values() for x in v)])
    fig = Figure(
        figsize=(
            1.5 + 0.06 * longest + len(agents) * (0.6 + 0.9 * len(tests)),
            2.0 + 0.05 * longest + 0.45 * height,
        ),
        layout="constrained",
    )
    axes = fig.subplots(1, len(agents), squeeze=False)[0]
    limits = (0.0, 1.0) if metric == "success" else (None, None)
    image = None
    for ax, agent in zip(axes, agents):
        grid = np.array(
            [[cells.get((agent, tr, te), (math.nan,))[0] for te in tests] for tr in trains[agent]],
            float,
        )
        image = ax.imshow(grid, vmin=limits[0], vmax=limits[1], cmap="viridis", aspect="auto")
        for (i, j), v in np.ndenumerate(grid):
            if math.isfinite(v):
                ax.text(
                    j,
                    i,
                    f"{v:.2f}",
                    ha="center",
                    va="center",
                    color="white" if v < 0.6 * (limits[1] or np.nanmax(grid)) else "black",
                )
        ax.set_xticks(range(len(tests)), tests, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(trains[agent])), trains[agent], fontsize=8)
        ax.set_title(agent)
        ax.set_xlabel("test")
    axes[0].set_ylabel("train")
    if image is not None:
        fig.colorbar(image, ax=list(axes), label=f"mean {metric}")
    return _save(fig, path)


def _lines(rows: list[dict[str, Any]], col: str, other: str, path: Path, metric: str) -> Path:
    values = list(dict.fromkeys(r[col] for r in rows))
    numeric = all(is_number(v) for v in values)
    if numeric:
        values = sorted(values)
    x_of = {v: (float(v) if numeric else i) for i, v in enumerate(values)}
    cells = aggregate(rows, ("agent", other, col), metric)
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    lines = list(dict.fromkeys((r["agent"], r[other]) for r in rows))
    for agent, point in lines:
        xs = [v for v in values if (agent, point, v) in cells]
        stats = np.array([cells[(agent, point, v)] for v in xs], float)
        x = [x_of[v] for v in xs]
        label = (
            agent
            if len(lines) == 1 or point in ("-", "as configured")
            else (f"{agent}, {other.split('_')[0]} {point}")
        )
        ax.plot(x, stats[:, 0], marker="o", label=label)
        ax.fill_between(x, stats[:, 1], stats[:, 2], alpha=0.2)
    if not numeric:
        ax.set_xticks(range(len(values)), [str(v) for v in values], rotation=20, ha="right")
    ax.set_xlabel(col)
    ax.set_ylabel(f"{metric} (95 % CI)")
    if metric == "success":
        ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _save(fig, path)
