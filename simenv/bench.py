"""Speed measurement shared by ``simenv bench`` and ``benchmarks/``."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

#: the phases of :attr:`simenv.vector.SimVectorEnv.timings`, in the order of a step
PHASES = ("physics", "reset", "render", "sensors and task vectors")


def measure(
    env_id: str, steps: int = 1000, resets: int = 10, seed: int = 0, **kwargs: Any
) -> dict[str, Any]:
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


def measure_vector(
    env_id: str, num_envs: int = 1, steps: int = 300, warmup: int = 5, seed: int = 0, **kwargs: Any
) -> dict[str, Any]:
    """Env steps/s of the native vector env and where its time goes.

    ``gym.make_vec(env_id, num_envs, **kwargs)`` steps ``steps`` times under random actions
    from its batched action space (seeded), episode ends included (the vector env resets
    them at the next step). ``reset(seed)`` and ``warmup`` steps are not timed. The split
    comes from the public :attr:`SimVectorEnv.timings`, with ``other`` the rest of the step
    (action checks, batching observations and infos).

    Returns ``steps_per_s`` (env steps, ``num_envs`` × vector steps, per second),
    ``vector_steps_per_s``, ``ms_per_step`` (per vector step) and ``ms_per_env_step`` for
    each phase and ``total``, ``seconds`` (timed phase totals), ``episodes`` (ended in the
    timed steps) and ``children_peak_rss_mb`` (the peak resident memory of each child process,
    e.g. the workers of ``make_vec(..., workers=W)``, read before closing). The time split of a
    multi-process vector env sums its workers' timings.
    """
    vec: Any = gym.make_vec(env_id, num_envs=num_envs, **kwargs)
    if not isinstance(getattr(vec, "timings", None), Mapping):
        vec.close()
        raise TypeError(
            f"{env_id}: gym.make_vec gave {type(vec).__name__}, which has no "
            "timings (a native vector env has)"
        )
    try:
        vec.action_space.seed(seed)
        vec.reset(seed=seed)
        for _ in range(warmup):
            vec.step(vec.action_space.sample())
        before = dict(vec.timings)
        episodes = 0
        start = time.perf_counter()
        for _ in range(steps):
            _, _, terminated, truncated, _ = vec.step(vec.action_space.sample())
            episodes += int(np.count_nonzero(terminated | truncated))
        elapsed = time.perf_counter() - start
        after = dict(vec.timings)
        children = children_peak_mb()
    finally:
        vec.close()
    seconds = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in PHASES}
    seconds.update({k: v - before.get(k, 0.0) for k, v in after.items() if k not in PHASES})
    seconds["other"] = max(elapsed - sum(seconds.values()), 0.0)
    seconds["total"] = elapsed
    return {
        "env": env_id,
        "num_envs": num_envs,
        "kwargs": {k: v for k, v in kwargs.items() if not isinstance(v, np.ndarray)},
        "steps": steps,
        "env_steps": steps * num_envs,
        "steps_per_s": steps * num_envs / elapsed,
        "vector_steps_per_s": steps / elapsed,
        "ms_per_step": {k: 1e3 * v / steps for k, v in seconds.items()},
        "ms_per_env_step": {k: 1e3 * v / (steps * num_envs) for k, v in seconds.items()},
        "seconds": seconds,
        "episodes": episodes,
        "children_peak_rss_mb": children,
    }


def split_row(result: dict[str, Any], per: str = "ms_per_step") -> dict[str, float]:
    """A :func:`measure_vector` result's time split as a flat table row: ``<phase> ms`` for
    each phase (``per`` = ``"ms_per_step"`` per vector step or ``"ms_per_env_step"``), then
    ``total ms``."""
    split = result[per]
    names = [*PHASES, *(k for k in split if k not in (*PHASES, "other", "total")), "other", "total"]
    short = {"sensors and task vectors": "sensors+task"}
    return {f"{short.get(k, k)} ms": float(split.get(k, 0.0)) for k in names}


def memory_mb(field: str = "VmHWM") -> float:
    """This process's ``VmHWM`` (peak resident set) or ``VmRSS`` (now) in MiB, from
    ``/proc/self/status``; ``ru_maxrss`` where there is no ``/proc``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_mb() -> list[float]:
    """Peak resident memory (``VmHWM``, MiB) of each live child process of this one."""
    pids: set[int] = set()
    try:
        for task in Path("/proc/self/task").iterdir():
            pids.update(int(p) for p in (task / "children").read_text().split())
    except OSError:
        return []
    peaks = []
    for pid in sorted(pids):
        try:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        peaks += [int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:")]
    return peaks


def run_peer(
    python: Path, script: Path, steps: int, *args: str, timeout: float = 900
) -> dict[str, Any]:
    """Run a peer benchmark script in its own virtualenv; its last stdout line is JSON.

    ``args`` go to the script after ``--steps`` (e.g. ``"--workers", "2"``). A failure is a
    dict with ``error`` (the last lines of the script's stderr).
    """
    if not python.exists():
        return {"error": "peer venv missing: run `make bench-peers`"}
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    try:
        out = subprocess.run(
            [str(python), str(script), "--steps", str(steps), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"{script.name} {' '.join(args)}: no result in {timeout:.0f} s"}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-3:]}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def machine_header(**extra: Any) -> str:
    """Date, host, cores, GL settings and ``extra`` (e.g. steps): the first line of a result."""
    items = {
        "LP_NUM_THREADS": os.environ.get("LP_NUM_THREADS", "(unset)"),
        "MUJOCO_GL": os.environ.get("MUJOCO_GL"),
        **extra,
    }
    return f"{time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} cores, " + ", ".join(
        f"{k}={v}" for k, v in items.items()
    )


def save_results(path: Path, data: dict[str, Any]) -> Path:
    """Write one benchmark's results as indented JSON (and say where, on stderr)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))
    print(f"wrote {path}", file=sys.stderr)
    return path
