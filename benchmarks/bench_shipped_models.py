"""The shipped IndoorNav models (``assets/real2sim``) on the batch renderer and on MuJoCo's.

The RGB BC policy and the CycleGAN generator were trained on ``mjr_render`` images; the
default renderer is now ``simenv.render``. This runs the policy on the same held-out seeds
with each renderer: in the nominal simulation, and on the pseudo-real env without and with
the CycleGAN translator. A success drop of more than 5 points on the batch renderer means the
models must be retrained (issue 20).

    python benchmarks/bench_shipped_models.py --episodes 100

Prints a Markdown table and writes ``benchmarks/results/shipped_models.json``.
"""

from __future__ import annotations

import argparse
from importlib.resources import files
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "simenv/IndoorNav-v0"


def main() -> None:
    import simenv  # noqa: F401  (registers the ids)
    from simenv.agents.evaluate import evaluate
    from simenv.bench import machine_header, save_results
    from simenv.real2sim import RealToSimWrapper, load_translator, pseudo_real_look
    from simenv.viz import markdown_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=200_000, help="first held-out seed")
    args = parser.parse_args()

    assets = Path(str(files("simenv.assets"))) / "real2sim"
    policy = assets / "indoor_nav_rgb_bc.pt"
    translator = load_translator(assets / "indoor_nav_cyclegan.pt")
    look = pseudo_real_look(ENV_ID)
    cases: list[tuple[str, dict[str, Any], Any]] = [
        ("simulation (nominal look)", {"randomization": "none"}, None),
        ("pseudo-real, no translation", {"randomization": look}, None),
        (
            "pseudo-real, CycleGAN",
            {"randomization": look},
            lambda env: RealToSimWrapper(env, translator),
        ),
    ]
    rows: list[dict[str, Any]] = []
    for name, kwargs, wrap in cases:
        for renderer in ("mujoco", "batch"):
            result = evaluate(
                policy,
                episodes=args.episodes,
                seed=args.seed,
                env_kwargs={**kwargs, "renderer": renderer},
                wrap=wrap,
            )
            summary = result.summary()
            s = summary["success"]
            rows.append(
                {
                    "env": name,
                    "renderer": renderer,
                    "episodes": args.episodes,
                    "success": s["mean"],
                    "95% CI": f"[{s['low']:.2f}, {s['high']:.2f}]",
                    "SPL": summary["spl"]["mean"],
                    "successes": [int(e["success"]) for e in result.episodes],
                }
            )
    for mujoco, batch in zip(rows[::2], rows[1::2]):
        mujoco["Δ success (points)"] = mujoco["same outcome"] = ""
        batch["Δ success (points)"] = 100 * (batch["success"] - mujoco["success"])
        batch["same outcome"] = sum(a == b for a, b in zip(mujoco["successes"], batch["successes"]))
    header = machine_header(episodes=args.episodes, seed=args.seed)
    print(header)
    print(markdown_table([{k: v for k, v in r.items() if k != "successes"} for r in rows]))
    save_results(
        ROOT / "benchmarks" / "results" / "shipped_models.json", {"header": header, "rows": rows}
    )


if __name__ == "__main__":
    main()
