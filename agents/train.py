"""``simenv train``: one entry point for BC, grasp affordance maps, PPO and SAC with
zoo-style YAML configs.

Configs live in ``agents/configs/{bc,affordance,ppo,sac}.yaml`` (package data
``simenv.agents.configs``), one section per env id; an id without a section gets the
``default`` one, so a newly registered family trains with no code change. ``--config FILE``
replaces the shipped file (same layout: a section per id, or a flat section for the id being
trained); ``overrides`` (``--set key.sub=value``) edit the resolved section last.
"""

from __future__ import annotations

import copy
import os
from importlib import resources
from pathlib import Path
from typing import Any

import gymnasium as gym
import yaml

import simenv  # noqa: F401  (registers the ids)

from .affordance import AffordanceConfig, train_affordance
from .bc import BCConfig, train_bc
from .sb3 import train_sb3

ALGOS = ("bc", "affordance", "ppo", "sac")


def _read(path: Any) -> dict[str, Any]:
    """A config file's sections (``path``: a ``Path`` or an ``importlib.resources`` file)."""
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ValueError(f"config {path}: cannot parse YAML ({err})".splitlines()[0]) from None
    if not isinstance(data, dict):
        raise ValueError(f"config {path}: expected a mapping of env ids to settings")
    return data


def load_config(
    env_id: str,
    algo: str,
    path: str | os.PathLike[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The resolved settings of ``algo`` on ``env_id`` (see the module docstring)."""
    if algo not in ALGOS:
        raise ValueError(f"unknown algorithm {algo!r}; valid: {', '.join(ALGOS)}")
    if path is None:
        data = _read(resources.files("simenv.agents") / "configs" / f"{algo}.yaml")
    else:
        if not Path(path).is_file():
            raise ValueError(f"config file {os.fspath(path)!r} does not exist")
        data = _read(Path(path))
    if env_id in data:
        cfg = data[env_id]
    elif "default" in data:
        cfg = data["default"]
    elif any(k.startswith("simenv/") for k in data):
        raise ValueError(
            f"config {path}: no section for {env_id!r} (sections: {', '.join(map(str, data))})"
        )
    else:
        cfg = data
    cfg = copy.deepcopy(cfg or {})
    for key, value in (overrides or {}).items():
        node = cfg
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ValueError(f"--set {key}: {p!r} is not a section")
        node[leaf] = value
    cfg["env_kwargs"] = dict(cfg.get("env_kwargs") or {})
    return cfg


def train(
    env_id: str,
    algo: str,
    out_dir: str | os.PathLike[str],
    *,
    config: str | os.PathLike[str] | None = None,
    steps: int | None = None,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    env_kwargs: dict[str, Any] | None = None,
    progress: bool = True,
) -> Path:
    """Train one agent; returns the run folder (``policy.pt`` or ``model.zip`` inside).

    ``steps`` is the number of environment steps for PPO/SAC; BC's data size is set by
    ``bc.episodes`` / ``bc.dagger_*`` (``overrides``). ``env_kwargs`` update the config's.
    """
    if env_id not in gym.registry:
        raise ValueError(
            f"unknown environment {env_id!r}; registered simenv ids: "
            f"{', '.join(k for k in gym.registry if k.startswith('simenv/'))}"
        )
    cfg = load_config(env_id, algo, config, overrides)
    cfg["env_kwargs"].update(env_kwargs or {})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if algo in ("bc", "affordance"):  # learn from the expert: data size is in episodes
        if steps is not None:
            raise ValueError(
                f"--steps sets PPO/SAC environment steps; for {algo} set the "
                f"number of expert episodes with --set {algo}.episodes=N"
            )
        section = {**(cfg.get(algo) or {}), "seed": seed}
        if algo == "bc":
            train_bc(env_id, cfg["env_kwargs"], BCConfig.from_dict(section), out, progress=progress)
        else:
            train_affordance(
                env_id,
                cfg["env_kwargs"],
                AffordanceConfig.from_dict(section),
                out,
                progress=progress,
            )
        return out
    if steps is not None:
        if steps < 1:
            raise ValueError(f"--steps must be >= 1, got {steps}")
        cfg["n_timesteps"] = steps
    (out / "config.yaml").write_text(
        yaml.safe_dump({"algo": algo, "env_id": env_id, "seed": seed, **cfg}, sort_keys=False)
    )
    train_sb3(env_id, algo, cfg, out, seed=seed, progress=progress)
    return out
