"""Speed measurement shared by ``simenv bench`` and ``benchmarks/``."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np


def measure(env_id: str, steps: int = 1000, resets: int = 10, seed: int = 0,
            **kwargs: Any) -> dict[str, Any]:
    """Steps/s under random actions (episode resets included) and mean reset time.

    The first reset and 20 warm-up steps are not timed. Actions come from the action
    space's own seeded generator.
    """
    env = gym.make(env_id, **kwargs)
    try:
        env.action_space.seed(seed)
        env.reset(seed=seed)
        for _ in range(20):
            env.step(env.action_space.sample())
        env.reset(seed=seed + 1)
        episodes = 0
        start = time.perf_counter()
        for _ in range(steps):
            _, _, terminated, truncated, _ = env.step(env.action_space.sample())
            if terminated or truncated:
                env.reset()
                episodes += 1
        elapsed = time.perf_counter() - start
        reset_times = []
        for i in range(resets):
            t = time.perf_counter()
            env.reset(seed=seed + 100 + i)
            reset_times.append(time.perf_counter() - t)
    finally:
        env.close()
    return {
        "env": env_id,
        "kwargs": {k: v for k, v in kwargs.items() if not isinstance(v, np.ndarray)},
        "steps": steps,
        "steps_per_s": steps / elapsed,
        "reset_ms": 1e3 * float(np.mean(reset_times)),
        "episodes_in_timed_steps": episodes,
    }


def run_peer(python: Path, script: Path, steps: int, *args: str) -> dict[str, Any]:
    """Run a peer benchmark script in its own virtualenv; its last stdout line is JSON."""
    if not python.exists():
        return {"error": "peer venv missing: run `make bench-peers`"}
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    out = subprocess.run([str(python), str(script), "--steps", str(steps), *args],
                         capture_output=True, text=True, env=env, timeout=900)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine_header(**extra: Any) -> str:
    """Date, host, cores, GL settings and ``extra`` (e.g. steps): the first line of a result."""
    items = {"LP_NUM_THREADS": os.environ.get("LP_NUM_THREADS", "(unset)"),
             "MUJOCO_GL": os.environ.get("MUJOCO_GL"), **extra}
    return (f"{time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} cores, "
            + ", ".join(f"{k}={v}" for k, v in items.items()))


def save_results(path: Path, data: dict[str, Any]) -> Path:
    """Write one benchmark's results as indented JSON (and say where, on stderr)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))
    print(f"wrote {path}", file=sys.stderr)
    return path
