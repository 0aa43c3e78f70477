"""A pseudo-real domain for every family: the same states rendered in another look.

There is no real robot in CI, so real-to-sim translation is scored against a stand-in: each
family declares a ``randomization`` override that fixes the
textures, materials, lighting, camera response, lens distortion, vignetting, noise and JPEG
compression at values far from the nominal scene (see each family's ``randomize.py``). Because
those are fixed values, the pseudo-real env draws the same random numbers for layout, start,
goal and traffic as the nominal env: under the same seed and actions both envs visit the same
states, which gives **paired frames** (pseudo-real input, nominal target) for scoring pixels,
and a drop-in "reality" env for scoring policies.

New families get all of this by naming their look in their registration record
(``simenv.registration.Family.pseudo_real``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

from simenv.agents.data import Buffer, collect
from simenv.agents.experts import make_expert
from simenv.registration import family
from simenv.viz import write_video

from .frames import Frames

NOMINAL: dict[str, Any] = {"preset": "none"}
LOOKS = ("nominal", "pseudo_real")


def pseudo_real_look(env_id: str) -> dict[str, Any]:
    """The env's pseudo-real ``randomization`` override (a dict, YAML-serialisable), named
    by its family's registration record."""
    return family(env_id).pseudo_real_look()


def look_kwargs(env_id: str, look: str) -> dict[str, Any]:
    """``randomization`` for ``look`` = ``"nominal"`` (no DR) or ``"pseudo_real"``."""
    if look not in LOOKS:
        raise ValueError(f"look={look!r} is not valid; valid: {', '.join(LOOKS)}")
    return {"randomization": dict(NOMINAL) if look == "nominal" else pseudo_real_look(env_id)}


def make_pseudo_real(env_id: str, **kwargs: Any) -> gym.Env[Any, Any]:
    """``gym.make(env_id, randomization=<the pseudo-real look>, **kwargs)``."""
    if "randomization" in kwargs or "dr_scale" in kwargs:
        raise ValueError("make_pseudo_real fixes the look; do not pass randomization/dr_scale")
    return gym.make(env_id, **look_kwargs(env_id, "pseudo_real"), **kwargs)


def _state_keys(obs: dict[str, np.ndarray]) -> list[str]:
    return [k for k, v in obs.items() if np.asarray(v).ndim < 3]


def _expert_steps(
    env: gym.Env[Any, Any], expert: Any, seed: int
) -> Iterator[tuple[dict[str, np.ndarray], Any]]:
    """Every observation of one expert episode with the action taken on it (``None``: the
    final observation)."""
    obs, _ = env.reset(seed=seed)
    while True:
        action = expert.act(env.unwrapped)
        yield obs, action
        obs, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            yield obs, None
            return


def paired_episodes(
    env_id: str,
    episodes: int,
    seed: int = 0,
    every: int = 1,
    env_kwargs: dict[str, Any] | None = None,
    split: str | None = None,
    progress: bool = False,
) -> Iterator[tuple[Frames, Frames]]:
    """Per expert episode, ``(nominal, pseudo_real)`` RGB frame arrays of the same states.

    The expert acts on the nominal env; the pseudo-real env takes the same actions. The vector
    observations of both are checked equal at every step (a mismatch is a ``RuntimeError``:
    the look changed more than the look).
    """
    kwargs = {"obs_mode": "rgb", **(env_kwargs or {})}
    if split is not None:
        kwargs["split"] = split
    nominal = gym.make(env_id, **look_kwargs(env_id, "nominal"), **kwargs)
    real = gym.make(env_id, **look_kwargs(env_id, "pseudo_real"), **kwargs)
    expert = make_expert(env_id)
    with closing(nominal), closing(real):
        for ep in tqdm(
            range(episodes), desc=f"paired frames {env_id}", unit="ep", disable=not progress
        ):
            obs_r, _ = real.reset(seed=seed + ep)
            frames_n, frames_r = [], []
            for t, (obs_n, action) in enumerate(_expert_steps(nominal, expert, seed + ep)):
                if action is None:
                    break
                _check_same(obs_n, obs_r, env_id, seed + ep, t)
                if t % every == 0:
                    frames_n.append(obs_n["rgb"])
                    frames_r.append(obs_r["rgb"])
                obs_r, *_ = real.step(action)
            yield np.stack(frames_n), np.stack(frames_r)


