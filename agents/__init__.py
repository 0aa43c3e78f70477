"""Baseline agents (importable as ``simenv.agents``).

* privileged experts (one per family) behind one interface: :func:`make_expert`,
  :class:`ExpertPolicy`;
* learners: behaviour cloning with DAgger (:mod:`.bc`), SB3 PPO/SAC (:mod:`.sb3`), driven by
  :func:`train` with zoo-style YAML configs (``agents/configs``);
* :func:`evaluate` (metrics with 95 % CIs, videos) and :func:`load_policy`;
* automatic domain randomization (:mod:`.adr`).

``train`` and ``evaluate`` import torch and SB3 on first use.
"""

from typing import Any

from .driving_expert import DrivingExpert
from .indoor_nav_expert import IndoorNavExpert
from .policy import EXPERTS, ExpertPolicy, Policy, load_policy, make_expert, register_expert
from .transparent_grasp_expert import TransparentGraspExpert

__all__ = ["EXPERTS", "DrivingExpert", "ExpertPolicy", "IndoorNavExpert", "Policy",
           "TransparentGraspExpert", "evaluate", "load_policy", "make_expert",
           "register_expert", "train"]


def __getattr__(name: str) -> Any:
    if name == "train":
        from .train import train

        return train
    if name == "evaluate":
        from .evaluate import evaluate

        return evaluate
    raise AttributeError(f"module 'simenv.agents' has no attribute {name!r}")
