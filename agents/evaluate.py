"""``simenv eval``: roll a policy out on held-out seeds and report metrics with 95 % CIs.

Episodes use ``split="test"`` (held-out layouts, roads, glassware styles) where the env has
one, seeds ``seed .. seed+episodes-1``. Metrics are the env's ``metadata["episode_metrics"]``
read from the final ``info`` (SPL for navigation, route completion for driving, attempts for
grasping...; just ``success`` for an env that declares none) plus the episode return and
length. Intervals: Wilson score for 0/1 metrics, mean ± 1.96·s/√n otherwise.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

import simenv  # noqa: F401  (registers the ids)
from simenv.viz import side_by_side, write_video

from .data import one_torch_thread
from .experts import ExpertPolicy, make_expert
from .policy import load_policy

Z95 = 1.959963984540054
BINARY = frozenset({"success"})  # metrics summarised with the Wilson interval


def wilson(successes: float, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a binomial proportion."""
    if n == 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def summarize(values: list[float], binary: bool = False) -> dict[str, float]:
    """Mean and 95 % interval (Wilson for a 0/1 metric)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], float)
    if len(x) == 0:
        return {"mean": math.nan, "low": math.nan, "high": math.nan, "n": 0}
    mean = float(x.mean())
    if binary:
        low, high = wilson(float(x.sum()), len(x))
    else:
        half = Z95 * float(x.std(ddof=1)) / math.sqrt(len(x)) if len(x) > 1 else math.nan
        low, high = mean - half, mean + half
    return {"mean": mean, "low": low, "high": high, "n": len(x)}


@dataclass
class EvalResult:
    env_id: str
    env_kwargs: dict[str, Any]
    episodes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def metrics(self) -> list[str]:
        return [k for k in self.episodes[0] if k != "seed"] if self.episodes else []

    def summary(self) -> dict[str, dict[str, float]]:
        return {
            k: summarize([e[k] for e in self.episodes], binary=k in BINARY) for k in self.metrics
        }

    def row(self, **extra: Any) -> dict[str, Any]:
        """One flat row: every metric's mean and CI (for tables and sweep CSVs)."""
        out: dict[str, Any] = dict(extra)
        for k, s in self.summary().items():
            out[k], out[f"{k}_ci_low"], out[f"{k}_ci_high"] = s["mean"], s["low"], s["high"]
        out["episodes"] = len(self.episodes)
        return out

    def table(self) -> str:
        """A Markdown table: metric, mean, 95 % CI."""
        lines = ["| metric | mean | 95 % CI |", "|---|---|---|"]
        for k, s in self.summary().items():
            lines.append(f"| {k} | {s['mean']:.3f} | [{s['low']:.3f}, {s['high']:.3f}] |")
        return "\n".join(lines)


def _accepts(env_id: str, name: str) -> bool:
    entry = gym.spec(env_id).entry_point
    cls = gym.envs.registration.load_env_creator(entry) if isinstance(entry, str) else entry
    return cls is not None and name in inspect.signature(cls).parameters


def make_eval_env(
    env_id: str, env_kwargs: dict[str, Any], split: str | None = "test", render: bool = False
) -> gym.Env[Any, Any]:
    kwargs = dict(env_kwargs)
    if split is not None and _accepts(env_id, "split"):
        kwargs["split"] = split
    if render:
        kwargs["render_mode"] = "rgb_array"
    return gym.make(env_id, **kwargs)


def evaluate(
    policy: Any,
    env_id: str | None = None,
    *,
    episodes: int = 20,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
    split: str | None = "test",
    video_dir: str | os.PathLike[str] | None = None,
    video_episodes: int = 3,
    progress: bool = True,
    num_envs: int = 4,
    wrap: Callable[[gym.Env[Any, Any]], gym.Env[Any, Any]] | None = None,
) -> EvalResult:
    """Roll ``policy`` (a :class:`~simenv.agents.policy.Policy`, run folder or checkpoint path,
    or ``"expert"``) out for ``episodes`` episodes.

    ``env_kwargs`` update the ones the policy was trained with (e.g. another
    ``randomization`` or ``dr_scale``); ``video_dir`` gets MP4s of the first
    ``video_episodes`` episodes (render view | observation). ``wrap`` wraps the env before
    the policy sees it (e.g. ``lambda env: RealToSimWrapper(env, translator)``).

    Episodes run ``num_envs`` at a time in a native vector env (one process, one render pass);
    episode ``k`` always has seed ``seed + k`` and the policy acts on each env alone, so the
    results do not depend on ``num_envs`` (1, or a ``wrap``, runs them one after another).
    """
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    expert = isinstance(policy, str) and policy == "expert"
    if isinstance(policy, (str, os.PathLike)) and not expert:
        policy = load_policy(policy)
    trained_on = getattr(policy, "env_id", None) if not expert else None
    env_id = env_id or trained_on
    if env_id is None:
        raise ValueError("give env_id: the policy does not say which env it was trained on")
    if trained_on and trained_on != env_id:
        raise ValueError(f"policy was trained on {trained_on!r}, not {env_id!r}")
    kwargs = {**(getattr(policy, "env_kwargs", None) or {}), **(env_kwargs or {})}
    if wrap is None and num_envs > 1 and episodes > 1:
        return _evaluate_vector(
            policy if not expert else "expert",
            env_id,
            kwargs,
            episodes,
            seed,
            split,
            video_dir,
            video_episodes,
            progress,
            num_envs,
        )
    env = make_eval_env(env_id, kwargs, split, render=video_dir is not None)
    if wrap is not None:
        env = wrap(env)
    if expert:
        policy = ExpertPolicy(env)
    keys = list(env.unwrapped.metadata.get("episode_metrics", ("success",)))
    result = EvalResult(env_id, kwargs)
    with closing(env), one_torch_thread():
        for i in tqdm(
            range(episodes), desc=f"eval {env_id}", unit="ep", disable=not progress, leave=False
        ):
            frames: list[np.ndarray] | None = [] if video_dir and i < video_episodes else None
            result.episodes.append(_episode(env, policy, seed + i, keys, frames))
            if frames and video_dir is not None:
                write_video(
                    Path(video_dir) / f"episode_{seed + i:05d}.mp4",
                    frames,
                    fps=int(env.metadata.get("render_fps", 10)),
                )
    return result


