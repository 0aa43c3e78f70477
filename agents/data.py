"""Expert data for the learners: observation keys, the step buffer, DAgger rollouts.

:func:`collect` rolls out the expert (round 0, optionally with DART noise on the executed
actions) or a policy/expert mixture (DAgger rounds), labelling every visited state with the
expert's action.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from tqdm.auto import tqdm


def config_from_dict(cls: Any, section: str, data: dict[str, Any] | None,
                     positive: tuple[str, ...]) -> Any:
    """``cls(**data)`` for a learner config dataclass with a ``beta`` field, one-line errors
    for unknown keys, non-positive ``positive`` fields and ``beta`` outside [0, 1]."""
    data = dict(data or {})
    valid = {f.name for f in fields(cls)}
    bad = sorted(set(data) - valid)
    if bad:
        raise ValueError(f"unknown {section} setting {bad[0]!r}; valid: "
                         f"{', '.join(sorted(valid))}")
    cfg = cls(**data)
    for name in positive:
        if int(getattr(cfg, name)) < 1:
            raise ValueError(f"{section} setting {name} must be >= 1, "
                             f"got {getattr(cfg, name)!r}")
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
    shapes = {sub.shape[:2] for k, sub in space.spaces.items() if k in images
              if isinstance(sub, spaces.Box)}
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


def collect(env: gym.Env[Any, Any], expert: Any, buffer: Buffer, episodes: int, seeds: list[int],
            policy: Any = None, beta: float = 1.0, noise: float = 0.0,
            rng: np.random.Generator | None = None, desc: str = "collect",
            progress: bool = True) -> dict[str, float]:
    """Roll out ``episodes`` (expert, or policy/expert mixture) adding expert-labelled steps."""
    rng = rng or np.random.default_rng(0)
    successes, steps = [], 0
    with one_torch_thread():
        bar = tqdm(total=episodes, desc=desc, unit="ep", leave=False, disable=not progress)
        for ep in range(episodes):
            obs, _ = env.reset(seed=seeds[ep])
            done, start, state = False, True, None
            while not done:
                label = expert.act(env)
                buffer.add(obs, label, start)
                if policy is not None:  # a policy with memory sees every step
                    own, state = policy.predict(obs, state, np.array([start]))
                start = False
                if policy is None or rng.random() < beta:
                    action = _perturb(env.action_space, label, noise, rng)
                else:
                    action = own
                obs, _, terminated, truncated, info = env.step(action)
                done = terminated or truncated
                steps += 1
            successes.append(float(info.get("success", 0.0)))
            bar.update()
            bar.set_postfix(success=f"{np.mean(successes):.2f}", steps=steps)
        bar.close()
    return {"episodes": episodes, "steps": steps, "success": float(np.mean(successes))}


def _perturb(space: spaces.Space[Any], action: Any, noise: float,
             rng: np.random.Generator) -> Any:
    if noise <= 0:
        return action
    if isinstance(space, spaces.Discrete):
        return int(rng.integers(space.n)) if rng.random() < noise else action
    assert isinstance(space, spaces.Box)
    noisy = np.asarray(action) + rng.normal(0.0, noise, np.shape(action))
    return np.clip(noisy, space.low, space.high).astype(space.dtype)
