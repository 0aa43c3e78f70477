#!/usr/bin/env python3
"""Peer benchmark: MiniWorld-FourRooms-v0 throughput, headless via EGL.

Standalone: runs in .venv-peers (see requirements-miniworld.txt) and imports
nothing from simenv. Prints one JSON line to stdout.

    python3 -m venv .venv-peers
    .venv-peers/bin/pip install -r benchmarks/peers/requirements-miniworld.txt
    env -u DISPLAY .venv-peers/bin/python benchmarks/peers/miniworld_bench.py
    env -u DISPLAY .venv-peers/bin/python benchmarks/peers/miniworld_bench.py --workers 2

--workers N > 1 runs N envs in Gymnasium's AsyncVectorEnv (one process each, "spawn" start,
so no worker inherits the parent's GL state); --steps then counts env steps (N x vector steps),
episode ends are reset by the vector env's autoreset inside the timed loop, and the workers'
peak resident memory (VmHWM) is reported.
"""

import argparse
import contextlib
import json
import os
import sys
import time

# Headless rendering must be chosen before pyglet/miniworld are imported.
# miniworld itself switches pyglet to headless only when PYOPENGL_PLATFORM=egl.
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
import pyglet

pyglet.options["headless"] = True
pyglet.options["shadow_window"] = False
pyglet.options["debug_gl"] = False  # per-call glGetError checks cost throughput

import gymnasium as gym  # noqa: E402
import miniworld  # noqa: E402  (registers MiniWorld-* envs)
import numpy as np  # noqa: E402
from peer_common import time_vector  # noqa: E402  # (this folder)

try:
    from importlib.metadata import version as _pkg_version

    MINIWORLD_VERSION = _pkg_version("miniworld")
except Exception:  # pragma: no cover
    MINIWORLD_VERSION = getattr(miniworld, "__version__", "unknown")

ENV_ID = "MiniWorld-FourRooms-v0"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000, help="timed steps")
    ap.add_argument("--warmup", type=int, default=50, help="untimed warm-up steps")
    ap.add_argument("--resets", type=int, default=20, help="timed resets")
    ap.add_argument("--size", type=int, default=84, help="obs width = height")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-domain-rand", dest="domain_rand", action="store_false")
    ap.add_argument(
        "--workers", type=int, default=1, help="> 1: that many envs in gymnasium's AsyncVectorEnv"
    )
    args = ap.parse_args(argv)

    size = args.size
    # miniworld print()s notes such as "Falling back to num_samples=4" to
    # stdout; keep stdout for the single JSON line.
    with contextlib.redirect_stdout(sys.stderr):
        result = run(args, size) if args.workers <= 1 else run_vector(args, size)
    print(json.dumps(result), flush=True)
    return 0


def make_env(domain_rand, size):
    return gym.make(ENV_ID, domain_rand=domain_rand, obs_width=size, obs_height=size)


def run_vector(args, size):
    """args.workers envs in AsyncVectorEnv: env steps/s (workers x vector steps), resets
    included through the autoreset, then timed resets of all workers at once."""
    import functools

    workers = args.workers
    vec = gym.vector.AsyncVectorEnv(
        [functools.partial(make_env, args.domain_rand, size)] * workers, context="spawn"
    )
    vec.action_space.seed(args.seed)
    obs, _ = vec.reset(seed=args.seed)
    expected = (workers, size, size, 3)
    assert obs.shape == expected and obs.dtype == np.uint8, (obs.shape, obs.dtype)
    obs, measured = time_vector(vec, args.steps, args.warmup, args.resets)
    assert obs.shape == expected and obs.dtype == np.uint8, (obs.shape, obs.dtype)
    vec.close()
    return {
        "env": ENV_ID,
        "domain_rand": args.domain_rand,
        "size": [size, size],
        **measured,
        "miniworld_version": MINIWORLD_VERSION,
        "pyglet_version": pyglet.version,
        "gymnasium_version": gym.__version__,
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "LP_NUM_THREADS": os.environ.get("LP_NUM_THREADS"),
    }


def run(args, size):
    env = make_env(args.domain_rand, size)
    renderer = pyglet.gl.gl_info.get_renderer()
    env.action_space.seed(args.seed)
    obs, _ = env.reset(seed=args.seed)
    expected = (size, size, 3)
    assert obs.shape == expected and obs.dtype == np.uint8, (obs.shape, obs.dtype)

    sample = env.action_space.sample
    step = env.step

    # Warm-up (not timed).
    for _ in range(args.warmup):
        obs, _, term, trunc, _ = step(sample())
        if term or trunc:
            obs, _ = env.reset()

    # Timed stepping; episode-end resets are included in the timed loop
    # (as a vectorised/auto-reset training loop would pay them).
    episodes = 0
    t0 = time.perf_counter()
    for _ in range(args.steps):
        obs, _, term, trunc, _ = step(sample())
        if term or trunc:
            obs, _ = env.reset()
            episodes += 1
    dt = time.perf_counter() - t0
    assert obs.shape == expected and obs.dtype == np.uint8, (obs.shape, obs.dtype)

    # Timed resets.
    times = []
    for _ in range(args.resets):
        t = time.perf_counter()
        obs, _ = env.reset()
        times.append(time.perf_counter() - t)
    assert obs.shape == expected and obs.dtype == np.uint8, (obs.shape, obs.dtype)
    env.close()

    return {
        "env": ENV_ID,
        "domain_rand": args.domain_rand,
        "size": [size, size],
        "steps_per_s": round(args.steps / dt, 1),
        "reset_ms": round(1000.0 * float(np.mean(times)), 3),
        "miniworld_version": MINIWORLD_VERSION,
        "pyglet_version": pyglet.version,
        "gl_renderer": renderer,
        "steps": args.steps,
        "episodes_in_timed_steps": episodes,
        "loadavg_1m": round(os.getloadavg()[0], 2),
        # llvmpipe worker threads (unset = one per core); 0 renders inline.
        "LP_NUM_THREADS": os.environ.get("LP_NUM_THREADS"),
    }


if __name__ == "__main__":
    sys.exit(main())
