#!/usr/bin/env python3
"""Peer benchmark: Gymnasium CarRacing-v3 (domain_randomize=True, 96x96) throughput.

Standalone: runs in .venv-peers (requirements-miniworld.txt has gymnasium[box2d]) and
imports nothing from simenv. Random actions, episode resets inside the timed loop, like
simenv.bench.measure. Prints one JSON line to stdout.

--workers N > 1 runs N envs in Gymnasium's AsyncVectorEnv (one process each, "spawn" start);
--steps then counts env steps (N x vector steps), episode ends are reset by the vector env's
autoreset inside the timed loop, and the workers' peak resident memory (VmHWM) is reported.
"""

import argparse
import functools
import json
import os
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import gymnasium as gym
import numpy as np
from peer_common import time_vector  # (this folder)

ENV_ID = "CarRacing-v3"


def make_env():
    return gym.make(ENV_ID, domain_randomize=True)


def run_single(args):
    env = make_env()
    env.action_space.seed(args.seed)
    env.reset(seed=args.seed)
    for _ in range(50):
        env.step(env.action_space.sample())
    start = time.perf_counter()
    episodes = 0
    for _ in range(args.steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
            episodes += 1
    elapsed = time.perf_counter() - start
    resets = []
    for i in range(args.resets):
        t = time.perf_counter()
        env.reset(seed=args.seed + 100 + i)
        resets.append(time.perf_counter() - t)
    obs = env.observation_space.shape
    env.close()
    return {
        "env": ENV_ID,
        "domain_randomize": True,
        "obs_shape": list(obs),
        "steps": args.steps,
        "steps_per_s": args.steps / elapsed,
        "reset_ms": 1e3 * float(np.mean(resets)),
        "episodes": episodes,
        "gymnasium": gym.__version__,
    }


def run_vector(args):
    """args.workers envs in AsyncVectorEnv: env steps/s (workers x vector steps), resets
    included through the autoreset, then timed resets of all workers at once."""
    vec = gym.vector.AsyncVectorEnv([functools.partial(make_env)] * args.workers, context="spawn")
    vec.action_space.seed(args.seed)
    vec.reset(seed=args.seed)
    _, measured = time_vector(vec, args.steps, 50, args.resets, reset_seed=args.seed + 100)
    obs = vec.single_observation_space.shape
    vec.close()
    return {
        "env": ENV_ID,
        "domain_randomize": True,
        "obs_shape": list(obs),
        **measured,
        "gymnasium": gym.__version__,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--resets", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--workers", type=int, default=1, help="> 1: that many envs in gymnasium's AsyncVectorEnv"
    )
    args = ap.parse_args(argv)
    result = run_single(args) if args.workers <= 1 else run_vector(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
