"""Native vector environments: N envs of one family in one process (DESIGN.md §8).

``gym.make_vec("simenv/<Family>-v0", num_envs=N)`` returns a :class:`SimVectorEnv` (every
family registers it as its ``vector_entry_point``). Each env in the batch stays itself: its
own ``np_random``, DR sample, scene, structural rebuilds and episode boundaries, so env ``i``
of a vector env seeded with ``s`` gives exactly what ``gym.make`` seeded with ``s + i`` gives
under the same actions (``tests/test_vector.py`` compares them bit for bit). What changes is
how the work is done:

* physics of the N envs is stepped in a thread pool (MuJoCo releases the GIL in
  ``mj_step``);
* the N observation cameras are drawn in one batch-renderer pass
  (:meth:`simenv.env.SimEnv.capture_all`), then each env applies its own sensor models;
* time limits are applied here (``make_vec`` does not wrap a vector entry point in
  ``TimeLimit``), and an env whose episode ended is reset by the next ``step``
  (Gymnasium's ``NEXT_STEP`` autoreset: that step returns the reset observation, reward 0,
  no termination).

``reset(seed=s)`` seeds env ``i`` with ``s + i`` (or takes a list of seeds);
``reset(options={"reset_mask": mask})`` resets only the envs where ``mask`` is true. ``info``
is a dict of arrays with ``_key`` masks. ``vectorization_mode="sync"``/``"async"`` keep
working through Gymnasium's own vector envs.

``gym.make_vec(..., num_envs=N, workers=W)`` splits the N envs over W processes, each holding
a :class:`SimVectorEnv` of its share (:class:`ProcessVectorEnv`): for engines that hold the
GIL while they step (PyBullet), the way to use several cores. It gives the same observations
as one process. A worker that dies (killed, out of memory) is a one-line ``RuntimeError``
naming it and its exit signal, never a hang; the other workers are stopped.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import load_env_creator
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from .env import SimEnv

Obs = dict[str, np.ndarray]


class SimVectorEnv(gym.vector.VectorEnv[Obs, np.ndarray, np.ndarray]):
    """``num_envs`` envs of ``env_id`` stepped together.

    Args:
        env_id: a registered simenv id.
        num_envs: how many envs.
        max_episode_steps: the time limit (``gym.make_vec`` passes the registered one).
        threads: physics worker threads (default: the CPU count, at most ``num_envs``;
            1 steps the envs one after another in the calling thread).
        **kwargs: the env's keyword arguments, the same for every env.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        env_id: str,
        num_envs: int = 1,
        max_episode_steps: int | None = None,
        threads: int | None = None,
        first_index: int = 0,
        **kwargs: Any,
    ) -> None:
        _check_count("num_envs", num_envs)
        if max_episode_steps is not None and max_episode_steps < 1:
            raise ValueError(f"max_episode_steps must be >= 1, got {max_episode_steps!r}")
        self.first_index = int(first_index)  # env numbers in messages start here
        cls = _env_class(env_id)
        self.envs: list[SimEnv[Any]] = []
        try:
            for _ in range(int(num_envs)):
                self.envs.append(cls(**kwargs))
        except BaseException:
            self.close_envs()
            raise
        first = self.envs[0]
        self.env_id = env_id
        self.num_envs = int(num_envs)
        self.max_episode_steps = max_episode_steps
        self.render_mode = first.render_mode
        self.metadata = {**type(first).metadata, "autoreset_mode": AutoresetMode.NEXT_STEP}
        self.single_observation_space = first.observation_space
        self.single_action_space = first.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        workers = min(self.num_envs, threads or os.cpu_count() or 1)
        self._pool = ThreadPoolExecutor(workers, "simenv-physics") if workers > 1 else None
        self._elapsed = np.zeros(self.num_envs, np.int64)
        self._autoreset = np.zeros(self.num_envs, bool)
        self._obs: list[Obs | None] = [None] * self.num_envs
        self._capture_cache: dict[str, Any] = {}
        self._closed = False
        # seconds spent per phase since construction: where the time goes
        self.timings: dict[str, float] = defaultdict(float)

    # ------------------------------------------------------------------ Gymnasium API
    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Obs, dict[str, Any]]:
        self._check_open()
        seeds = _seed_list(seed, self.num_envs)
        mask = _reset_mask(options, self.num_envs)
        if mask is None:
            mask = np.ones(self.num_envs, bool)
        elif any(self._obs[i] is None for i in np.flatnonzero(~mask)):
            raise ValueError("the first reset must reset every env (reset_mask all true)")
        infos: dict[str, Any] = {}
        which = [int(i) for i in np.flatnonzero(mask)]
        start = time.perf_counter()
        for i in which:
            infos = self._add_info(infos, self.envs[i]._reset_state(seeds[i]), i)
            self._elapsed[i] = 0
            self._autoreset[i] = False
        self.timings["reset"] += time.perf_counter() - start
        self._observe(which)
        return self._batch(), infos

    def step(self, actions: Any) -> tuple[Obs, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        self._check_open()
        actions = list(_action_batch(actions, self.num_envs))
        resetting = [int(i) for i in np.flatnonzero(self._autoreset)]
        stepping = [int(i) for i in np.flatnonzero(~self._autoreset)]
        checked = {}
        for i in stepping:  # every action is checked before any env moves
            try:
                checked[i] = self.envs[i]._checked(actions[i])
            except ValueError as err:
                raise ValueError(f"env {self.first_index + i}: {err}") from None
        rewards = np.zeros(self.num_envs)
        terminated = np.zeros(self.num_envs, bool)
        truncated = np.zeros(self.num_envs, bool)
        infos: dict[str, Any] = {}
        start = time.perf_counter()
        results = self._map(lambda i: self.envs[i]._step_state(checked[i]), stepping)
        self.timings["physics"] += time.perf_counter() - start
        for i, result in zip(stepping, results):
            rewards[i], terminated[i], truncated[i], info = result
            infos = self._add_info(infos, info, i)
        self._elapsed[stepping] += 1
        if self.max_episode_steps is not None:
            truncated[stepping] |= self._elapsed[stepping] >= self.max_episode_steps
        start = time.perf_counter()
        for i in resetting:  # NEXT_STEP autoreset: the step after an episode's end resets it
            infos = self._add_info(infos, self.envs[i]._reset_state(None), i)
            self._elapsed[i] = 0
        self.timings["reset"] += time.perf_counter() - start
        self._autoreset = terminated | truncated
        self._observe(list(range(self.num_envs)))
        return self._batch(), rewards, terminated, truncated, infos

    def render(self) -> tuple[Any, ...] | None:
        self._check_open()
        if self.render_mode is None:
            gym.logger.warn("render() called with render_mode=None")
            return None
        return tuple(env.render() for env in self.envs)

    def close_extras(self, **kwargs: Any) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for value in self._capture_cache.values():
            close = getattr(value, "close", None)
            if close is not None:
                close()
        self._capture_cache.clear()
        self.close_envs()

    def close_envs(self) -> None:
        for env in self.envs:
            env.close()

    # ------------------------------------------------------------------ helpers
    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("SimVectorEnv is closed; make a new one")

    def _map(self, fn: Any, indices: list[int]) -> list[Any]:
        if self._pool is None or len(indices) < 2:
            return [fn(i) for i in indices]
        return list(self._pool.map(fn, indices))

    def _observe(self, which: list[int]) -> None:
        """Draw the cameras of envs ``which`` in one pass and apply each env's sensors."""
        if not len(which):
            return
        start = time.perf_counter()
        frames = type(self.envs[0]).capture_all(self.envs, which, self._capture_cache)
        middle = time.perf_counter()
        for i, frame in zip(which, frames):
            self._obs[i] = self.envs[i]._observe(frame)
        self.timings["render"] += middle - start
        self.timings["sensors and task vectors"] += time.perf_counter() - middle

    def _batch(self) -> Obs:
        first = self._obs[0]
        assert first is not None and all(o is not None for o in self._obs)
        return {k: np.stack([o[k] for o in self._obs if o is not None]) for k in first}


def _seed_list(seed: int | Sequence[int | None] | None, n: int) -> list[int | None]:
    """One seed per env: ``seed + i`` from an int, or ``n`` given ones."""
    if seed is None:
        return [None] * n
    if isinstance(seed, (int, np.integer)):
        return [int(seed) + i for i in range(n)]
    seeds = list(seed)
    if len(seeds) != n:
        raise ValueError(f"seed must be an int or {n} seeds, got {len(seeds)}")
    return seeds


def _reset_mask(options: dict[str, Any] | None, n: int) -> np.ndarray | None:
    """``options["reset_mask"]`` checked to be ``n`` booleans (``None`` when absent)."""
    mask = (options or {}).get("reset_mask")
    if mask is None:
        return None
    mask = np.asarray(mask)
    if mask.shape != (n,) or mask.dtype != bool:
        raise ValueError(
            f"options['reset_mask'] must be {n} booleans, got {mask.dtype} {mask.shape}"
        )
    return mask


def _action_batch(actions: Any, n: int) -> np.ndarray:
    """``actions`` as an array of ``n`` actions (a one-line error naming what came)."""
    try:
        arr = np.asarray(actions)
    except (TypeError, ValueError):
        raise ValueError(
            f"actions must be a batch of {n} actions, got {type(actions).__name__}"
        ) from None
    if arr.ndim == 0 or len(arr) != n:
        got = "a scalar" if arr.ndim == 0 else f"shape {arr.shape}"
        raise ValueError(f"actions must be a batch of {n} actions, got {got}")
    return arr


def _env_class(env_id: str) -> Any:
    """The env class registered as ``env_id`` (a one-line error naming simenv's ids)."""
    if env_id not in gym.registry:
        valid = ", ".join(k for k in gym.registry if k.startswith("simenv/"))
        raise ValueError(f"unknown environment {env_id!r}; valid: {valid}")
    entry = gym.registry[env_id].entry_point
    return load_env_creator(entry) if isinstance(entry, str) else entry


def _check_count(name: str, value: Any) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def make(
    env_id: str, num_envs: int = 1, workers: int = 1, **kwargs: Any
) -> SimVectorEnv | ProcessVectorEnv:
    """The native vector env of ``gym.make_vec``: one process, or ``workers`` of them."""
    _check_count("workers", workers)
    if workers > 1:
        return ProcessVectorEnv(env_id, num_envs, workers, **kwargs)
    return SimVectorEnv(env_id, num_envs, **kwargs)


def _worker(
    pipe: Any, parent_end: Any, env_id: str, num_envs: int, first: int, kwargs: dict[str, Any]
) -> None:
    """A worker process: a :class:`SimVectorEnv` serving its parent's commands."""
    parent_end.close()
    try:
        venv = SimVectorEnv(env_id, num_envs, first_index=first, **kwargs)
    except BaseException as err:  # reported to the parent, which raises it
        pipe.send(("error", (type(err).__name__, str(err))))
        return
    pipe.send(
        (
            "ok",
            (
                venv.single_observation_space,
                venv.single_action_space,
                venv.metadata,
                venv.render_mode,
            ),
        )
    )
    while True:
        try:
            command, data = pipe.recv()
        except (EOFError, OSError):  # the parent is gone
            break
        try:
            if command == "close":
                break
            out: Any = (
                venv.reset(seed=data[0], options=data[1])
                if command == "reset"
                else venv.step(data)
                if command == "step"
                else dict(venv.timings)
                if command == "timings"
                else venv.render()
            )
            pipe.send(("ok", out))
        except Exception as err:
            pipe.send(("error", (type(err).__name__, str(err))))
    venv.close()


def _unbatch(infos: dict[str, Any], j: int) -> dict[str, Any]:
    """Env ``j``'s info dict from a vector env's dict of arrays with ``_key`` masks."""
    out: dict[str, Any] = {}
    for key, value in infos.items():
        if key.startswith("_") or not infos.get(f"_{key}", np.zeros(j + 1, bool))[j]:
            continue
        out[key] = _unbatch(value, j) if isinstance(value, dict) else value[j]
    return out


class ProcessVectorEnv(gym.vector.VectorEnv[Obs, np.ndarray, np.ndarray]):
    """``num_envs`` envs of ``env_id`` over ``workers`` processes, each a
    :class:`SimVectorEnv` of its share (the first ``num_envs % workers`` get one more).

    Env ``i`` is the same env it would be in one process (seeds, observations, infos,
    autoresets); ``timings`` sums the workers'. A dead worker is a ``RuntimeError`` naming it;
    ``close()`` never waits on one.

    Args:
        env_id, num_envs: as :class:`SimVectorEnv`.
        workers: processes (at most ``num_envs``).
        context: a ``multiprocessing`` start method (default: the platform's).
        **kwargs: :class:`SimVectorEnv`'s (``max_episode_steps``, ``threads``) and the env's.
    """

    def __init__(
        self, env_id: str, num_envs: int, workers: int, context: str | None = None, **kwargs: Any
    ) -> None:
        _check_count("num_envs", num_envs)
        _check_count("workers", workers)
        workers = min(int(workers), int(num_envs))
        sizes = [num_envs // workers + (k < num_envs % workers) for k in range(workers)]
        self.slices = [slice(sum(sizes[:k]), sum(sizes[: k + 1])) for k in range(workers)]
        self.env_id, self.num_envs = env_id, int(num_envs)
        ctx: Any = multiprocessing.get_context(context)
        self._pipes: list[Any] = []
        self._processes: list[Any] = []
        self._closed = False
        for k, part in enumerate(self.slices):
            parent, child = ctx.Pipe()
            process = ctx.Process(
                target=_worker,
                name=f"simenv-vector-{k}",
                daemon=True,
                args=(child, parent, env_id, part.stop - part.start, part.start, kwargs),
            )
            process.start()
            child.close()
            self._pipes.append(parent)
            self._processes.append(process)
        try:
            specs = self._gather()
        except BaseException:
            self.close()
            raise
        obs_space, act_space, metadata, render_mode = specs[0]
        self.single_observation_space, self.single_action_space = obs_space, act_space
        self.observation_space = batch_space(obs_space, self.num_envs)
        self.action_space = batch_space(act_space, self.num_envs)
        self.metadata, self.render_mode = metadata, render_mode

    # ------------------------------------------------------------------ Gymnasium API
    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Obs, dict[str, Any]]:
        self._check_open()
        seeds = _seed_list(seed, self.num_envs)
        mask = _reset_mask(options, self.num_envs)
        for k, part in enumerate(self.slices):
            sub = None if mask is None else {"reset_mask": mask[part]}
            self._send(k, "reset", (seeds[part], sub))
        results = self._gather()
        return self._join_obs([r[0] for r in results]), self._join_infos([r[1] for r in results])

    def step(self, actions: Any) -> tuple[Obs, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        self._check_open()
        arr = _action_batch(actions, self.num_envs)
        for k, part in enumerate(self.slices):
            self._send(k, "step", arr[part])
        results = self._gather()
        rewards, terminated, truncated = (
            np.concatenate([r[i] for r in results]) for i in (1, 2, 3)
        )
        return (
            self._join_obs([r[0] for r in results]),
            rewards,
            terminated,
            truncated,
            self._join_infos([r[4] for r in results]),
        )

    def render(self) -> tuple[Any, ...] | None:
        self._check_open()
        for k in range(len(self.slices)):
            self._send(k, "render", None)
        frames = self._gather()
        return None if frames[0] is None else tuple(f for part in frames for f in part)

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids, in env order."""
        return [int(p.pid) for p in self._processes]

    @property
    def timings(self) -> dict[str, float]:
        """Seconds per phase, summed over the workers (which run at the same time)."""
        self._check_open()
        for k in range(len(self.slices)):
            self._send(k, "timings", None)
        out: dict[str, float] = defaultdict(float)
        for part in self._gather():
            for name, seconds in part.items():
                out[name] += seconds
        return dict(out)

    def close_extras(self, **kwargs: Any) -> None:
        if self._closed:
            return
        self._closed = True
        for pipe, process in zip(self._pipes, self._processes):
            if process.is_alive():
                try:
                    pipe.send(("close", None))
                except OSError:
                    pass
        deadline = time.monotonic() + 10.0
        for process in self._processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
                process.join(1.0)
        for pipe in self._pipes:
            pipe.close()

    # ------------------------------------------------------------------ helpers
    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("ProcessVectorEnv is closed; make a new one")

    def _send(self, k: int, command: str, data: Any) -> None:
        try:
            self._pipes[k].send((command, data))
        except OSError:
            self._dead(k)

    def _gather(self) -> list[Any]:
        """Every worker's answer to the command just sent; the first error is raised once
        all have answered (so no answer is left behind for the next command)."""
        answers = [self._receive(k) for k in range(len(self.slices))]
        for k, (status, payload) in enumerate(answers):
            if status == "error":
                kind, message = payload
                raise (ValueError if kind == "ValueError" else RuntimeError)(
                    message if kind == "ValueError" else f"worker {k}: {kind}: {message}"
                )
        return [payload for _, payload in answers]

    def _receive(self, k: int) -> tuple[str, Any]:
        pipe, process = self._pipes[k], self._processes[k]
        while not pipe.poll(0.05):
            if not process.is_alive() and not pipe.poll(0):
                self._dead(k)
        try:
            answer: tuple[str, Any] = pipe.recv()
        except (EOFError, OSError):
            self._dead(k)
        return answer

    def _dead(self, k: int) -> Any:
        process, part = self._processes[k], self.slices[k]
        process.join(1.0)
        code = process.exitcode
        how = (
            "still running but unreachable"
            if code is None
            else f"killed by {signal.Signals(-code).name}"
            if code < 0
            else f"exit status {code}"
        )
        self.close()
        raise RuntimeError(
            f"vector env worker {k} (envs {part.start}-{part.stop - 1}, pid "
            f"{process.pid}) died ({how}); the vector env is closed"
        )

    def _join_obs(self, parts: list[Obs]) -> Obs:
        return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}

    def _join_infos(self, parts: list[dict[str, Any]]) -> dict[str, Any]:
        infos: dict[str, Any] = {}
        for part, infos_k in zip(self.slices, parts):
            for j in range(part.stop - part.start):
                info = _unbatch(infos_k, j)
                if info:
                    infos = self._add_info(infos, info, part.start + j)
        return infos
