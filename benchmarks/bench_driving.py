"""Driving-v0 speed against Gymnasium CarRacing-v3 (domain_randomize) in one run, a per-step
time breakdown, and the pure-pursuit expert over seeded test routes.

    make bench-driving    # installs the peer venv (.venv-peers) and runs this script
    python benchmarks/bench_driving.py --steps 2000 --expert-episodes 100

Prints Markdown tables (copy them into benchmarks/RESULTS.md) and writes
``benchmarks/results/driving.json``. CarRacing runs in the peer virtualenv (Box2D, pygame).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "simenv/Driving-v0"


def peer(steps: int) -> dict:
    from simenv.bench import run_peer

    return run_peer(ROOT / ".venv-peers" / "bin" / "python",
                    ROOT / "benchmarks" / "peers" / "carracing_bench.py", steps)


def breakdown(size: int, steps: int = 300) -> dict:
    """Milliseconds per step in physics, camera rendering, sky/haze and the sensor model."""
    import gymnasium as gym

    from simenv.envs.driving import constants as C

    env = gym.make(ENV_ID, camera_size=(size, size))
    env.reset(seed=0)
    base = env.unwrapped
    c = base.world.c
    timings: dict = {}
    t = time.perf_counter()
    for _ in range(steps):
        for _ in range(C.SUBSTEPS):
            c.stepSimulation()
    timings["physics_ms"] = (time.perf_counter() - t) / steps * 1e3
    env.reset(seed=0)
    t = time.perf_counter()
    for _ in range(steps):
        rgb, _ = base._camera_view((size, size))
    timings["camera_ms"] = (time.perf_counter() - t) / steps * 1e3
    t = time.perf_counter()
    for _ in range(steps):
        base._sensor.apply_rgb(rgb, base.np_random)
    timings["sensor_ms"] = (time.perf_counter() - t) / steps * 1e3
    timings["bodies"] = c.getNumBodies()
    env.close()
    return timings


def expert(episodes: int) -> list[dict]:
    import gymnasium as gym

    from simenv.envs.driving.expert import DrivingExpert
    from simenv.rollout import run_episode

    rows = []
    for mode in ("continuous",):
        env = gym.make(ENV_ID, obs_mode="state", action_mode=mode, split="test")
        res = [run_episode(env, DrivingExpert().act, seed=s)
               for s in tqdm(range(episodes), desc=f"expert {mode}", leave=False)]
        env.close()
        rows.append({
            "action_mode": mode, "episodes": episodes,
            "route completion": float(np.mean([r["route_completion"] for r in res])),
            "success": float(np.mean([r["success"] for r in res])),
            "collisions": float(np.mean([r["collisions"] for r in res])),
            "off road": float(np.mean([r["termination"] == "off_road" for r in res])),
            "lane dev m": float(np.mean([r["mean_lane_deviation"] for r in res])),
            "speed m/s": float(np.mean([r["average_speed"] for r in res])),
        })
    return rows


def main() -> None:
    import simenv  # noqa: F401  (registers the ids)
    from simenv.bench import machine_header, measure, save_results
    from simenv.viz import markdown_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--expert-episodes", type=int, default=100)
    args = parser.parse_args()

    rows = []
    configs = [(96, "default"), (84, "default"), (84, "none")]
    for size, dr in tqdm(configs, desc="Driving configs"):
        r = measure(ENV_ID, steps=args.steps, obs_mode="rgb", randomization=dr,
                    camera_size=(size, size))
        rows.append({"env": "Driving-v0", "obs": "rgb", "DR": dr, "size": size,
                     "steps/s": r["steps_per_s"], "reset ms": r["reset_ms"]})
    cr = peer(args.steps)
    if "steps_per_s" in cr:
        rows.append({"env": "CarRacing-v3", "obs": "rgb", "DR": "domain_randomize",
                     "size": 96, "steps/s": cr["steps_per_s"], "reset ms": cr["reset_ms"]})
        for row in rows:
            row["× CarRacing-DR"] = row["steps/s"] / cr["steps_per_s"]
    parts = {size: breakdown(size) for size in (96, 84)}
    experts = expert(args.expert_episodes) if args.expert_episodes else []
    header = machine_header(steps=args.steps)
    print(header)
    print(markdown_table(rows))
    for size, p in parts.items():
        print(f"\nper-step breakdown (default DR, {size}x{size} RGB):", json.dumps(
            {k: round(v, 3) if isinstance(v, float) else v for k, v in p.items()}))
    if experts:
        print(markdown_table(experts))
    save_results(ROOT / "benchmarks" / "results" / "driving.json",
                 {"header": header, "speed": rows, "peer": cr, "breakdown": parts,
                  "expert": experts})


if __name__ == "__main__":
    main()
