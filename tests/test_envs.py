"""One sweep over every registered simenv id (Gymnasium's tests/envs/test_envs.py habit)."""

from __future__ import annotations

import os
import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import simenv  # noqa: F401  (registers the ids)
from simenv.registration import FAMILIES

ENV_IDS = [f.env_id for f in FAMILIES]  # every family, the test-only template too
SMALL = {"camera_size": (36, 36)}


def make(env_id: str, **kwargs) -> gym.Env:
    return gym.make(env_id, **{**SMALL, **kwargs})


def rollout(env: gym.Env, seed: int, steps: int = 8) -> list:
    env.action_space.seed(seed)
    obs, info = env.reset(seed=seed)
    out = [obs, info["randomization"]]
    for _ in range(steps):
        obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        out += [obs, reward]
        if terminated or truncated:
            break
    return out


def assert_same(a, b) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("obs_mode", ["rgb", "rgbd", "state"])
def test_gymnasium_and_sb3_checkers(env_id: str, obs_mode: str) -> None:
    env = make(env_id, obs_mode=obs_mode)
    check_env(env.unwrapped, skip_render_check=True)
    sb3_check_env(env.unwrapped, warn=True)
    env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_seeded_determinism_of_observations_and_dr_samples(env_id: str) -> None:
    a, b = make(env_id, obs_mode="rgbd"), make(env_id, obs_mode="rgbd")
    assert_same(rollout(a, 3), rollout(b, 3))
    first = rollout(a, 3)
    assert_same(first, rollout(a, 3))  # reset(seed) reproduces on the same instance
    other = rollout(a, 4)
    assert first[1] != other[1]  # different DR sample
    assert not np.array_equal(first[0]["rgb"], other[0]["rgb"])
    a.close()
    b.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_observations_are_finite_and_in_space(env_id: str) -> None:
    env = make(env_id, obs_mode="rgbd+seg+state" if "IndoorNav" in env_id else "rgbd")
    env.action_space.seed(0)
    obs, _ = env.reset(seed=0)
    for _ in range(10):
        assert env.observation_space.contains(obs)
        for v in obs.values():
            assert np.all(np.isfinite(v))
        obs, reward, *_ = env.step(env.action_space.sample())
        assert np.isfinite(reward)
    env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pickle_round_trip(env_id: str) -> None:
    env = make(env_id)
    clone = pickle.loads(pickle.dumps(env))
    assert_same(rollout(env, 5, 4), rollout(clone, 5, 4))
    env.close()
    clone.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_async_vector_env(env_id: str) -> None:
    envs = gym.make_vec(env_id, num_envs=2, vectorization_mode="async", **SMALL)
    obs, _ = envs.reset(seed=[1, 2])
    assert obs["rgb"].shape == (2, 36, 36, 3)
    assert not np.array_equal(obs["rgb"][0], obs["rgb"][1])
    for _ in range(3):
        obs, reward, *_ = envs.step(envs.action_space.sample())
    assert reward.shape == (2,)
    envs.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_render_modes(env_id: str) -> None:
    env = make(env_id, render_mode="rgb_array", render_size=(96, 128))
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (96, 128, 3) and frame.dtype == np.uint8 and frame.std() > 5
    env.close()
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        with pytest.raises(ValueError, match="needs a display"):
            make(env_id, render_mode="human")
    with pytest.raises(ValueError, match="render_mode"):
        make(env_id, render_mode="video")


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_hostile_actions_are_clear_errors_or_clipped(env_id: str) -> None:
    env = make(env_id)
    env.reset(seed=0)
    space = env.action_space
    if isinstance(space, gym.spaces.Box):
        bad = [np.full(space.shape, np.nan), np.full(space.shape, np.inf),
               np.zeros(space.shape[0] + 1), "forward", None]
        for action in bad:
            with pytest.raises(ValueError):
                env.step(action)
        # out of range is clipped: same result as the bound itself
        env.reset(seed=1)
        a = env.step(space.high * 50)[0]
        env.reset(seed=1)
        b = env.step(space.high.copy())[0]
        assert_same(a, b)
    env.step(space.sample())  # still usable after the errors
    env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_unknown_kwargs_and_bad_arguments(env_id: str) -> None:
    with pytest.raises(TypeError):
        gym.make(env_id, not_an_argument=1)
    for kwargs, message in [({"camera_size": (0, 84)}, "camera_size"),
                            ({"camera_size": (84, 1024)}, "camera_size"),
                            ({"obs_mode": "rgbx"}, "obs_mode"),
                            ({"randomization": "extreme"}, "neither a preset"),
                            ({"dr_scale": float("nan")}, "dr_scale")]:
        with pytest.raises(ValueError, match=message):
            gym.make(env_id, **kwargs)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_close_releases_renderers(env_id: str) -> None:
    def cycle() -> None:
        env = make(env_id, randomization="none")
        env.reset(seed=0)
        env.step(env.action_space.sample())
        env.close()

    for _ in range(5):
        cycle()
    before = _open_fds()
    for _ in range(100):
        cycle()
    assert _open_fds() <= before
