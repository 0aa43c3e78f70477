"""Baseline agents (importable as ``simenv.agents``).

* privileged experts (one per family, in its folder under ``envs/``, named by its
  registration record) behind one interface: :func:`make_expert`, :class:`ExpertPolicy`;
* learners: behaviour cloning with DAgger (:mod:`.bc`), grasp affordance maps
  (:mod:`.affordance`), SB3 PPO/SAC (:mod:`.sb3`), driven by :func:`train` with zoo-style
  YAML configs (``agents/configs``);
* :func:`evaluate` (metrics with 95 % CIs, videos) and :func:`load_policy`;
* automatic domain randomization (:mod:`.adr`).

``train``, ``evaluate`` and ``load_policy`` import torch and SB3 on first use, so
``import simenv.agents`` stays light.
"""

from typing import Any

from simenv.envs.driving.expert import DrivingExpert
from simenv.envs.indoor_nav.expert import IndoorNavExpert
from simenv.envs.transparent_grasp.expert import TransparentGraspExpert

from .experts import Expert, ExpertPolicy, Policy, make_expert, register_expert

__all__ = [
    "DrivingExpert",
    "Expert",
    "ExpertPolicy",
    "IndoorNavExpert",
    "Policy",
    "TransparentGraspExpert",
    "evaluate",
    "load_policy",
    "make_expert",
    "register_expert",
    "train",
]

_LAZY = {"train": ".train", "evaluate": ".evaluate", "load_policy": ".policy"}  # torch, SB3


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'simenv.agents' has no attribute {name!r}")