def _check_same(
    a: dict[str, np.ndarray], b: dict[str, np.ndarray], env_id: str, seed: int, t: int
) -> None:
    for key in _state_keys(a):
        if not np.allclose(a[key], b[key], atol=1e-5):
            raise RuntimeError(
                f"{env_id}: nominal and pseudo-real states differ at seed {seed}, "
                f"step {t} ({key}); the look must only change appearance"
            )


def paired_frames(
    env_id: str, frames: int, seed: int = 0, every: int = 4, **kwargs: Any
) -> tuple[Frames, Frames]:
    """``frames`` paired ``(nominal, pseudo_real)`` frames from expert episodes from ``seed``."""
    out_n, out_r = [], []
    for n, r in paired_episodes(env_id, 10**6, seed, every, **kwargs):
        out_n.append(n)
        out_r.append(r)
        if sum(map(len, out_n)) >= frames:
            break
    return np.concatenate(out_n)[:frames], np.concatenate(out_r)[:frames]


def look_frames(
    env_id: str,
    look: str,
    frames: int,
    seed: int = 0,
    every: int = 4,
    env_kwargs: dict[str, Any] | None = None,
    progress: bool = True,
    num_envs: int = 4,
) -> Frames:
    """``frames`` RGB observations in one look, every ``every`` steps of expert episodes
    (seeds ``seed``, ``seed + 1``, …, in order).

    This is how ``simenv real2sim train`` collects its simulator set (``look="nominal"``).
    The episodes run ``num_envs`` at a time in a native vector env; the frames do not depend
    on ``num_envs``.
    """
    kwargs = {"obs_mode": "rgb", **(env_kwargs or {}), **look_kwargs(env_id, look)}
    env: Any = (
        gym.make_vec(env_id, num_envs=num_envs, **kwargs)
        if num_envs > 1
        else gym.make(env_id, **kwargs)
    )
    expert = make_expert(env_id)
    out: list[np.ndarray] = []
    bar = tqdm(total=frames, desc=f"{look} frames {env_id}", unit="frame", disable=not progress)
    with closing(env), bar:
        ep = seed
        while len(out) < frames:
            buffer = Buffer()
            collect(env, expert, buffer, num_envs, list(range(ep, ep + num_envs)), progress=False)
            ep += num_envs
            images = np.stack(buffer.obs["rgb"])
            first = np.r_[0, np.cumsum(buffer.lengths())[:-1]]
            for start, length in zip(first, buffer.lengths()):
                take = images[start : start + length : every][: frames - len(out)]
                out += list(take)
                bar.update(len(take))
    return np.stack(out)


def record_video(
    env_id: str,
    path: str | os.PathLike[str],
    episodes: int = 1,
    seed: int = 0,
    look: str = "pseudo_real",
    env_kwargs: dict[str, Any] | None = None,
    fps: int | None = None,
) -> Path:
    """An MP4 of expert episodes seen by the env camera in ``look``: a recorded "real" feed.

    The vector observations of every frame (what a real robot's odometry would give, e.g.
    IndoorNav's GPS+compass ``goal``) go to ``<path>.vectors.npz`` beside it, which
    ``simenv real2sim run --vectors`` replays with the video.
    """
    kwargs = {"obs_mode": "rgb", **(env_kwargs or {}), **look_kwargs(env_id, look)}
    frames: list[np.ndarray] = []
    vectors: dict[str, list[np.ndarray]] = {}

    env = gym.make(env_id, **kwargs)
    expert = make_expert(env_id)
    with closing(env):
        for ep in range(episodes):
            for obs, _ in _expert_steps(env, expert, seed + ep):
                frames.append(obs["rgb"])
                for key in _state_keys(obs):
                    vectors.setdefault(key, []).append(obs[key])
        rate = fps or int(env.metadata.get("render_fps", 10))
    out = write_video(path, frames, fps=rate)
    np.savez_compressed(vectors_path(out), **{k: np.stack(v) for k, v in vectors.items()})  # type: ignore[arg-type]
    return out


def vectors_path(video: str | os.PathLike[str]) -> Path:
    """Where :func:`record_video` puts the per-frame vector observations of ``video``."""
    video = Path(video)
    return video.with_name(video.name + ".vectors.npz")
