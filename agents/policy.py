"""Loading trained policies: what ``simenv train`` writes, behind SB3's ``predict``.

:func:`load_policy` opens a behaviour-cloning or affordance checkpoint (``policy.pt``), an
SB3 model (``model.zip``), or a run folder holding one of them; every loaded policy knows the
``env_id`` and ``env_kwargs`` it was trained with.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from . import affordance
from .bc import BCPolicy
from .checkpoints import read_checkpoint
from .sb3 import ALGOS


class SB3Policy:
    """An SB3 model plus the env it was trained on (``config.yaml`` beside ``model.zip``)."""

    def __init__(self, model: Any, env_id: str, env_kwargs: dict[str, Any]) -> None:
        self.model, self.env_id, self.env_kwargs = model, env_id, env_kwargs

    def predict(
        self,
        observation: Any,
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[Any, Any]:
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
        data = read_checkpoint(p, "BC")
        if isinstance(data, dict) and data.get("format") == affordance.FORMAT:
            return affordance.AffordancePolicy.from_checkpoint(data, p)
        return BCPolicy.from_checkpoint(data, p)
    if p.suffix == ".zip":
        # beside the model, or in the run folder of a checkpoints/model_N_steps.zip
        cfg_path = next(
            (
                d / "config.yaml"
                for d in (p.parent, p.parent.parent)
                if (d / "config.yaml").is_file()
            ),
            None,
        )
        if cfg_path is None:
            raise ValueError(
                f"{p}: no config.yaml beside it or in its run folder (written by "
                "`simenv train`), so the algorithm and env are unknown"
            )
        cfg = yaml.safe_load(cfg_path.read_text())
        try:
            model = ALGOS[cfg["algo"]].load(p, device="cpu")
        except Exception as err:  # zip, pickle and torch errors
            raise ValueError(f"{p}: cannot load {cfg['algo']} model ({err})") from None
        return SB3Policy(model, cfg["env_id"], dict(cfg.get("env_kwargs") or {}))
    raise ValueError(f"policy {p}: expected a run folder, policy.pt or model.zip")
