#!/usr/bin/env python3
"""Peer benchmark: Gymnasium CarRacing-v3 (domain_randomize=True, 96x96) throughput.

Standalone: runs in .venv-peers (requirements-miniworld.txt has gymnasium[box2d]) and
imports nothing from simenv. Random actions, episode resets inside the timed loop, like
simenv.bench.measure. Prints one JSON line to stdout.
"""
import argparse
import json
import os
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import gymnasium as gym
import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--resets", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    env = gym.make("CarRacing-v3", domain_randomize=True)
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
    print(json.dumps({"env": "CarRacing-v3", "domain_randomize": True, "obs_shape": list(obs),
                      "steps": args.steps, "steps_per_s": args.steps / elapsed,
                      "reset_ms": 1e3 * float(np.mean(resets)), "episodes": episodes,
                      "gymnasium": gym.__version__}))


if __name__ == "__main__":
    main()
