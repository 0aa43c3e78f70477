"""Tables and figures of the domain-randomization study (issue 23) from its sweep folders.

    python benchmarks/dr_study_report.py sweeps/study-indoor-nav sweeps/study-driving \
        sweeps/study-transparent-grasp --figures docs/figures --out benchmarks/results/dr_study.md

Each folder is the output of ``simenv sweep examples/study_<family>.yaml``. Per family this
writes, into one Markdown file: the full table (success with its 95 % Wilson interval, the
episodes of both seeds pooled, per train DR strength and test condition, and the expert row)
and the answer table (best train DR for the nominal scene, strong test DR and the pseudo-real
look; the cost of DR at nominal; what translation adds on top of DR and instead of it), where
every comparison says whether the two intervals overlap. Figures: the sweep's heat map and its
success-vs-test-strength and success-vs-translator curves, copied as
``dr_study_<family>_{heatmap,vs_dr,vs_translator}.png``; next to the Markdown file, each
sweep's ``results.csv`` as ``dr_study_<family>.csv`` (``<family>`` is the spec's name without
``study-``). An agent with its own train conditions (``examples/study_driving_adr.yaml``'s
ADR agent) gets a row of its own and is compared with the best fixed train strength.
"""

from __future__ import annotations

import argparse
import csv
import math
import shutil
from pathlib import Path
from typing import Any

import yaml

from simenv.sweep.results import aggregate

NOMINAL, STRONG = 0.0, 2.0


