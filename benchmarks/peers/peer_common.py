"""Helpers every peer script uses (imported by file name: each script runs in its peer's venv)."""

import time

import numpy as np


def worker_peak_mb(vec):
    """Peak resident memory (VmHWM, MiB) of each AsyncVectorEnv worker process."""
    peaks = []
    for proc in vec.processes:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                line = next(x for x in f if x.startswith("VmHWM:"))
            peaks.append(round(int(line.split()[1]) / 1024, 1))
        except (OSError, StopIteration):
            peaks.append(None)
    return peaks


def time_vector(vec, steps, warmup, resets, reset_seed=None):
    """Time a reset AsyncVectorEnv: ``warmup`` then ``steps`` env steps of random actions
    (resets included through its autoreset), then ``resets`` resets of all workers at once
    (seeded ``reset_seed + workers * i`` when given). Returns the last observation and the
    measurements every peer reports."""
    workers = vec.num_envs
    for _ in range(max(warmup // workers, 1)):
        vec.step(vec.action_space.sample())
    vsteps = max(-(-steps // workers), 1)
    episodes = 0
    start = time.perf_counter()
    for _ in range(vsteps):
        obs, _, terminated, truncated, _ = vec.step(vec.action_space.sample())
        episodes += int(np.count_nonzero(terminated | truncated))
    elapsed = time.perf_counter() - start
    times = []
    for i in range(resets):
        t = time.perf_counter()
        vec.reset(seed=None if reset_seed is None else reset_seed + workers * i)
        times.append(time.perf_counter() - t)
    return obs, {
        "workers": workers,
        "vector": "gymnasium.vector.AsyncVectorEnv (spawn)",
        "steps": workers * vsteps,
        "vector_steps": vsteps,
        "steps_per_s": workers * vsteps / elapsed,
        "vector_steps_per_s": vsteps / elapsed,
        "reset_ms": 1e3 * float(np.mean(times)),
        "reset_note": "one vector reset (all workers in parallel)",
        "worker_peak_rss_mb": worker_peak_mb(vec),
        "episodes": episodes,
    }
