"""Memory and step time of a native vector env over a long run with autoresets (issue 21).

    python benchmarks/bench_vector_soak.py --family indoor_nav --steps 200000 --num-envs 4
    python benchmarks/bench_vector_soak.py --family all --steps 20000 --block 2000

``gym.make_vec(<family>, num_envs=N)`` with default DR and random actions (seeded); episodes
are cut at ``--episode-steps`` so that the run goes through many autoresets. Every ``--block``
vector steps a row: ms per vector step, resets so far and resident memory (``VmRSS``). Target:
the last row's memory within 2 % of the row at 10 % of the run.

Prints a Markdown table per family and writes ``benchmarks/results/vector_soak.json``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = {
    "indoor_nav": "simenv/IndoorNav-v0",
    "driving": "simenv/Driving-v0",
    "transparent_grasp": "simenv/TransparentGrasp-v0",
}


def soak(
    env_id: str, steps: int, block: int, num_envs: int, size: int, episode_steps: int, seed: int
) -> dict[str, Any]:
    import gymnasium as gym

    from simenv.bench import memory_mb

    vec: Any = gym.make_vec(
        env_id, num_envs=num_envs, camera_size=(size, size), max_episode_steps=episode_steps
    )
    space = vec.action_space
    space.seed(seed)
    vec.reset(seed=seed)
    rows: list[dict[str, Any]] = []
    resets, start, t0 = 0, time.perf_counter(), time.perf_counter()
    with tqdm(total=steps, desc=env_id, unit="step") as bar:
        for k in range(1, steps + 1):
            _, _, terminated, truncated, _ = vec.step(space.sample())
            resets += int(np.sum(terminated | truncated))
            if k % block == 0:
                now = time.perf_counter()
                rows.append(
                    {
                        "vector steps": k,
                        "ms per vector step": (now - t0) / block * 1e3,
                        "resets": resets,
                        "RSS MB": memory_mb("VmRSS"),
                    }
                )
                t0 = now
                bar.update(block)
    vec.close()
    tenth = rows[max(0, len(rows) // 10 - 1)]
    growth = rows[-1]["RSS MB"] / tenth["RSS MB"] - 1.0
    return {
        "env": env_id,
        "num_envs": num_envs,
        "size": size,
        "episode_steps": episode_steps,
        "seconds": time.perf_counter() - start,
        "rows": rows,
        "growth after 10 %": growth,
        "within 2 %": bool(growth <= 0.02),
    }


def main() -> None:
    import simenv  # noqa: F401  (registers the ids)
    from simenv.bench import machine_header, save_results
    from simenv.viz import markdown_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", choices=[*FAMILIES, "all"], default="indoor_nav")
    parser.add_argument("--steps", type=int, default=200_000, help="vector steps")
    parser.add_argument("--block", type=int, default=10_000)
    parser.add_argument("--num-envs", type=int, default=4)
    parser.add_argument("--size", type=int, default=64, help="camera height and width")
    parser.add_argument("--episode-steps", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.steps < 10 * args.block:
        parser.error("--steps must be at least 10 blocks (the 10 % row)")
    names = list(FAMILIES) if args.family == "all" else [args.family]
    header = machine_header(steps=args.steps, num_envs=args.num_envs, size=args.size)
    results = []
    for name in names:
        result = soak(
            FAMILIES[name],
            args.steps,
            args.block,
            args.num_envs,
            args.size,
            args.episode_steps,
            args.seed,
        )
        results.append(result)
        print(
            f"\n{result['env']}, N={args.num_envs}: RSS growth after the first 10 % "
            f"{100 * result['growth after 10 %']:+.2f} % ({result['seconds']:.0f} s)"
        )
        print(markdown_table(result["rows"]))
    print(header)
    save_results(
        ROOT / "benchmarks" / "results" / "vector_soak.json", {"header": header, "results": results}
    )


if __name__ == "__main__":
    main()
