"""TransparentGrasp-v0 speed against robosuite Lift (camera obs) and pybullet's
KukaDiverseObjectEnv in one run, a per-step time split, and the scripted expert over
seeded test episodes.

    make bench-grasp      # installs the peer venvs (.venv-robosuite, .venv-kuka), runs this
    python benchmarks/bench_transparent_grasp.py --steps 1000 --expert-episodes 100

Both sides run at 20 Hz control with 84×84 RGB-D camera observations. Single-process steps/s
(random actions, episode resets included, ``simenv.bench.measure``) with the default renderer
(``renderer="batch"``, "after") and MuJoCo's own renderer (``renderer="mujoco"``, "before");
robosuite in its default and fastest settings (``benchmarks/peers/robosuite_bench.py``); grasp
attempts/s against Kuka; the per-step time split of each renderer from the public
``SimVectorEnv.timings`` of ``gym.make_vec(..., num_envs=1)``. Prints Markdown tables
(copy them into benchmarks/RESULTS.md) and writes ``benchmarks/results/transparent_grasp.json``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "simenv/TransparentGrasp-v0"
PEERS = ROOT / "benchmarks" / "peers"
RENDERERS = {"batch": "after", "mujoco": "before"}  # default renderer, reference renderer


def robosuite(steps: int, mode: str) -> dict:
    from simenv.bench import run_peer

    return run_peer(
        ROOT / ".venv-robosuite" / "bin" / "python",
        PEERS / "robosuite_bench.py",
        steps,
        "--mode",
        mode,
    )


def kuka(steps: int) -> dict:
    from simenv.bench import run_peer

    return run_peer(
        ROOT / ".venv-kuka" / "bin" / "python", PEERS / "kuka_bench.py", steps, "--size", "84"
    )


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


def breakdown(steps: int = 300) -> list[dict]:
    """Milliseconds per ee_delta step in each phase of a one-env native vector env (default
    DR, 84×84 RGB-D), for each renderer: the public ``timings`` of
    ``gym.make_vec(num_envs=1)``; ``physics`` holds the IK and control too, ``render`` the
    colour, depth and glass passes, ``sensors+task`` the depth-failure and camera models."""
    from simenv.bench import measure_vector, split_row

    rows = []
    for renderer, when in RENDERERS.items():
        r = measure_vector(ENV_ID, num_envs=1, steps=steps, obs_mode="rgbd", renderer=renderer)
        rows.append({"renderer": f"{renderer} ({when})", "steps": steps, **split_row(r)})
    return rows


def versions() -> dict:
    """The simulator and model sizes behind the numbers (public model fields only)."""
    import gymnasium as gym
    import mujoco

    env = gym.make(ENV_ID)
    env.reset(seed=0)
    model = env.unwrapped.model
    out = {"ngeom": int(model.ngeom), "nv": int(model.nv), "mujoco": mujoco.__version__}
    env.close()
    return out


def expert(episodes: int) -> list[dict]:
    import gymnasium as gym

    from simenv.envs.transparent_grasp.expert import TransparentGraspExpert
    from simenv.rollout import run_episode

    rows = []
    for mode in ("ee_delta", "topdown_grasp"):
        env = gym.make(ENV_ID, obs_mode="rgb", action_mode=mode, split="test")
        res = [
            run_episode(env, TransparentGraspExpert().act, seed=s)
            for s in tqdm(range(episodes), desc=f"expert {mode}", leave=False)
        ]
        env.close()
        row = {
            "action_mode": mode,
            "episodes": episodes,
            "success": float(np.mean([r["success"] for r in res])),
            "attempts": float(np.mean([r["attempts"] for r in res])),
            "time to grasp s": float(np.mean([r["time_to_grasp"] for r in res if r["success"]])),
        }
        for cat in sorted({r["object_category"] for r in res}):
            picked = [r["success"] for r in res if r["object_category"] == cat]
            row[cat] = f"{np.mean(picked):.2f} ({len(picked)})"
        rows.append(row)
    return rows


def speed(steps: int) -> tuple[list[dict], list[dict]]:
    """Steps/s of each config with the default renderer, the default-DR configs with the
    reference renderer too, and the "before → after" table of the renderers."""
    from simenv.bench import measure

    configs = [
        ("batch", "rgbd", "default"),
        ("batch", "rgbd", "none"),
        ("batch", "rgb", "default"),
        ("mujoco", "rgbd", "default"),
        ("mujoco", "rgb", "default"),
    ]
    rows = []
    for renderer, obs, dr in tqdm(configs, desc="TransparentGrasp configs"):
        r = measure(ENV_ID, steps=steps, obs_mode=obs, randomization=dr, renderer=renderer)
        rows.append(
            {
                "env": "TransparentGrasp-v0",
                "renderer": f"{renderer} ({RENDERERS[renderer]})",
                "obs": obs,
                "settings": f"DR {dr}",
                "steps/s": r["steps_per_s"],
                "reset ms": r["reset_ms"],
            }
        )
    by = {(r["renderer"].split()[0], r["obs"], r["settings"]): r["steps/s"] for r in rows}
    renderers = [
        {
            "obs": obs,
            "DR": "default",
            "before (mujoco) steps/s": by["mujoco", obs, "DR default"],
            "after (batch) steps/s": by["batch", obs, "DR default"],
            "× before": by["batch", obs, "DR default"] / by["mujoco", obs, "DR default"],
        }
        for obs in ("rgbd", "rgb")
    ]
    return rows, renderers


def main() -> None:
    import simenv  # noqa: F401  (registers the ids)
    from simenv.bench import machine_header, save_results
    from simenv.viz import markdown_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=1000, help="timed steps per config")
    parser.add_argument(
        "--peer-steps",
        type=int,
        default=None,
        help="robosuite's timed steps per mode (default: --steps / 4, >= 100)",
    )
    parser.add_argument(
        "--kuka-steps",
        type=int,
        default=None,
        help="KukaDiverseObjectEnv's timed steps (default: --steps / 5, >= 100)",
    )
    parser.add_argument("--attempts", type=int, default=60)
    parser.add_argument(
        "--breakdown-steps", type=int, default=300, help="steps of each per-step time split"
    )
    parser.add_argument("--expert-episodes", type=int, default=100)
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "transparent_grasp.json",
        help="where the JSON goes",
    )
    args = parser.parse_args()

    rows, renderers = speed(args.steps)
    peer_steps = args.peer_steps or max(args.steps // 4, 100)
    peers = {
        mode: robosuite(peer_steps, mode)
        for mode in tqdm(("default", "fastest"), desc="robosuite Lift", leave=False)
    }
    for mode, p in peers.items():
        if "steps_per_s" in p:
            rows.append(
                {
                    "env": "robosuite Lift",
                    "renderer": "mujoco 3.3 (mjr_render)",
                    "obs": "rgbd",
                    "settings": mode,
                    "steps/s": p["steps_per_s"],
                    "reset ms": p.get("reset_ms"),
                }
            )
    for row in rows:
        for mode, p in peers.items():
            row[f"× robosuite {mode}"] = (
                row["steps/s"] / p["steps_per_s"] if "steps_per_s" in p else ""
            )
    for row in renderers:
        for mode, p in peers.items():
            row[f"after × robosuite {mode}"] = (
                row["after (batch) steps/s"] / p["steps_per_s"] if "steps_per_s" in p else ""
            )
    ours = attempts_per_s(args.attempts)
    kk = kuka(args.kuka_steps or max(args.steps // 5, 100))  # ~4 steps/s: a few hundred do
    grasp_rows = [
        {"env": "TransparentGrasp-v0 topdown_grasp", "attempts/s": ours["attempts_per_s"]}
    ]
    if "attempts_per_s" in kk:
        grasp_rows.append(
            {"env": "KukaDiverseObjectEnv (84×84)", "attempts/s": kk["attempts_per_s"]}
        )
    for row in grasp_rows:
        row["× Kuka"] = row["attempts/s"] / kk["attempts_per_s"] if "attempts_per_s" in kk else ""
    parts = breakdown(args.breakdown_steps)
    model = versions()
    experts = expert(args.expert_episodes) if args.expert_episodes else []
    header = machine_header(steps=args.steps, **model)
    print(header)
    print(markdown_table(rows))
    for name, p in (*peers.items(), ("kuka", kk)):
        if "error" in p:
            print(f"\npeer {name} failed: {p['error']}")
    print("\nrenderers, default DR, 84x84:")
    print(markdown_table(renderers))
    print()
    print(markdown_table(grasp_rows))
    print("\nms per step (gym.make_vec num_envs=1, ee_delta, default DR, 84x84 RGB-D):")
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
            "peers": peers,
            "kuka": kk,
            "grasp_attempts": grasp_rows,
            "breakdown": parts,
            "model": model,
            "expert": experts,
        },
    )


if __name__ == "__main__":
    main()
