"""The learned-baseline tables from ``simenv eval --json`` result files.

    python benchmarks/baseline_table.py            # both tables
    python benchmarks/baseline_table.py --seeds    # only the over-seeds table

First table: every ``benchmarks/results/baseline_*.json`` (one run each; written by
benchmarks/baselines.sh and the commands in benchmarks/RESULTS.md). Second table: the shipped
baselines over training seeds, from ``benchmarks/results/seeds/<Family>_<algo>_s<N>.json``
(benchmarks/baseline_seeds.sh): per seed, the mean and sample standard deviation over seeds,
the range, a 95 % Wilson interval over all seeds' episodes pooled, and the ratio of the mean
to the expert's success on the same test episodes (``seeds/<Family>_expert.json``, else
``baseline_<Family>_expert.json``).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
from pathlib import Path
from typing import Any

from simenv.agents.evaluate import wilson

METRIC = {"IndoorNav": "spl", "Driving": "route_completion", "TransparentGrasp": "attempts"}
ROOT = Path(__file__).parent / "results"


def runs_table() -> str:
    lines = [
        "| env | policy | episodes | success [95 % CI] | family metric | ratio to expert |",
        "|---|---|---|---|---|---|",
    ]
    for family, metric in METRIC.items():
        rows = {}
        for path in sorted(
            ROOT.glob(f"baseline_{family}_*.json"),
            key=lambda p: (not p.stem.endswith("_expert"), p.stem),
        ):
            agent = path.stem.removeprefix(f"baseline_{family}_")
            rows[agent] = json.loads(path.read_text())["summary"]
        for agent, s in rows.items():
            ratio = s["success"] / rows["expert"]["success"] if "expert" in rows else float("nan")
            lines.append(
                f"| {family}-v0 | {agent} | {s['episodes']} | {s['success']:.2f} "
                f"[{s['success_ci_low']:.2f}, {s['success_ci_high']:.2f}] | {metric} "
                f"{s[metric]:.3f} | {ratio:.2f} |"
            )
    return "\n".join(lines)


def seed_groups(root: Path = ROOT / "seeds") -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(family, algo) -> the seed runs' result files, by training seed."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for path in sorted(root.glob("*.json")):
        match = re.fullmatch(r"([A-Za-z]+)_(\w+)_s(\d+)", path.stem)
        if match:
            groups.setdefault(match.groups()[:2], []).append(json.loads(path.read_text()))
    for runs in groups.values():
        runs.sort(key=lambda r: r["train_seed"])
    return groups


def over_seeds(runs: list[dict[str, Any]], metric: str) -> dict[str, Any]:
    """Mean, sample sd and range of success over seeds; pooled Wilson CI; metric mean."""
    success = [r["summary"]["success"] for r in runs]
    episodes = [r["summary"]["episodes"] for r in runs]
    hits = sum(s * n for s, n in zip(success, episodes, strict=True))
    low, high = wilson(hits, sum(episodes))
    return {
        "seeds": [r["train_seed"] for r in runs],
        "success": success,
        "mean": statistics.fmean(success),
        "sd": statistics.stdev(success) if len(success) > 1 else math.nan,
        "low": low,
        "high": high,
        "episodes": episodes[0] if len(set(episodes)) == 1 else episodes,
        "metric": statistics.fmean(r["summary"][metric] for r in runs),
        "minutes": statistics.fmean(r.get("train_time_s", math.nan) for r in runs) / 60,
    }


def seeds_table(root: Path = ROOT) -> str:
    lines = [
        "| env | policy | seeds | test episodes | success per seed | mean ± sd [range] | "
        "pooled 95 % CI | family metric (mean) | train min (mean) | expert | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (family, algo), runs in seed_groups(root / "seeds").items():
        metric = METRIC[family]
        s = over_seeds(runs, metric)
        expert_path = root / "seeds" / f"{family}_expert.json"  # remeasured with the seeds
        if not expert_path.is_file():
            expert_path = root / f"baseline_{family}_expert.json"
        expert = json.loads(expert_path.read_text())["summary"]["success"]
        per_seed = " / ".join(f"{x:.2f}" for x in s["success"])
        lines.append(
            f"| {family}-v0 | {algo} | {', '.join(map(str, s['seeds']))} | {s['episodes']} | "
            f"{per_seed} | **{s['mean']:.2f}** ± {s['sd']:.2f} [{min(s['success']):.2f}, "
            f"{max(s['success']):.2f}] | [{s['low']:.2f}, {s['high']:.2f}] | {metric} "
            f"{s['metric']:.3f} | {s['minutes']:.0f} | {expert:.2f} | "
            f"**{s['mean'] / expert:.2f}** |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", action="store_true", help="only the over-seeds table")
    args = parser.parse_args()
    if not args.seeds:
        print(runs_table(), end="\n\n")
    print(seeds_table())


if __name__ == "__main__":
    main()
