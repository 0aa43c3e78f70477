"""IndoorNav-v0 speed against MiniWorld in one run, a per-step time breakdown, and the expert.

    make bench            # installs the peer venv (.venv-peers) and runs this script
    python benchmarks/bench_indoor_nav.py --steps 2000 --expert-episodes 100

Prints Markdown tables (copy them into benchmarks/RESULTS.md) and writes
``benchmarks/results/indoor_nav.json``. The peer runs in its own virtualenv (MiniWorld pins
pyglet<2) with the same environment variables (``LP_NUM_THREADS``) as simenv.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "simenv/IndoorNav-v0"


def peer(steps: int) -> dict:
    from simenv.bench import run_peer

    return run_peer(ROOT / ".venv-peers" / "bin" / "python",
                    ROOT / "benchmarks" / "peers" / "miniworld_bench.py", steps)


def breakdown(steps: int = 300) -> dict:
    """Milliseconds per step spent in physics, rendering and the sensor model (default DR)."""
    import gymnasium as gym
    import mujoco

    env = gym.make(ENV_ID, obs_mode="rgb")
    env.reset(seed=0)
    base = env.unwrapped
    model, data = base.model, base.data
    timings = {}
    t = time.perf_counter()
    for _ in range(steps):
        mujoco.mj_step(model, data, nstep=20)
    timings["physics_ms"] = (time.perf_counter() - t) / steps * 1e3
    t = time.perf_counter()
    for _ in range(steps):
        frame = base.renderer.render(data, base._refs.camera, (84, 84), option=base._ego_option)
    timings["render_ms"] = (time.perf_counter() - t) / steps * 1e3
    t = time.perf_counter()
    for _ in range(steps):
        base._sensor.apply_rgb(frame.rgb, base.np_random)
    timings["sensor_ms"] = (time.perf_counter() - t) / steps * 1e3
    t = time.perf_counter()
    for _ in range(steps):
        env.step(env.action_space.sample())
    timings["step_ms"] = (time.perf_counter() - t) / steps * 1e3
    timings["ngeom"] = int(model.ngeom)
    env.close()
    return timings


def expert(episodes: int) -> list[dict]:
    import gymnasium as gym

    from simenv.agents import IndoorNavExpert
    from simenv.rollout import run_episode

    rows = []
    for task in ("pointgoal", "objectgoal"):
        for mode in ("continuous", "discrete"):
            env = gym.make(ENV_ID, task=task, action_mode=mode, obs_mode="state", split="test")
            res = [run_episode(env, IndoorNavExpert().act, seed=100_000 + s)
                   for s in tqdm(range(episodes), desc=f"expert {task}/{mode}", leave=False)]
            env.close()
            rows.append({
                "task": task, "action_mode": mode, "episodes": episodes,
                "success": float(np.mean([r["success"] for r in res])),
                "spl": float(np.mean([r["spl"] for r in res])),
                "collisions": float(np.mean([r["collisions"] for r in res])),
                "shortest_m": float(np.mean([r["geodesic_start_distance"] for r in res])),
            })
    return rows


def main() -> None:
    import simenv  # noqa: F401  (registers the ids, configures GL)
    from simenv.bench import machine_header, measure, save_results
    from simenv.viz import markdown_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--expert-episodes", type=int, default=100)
    args = parser.parse_args()

    rows = []
    configs = [(size, mode, dr) for size in (84,) for mode in ("rgb", "rgbd")
               for dr in ("none", "default")]
    for size, mode, dr in tqdm(configs, desc="IndoorNav configs"):
        r = measure(ENV_ID, steps=args.steps, obs_mode=mode, randomization=dr,
                    camera_size=(size, size))
        rows.append({"env": "IndoorNav-v0", "obs": mode, "DR": dr, "size": size,
                     "steps/s": r["steps_per_s"], "reset ms": r["reset_ms"]})
    mw = peer(args.steps)
    if "steps_per_s" in mw:
        rows.append({"env": "MiniWorld-FourRooms-v0", "obs": "rgb", "DR": "domain_rand",
                     "size": 84, "steps/s": mw["steps_per_s"], "reset ms": mw["reset_ms"]})
        for row in rows:
            row["× MiniWorld-DR"] = row["steps/s"] / mw["steps_per_s"]
    parts = breakdown()
    experts = expert(args.expert_episodes) if args.expert_episodes else []
    header = machine_header(steps=args.steps)
    print(header)
    print(markdown_table(rows))
    print("\nper-step breakdown (default DR, 84x84 RGB):", json.dumps(
        {k: round(v, 3) if isinstance(v, float) else v for k, v in parts.items()}))
    if experts:
        print(markdown_table(experts))
    save_results(ROOT / "benchmarks" / "results" / "indoor_nav.json",
                 {"header": header, "speed": rows, "peer": mw, "breakdown": parts,
                  "expert": experts})


if __name__ == "__main__":
    main()
