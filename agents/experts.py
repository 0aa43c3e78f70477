"""One interface for every agent (SB3's ``predict``), and the privileged experts behind it.

* :class:`Policy`: what evaluation, sweeps and real-to-sim need from an agent.
* :func:`make_expert` builds the privileged expert of an env id from its family's
  registration record (``simenv.registration.FAMILIES``); :func:`register_expert` adds one
  for an env registered outside simenv.
* :class:`ExpertPolicy` wraps an expert (it reads the simulator, so it is bound to one env).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from simenv.registration import BY_ID


class Expert(Protocol):
    """A privileged controller: reads the env's true state, returns an action."""

    def act(self, env: Any) -> Any: ...


@runtime_checkable
class Policy(Protocol):
    """What evaluation, sweeps and real-to-sim need from an agent (SB3's signature)."""

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[Any, Any]: ...


_EXTRA: dict[str, Callable[[], Expert]] = {}


def register_expert(env_id: str, factory: Callable[[], Expert]) -> None:
    """Make ``factory()`` the privileged expert of ``env_id``, an env registered outside
    simenv (simenv's own families name theirs in their registration record)."""
    _EXTRA[env_id] = factory


def make_expert(env_id: str) -> Expert:
    """A new privileged expert for ``env_id``."""
    if env_id in _EXTRA:
        return _EXTRA[env_id]()
    if env_id not in BY_ID:
        raise ValueError(
            f"no privileged expert for {env_id!r}; experts exist for "
            f"{', '.join([*BY_ID, *_EXTRA])} (register one with register_expert)"
        )
    expert: Expert = BY_ID[env_id].expert_class()()
    return expert


class ExpertPolicy:
    """A family's expert as a :class:`Policy`; it ignores ``obs`` and reads ``env`` instead."""

    def __init__(self, env: Any, expert: Expert | None = None) -> None:
        self.env = env
        self.env_id: str = env.spec.id if env.spec is not None else ""
        self.env_kwargs: dict[str, Any] = {}
        self.expert = expert or make_expert(self.env_id)

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[Any, Any]:
        return self.expert.act(self.env), state
