#!/usr/bin/env python3
"""Peer benchmark: robosuite 1.5.2 Lift (Panda), 84x84 RGB-D agentview camera obs, 20 Hz control.

Standalone: runs in .venv-robosuite and imports nothing from simenv. Random actions, episode
resets inside the timed loop, then timed resets. Prints one JSON line as the last stdout line.

    python3 -m venv .venv-robosuite
    .venv-robosuite/bin/pip install -r benchmarks/peers/requirements-robosuite.txt
    .venv-robosuite/bin/python benchmarks/peers/robosuite_bench.py --steps 300 --mode default

--mode default: robosuite's own settings. --mode fastest changes only what speeds it up while
keeping 84x84 RGB + depth camera obs at 20 Hz (measured on Mesa llvmpipe, 84x84 render+read):
  * scene flag mjRND_REFLECTION off: the table/floor materials are reflective, so every frame
    is drawn twice; ~50 -> ~22 ms per render. This is the big one. (Lift's only light already
    has castshadow=0, so shadows cost nothing here; mjRND_SHADOW and light_castshadow are
    cleared anyway.)
  * model.vis.quality.offsamples = 0 (default 4x MSAA) and a 84x84 offscreen buffer instead of
    640x480: ~22 -> ~12 ms per render.
  * mjRND_SKYBOX off (background becomes flat): ~0.5 ms.
  * hard_reset=False: reset no longer recompiles the MJCF and rebuilds the GL context (the
    settings above would otherwise be lost on every reset); ~1.1 s -> ~15 ms.
  * use_object_obs=False: drops the privileged cube-state observables (small effect).
Both modes pass renderer="mujoco" (has_renderer=False, so no viewer is opened either way):
with the default renderer="mjviewer", a hard reset drops the old MjSim + EGL render context
without freeing them, and whenever the cyclic GC later frees that context its eglReleaseThread()
unbinds the live one; every later frame is then a silent GL no-op (~0.1 ms, stale pixels) and
steps/s jumps ~10x. We saw that on the first run after install (cold numba cache). The script
checks that robosuite's context is still current after the timed loop and exits 1 if it is not.
Physics/controller settings (lite_physics=True, OSC_POSE at 500 Hz sim) are robosuite defaults
in both modes. Depth is robosuite's raw [0, 1] z-buffer value (no conversion to metres).

--workers N > 1 runs N Lift envs in Gymnasium's AsyncVectorEnv (one process each, "spawn"
start, so no worker inherits the parent's GL state; needs gymnasium in this venv:
`make bench-vector` installs it). robosuite's env is not a Gymnasium env, so LiftGymEnv below
adapts it: observations {"rgb": uint8 84x84x3, "depth": float32 84x84x1, "proprio": the 50
robot0_proprio-state values}, robosuite's `done` (its horizon) as `truncated`, worker i seeded
seed + i. --steps then counts env steps (N x vector steps); episode ends are reset by the
vector env's autoreset inside the timed loop (a hard reset in default mode, as in the single
env); every worker's GL context is checked after the timed loop; the workers' peak resident
memory (VmHWM) is reported.
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time

os.environ.setdefault("MUJOCO_GL", "egl")
os.environ.setdefault("LP_NUM_THREADS", "0")  # llvmpipe: no worker threads at tiny images

import mujoco
import numpy as np
import robosuite
from peer_common import time_vector  # (this folder)

SIZE = 84


def make_env(mode, horizon, seed):
    fast = mode == "fastest"
    extra = {"hard_reset": False, "use_object_obs": False} if fast else {}
    extra["renderer"] = "mujoco"  # frees the old sim/context on hard reset (see docstring)
    env = robosuite.make(
        "Lift",
        robots="Panda",
        has_renderer=False,
        has_offscreen_renderer=True,
        use_camera_obs=True,
        camera_names="agentview",
        camera_heights=SIZE,
        camera_widths=SIZE,
        camera_depths=True,
        control_freq=20,
        horizon=horizon,
        seed=seed,
        **extra,
    )
    if fast:
        model, ctx = env.sim.model._model, env.sim._render_context_offscreen
        model.light_castshadow[:] = 0
        model.vis.quality.offsamples = 0
        ctx.update_offscreen_size(SIZE, SIZE)  # rebuilds the MjrContext: no MSAA, 84x84 FBO
        for flag in ("mjRND_SHADOW", "mjRND_REFLECTION", "mjRND_SKYBOX"):
            ctx.scn.flags[getattr(mujoco.mjtRndFlag, flag)] = 0
    return env


def lift_gym_env(mode, horizon, seed):
    """robosuite Lift as a gymnasium.Env (made in an AsyncVectorEnv worker)."""
    import gymnasium
    from gymnasium import spaces

    class LiftGymEnv(gymnasium.Env):
        metadata = {"render_modes": []}

        def __init__(self):
            self.env = make_env(mode, horizon, seed)
            low, high = self.env.action_spec
            self.action_space = spaces.Box(low.astype(np.float32), high.astype(np.float32))
            self.observation_space = spaces.Dict(
                {
                    "rgb": spaces.Box(0, 255, (SIZE, SIZE, 3), np.uint8),
                    "depth": spaces.Box(0.0, 1.0, (SIZE, SIZE, 1), np.float32),
                    "proprio": spaces.Box(-np.inf, np.inf, (50,), np.float64),
                }
            )

        @staticmethod
        def _obs(obs):
            return {
                "rgb": np.asarray(obs["agentview_image"], np.uint8),
                "depth": np.asarray(obs["agentview_depth"], np.float32),
                "proprio": np.asarray(obs["robot0_proprio-state"], np.float64),
            }

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return self._obs(self.env.reset()), {}

        def step(self, action):
            obs, reward, done, _ = self.env.step(action)
            return self._obs(obs), float(reward), False, bool(done), {}

        def gl_context_ok(self):
            return gl_context_ok(self.env)

        def close(self):
            self.env.close()

    return LiftGymEnv()


def run_vector(args):
    """args.workers Lift envs in AsyncVectorEnv: env steps/s (workers x vector steps), resets
    included through the autoreset, then timed resets of all workers at once."""
    import functools

    try:
        import gymnasium
    except ImportError:
        sys.exit(
            "--workers > 1 needs gymnasium in this venv: `make bench-vector` installs it "
            "(.venv-robosuite/bin/pip install gymnasium==1.4.0)"
        )
    workers = args.workers
    vec = gymnasium.vector.AsyncVectorEnv(
        [
            functools.partial(lift_gym_env, args.mode, args.horizon, args.seed + i)
            for i in range(workers)
        ],
        context="spawn",
    )
    vec.action_space.seed(args.seed)
    vec.reset(seed=args.seed)
    obs, measured = time_vector(vec, args.steps, args.warmup, args.resets)
    gl_ok = all(vec.call("gl_context_ok"))  # a lost context stays lost: checked after all
    vec.close()
    return {
        "env": "robosuite/Lift-Panda",
        "mode": args.mode,
        "camera": "agentview",
        "rgb_shape": list(obs["rgb"].shape[1:]),
        "depth_shape": list(obs["depth"].shape[1:]),
        "control_freq": 20,
        "horizon": args.horizon,
        **measured,
        "vector": "gymnasium.vector.AsyncVectorEnv (spawn) over LiftGymEnv",
        "gl_context_ok": gl_ok,
        "robosuite": robosuite.__version__,
        "mujoco": mujoco.__version__,
        "numpy": np.__version__,
        "gymnasium": gymnasium.__version__,
        "MUJOCO_GL": os.environ["MUJOCO_GL"],
        "LP_NUM_THREADS": os.environ["LP_NUM_THREADS"],
    }


def gl_context_ok(env):
    """True if robosuite's EGL context is still current (else frames are silently empty)."""
    if os.environ["MUJOCO_GL"] != "egl":
        return None  # only checked for EGL
    from OpenGL import EGL

    cur, ours = EGL.eglGetCurrentContext(), env.sim._render_context_offscreen.gl_ctx._context
    return bool(cur) and cur.address == ours.address


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--resets", type=int, default=5)
    ap.add_argument("--mode", choices=("default", "fastest"), default="default")
    ap.add_argument("--horizon", type=int, default=1000, help="robosuite's default is 1000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", type=int, default=0, help="top-N cProfile entries to stderr")
    ap.add_argument(
        "--workers", type=int, default=1, help="> 1: that many envs in gymnasium's AsyncVectorEnv"
    )
    args = ap.parse_args(argv)
    if args.workers > 1:
        result = run_vector(args)
        print(json.dumps(result))
        if result["gl_context_ok"] is False:
            sys.exit("a worker's robosuite GL context was unbound: numbers are invalid")
        return
    env = make_env(args.mode, args.horizon, args.seed)
    rng = np.random.default_rng(args.seed)
    low, high = env.action_spec
    obs = env.reset()
    for _ in range(args.warmup):
        obs, _, done, _ = env.step(rng.uniform(low, high))
        if done:
            env.reset()
    prof = cProfile.Profile() if args.profile else None
    if prof:
        prof.enable()
    start = time.perf_counter()
    episodes = 0
    for _ in range(args.steps):
        obs, _, done, _ = env.step(rng.uniform(low, high))
        if done:
            obs = env.reset()
            episodes += 1
    elapsed = time.perf_counter() - start
    gl_ok = gl_context_ok(env)
    if prof:
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(args.profile)
    resets = []
    for _ in range(args.resets):
        t = time.perf_counter()
        env.reset()
        resets.append(time.perf_counter() - t)
    gl_ok = gl_ok and gl_context_ok(env)
    env.close()
    print(
        json.dumps(
            {
                "env": "robosuite/Lift-Panda",
                "mode": args.mode,
                "camera": "agentview",
                "rgb_shape": list(obs["agentview_image"].shape),
                "depth_shape": list(obs["agentview_depth"].shape),
                "control_freq": 20,
                "horizon": args.horizon,
                "steps": args.steps,
                "steps_per_s": args.steps / elapsed,
                "reset_ms": 1e3 * float(np.mean(resets)),
                "episodes": episodes,
                "gl_context_ok": gl_ok,
                "profiled": bool(prof),
                "robosuite": robosuite.__version__,
                "mujoco": mujoco.__version__,
                "numpy": np.__version__,
                "MUJOCO_GL": os.environ["MUJOCO_GL"],
                "LP_NUM_THREADS": os.environ["LP_NUM_THREADS"],
            }
        )
    )
    if gl_ok is False:
        sys.exit("robosuite's GL context was unbound during the run: numbers are invalid")


if __name__ == "__main__":
    main()
