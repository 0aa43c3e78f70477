"""IndoorNav-v0 speed against MiniWorld in one run, a per-step time split, and the expert.

    make bench            # installs the peer venv (.venv-peers) and runs this script
    python benchmarks/bench_indoor_nav.py --steps 2000 --expert-episodes 100

Single-process steps/s (random actions, episode resets included, ``simenv.bench.measure``)
with the default renderer (``renderer="batch"``, "after") and MuJoCo's own renderer
(``renderer="mujoco"``, "before") against MiniWorld-FourRooms-v0 (domain_rand, 84×84 RGB)
measured in the same run; the per-step time split of each renderer from the public
``SimVectorEnv.timings`` of ``gym.make_vec(..., num_envs=1)``; the shortest-path expert.
Prints Markdown tables (copy them into benchmarks/RESULTS.md) and writes
``benchmarks/results/indoor_nav.json``. The peer runs in its own virtualenv (MiniWorld pins
pyglet<2) with the same environment variables (``LP_NUM_THREADS``) as simenv.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "simenv/IndoorNav-v0"
RENDERERS = {"batch": "after", "mujoco": "before"}  # default renderer, reference renderer


def peer(steps: int) -> dict:
    from simenv.bench import run_peer

    return run_peer(
        ROOT / ".venv-peers" / "bin" / "python",
        ROOT / "benchmarks" / "peers" / "miniworld_bench.py",
        steps,
    )


def breakdown(steps: int = 300) -> list[dict]:
    """Milliseconds per step in each phase of a one-env native vector env (default DR, 84×84
    RGB), for each renderer: the public ``timings`` of ``gym.make_vec(num_envs=1)``."""
    from simenv.bench import measure_vector, split_row

    rows = []
    for renderer, when in RENDERERS.items():
        r = measure_vector(ENV_ID, num_envs=1, steps=steps, obs_mode="rgb", renderer=renderer)
        rows.append({"renderer": f"{renderer} ({when})", "steps": steps, **split_row(r)})
    return rows


def expert(episodes: int) -> list[dict]:
    import gymnasium as gym

    from simenv.agents import IndoorNavExpert
    from simenv.rollout import run_episode

    rows = []
    for task in ("pointgoal", "objectgoal"):
        for mode in ("continuous", "discrete"):
            env = gym.make(ENV_ID, task=task, action_mode=mode, obs_mode="state", split="test")
            res = [
                run_episode(env, IndoorNavExpert().act, seed=100_000 + s)
                for s in tqdm(range(episodes), desc=f"expert {task}/{mode}", leave=False)
            ]
            env.close()
            rows.append(
                {
                    "task": task,
                    "action_mode": mode,
                    "episodes": episodes,
                    "success": float(np.mean([r["success"] for r in res])),
                    "spl": float(np.mean([r["spl"] for r in res])),
                    "collisions": float(np.mean([r["collisions"] for r in res])),
                    "shortest_m": float(np.mean([r["geodesic_start_distance"] for r in res])),
                }
            )
    return rows


def speed(steps: int) -> tuple[list[dict], list[dict]]:
    """Steps/s of each config with the default renderer, the default-DR configs with the
    reference renderer too, and the "before → after" table of the renderers."""
    from simenv.bench import measure

    configs = [
        ("batch", "rgb", "none"),
        ("batch", "rgb", "default"),
        ("batch", "rgbd", "none"),
        ("batch", "rgbd", "default"),
        ("mujoco", "rgb", "default"),
        ("mujoco", "rgbd", "default"),
    ]
    rows = []
    for renderer, mode, dr in tqdm(configs, desc="IndoorNav configs"):
        r = measure(
            ENV_ID,
            steps=steps,
            obs_mode=mode,
            randomization=dr,
            camera_size=(84, 84),
            renderer=renderer,
        )
        rows.append(
            {
                "env": "IndoorNav-v0",
                "renderer": f"{renderer} ({RENDERERS[renderer]})",
                "obs": mode,
                "DR": dr,
                "size": 84,
                "steps/s": r["steps_per_s"],
                "reset ms": r["reset_ms"],
            }
        )
    by = {(r["renderer"].split()[0], r["obs"], r["DR"]): r["steps/s"] for r in rows}
    renderers = [
        {
            "obs": mode,
            "DR": "default",
            "before (mujoco) steps/s": by["mujoco", mode, "default"],
            "after (batch) steps/s": by["batch", mode, "default"],
            "× before": by["batch", mode, "default"] / by["mujoco", mode, "default"],
        }
        for mode in ("rgb", "rgbd")
    ]
    return rows, renderers


def main() -> None:
    import simenv  # noqa: F401  (registers the ids, configures GL)
    from simenv.bench import machine_header, save_results
    from simenv.viz import markdown_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000, help="timed steps per config")
    parser.add_argument(
        "--peer-steps", type=int, default=None, help="MiniWorld's timed steps (default: --steps)"
    )
    parser.add_argument(
        "--breakdown-steps", type=int, default=300, help="steps of the per-step time split"
    )
    parser.add_argument("--expert-episodes", type=int, default=100)
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "indoor_nav.json",
        help="where the JSON goes",
    )
    args = parser.parse_args()

    rows, renderers = speed(args.steps)
    mw = peer(args.peer_steps or args.steps)
    if "steps_per_s" in mw:
        rows.append(
            {
                "env": "MiniWorld-FourRooms-v0",
                "renderer": "pyglet (OpenGL 1.x)",
                "obs": "rgb",
                "DR": "domain_rand",
                "size": 84,
                "steps/s": mw["steps_per_s"],
                "reset ms": mw["reset_ms"],
            }
        )
    for row in rows:
        row["× MiniWorld-DR"] = row["steps/s"] / mw["steps_per_s"] if "steps_per_s" in mw else ""
    for row in renderers:
        row["after × MiniWorld-DR"] = (
            row["after (batch) steps/s"] / mw["steps_per_s"] if "steps_per_s" in mw else ""
        )
    parts = breakdown(args.breakdown_steps)
    experts = expert(args.expert_episodes) if args.expert_episodes else []
    header = machine_header(steps=args.steps)
    print(header)
    print(markdown_table(rows))
    if "error" in mw:
        print(f"\nMiniWorld peer failed: {mw['error']}")
    print("\nrenderers, default DR, 84x84:")
    print(markdown_table(renderers))
    print("\nms per step (gym.make_vec num_envs=1, default DR, 84x84 RGB):")
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
            "peer": mw,
            "breakdown": parts,
            "expert": experts,
        },
    )


if __name__ == "__main__":
    main()
