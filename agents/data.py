"""Expert data for the learners: observation keys, the step buffer, DAgger rollouts.

:func:`collect` rolls out the expert (round 0, optionally with DART noise on the executed
actions) or a policy/expert mixture (DAgger rounds), labelling every visited state with the
expert's action; in a native vector env (``gym.make_vec``) several episodes run side by side.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from tqdm.auto import tqdm


def config_from_dict(
    cls: Any, section: str, data: dict[str, Any] | None, positive: tuple[str, ...]
) -> Any:
    """``cls(**data)`` for a learner config dataclass with a ``beta`` field, one-line errors
    for unknown keys, non-positive ``positive`` fields and ``beta`` outside [0, 1]."""
    data = dict(data or {})
    valid = {f.name for f in fields(cls)}
    bad = sorted(set(data) - valid)
    if bad:
        raise ValueError(f"unknown {section} setting {bad[0]!r}; valid: {', '.join(sorted(valid))}")
    cfg = cls(**data)
    for name in positive:
        if int(getattr(cfg, name)) < 1:
            raise ValueError(f"{section} setting {name} must be >= 1, got {getattr(cfg, name)!r}")
    if not 0.0 <= cfg.beta <= 1.0:
        raise ValueError(f"{section} setting beta must be in [0, 1], got {cfg.beta!r}")
    return cfg


def split_keys(space: spaces.Space[Any]) -> tuple[list[str], list[str]]:
    """The image keys (H×W×C boxes) and vector keys of a Dict observation space."""
    if not isinstance(space, spaces.Dict):
        raise ValueError(f"BC needs a Dict observation space, got {space}")
    images: list[str] = []
    vectors: list[str] = []
    for key, sub in space.spaces.items():
        if not isinstance(sub, spaces.Box):
            raise ValueError(f"BC supports Box observations only; {key!r} is {sub}")
        (images if len(sub.shape) == 3 else vectors).append(key)
    shapes = {
        sub.shape[:2]
        for k, sub in space.spaces.items()
        if k in images
        if isinstance(sub, spaces.Box)
    }
    if len(shapes) > 1:
        raise ValueError(f"image keys {images} have different sizes {sorted(shapes)}")
    return images, vectors


def image_scale(sub: spaces.Box) -> float:
    """What an image key is divided by: 255 for uint8, else its upper bound (10 if none)."""
    if sub.dtype == np.uint8:
        return 255.0
    high = float(np.max(sub.high))
    return high if np.isfinite(high) and high > 0 else 10.0


class Buffer:
    """Observations (per key) and expert actions, appended step by step, episode after
    episode (``starts`` marks each episode's first step)."""

    def __init__(self) -> None:
        self.obs: dict[str, list[np.ndarray]] = {}
        self.actions: list[Any] = []
        self.starts: list[bool] = []

    def add(self, obs: dict[str, np.ndarray], action: Any, start: bool = False) -> None:
        for k, v in obs.items():
            self.obs.setdefault(k, []).append(np.asarray(v))
        self.actions.append(np.asarray(action))
        self.starts.append(bool(start) or not self.starts)

    def lengths(self) -> list[int]:
        """The number of steps of each episode, in order."""
        first = np.flatnonzero(self.starts)
        return np.diff(np.r_[first, len(self.starts)]).tolist()

    def __len__(self) -> int:
        return len(self.actions)

    def arrays(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        return {k: np.stack(v) for k, v in self.obs.items()}, np.stack(self.actions)


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Batch-1 inference beside a renderer: extra torch threads only spin against it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def collect(
    env: Any,
    expert: Any,
    buffer: Buffer,
    episodes: int,
    seeds: list[int],
    policy: Any = None,
    beta: float = 1.0,
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
    desc: str = "collect",
    progress: bool = True,
) -> dict[str, float]:
    """Roll out ``episodes`` (expert, or policy/expert mixture) adding expert-labelled steps.

    ``env`` is a ``gym.Env`` or a native vector env (``gym.make_vec``), whose envs run
    episodes side by side, each with its own copy of ``expert``. Episode ``k`` has seed
    ``seeds[k]`` and draws its mixture and noise from a generator of its own (seeded from
    ``rng`` and ``seeds[k]``), and episodes enter ``buffer`` in order: the data do not depend
    on how many envs ran them.
    """
    base = int((rng or np.random.default_rng(0)).integers(2**63))
    episode_rngs = [np.random.default_rng([base, s]) for s in seeds[:episodes]]
    bar = tqdm(total=episodes, desc=desc, unit="ep", leave=False, disable=not progress)
    steps: list[list[tuple[dict[str, np.ndarray], Any, bool]]] = [[] for _ in range(episodes)]
    successes: list[float] = []

    def finished(info_success: float) -> None:
        successes.append(info_success)
        bar.update()
        bar.set_postfix(success=f"{np.mean(successes):.2f}", steps=sum(len(s) for s in steps))

    with one_torch_thread(), bar:
        if hasattr(env, "envs") and hasattr(env, "num_envs"):
            _collect_vector(env, expert, steps, seeds, policy, beta, noise, episode_rngs, finished)
        else:
            for ep in range(episodes):
                finished(
                    _collect_episode(
                        env, expert, steps[ep], seeds[ep], policy, beta, noise, episode_rngs[ep]
                    )
                )
    for record in steps:
        for obs, label, start in record:
            buffer.add(obs, label, start)
    return {
        "episodes": episodes,
        "steps": sum(len(s) for s in steps),
        "success": float(np.mean(successes)),
    }


def _choose(
    space: spaces.Space[Any],
    label: Any,
    own: Any,
    policy: Any,
    beta: float,
    noise: float,
    rng: np.random.Generator,
) -> Any:
    """The executed action: the (perturbed) expert's with probability ``beta``, else the
    policy's."""
    if policy is None or rng.random() < beta:
        return _perturb(space, label, noise, rng)
    return own


def _collect_episode(
    env: gym.Env[Any, Any],
    expert: Any,
    record: list[tuple[dict[str, np.ndarray], Any, bool]],
    seed: int,
    policy: Any,
    beta: float,
    noise: float,
    rng: np.random.Generator,
) -> float:
    obs, _ = env.reset(seed=seed)
    done, start, state, own = False, True, None, None
    info: dict[str, Any] = {}
    while not done:
        label = expert.act(env)
        record.append((obs, label, start))
        if policy is not None:  # a policy with memory sees every step
            own, state = policy.predict(obs, state, np.array([start]))
        start = False
        obs, _, terminated, truncated, info = env.step(
            _choose(env.action_space, label, own, policy, beta, noise, rng)
        )
        done = terminated or truncated
    return float(info.get("success", 0.0))


def _collect_vector(
    venv: Any,
    expert: Any,
    steps: list[list[tuple[dict[str, np.ndarray], Any, bool]]],
    seeds: list[int],
    policy: Any,
    beta: float,
    noise: float,
    rngs: list[np.random.Generator],
    finished: Any,
) -> None:
    """:func:`collect`'s episodes in a vector env: a finished env starts the next episode."""
    episodes, n = len(steps), venv.num_envs
    envs = venv.envs
    experts = [copy.deepcopy(expert) for _ in range(n)]
    space = venv.single_action_space
    episode = [min(i, episodes) for i in range(n)]  # index ``episodes``: no more to run
    nxt = min(n, episodes)
    obs, _ = venv.reset(seed=[seeds[e] if e < episodes else None for e in episode])
    states: list[Any] = [None] * n
    starts = np.ones(n, bool)
    while any(e < episodes for e in episode):
        actions = []
        for i in range(n):
            single = {k: np.array(v[i]) for k, v in obs.items()}
            label = experts[i].act(envs[i])
            own = None
            if episode[i] < episodes:
                steps[episode[i]].append((single, label, bool(starts[i])))
                if policy is not None:
                    own, states[i] = policy.predict(single, states[i], starts[i : i + 1])
                label = _choose(space, label, own, policy, beta, noise, rngs[episode[i]])
            actions.append(label)
        obs, _, terminated, truncated, infos = venv.step(np.stack(actions))
        starts[:] = False
        done = terminated | truncated
        for i in map(int, np.flatnonzero(done)):
            if episode[i] < episodes:
                ok = infos.get("_success", np.zeros(n, bool))[i]
                finished(float(infos["success"][i]) if ok else 0.0)
            episode[i], nxt = (nxt, nxt + 1) if nxt < episodes else (episodes, nxt)
            states[i], starts[i] = None, True
        if done.any():
            obs, _ = venv.reset(
                seed=[
                    seeds[e] if done[i] and e < episodes else None for i, e in enumerate(episode)
                ],
                options={"reset_mask": done},
            )


def _perturb(space: spaces.Space[Any], action: Any, noise: float, rng: np.random.Generator) -> Any:
    if noise <= 0:
        return action
    if isinstance(space, spaces.Discrete):
        return int(rng.integers(space.n)) if rng.random() < noise else action
    assert isinstance(space, spaces.Box)
    noisy = np.asarray(action) + rng.normal(0.0, noise, np.shape(action))
    return np.clip(noisy, space.low, space.high).astype(space.dtype)
