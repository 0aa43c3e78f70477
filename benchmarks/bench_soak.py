"""Long-run soak: step time, reset time and memory over thousands of strong-DR resets.

    python benchmarks/bench_soak.py --family driving            # 10,000 resets, blocks of 1,000
    python benchmarks/bench_soak.py --family all --resets 2000 --block 200

One env per family, as a user's long training run has it: every reset takes a new seed, then
``--steps`` random actions (fewer when the episode ends first). Every ``--block`` resets a row:
wall time, ms per step, ms per reset, resident memory (``VmRSS`` from ``/proc/self/status``)
and, for Driving, the bodies in the Bullet world (``--breakdown`` adds Driving's physics,
camera and ray-cast ms per step). Targets (issue 22): the last block's step time within 10 %
of the first block's; memory flat, at most 2 % growth after the first 10 % of resets.

Prints a Markdown table per family (copy it into ``benchmarks/RESULTS.md`` with the date and
machine) and writes ``benchmarks/results/soak_<family>.json``. Run it on an idle machine: the
step-time target compares blocks minutes apart.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = {
    "driving": "simenv/Driving-v0",
    "indoor_nav": "simenv/IndoorNav-v0",
    "transparent_grasp": "simenv/TransparentGrasp-v0",
}
BREAKDOWN = {
    "physics_ms": "stepSimulation",
    "camera_ms": "getCameraImage",
    "rays_ms": "rayTestBatch",
}


class _Timed:
    """Accumulates the time spent in chosen methods of a PyBullet client."""

    def __init__(self, client: Any, names: dict[str, str]) -> None:
        self.total = dict.fromkeys(names, 0.0)
        for label, name in names.items():
            setattr(client, name, self._wrap(label, getattr(client, name)))

    def _wrap(self, label: str, fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.total[label] += time.perf_counter() - t

        return timed

    def take(self) -> dict[str, float]:
        out, self.total = self.total, dict.fromkeys(self.total, 0.0)
        return out


def soak(
    family: str,
    resets: int,
    block: int,
    steps: int,
    size: int,
    randomization: str,
    seed: int,
    breakdown: bool,
) -> dict[str, Any]:
    import gymnasium as gym

    from simenv.bench import memory_mb

    env = gym.make(
        FAMILIES[family], obs_mode="rgb", camera_size=(size, size), randomization=randomization
    )
    base = env.unwrapped
    env.action_space.seed(seed)
    driving = family == "driving"
    timed = None
    rows: list[dict[str, Any]] = []
    reference = max(1, int(np.ceil(0.1 * resets)))  # memory is compared from here on
    rss_reference = float("nan")
    t_block = time.perf_counter()
    step_s = reset_s = 0.0
    n_steps = 0
    for i in range(resets):
        t = time.perf_counter()
        env.reset(seed=seed + i)
        reset_s += time.perf_counter() - t
        if driving and breakdown and timed is None:
            timed = _Timed(base.world.c, BREAKDOWN)
        for _ in range(steps):
            action = env.action_space.sample()
            t = time.perf_counter()
            _, _, terminated, truncated, _ = env.step(action)
            step_s += time.perf_counter() - t
            n_steps += 1
            if terminated or truncated:
                break
        if i + 1 == reference:
            rss_reference = memory_mb("VmRSS")
        if (i + 1) % block == 0 or i + 1 == resets:
            n = (i % block) + 1
            row: dict[str, Any] = {
                "block": len(rows) + 1,
                "resets": f"{i + 2 - n}–{i + 1}",
                "wall s": time.perf_counter() - t_block,
                "step ms": step_s / max(n_steps, 1) * 1e3,
                "reset ms": reset_s / n * 1e3,
                "RSS MB": memory_mb("VmRSS"),
            }
            if driving:
                census = base.world.census()
                row["bodies"] = census["bodies"]
                row["placed"] = census["placed"]
            if timed is not None:
                row |= {k: v / max(n_steps, 1) * 1e3 for k, v in timed.take().items()}
            rows.append(row)
            print(
                " | ".join(
                    f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()
                ),
                flush=True,
            )
            t_block = time.perf_counter()
            step_s = reset_s = 0.0
            n_steps = 0
    env.close()
    first, last = rows[0], rows[-1]
    step_change = last["step ms"] / first["step ms"] - 1.0
    memory_growth = last["RSS MB"] / rss_reference - 1.0
    return {
        "family": family,
        "env": FAMILIES[family],
        "resets": resets,
        "block": block,
        "steps": steps,
        "size": size,
        "randomization": randomization,
        "seed": seed,
        "blocks": rows,
        "rss_at_10pct_mb": rss_reference,
        "step_time_change": step_change,
        "memory_growth_after_10pct": memory_growth,
        "targets": {
            "step time within 10 %": abs(step_change) <= 0.10,
            "memory growth <= 2 %": memory_growth <= 0.02,
        },
    }


def main() -> None:
    import simenv  # noqa: F401  (registers the ids)
    from simenv.bench import machine_header, save_results
    from simenv.viz import markdown_table

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--family", choices=[*FAMILIES, "all"], default="driving")
    parser.add_argument("--resets", type=int, default=10_000)
    parser.add_argument("--block", type=int, default=1_000)
    parser.add_argument("--steps", type=int, default=5, help="random steps after each reset")
    parser.add_argument("--size", type=int, default=64, help="camera height and width")
    parser.add_argument("--randomization", default="strong")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first reset")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="Driving: time stepSimulation, getCameraImage and rayTestBatch",
    )
    args = parser.parse_args()
    if args.resets < 1 or args.block < 1 or args.steps < 0:
        parser.error("--resets and --block must be >= 1 and --steps >= 0")

    families = list(FAMILIES) if args.family == "all" else [args.family]
    for family in families:
        header = machine_header(
            family=family,
            resets=args.resets,
            block=args.block,
            steps=args.steps,
            size=args.size,
            DR=args.randomization,
        )
        result = soak(
            family,
            args.resets,
            args.block,
            args.steps,
            args.size,
            args.randomization,
            args.seed,
            args.breakdown,
        )
        result["header"] = header
        print(header)
        print(
            markdown_table(
                [
                    {k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}
                    for row in result["blocks"]
                ]
            )
        )
        print(
            f"step time, last block vs first: {result['step_time_change']:+.1%}; memory "
            f"after the first 10 % of resets: {result['memory_growth_after_10pct']:+.1%} "
            f"(targets: {result['targets']})\n"
        )
        save_results(ROOT / "benchmarks" / "results" / f"soak_{family}.json", result)


if __name__ == "__main__":
    main()