def _float(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def load_rows(folder: Path) -> list[dict[str, Any]]:
    with open(folder / "results.csv") as f:
        return list(csv.DictReader(f))


def cell_key(row: dict[str, Any]) -> str:
    """``dr=<x>`` for the simulator test points, ``pr:<translator>`` for the pseudo-real look."""
    if row.get("test_look") == "pseudo_real":
        return f"pr:{row.get('test_translator') or 'none'}"
    return f"dr={float(row['test_dr_scale']):g}"


def train_key(row: dict[str, Any]) -> str:
    """The train DR strength, or the agent's name where it has none (the expert, an agent
    trained as configured: ADR)."""
    if row["agent"] == "expert" or not row.get("train_dr_scale"):
        return str(row["agent"])
    return f"{float(row['train_dr_scale']):g}"


def is_strength(train: str) -> bool:
    return _float(train) is not None


def pooled(rows: list[dict[str, Any]], metric: str = "success") -> dict[tuple[str, str], Any]:
    """(train, test cell) -> (mean, low, high), seeds pooled (``aggregate`` of the sweep: a
    Wilson interval over the pooled episodes for success); see :func:`train_key`."""
    keyed = [
        {
            "train": train_key(r),
            "cell": cell_key(r),
            metric: _float(r.get(metric, "")),
            "episodes": int(r["episodes"]),
        }
        for r in rows
    ]
    return aggregate(keyed, ("train", "cell"), metric)


def fmt(cell: Any, ci: bool = True) -> str:
    if cell is None:
        return "–"
    mean, low, high = cell
    if not ci or math.isnan(low):
        return f"{mean:.2f}"
    return f"{mean:.2f} [{low:.2f}, {high:.2f}]"


def overlap(a: Any, b: Any) -> bool:
    return not (a[2] < b[1] or b[2] < a[1])


def columns(cells: dict[tuple[str, str], Any]) -> list[str]:
    tests = {t for _, t in cells}
    dr = sorted((t for t in tests if t.startswith("dr=")), key=lambda t: float(t[3:]))
    order = ["pr:none", "pr:stats", "pr:fda", "pr:cyclegan"]
    return dr + [t for t in order if t in tests]


def header(test: str) -> str:
    if test.startswith("dr="):
        return f"test DR {test[3:]}"
    method = test[3:]
    return "pseudo-real" if method == "none" else f"pseudo-real + {method}"


def full_table(
    cells: dict[tuple[str, str], Any], learner: str = "BC", metric: str = "success"
) -> str:
    cols = columns(cells)
    others = sorted({t for t, _ in cells if not is_strength(t) and t != "expert"})
    trains = [*sorted({t for t, _ in cells if is_strength(t)}, key=float), *others, "expert"]
    lines = [
        "| train | " + " | ".join(header(c) for c in cols) + " |",
        "|---" * (len(cols) + 1) + "|",
    ]
    for tr in trains:
        name = (
            "expert (upper bound)"
            if tr == "expert"
            else (f"{learner}, train DR {tr}" if is_strength(tr) else f"`{tr}` (as configured)")
        )
        row = [fmt(cells.get((tr, c)), metric == "success") for c in cols]
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def _best(cells: dict[tuple[str, str], Any], trains: list[str], test: str) -> str:
    have = [(tr, cells[(tr, test)]) for tr in trains if (tr, test) in cells]
    if not have:
        return "| – | not measured | – |"
    best_tr, best = max(have, key=lambda x: x[1][0])
    tied = [tr for tr, c in have if tr != best_tr and overlap(c, best)]
    note = (
        f"intervals overlap with train DR {', '.join(tied)}: no clear winner"
        if tied
        else "interval clear of every other train DR"
    )
    return f"| train DR {best_tr} | {fmt(best)} | {note} |"


def answer_table(cells: dict[tuple[str, str], Any]) -> str:
    trains = sorted({t for t, _ in cells if is_strength(t)}, key=float)
    others = sorted({t for t, _ in cells if not is_strength(t) and t != "expert"})
    nominal, strong = f"dr={NOMINAL:g}", f"dr={STRONG:g}"
    lines = ["| question | answer | success [95 % CI] | intervals |", "|---|---|---|---|"]
    for what, test in (
        ("best train DR, nominal scene (test DR 0)", nominal),
        ("best train DR, strong test DR (2)", strong),
        ("best train DR, pseudo-real look (no translation)", "pr:none"),
    ):
        lines.append(f"| {what} " + _best(cells, trains, test))
    base = cells.get((trains[0], nominal))
    for tr in trains[1:]:
        c = cells.get((tr, nominal))
        if base is None or c is None:
            continue
        note = "overlap" if overlap(base, c) else "do not overlap"
        lines.append(
            f"| cost of train DR {tr} at nominal (vs train DR {trains[0]}) | "
            f"{c[0] - base[0]:+.2f} | {fmt(c)} vs {fmt(base)} | {note} |"
        )
    methods = [t for t in columns(cells) if t.startswith("pr:") and t != "pr:none"]
    for tr in trains:
        raw = cells.get((tr, "pr:none"))
        have = [(m, cells[(tr, m)]) for m in methods if (tr, m) in cells]
        if raw is None or not have:
            continue
        m, c = max(have, key=lambda x: x[1][0])
        role = "instead of DR" if float(tr) == 0 else "on top of DR"
        note = "overlap" if overlap(raw, c) else "do not overlap"
        lines.append(
            f"| translation {role} (train DR {tr}): best translator {m[3:]} vs raw | "
            f"{c[0] - raw[0]:+.2f} | {fmt(c)} vs {fmt(raw)} | {note} |"
        )
    for other in others:  # an agent trained as configured (ADR) against the fixed strengths
        for test in [t for t in columns(cells) if t.startswith("dr=")]:
            fixed = [(tr, cells[(tr, test)]) for tr in trains if (tr, test) in cells]
            c = cells.get((other, test))
            if c is None or not fixed:
                continue
            tr, best = max(fixed, key=lambda x: x[1][0])
            note = "overlap" if overlap(best, c) else "do not overlap"
            lines.append(
                f"| `{other}` vs the best fixed train DR ({tr}), test DR {test[3:]} | "
                f"{c[0] - best[0]:+.2f} | {fmt(c)} vs {fmt(best)} | {note} |"
            )
    raws = [(tr, cells[(tr, "pr:none")]) for tr in trains[1:] if (tr, "pr:none") in cells]
    translated = [(m, cells[(trains[0], m)]) for m in methods if (trains[0], m) in cells]
    if raws and translated and float(trains[0]) == 0:
        tr, dr_best = max(raws, key=lambda x: x[1][0])
        m, tr_best = max(translated, key=lambda x: x[1][0])
        note = "overlap" if overlap(dr_best, tr_best) else "do not overlap"
        lines.append(
            f"| translation or DR on the pseudo-real look: no-DR policy + {m[3:]} vs "
            f"train DR {tr} raw | {tr_best[0] - dr_best[0]:+.2f} | {fmt(tr_best)} vs "
            f"{fmt(dr_best)} | {note} |"
        )
    return "\n".join(lines)


def report(folder: Path, figures: Path, tables: Path) -> tuple[str, str]:
    spec = yaml.safe_load((folder / "spec.yaml").read_text())
    family = spec["env"].split("/")[-1].removesuffix("-v0")
    slug = str(spec["name"]).removeprefix("study-").replace("-", "_")
    rows = load_rows(folder)
    cells = pooled(rows)
    learner = next((r["agent"] for r in rows if r["agent"] != "expert"), "learned")
    seeds, episodes = spec["seeds"], spec["episodes"]
    own = slug.replace("_", "") == family.lower()  # the family's study, or another spec
    title = family if own else f"{family} (`{spec['name']}`)"
    text = [
        f"### {title}",
        "",
        f"`{folder.name}`: {len(seeds)} seed(s) x {episodes} test episodes per point "
        f"({len(seeds) * episodes} per cell), env_kwargs `{spec['env_kwargs']}`.",
        "",
        full_table(cells, learner),
        "",
        answer_table(cells),
    ]
    extra = {"Driving": "route_completion", "IndoorNav": "spl"}.get(family)
    if extra and extra in rows[0]:
        table = full_table(pooled(rows, extra), learner, extra)
        text += ["", f"Mean {extra} (same cells):", "", table]
    tables.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(folder / "results.csv", tables / f"dr_study_{slug}.csv")
    figures.mkdir(parents=True, exist_ok=True)
    for src, name in (
        ("heatmap_success.png", "heatmap"),
        ("success_vs_test_dr_scale.png", "vs_dr"),
        ("success_vs_test_translator.png", "vs_translator"),
    ):
        if (folder / src).is_file():
            shutil.copyfile(folder / src, figures / f"dr_study_{slug}_{name}.png")
    return family, "\n".join(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="study sweep output folders")
    parser.add_argument("--figures", type=Path, default=Path("docs/figures"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/dr_study.md"))
    args = parser.parse_args()
    parts = [report(folder, args.figures, args.out.parent)[1] for folder in args.folders]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n\n".join(parts) + "\n")
    print("\n\n".join(parts))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
