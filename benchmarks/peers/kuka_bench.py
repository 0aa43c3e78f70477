#!/usr/bin/env python3
"""Peer benchmark: pybullet KukaDiverseObjectEnv (grasping from a bin, TinyRenderer RGB obs).

Standalone: runs in .venv-kuka and imports nothing from simenv. The env ships inside the
pybullet 3.2.7 wheel and uses the old gym API (reset() -> obs, step() -> 4-tuple);
pybullet_envs/__init__.py needs gym's old `registry.env_specs`, which gym<=0.23 still has, so
requirements-kuka.txt pins gym==0.23.1 (real gym, no shim). Random actions, episode resets
inside the timed loop, then timed resets. Prints one JSON line as the last stdout line.

    python3 -m venv .venv-kuka
    .venv-kuka/bin/pip install -r benchmarks/peers/requirements-kuka.txt
    .venv-kuka/bin/python benchmarks/peers/kuka_bench.py --steps 200 [--size 84]

One env step = 80 physics steps at 240 Hz (150 solver iterations) + one camera render; with
removeHeightHack=False the gripper descends every step and, once the end effector is below
z=0.1, the same step runs a 1000-physics-step grasp-and-lift and ends the episode. Episodes
that reach maxSteps first end without closing the gripper. attempts_per_s counts every
completed episode (one grasp attempt per episode); grasp_closures counts only the episodes in
which the gripper actually closed.
"""

import argparse
import ctypes
import json
import random
import time
from importlib.metadata import version

import numpy as np
from pybullet_envs.bullet.kuka_diverse_object_gym_env import KukaDiverseObjectEnv

ctypes.CDLL(None).fflush(None)  # pybullet printf()s at import; keep it ahead of the JSON line


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--resets", type=int, default=5)
    ap.add_argument("--size", type=int, default=48, help="camera width = height (env default 48)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    random.seed(args.seed)  # the env draws objects/placements from the global RNGs
    np.random.seed(args.seed)  # noqa: NPY002  (the env uses the legacy global RNG)
    env = KukaDiverseObjectEnv(
        renders=False,
        isDiscrete=False,
        removeHeightHack=False,
        maxSteps=8,
        width=args.size,
        height=args.size,
    )
    env.action_space.seed(args.seed)
    obs = env.reset()
    for _ in range(args.warmup):
        obs, _, done, _ = env.step(env.action_space.sample())
        if done:
            env.reset()
    env.reset()
    start = time.perf_counter()
    episodes = closures = successes = 0
    for _ in range(args.steps):
        obs, reward, done, _ = env.step(env.action_space.sample())
        if done:
            episodes += 1
            closures += int(env._attempted_grasp)
            successes += int(reward > 0)
            obs = env.reset()
    elapsed = time.perf_counter() - start
    resets = []
    for _ in range(args.resets):
        t = time.perf_counter()
        env.reset()
        resets.append(time.perf_counter() - t)
    env.close()
    print(
        json.dumps(
            {
                "env": "pybullet/KukaDiverseObjectEnv",
                "obs_shape": list(obs.shape),
                "maxSteps": 8,
                "removeHeightHack": False,
                "steps": args.steps,
                "steps_per_s": args.steps / elapsed,
                "attempts_per_s": episodes / elapsed,
                "episodes": episodes,
                "grasp_closures": closures,
                "grasp_successes": successes,
                "reset_ms": 1e3 * float(np.mean(resets)),
                "pybullet": version("pybullet"),
                "gym": version("gym"),
                "numpy": np.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
