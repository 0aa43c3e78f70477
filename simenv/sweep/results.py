"""Sweep results: rows from the trials' ``result.json``, CSV/Parquet, aggregates with CIs."""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simenv.agents.evaluate import BINARY, summarize, wilson
from simenv.viz import markdown_table

from .plan import Trial
from .spec import SweepSpec, axis_names, fmt, train_sections


@dataclass
class SweepResult:
    """What :func:`run_sweep` did: rows as in ``results.csv``, trial ids, files written."""

    out_dir: Path
    rows: list[dict[str, Any]]
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    metric: str = "success"

    def table(self, metric: str | None = None) -> str:
        """Markdown: one line per (agent, train point), one column per test point (seed mean)."""
        metric = metric or self.metric
        cells = aggregate(self.rows, ("agent", "train_point", "test_point"), metric)
        tests = list(dict.fromkeys(r["test_point"] for r in self.rows))
        lines = list(dict.fromkeys((r["agent"], r["train_point"]) for r in self.rows))
        table = []
        for agent, train in lines:
            row: dict[str, object] = {"agent": agent, "train": train}
            for t in tests:
                cell = cells.get((agent, train, t))
                row[f"test {t}"] = cell[0] if cell else ""
            table.append(row)
        return markdown_table(table)

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows)


def collect(
    spec: SweepSpec, trials: list[Trial], out: str | os.PathLike[str]
) -> list[dict[str, Any]]:
    """The result rows of every finished (trial, test point) of the current spec."""
    train_axes = list(dict.fromkeys(a for _, t in train_sections(spec) for a in axis_names(t)))
    rows = []
    for trial in trials:
        path = Path(out) / "trials" / trial.id / "result.json"
        if not path.is_file():
            continue
        by_key = {r["test_key"]: r for r in json.loads(path.read_text())["rows"]}
        for test in trial.tests:
            if test.key not in by_key:
                continue
            row: dict[str, Any] = {
                "agent": trial.agent.name,
                "algo": trial.agent.algo,
                "seed": trial.seed,
                "train_point": trial.train_label,
                "test_point": test.label,
            }
            for axis in train_axes:
                row[f"train_{axis}"] = (trial.train_point or {}).get(axis)
            for axis in axis_names(spec.test):
                row[f"test_{axis}"] = test.point.get(axis)
            row.update(
                {k: v for k, v in by_key[test.key].items() if k not in ("test_key", "test_point")}
            )
            row["trial"] = trial.id
            rows.append(row)
    columns = [f"train_{a}" for a in train_axes]
    return _tabular(rows, columns + [f"test_{a}" for a in axis_names(spec.test)])


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _tabular(rows: list[dict[str, Any]], axis_columns: list[str]) -> list[dict[str, Any]]:
    """Axis columns as numbers where every value is one, else compact JSON strings."""
    for col in axis_columns:
        values = [r[col] for r in rows if r[col] is not None]
        if all(is_number(v) for v in values):
            for r in rows:
                r[col] = None if r[col] is None else float(r[col])
        else:
            for r in rows:
                if r[col] is not None:
                    r[col] = (
                        fmt(r[col])
                        if isinstance(r[col], (list, tuple))
                        else (r[col] if isinstance(r[col], str) else json.dumps(r[col]))
                    )
    return rows


def write_results(rows: list[dict[str, Any]], out: str | os.PathLike[str]) -> list[Path]:
    """``results.csv`` and, if pyarrow imports, ``results.parquet``."""
    out = Path(out)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)
    files = [out / "results.csv"]
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return files
    pq.write_table(pa.Table.from_pylist(rows), out / "results.parquet")
    return [*files, out / "results.parquet"]


def aggregate(
    rows: list[dict[str, Any]], keys: tuple[str, ...], metric: str
) -> dict[tuple[Any, ...], tuple[float, float, float]]:
    """(mean, 95 % low, 95 % high) of ``metric`` per group: success pools episodes (Wilson)."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        if isinstance(r.get(metric), (int, float)) and math.isfinite(r[metric]):
            groups.setdefault(tuple(r[k] for k in keys), []).append(r)
    out = {}
    for key, rs in groups.items():
        if metric in BINARY:
            n = sum(int(r["episodes"]) for r in rs)
            hits = sum(r[metric] * r["episodes"] for r in rs)
            out[key] = (hits / n, *wilson(hits, n))
        elif len(rs) == 1:
            r = rs[0]
            out[key] = (
                r[metric],
                r.get(f"{metric}_ci_low", math.nan),
                r.get(f"{metric}_ci_high", math.nan),
            )
        else:
            s = summarize([r[metric] for r in rs])
            out[key] = (s["mean"], s["low"], s["high"])
    return out
