"""Rolling out a policy for one episode (the benchmarks, the examples and the tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def run_episode(
    env: Any, act: Callable[[Any], Any], seed: int | None = None, frames: bool = False
) -> dict[str, Any]:
    """Roll out ``act(env) -> action`` for one episode; returns the final ``info`` (plus the
    ``render()`` frames under ``"frames"`` if asked)."""
    _, info = env.reset(seed=seed)
    images = [env.render()] if frames else []
    done = False
    while not done:
        _, _, terminated, truncated, info = env.step(act(env))
        done = terminated or truncated
        if frames:
            images.append(env.render())
    out = dict(info)
    if frames:
        out["frames"] = images
    return out
