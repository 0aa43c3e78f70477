"""TransparentGrasp-v0 speed against robosuite Lift (camera obs) and pybullet's
KukaDiverseObjectEnv in one run, a per-step time breakdown, and the scripted expert over
seeded test episodes.

    make bench-grasp      # installs the peer venvs (.venv-robosuite, .venv-kuka), runs this
    python benchmarks/bench_transparent_grasp.py --steps 1000 --expert-episodes 100

Both sides run at 20 Hz control with 84×84 RGB-D camera observations. Prints Markdown tables
(copy them into benchmarks/RESULTS.md) and writes ``benchmarks/results/transparent_grasp.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "simenv/TransparentGrasp-v0"
PEERS = ROOT / "benchmarks" / "peers"


def robosuite(steps: int, mode: str) -> dict:
    from simenv.bench import run_peer

    return run_peer(ROOT / ".venv-robosuite" / "bin" / "python", PEERS / "robosuite_bench.py",
                    steps, "--mode", mode)


def kuka(steps: int) -> dict:
    from simenv.bench import run_peer

    return run_peer(ROOT / ".venv-kuka" / "bin" / "python", PEERS / "kuka_bench.py", steps,
                    "--size", "84")


def attempts_per_s(attempts: int) -> dict:
    """Top-down grasp attempts per second under random (x, y, θ), resets included."""
    import gymnasium as gym

    env = gym.make(ENV_ID, action_mode="topdown_grasp")
    env.action_space.seed(0)
    env.reset(seed=0)
    start = time.perf_counter()
    for _ in range(attempts):
        *_, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    elapsed = time.perf_counter() - start
    env.close()
    return {"attempts": attempts, "attempts_per_s": attempts / elapsed}


def breakdown(steps: int = 300) -> dict:
    """Milliseconds per ee_delta step in physics + IK, the two render passes and sensors."""
    import gymnasium as gym
    import mujoco

    env = gym.make(ENV_ID)
    env.reset(seed=0)
    base = env.unwrapped
    data, size = base.data, base.camera_size
    t = time.perf_counter()
    for _ in range(steps):
        base._advance(base.episode.target, 0.0, False, 1)
    physics = (time.perf_counter() - t) / steps * 1e3
    t = time.perf_counter()
    for _ in range(steps):
        frame = base.renderer.render(data, base._camera, size, depth=True,
                                     option=base._obs_option)
    colour = (time.perf_counter() - t) / steps * 1e3
    behind = frame.depth
    t = time.perf_counter()
    for _ in range(steps):
        surface, mask = base._glass_surface(behind)
    glass = (time.perf_counter() - t) / steps * 1e3
    rng = base.np_random
    t = time.perf_counter()
    for _ in range(steps):
        raw = base._transparent.apply(surface, behind, mask, rng)
        base._sensor.apply_depth(raw, rng)
        base._sensor.apply_rgb(frame.rgb, rng)
    sensors = (time.perf_counter() - t) / steps * 1e3
    t = time.perf_counter()
    for seed in range(10):
        env.reset(seed=seed)
    reset = (time.perf_counter() - t) / 10 * 1e3
    out = {"physics_and_ik_ms": physics, "rgb_depth_pass_ms": colour,
           "glass_depth_pass_ms": glass, "sensor_models_ms": sensors, "reset_ms": reset,
           "ngeom": int(base.model.ngeom), "nv": int(base.model.nv),
           "mujoco": mujoco.__version__}
    env.close()
    return out


def expert(episodes: int) -> list[dict]:
    import gymnasium as gym

    from simenv.envs.transparent_grasp.expert import TransparentGraspExpert
    from simenv.rollout import run_episode

    rows = []
    for mode in ("ee_delta", "topdown_grasp"):
        env = gym.make(ENV_ID, obs_mode="rgb", action_mode=mode, split="test")
        res = [run_episode(env, TransparentGraspExpert().act, seed=s)
               for s in tqdm(range(episodes), desc=f"expert {mode}", leave=False)]
        env.close()
        row = {"action_mode": mode, "episodes": episodes,
               "success": float(np.mean([r["success"] for r in res])),
               "attempts": float(np.mean([r["attempts"] for r in res])),
               "time to grasp s": float(np.mean([r["time_to_grasp"] for r in res
                                                 if r["success"]]))}
        for cat in sorted({r["object_category"] for r in res}):
            picked = [r["success"] for r in res if r["object_category"] == cat]
            row[cat] = f"{np.mean(picked):.2f} ({len(picked)})"
        rows.append(row)
    return rows


def main() -> None:
    import simenv  # noqa: F401  (registers the ids)
    from simenv.bench import machine_header, measure, save_results
    from simenv.viz import markdown_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=60)
    parser.add_argument("--expert-episodes", type=int, default=100)
    args = parser.parse_args()

    rows = []
    for obs, dr in tqdm([("rgbd", "default"), ("rgbd", "none"), ("rgb", "default")],
                        desc="TransparentGrasp configs"):
        r = measure(ENV_ID, steps=args.steps, obs_mode=obs, randomization=dr)
        rows.append({"env": "TransparentGrasp-v0", "obs": obs, "settings": f"DR {dr}",
                     "steps/s": r["steps_per_s"], "reset ms": r["reset_ms"]})
    peers = {mode: robosuite(max(args.steps // 4, 100), mode) for mode in ("default", "fastest")}
    for mode, p in peers.items():
        if "steps_per_s" in p:
            rows.append({"env": "robosuite Lift", "obs": "rgbd", "settings": mode,
                         "steps/s": p["steps_per_s"], "reset ms": p.get("reset_ms")})
    for row in rows:
        for mode, p in peers.items():
            if "steps_per_s" in p:
                row[f"× robosuite {mode}"] = row["steps/s"] / p["steps_per_s"]
    ours = attempts_per_s(args.attempts)
    kk = kuka(max(args.steps // 5, 100))  # ~4 steps/s: a few hundred steps suffice
    grasp_rows = [{"env": "TransparentGrasp-v0 topdown_grasp", "attempts/s":
                   ours["attempts_per_s"]}]
    if "attempts_per_s" in kk:
        grasp_rows.append({"env": "KukaDiverseObjectEnv (84×84)",
                           "attempts/s": kk["attempts_per_s"]})
        for row in grasp_rows:
            row["× Kuka"] = row["attempts/s"] / kk["attempts_per_s"]
    parts = breakdown()
    experts = expert(args.expert_episodes) if args.expert_episodes else []
    header = machine_header(steps=args.steps)
    print(header)
    print(markdown_table(rows))
    print(markdown_table(grasp_rows))
    print("\nper-step breakdown (default DR, 84x84 RGB-D):", json.dumps(
        {k: round(v, 3) if isinstance(v, float) else v for k, v in parts.items()}))
    if experts:
        print(markdown_table(experts))
    save_results(ROOT / "benchmarks" / "results" / "transparent_grasp.json",
                 {"header": header, "speed": rows, "peers": peers, "kuka": kk,
                  "grasp_attempts": grasp_rows, "breakdown": parts, "expert": experts})


if __name__ == "__main__":
    main()