def _evaluate_vector(
    policy: Any,
    env_id: str,
    kwargs: dict[str, Any],
    episodes: int,
    seed: int,
    split: str | None,
    video_dir: str | os.PathLike[str] | None,
    video_episodes: int,
    progress: bool,
    num_envs: int,
) -> EvalResult:
    """``evaluate``'s episodes in a native vector env: a finished env starts the next
    episode (its seed), each env's policy state is its own."""
    kwargs = dict(kwargs)
    if split is not None and _accepts(env_id, "split"):
        kwargs["split"] = split
    if video_dir is not None:
        kwargs["render_mode"] = "rgb_array"
    n = min(num_envs, episodes)
    venv: Any = gym.make_vec(env_id, num_envs=n, **kwargs)
    envs = venv.envs
    policies = (
        [ExpertPolicy(e, make_expert(env_id)) for e in envs] if policy == "expert" else [policy] * n
    )
    keys = list(envs[0].metadata.get("episode_metrics", ("success",)))
    rows: dict[int, dict[str, Any]] = {}
    episode = list(range(n))  # which episode each env runs
    obs, _ = venv.reset(seed=[seed + k for k in episode])
    states: list[Any] = [None] * n
    starts, totals, steps = np.ones(n, bool), np.zeros(n), np.zeros(n, int)
    frames: dict[int, list[np.ndarray]] = {
        k: [] for k in range(min(video_episodes, episodes)) if video_dir is not None
    }
    bar = tqdm(total=episodes, desc=f"eval {env_id}", unit="ep", disable=not progress, leave=False)
    with closing(venv), one_torch_thread(), bar:
        while len(rows) < episodes:
            actions = []
            for i in range(n):
                single = {k: v[i] for k, v in obs.items()}
                if episode[i] in frames:
                    frames[episode[i]].append(_frame(envs[i], single))
                action, states[i] = policies[i].predict(
                    single, state=states[i], episode_start=starts[i : i + 1], deterministic=True
                )
                actions.append(action)
            obs, rewards, terminated, truncated, infos = venv.step(np.stack(actions))
            starts[:] = False
            totals += rewards
            steps += 1
            done = (terminated | truncated) & (np.array(episode) < episodes)
            for i in map(int, np.flatnonzero(done)):
                info = {k: infos[k][i] for k in keys if infos.get(f"_{k}", np.zeros(n))[i]}
                rows[episode[i]] = _row(seed + episode[i], keys, info, totals[i], steps[i])
                if episode[i] in frames:
                    frames[episode[i]].append(_frame(envs[i], {k: v[i] for k, v in obs.items()}))
                bar.update()
            if done.any():  # the next episodes, each with its own seed
                for i in map(int, np.flatnonzero(done)):
                    episode[i] = max(episode) + 1
                    totals[i], steps[i], states[i], starts[i] = 0.0, 0, None, True
                seeds = [seed + e if done[i] else None for i, e in enumerate(episode)]
                obs, _ = venv.reset(seed=seeds, options={"reset_mask": done})
    result = EvalResult(env_id, kwargs)
    result.episodes = [rows[k] for k in range(episodes)]
    for k, video in frames.items():
        assert video_dir is not None  # frames are only kept with a video folder
        write_video(
            Path(video_dir) / f"episode_{seed + k:05d}.mp4",
            video,
            fps=int(envs[0].metadata.get("render_fps", 10)),
        )
    return result


def _row(
    seed: int, keys: list[str], info: dict[str, Any], total: float, steps: int
) -> dict[str, Any]:
    row: dict[str, Any] = {"seed": seed}
    for k in keys:
        v = info.get(k)
        row[k] = float(v) if isinstance(v, (bool, int, float, np.number, np.bool_)) else math.nan
    row["return"], row["length"] = float(total), int(steps)
    return row


def _episode(
    env: gym.Env[Any, Any], policy: Any, seed: int, keys: list[str], frames: list[np.ndarray] | None
) -> dict[str, Any]:
    obs, info = env.reset(seed=seed)
    total, steps, done, state = 0.0, 0, False, None
    start = np.ones((1,), bool)
    while not done:
        if frames is not None:
            frames.append(_frame(env, obs))
        action, state = policy.predict(obs, state=state, episode_start=start, deterministic=True)
        start = np.zeros((1,), bool)
        obs, reward, terminated, truncated, info = env.step(action)
        total += float(reward)
        steps += 1
        done = terminated or truncated
    if frames is not None:
        frames.append(_frame(env, obs))
    return _row(seed, keys, info, total, steps)


def _frame(env: gym.Env[Any, Any], obs: Any) -> np.ndarray:
    views: list[Any] = [env.render()]
    if isinstance(obs, dict):
        views += [obs[k] for k in ("rgb", "depth") if k in obs]
    return side_by_side(*views, height=256)
