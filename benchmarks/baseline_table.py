"""Print the learned-baseline table from benchmarks/results/baseline_*.json (written by
benchmarks/baselines.sh / `simenv eval --json`)."""

from __future__ import annotations

import json
from pathlib import Path

METRIC = {"IndoorNav": "spl", "Driving": "route_completion", "TransparentGrasp": "attempts"}


def main() -> None:
    root = Path(__file__).parent / "results"
    print("| env | policy | episodes | success [95 % CI] | family metric | ratio to expert |")
    print("|---|---|---|---|---|---|")
    for family, metric in METRIC.items():
        rows = {}
        for path in sorted(
            root.glob(f"baseline_{family}_*.json"),
            key=lambda p: (not p.stem.endswith("_expert"), p.stem),
        ):
            agent = path.stem.removeprefix(f"baseline_{family}_")
            rows[agent] = json.loads(path.read_text())["summary"]
        for agent, s in rows.items():
            ratio = s["success"] / rows["expert"]["success"] if "expert" in rows else float("nan")
            print(
                f"| {family}-v0 | {agent} | {s['episodes']} | {s['success']:.2f} "
                f"[{s['success_ci_low']:.2f}, {s['success_ci_high']:.2f}] | {metric} "
                f"{s[metric]:.3f} | {ratio:.2f} |"
            )


if __name__ == "__main__":
    main()
