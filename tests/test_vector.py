"""Native vector envs: each env in the batch equals a single env, bit for bit."""

from __future__ import annotations

import os
import threading

import gymnasium as gym
import numpy as np
import pytest

import simenv  # noqa: F401  (registers the ids)
from simenv.registration import FAMILIES
from simenv.vector import ProcessVectorEnv, SimVectorEnv

ENV_IDS = [f.env_id for f in FAMILIES]
SMALL = {"camera_size": (32, 32)}


def _same(a: object, b: object) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)  # type: ignore[attr-defined]
    return bool(np.array_equal(a, b))


def _info_matches(vector_info: dict, single: dict, k: int) -> None:
    for key, value in single.items():
        if isinstance(value, (bool, int, float, np.number)) and key in vector_info:
            assert vector_info[f"_{key}"][k], key
            assert vector_info[key][k] == value, (key, vector_info[key][k], value)


@pytest.mark.parametrize(
    ("env_id", "workers"),
    [(e, 1) for e in ENV_IDS] + [("simenv/Template-v0", 2), ("simenv/Driving-v0", 2)],
)
def test_env_i_equals_gym_make_seeded_s_plus_i_through_autoresets(
    env_id: str, workers: int
) -> None:
    n, steps, limit = 3, 14, 5
    vec = gym.make_vec(env_id, num_envs=n, max_episode_steps=limit, workers=workers, **SMALL)
    singles = [gym.make(env_id, max_episode_steps=limit, **SMALL) for _ in range(n)]
    assert isinstance(vec, SimVectorEnv if workers == 1 else ProcessVectorEnv)
    assert vec.metadata["autoreset_mode"].value == "NextStep"
    obs, infos = vec.reset(seed=7)
    for k, env in enumerate(singles):
        single_obs, single_info = env.reset(seed=7 + k)
        assert _same({key: obs[key][k] for key in obs}, single_obs)
        sample = {
            name: values[k]
            for name, values in infos["randomization"].items()
            if not name.startswith("_")
        }
        assert sample == single_info["randomization"]
    rng = np.random.default_rng(0)
    space = singles[0].action_space
    ended = np.zeros(n, bool)
    resets = 0
    for _ in range(steps):
        actions = np.stack(
            [rng.uniform(space.low, space.high).astype(space.dtype) for _ in range(n)]
        )
        obs, rewards, terminated, truncated, infos = vec.step(actions)
        for k, env in enumerate(singles):
            if ended[k]:  # NEXT_STEP autoreset: this step reset env k
                single_obs, info = env.reset()
                reward, term, trunc = 0.0, False, False
                resets += 1
            else:
                single_obs, reward, term, trunc, info = env.step(actions[k])
            assert _same({key: obs[key][k] for key in obs}, single_obs)
            assert (rewards[k], terminated[k], truncated[k]) == (reward, term, trunc)
            _info_matches(infos, info, k)
        ended = terminated | truncated
    assert resets >= n  # every env went through an autoreset
    vec.close()
    for env in singles:
        env.close()


def test_partial_reset_resets_only_the_masked_envs() -> None:
    env_id = "simenv/Template-v0"
    vec = gym.make_vec(env_id, num_envs=3, obs_mode="state", **SMALL)
    first, _ = vec.reset(seed=0)
    obs, infos = vec.reset(
        seed=[10, None, 12], options={"reset_mask": np.array([True, False, True])}
    )
    assert np.array_equal(obs["puck"][1], first["puck"][1])  # untouched
    assert list(infos["_success"]) == [True, False, True]
    for k, seed in ((0, 10), (2, 12)):
        single = gym.make(env_id, obs_mode="state", **SMALL)
        assert np.array_equal(single.reset(seed=seed)[0]["puck"], obs["puck"][k])
        single.close()
    with pytest.raises(ValueError, match="reset_mask"):
        vec.reset(options={"reset_mask": [True, False]})
    vec.close()


def test_bad_batched_actions_are_one_line_errors_per_env() -> None:
    vec = gym.make_vec("simenv/Template-v0", num_envs=3, obs_mode="state", **SMALL)
    vec.reset(seed=0)
    good = np.zeros((3, 2), np.float32)
    for bad, message in [
        (np.array([[0, 0], [np.nan, 0], [0, 0]], np.float32), "env 1: action contains NaN"),
        (np.zeros((3, 3), np.float32), "env 0: action must have shape"),
        (np.zeros((2, 2), np.float32), "a batch of 3 actions"),
    ]:
        with pytest.raises(ValueError, match=message) as err:
            vec.step(bad)
        assert "\n" not in str(err.value)
    obs, *_ = vec.step(good * 50)  # out of range: clipped, as in a single env
    assert obs["puck"].shape == (3, 4)
    vec.close()
    with pytest.raises(RuntimeError, match="closed"):
        vec.step(good)


def _resources() -> tuple[int, int]:
    return len(os.listdir("/proc/self/fd")), threading.active_count()


def test_make_vec_close_cycles_leave_nothing_behind() -> None:
    def cycle() -> None:
        vec = gym.make_vec("simenv/Template-v0", num_envs=16, **SMALL)
        vec.reset(seed=0)
        vec.step(np.zeros((16, 2), np.float32))
        vec.close()

    cycle()
    before = _resources()
    for _ in range(100):
        cycle()
    fds, threads = _resources()
    assert fds <= before[0] and threads <= before[1]


def test_sync_and_async_modes_still_work() -> None:
    for mode in ("sync", "async"):
        vec = gym.make_vec(
            "simenv/Template-v0", num_envs=2, vectorization_mode=mode, obs_mode="state", **SMALL
        )
        obs, _ = vec.reset(seed=1)
        assert obs["puck"].shape == (2, 4)
        vec.close()


def test_worker_processes_report_errors_and_deaths_in_one_line() -> None:
    import multiprocessing
    import signal
    import time

    vec = gym.make_vec("simenv/Template-v0", num_envs=4, workers=2, **SMALL)
    vec.reset(seed=0)
    actions = np.zeros((4, 2), np.float32)
    actions[3] = np.nan
    with pytest.raises(ValueError, match=r"^env 3: action contains NaN"):
        vec.step(actions)  # env 3 lives in the second worker: its number is the batch's
    obs, *_ = vec.step(np.zeros((4, 2), np.float32))  # the failed step left nothing behind
    assert obs["rgb"].shape == (4, 32, 32, 3)
    for mask in (np.ones(5, bool), np.ones(3, bool)):  # checked whole, before any worker
        with pytest.raises(ValueError, match=r"^options\['reset_mask'\] must be 4 booleans"):
            vec.reset(options={"reset_mask": mask})
    os.kill(vec.pids[1], signal.SIGKILL)
    start = time.monotonic()
    with pytest.raises(
        RuntimeError,
        match=r"worker 1 \(envs 2-3, pid \d+\) died \(killed by "
        r"SIGKILL\); the vector env is closed",
    ):
        vec.step(np.zeros((4, 2), np.float32))
    with pytest.raises(RuntimeError, match="closed"):
        vec.step(np.zeros((4, 2), np.float32))
    vec.close()
    assert time.monotonic() - start < 10
    assert not {p.pid for p in multiprocessing.active_children()} & set(vec.pids)
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        gym.make_vec("simenv/Template-v0", num_envs=2, workers=0)


def test_worker_processes_are_reaped_on_close() -> None:
    import multiprocessing

    for _ in range(10):
        vec = gym.make_vec("simenv/Template-v0", num_envs=4, workers=2, **SMALL)
        vec.reset(seed=0)
        vec.close()
    assert multiprocessing.active_children() == []
