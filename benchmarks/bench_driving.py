"""Driving-v0 speed against Gymnasium CarRacing-v3 (domain_randomize) in one run, a per-step
time split, and the pure-pursuit expert over seeded test routes.

    make bench-driving    # installs the peer venv (.venv-peers) and runs this script
    python benchmarks/bench_driving.py --steps 2000 --expert-episodes 100

Single-process steps/s (random actions, episode resets included, ``simenv.bench.measure``)
with the default renderer (``renderer="batch"``, "after") and PyBullet's TinyRenderer
(``renderer="tiny"``, "before") at 96×96 and 84×84 RGB against CarRacing-v3
(domain_randomize, 96×96 RGB) measured in the same run; the per-step time split of each
renderer from the public ``SimVectorEnv.timings`` of ``gym.make_vec(..., num_envs=1)``; the
expert. Prints Markdown tables (copy them into benchmarks/RESULTS.md) and writes
``benchmarks/results/driving.json``. CarRacing runs in the peer virtualenv (Box2D, pygame).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "simenv/Driving-v0"
RENDERERS = {"batch": "after", "tiny": "before"}  # default renderer, reference renderer


def peer(steps: int) -> dict:
    from simenv.bench import run_peer

    return run_peer(
        ROOT / ".venv-peers" / "bin" / "python",
        ROOT / "benchmarks" / "peers" / "carracing_bench.py",
        steps,
    )


def breakdown(sizes: tuple[int, ...], steps: int = 300) -> list[dict]:
    """Milliseconds per step in each phase of a one-env native vector env (default DR, RGB),
    for each renderer and size: the public ``timings`` of ``gym.make_vec(num_envs=1)``."""
    from simenv.bench import measure_vector, split_row

    rows = []
    for size in sizes:
        for renderer, when in RENDERERS.items():
            r = measure_vector(
                ENV_ID,
                num_envs=1,
                steps=steps,
                obs_mode="rgb",
                camera_size=(size, size),
                renderer=renderer,
            )
            rows.append(
                {"renderer": f"{renderer} ({when})", "size": size, "steps": steps, **split_row(r)}
            )
    return rows


def expert(episodes: int) -> list[dict]:
    import gymnasium as gym

    from simenv.envs.driving.expert import DrivingExpert
    from simenv.rollout import run_episode

    rows = []
    for mode in ("continuous",):
        env = gym.make(ENV_ID, obs_mode="state", action_mode=mode, split="test")
        res = [
            run_episode(env, DrivingExpert().act, seed=s)
            for s in tqdm(range(episodes), desc=f"expert {mode}", leave=False)
        ]
        env.close()
        rows.append(
            {
                "action_mode": mode,
                "episodes": episodes,
                "route completion": float(np.mean([r["route_completion"] for r in res])),
                "success": float(np.mean([r["success"] for r in res])),
                "collisions": float(np.mean([r["collisions"] for r in res])),
                "off road": float(np.mean([r["termination"] == "off_road" for r in res])),
                "lane dev m": float(np.mean([r["mean_lane_deviation"] for r in res])),
                "speed m/s": float(np.mean([r["average_speed"] for r in res])),
            }
        )
    return rows


def speed(steps: int) -> tuple[list[dict], list[dict]]:
    """Steps/s of each config with the default renderer, the default-DR configs with the
    reference renderer too, and the "before → after" table of the renderers."""
    from simenv.bench import measure

    configs = [
        ("batch", 96, "default"),
        ("batch", 84, "default"),
        ("batch", 84, "none"),
        ("tiny", 96, "default"),
        ("tiny", 84, "default"),
    ]
    rows = []
    for renderer, size, dr in tqdm(configs, desc="Driving configs"):
        r = measure(
            ENV_ID,
            steps=steps,
            obs_mode="rgb",
            randomization=dr,
            camera_size=(size, size),
            renderer=renderer,
        )
        rows.append(
            {
                "env": "Driving-v0",
                "renderer": f"{renderer} ({RENDERERS[renderer]})",
                "obs": "rgb",
                "DR": dr,
                "size": size,
                "steps/s": r["steps_per_s"],
                "reset ms": r["reset_ms"],
            }
        )
    by = {(r["renderer"].split()[0], r["size"], r["DR"]): r["steps/s"] for r in rows}
    renderers = [
        {
            "size": size,
            "DR": "default",
            "before (tiny) steps/s": by["tiny", size, "default"],
            "after (batch) steps/s": by["batch", size, "default"],
            "× before": by["batch", size, "default"] / by["tiny", size, "default"],
        }
        for size in (96, 84)
    ]
    return rows, renderers


def main() -> None:
    import simenv  # noqa: F401  (registers the ids)
    from simenv.bench import machine_header, save_results
    from simenv.viz import markdown_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000, help="timed steps per config")
    parser.add_argument(
        "--peer-steps", type=int, default=None, help="CarRacing's timed steps (default: --steps)"
    )
    parser.add_argument(
        "--breakdown-steps", type=int, default=300, help="steps of each per-step time split"
    )
    parser.add_argument("--expert-episodes", type=int, default=100)
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "driving.json",
        help="where the JSON goes",
    )
    args = parser.parse_args()

    rows, renderers = speed(args.steps)
    cr = peer(args.peer_steps or args.steps)
    if "steps_per_s" in cr:
        rows.append(
            {
                "env": "CarRacing-v3",
                "renderer": "pygame (CPU)",
                "obs": "rgb",
                "DR": "domain_randomize",
                "size": 96,
                "steps/s": cr["steps_per_s"],
                "reset ms": cr["reset_ms"],
            }
        )
    for row in rows:
        row["× CarRacing-DR"] = row["steps/s"] / cr["steps_per_s"] if "steps_per_s" in cr else ""
    for row in renderers:
        row["after × CarRacing-DR"] = (
            row["after (batch) steps/s"] / cr["steps_per_s"] if "steps_per_s" in cr else ""
        )
    parts = breakdown((96, 84), args.breakdown_steps)
    experts = expert(args.expert_episodes) if args.expert_episodes else []
    header = machine_header(steps=args.steps)
    print(header)
    print(markdown_table(rows))
    if "error" in cr:
        print(f"\nCarRacing peer failed: {cr['error']}")
    print("\nrenderers, default DR, RGB:")
    print(markdown_table(renderers))
    print("\nms per step (gym.make_vec num_envs=1, default DR, RGB):")
    print(markdown_table(parts))
    if experts:
        print()
        print(markdown_table(experts))
    save_results(
        args.out,
        {
            "header": header,
            "speed": rows,
            "renderers": renderers,
            "peer": cr,
            "breakdown": parts,
            "expert": experts,
        },
    )


if __name__ == "__main__":
    main()
