"""One interface for every agent: SB3's ``predict(obs) -> (action, state)``.

* :class:`ExpertPolicy` wraps a family's privileged expert (it reads the simulator, so it is
  bound to one env); :func:`make_expert` finds the expert of an env id (``EXPERTS``; a new
  family registers its own with :func:`register_expert`).
* :func:`load_policy` opens what ``simenv train`` writes: a behaviour-cloning or affordance
  checkpoint (``policy.pt``), an SB3 model (``model.zip``), or a run folder holding one of
  them; every loaded policy knows the ``env_id`` and ``env_kwargs`` it was trained with.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import yaml

from .driving_expert import DrivingExpert
from .indoor_nav_expert import IndoorNavExpert
from .transparent_grasp_expert import TransparentGraspExpert


class Expert(Protocol):
    def act(self, env: Any) -> Any: ...


@runtime_checkable
class Policy(Protocol):
    """What evaluation, sweeps and real-to-sim need from an agent (SB3's signature)."""

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]: ...


EXPERTS: dict[str, Callable[[], Expert]] = {
    "simenv/IndoorNav-v0": IndoorNavExpert,
    "simenv/Driving-v0": DrivingExpert,
    "simenv/TransparentGrasp-v0": TransparentGraspExpert,
}


def register_expert(env_id: str, factory: Callable[[], Expert]) -> None:
    """Make ``factory()`` the privileged expert of ``env_id`` (for BC, DAgger and ``expert``)."""
    EXPERTS[env_id] = factory


def make_expert(env_id: str) -> Expert:
    if env_id not in EXPERTS:
        raise ValueError(f"no privileged expert for {env_id!r}; experts exist for "
                         f"{', '.join(EXPERTS)} (register one with register_expert)")
    return EXPERTS[env_id]()


class ExpertPolicy:
    """A family's expert as a :class:`Policy`; it ignores ``obs`` and reads ``env`` instead."""

    def __init__(self, env: Any, expert: Expert | None = None) -> None:
        self.env = env
        self.env_id: str = env.spec.id if env.spec is not None else ""
        self.env_kwargs: dict[str, Any] = {}
        self.expert = expert or make_expert(self.env_id)

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]:
        return self.expert.act(self.env), state


class SB3Policy:
    """An SB3 model plus the env it was trained on (``config.yaml`` beside ``model.zip``)."""

    def __init__(self, model: Any, env_id: str, env_kwargs: dict[str, Any]) -> None:
        self.model, self.env_id, self.env_kwargs = model, env_id, env_kwargs

    def predict(self, observation: Any, state: Any = None, episode_start: Any = None,
                deterministic: bool = True) -> tuple[Any, Any]:
        action, state = self.model.predict(observation, state, episode_start, deterministic)
        if isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind == "i":
            action = int(action)
        return action, state


def load_policy(path: str | os.PathLike[str]) -> Any:
    """A trained policy from a run folder, ``policy.pt`` (BC or affordance maps) or
    ``model.zip`` (PPO/SAC; its run's ``config.yaml`` beside it or one folder up)."""
    p = Path(path)
    if p.is_dir():
        for name in ("policy.pt", "model.zip"):
            if (p / name).is_file():
                return load_policy(p / name)
        raise ValueError(f"policy folder {p} holds neither policy.pt (BC) nor model.zip (SB3)")
    if not p.is_file():
        raise ValueError(f"policy {p} does not exist (give a run folder, policy.pt or model.zip)")
    if p.suffix == ".pt":
        from .affordance import FORMAT, AffordancePolicy
        from .bc import BCPolicy, read_checkpoint

        data = read_checkpoint(p, "BC")
        kind = AffordancePolicy if isinstance(data, dict) and data.get("format") == FORMAT \
            else BCPolicy
        return kind.from_checkpoint(data, p)
    if p.suffix == ".zip":
        # beside the model, or in the run folder of a checkpoints/model_N_steps.zip
        cfg_path = next((d / "config.yaml" for d in (p.parent, p.parent.parent)
                         if (d / "config.yaml").is_file()), None)
        if cfg_path is None:
            raise ValueError(f"{p}: no config.yaml beside it or in its run folder (written by "
                             "`simenv train`), so the algorithm and env are unknown")
        cfg = yaml.safe_load(cfg_path.read_text())
        from .sb3 import ALGOS

        algo = ALGOS[cfg["algo"]]
        try:
            model = algo.load(p, device="cpu")
        except Exception as err:  # zip, pickle and torch errors
            raise ValueError(f"{p}: cannot load {cfg['algo']} model ({err})") from None
        return SB3Policy(model, cfg["env_id"], dict(cfg.get("env_kwargs") or {}))
    raise ValueError(f"policy {p}: expected a run folder, policy.pt or model.zip")

