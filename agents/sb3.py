"""Stable-Baselines3 PPO and SAC on simenv's Dict observations (``MultiInputPolicy``).

A run folder gets: ``model.zip`` (final), ``checkpoints/`` (every ``checkpoint_freq``
steps), TensorBoard events (``tensorboard --logdir RUN``) and ``progress.csv`` (SB3's log),
``monitor/`` (per-episode CSVs with ``success``), ``config.yaml`` (the resolved config, which
:func:`simenv.agents.load_policy` reads) and ``learning_curve.png``. An ``adr`` section (the
settings of :class:`simenv.agents.adr.ADRConfig`) wraps every env in an ``ADRWrapper`` and
adds the ``ADRCallback``: the run then also writes ``adr_state.json``, the frozen ranges as
``adr_randomization.yaml`` (pass it as ``randomization``) and ``adr_ranges.png``.
``warm_start`` pre-trains the policy by maximum likelihood of the
expert's actions (behaviour cloning through SB3's own action distribution) before RL.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CheckpointCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure
from stable_baselines3.common.utils import obs_as_tensor
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv
from tqdm.auto import tqdm

import simenv  # noqa: F401  (registers the ids, also in forkserver subprocesses)

from .adr import ADRCallback, ADRConfig, ADRState, ADRWrapper
from .data import Buffer, collect
from .experts import make_expert
from .plots import plot_adr, plot_learning_curve

ALGOS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "sac": SAC}


def make_env_fn(env_id: str, env_kwargs: dict[str, Any]) -> Callable[[], gym.Env[Any, Any]]:
    def make() -> gym.Env[Any, Any]:
        return gym.make(env_id, **env_kwargs)

    return make


def build_vec_env(env_id: str, env_kwargs: dict[str, Any], n_envs: int, seed: int,
                  monitor_dir: Path | None, vec_env: str = "subproc",
                  wrapper: Callable[[gym.Env[Any, Any]], gym.Env[Any, Any]] | None = None
                  ) -> Any:
    """``n_envs`` Monitor-wrapped envs (success logged) in a Dummy or Subproc VecEnv."""
    if vec_env not in ("subproc", "dummy"):
        raise ValueError(f"vec_env must be 'subproc' or 'dummy', got {vec_env!r}")
    cls = SubprocVecEnv if vec_env == "subproc" and n_envs > 1 else DummyVecEnv
    kwargs = {"start_method": "forkserver"} if cls is SubprocVecEnv else None
    return make_vec_env(
        make_env_fn(env_id, env_kwargs), n_envs=n_envs, seed=seed,
        monitor_dir=str(monitor_dir) if monitor_dir else None, wrapper_class=wrapper,
        vec_env_cls=cls, vec_env_kwargs=kwargs, monitor_kwargs={"info_keywords": ("success",)},
    )


class ProgressBar(BaseCallback):
    """A tqdm bar over environment steps with the recent success rate."""

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total
        self.bar: Any = None
        self.recent: deque[float] = deque(maxlen=50)

    def _on_training_start(self) -> None:
        self.bar = tqdm(total=self.total, desc="train", unit="step")

    def _on_step(self) -> bool:
        assert self.bar is not None
        self.bar.update(self.training_env.num_envs)
        for info, done in zip(self.locals.get("infos", []), self.locals.get("dones", [])):
            if done:
                self.recent.append(float(info.get("success", 0.0)))
                self.bar.set_postfix(success=f"{np.mean(self.recent):.2f}")
        return True

    def _on_training_end(self) -> None:
        if self.bar is not None:
            self.bar.close()


def warm_start(model: BaseAlgorithm, env_id: str, env_kwargs: dict[str, Any], episodes: int,
               epochs: int = 10, batch_size: int = 256, lr: float = 1e-3, seed: int = 0
               ) -> list[float]:
    """Pre-train ``model.policy`` on expert episodes by maximising the log-likelihood of the
    expert's actions (SAC: the actor); returns the loss per epoch."""
    env = gym.make(env_id, **env_kwargs)
    buffer = Buffer()
    try:
        collect(env, make_expert(env_id), buffer, episodes,
                list(range(seed * 1_000_000, seed * 1_000_000 + episodes)), desc="warm start")
    finally:
        env.close()
    obs, actions = buffer.arrays()
    policy: Any = model.policy
    actor = getattr(policy, "actor", None)  # SAC
    params = (actor if actor is not None else policy).parameters()
    opt = torch.optim.Adam(params, lr=lr)
    space = model.action_space
    if isinstance(space, spaces.Box):
        actions = np.clip(actions, space.low + 1e-3, space.high - 1e-3)
    rng = np.random.default_rng(seed)
    losses = []
    policy.set_training_mode(True)
    for _ in tqdm(range(epochs), desc="warm start: fit", unit="epoch", leave=False):
        order, total = rng.permutation(len(actions)), 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            o = obs_as_tensor({k: v[idx] for k, v in obs.items()}, policy.device)
            a = torch.as_tensor(actions[idx], device=policy.device)
            if actor is not None:
                mean, log_std, kw = actor.get_action_dist_params(o)
                dist = actor.action_dist.proba_distribution(mean, log_std, **kw)
                log_prob = dist.log_prob(policy.scale_action(a))
            else:
                _, log_prob, _ = policy.evaluate_actions(o, a)
            loss = -log_prob.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(order))
    policy.set_training_mode(False)
    return losses


def train_sb3(env_id: str, algo: str, cfg: dict[str, Any], out_dir: Path, seed: int = 0,
              callbacks: list[BaseCallback] | None = None,
              wrapper: Callable[[gym.Env[Any, Any]], gym.Env[Any, Any]] | None = None,
              progress: bool = True) -> BaseAlgorithm:
    """Train ``algo`` (ppo | sac) with a resolved zoo-style config; writes the run folder."""
    if algo not in ALGOS:
        raise ValueError(f"unknown algorithm {algo!r}; valid: {', '.join(ALGOS)}")
    env_kwargs = dict(cfg.get("env_kwargs") or {})
    steps = int(cfg["n_timesteps"])
    n_envs = int(cfg.get("n_envs", 1))
    callbacks = list(callbacks or [])
    if cfg.get("adr") is not None:
        adr_config = ADRConfig.from_dict(cfg["adr"] or {})
        if wrapper is not None:
            raise ValueError("an adr section and a custom wrapper cannot be combined")
        wrapper = partial(ADRWrapper, config=adr_config)
        callbacks.append(ADRCallback(save_path=out_dir))
    venv = build_vec_env(env_id, env_kwargs, n_envs, seed, out_dir / "monitor",
                         cfg.get("vec_env", "subproc"), wrapper)
    if algo == "sac" and not isinstance(venv.action_space, spaces.Box):
        venv.close()
        raise ValueError(f"sac needs continuous actions; {env_id} with {env_kwargs} has "
                         f"{venv.action_space} (use ppo, or a continuous action_mode)")
    try:
        model = ALGOS[algo](
            cfg.get("policy", "MultiInputPolicy"), venv, seed=seed, verbose=0, device="cpu",
            policy_kwargs=cfg.get("policy_kwargs") or None,
            **(cfg.get("hyperparams") or {}),
        )
    except TypeError as err:
        venv.close()
        raise ValueError(f"{algo} config for {env_id}: {err}") from None
    model.set_logger(configure(str(out_dir), ["csv", "tensorboard"]))
    ws = cfg.get("warm_start")
    if ws:
        warm_start(model, env_id, env_kwargs, int(ws.get("episodes", 10)),
                   int(ws.get("epochs", 10)), seed=seed)
    every = max(int(cfg.get("checkpoint_freq", max(steps // 5, 1))) // n_envs, 1)
    cbs: list[BaseCallback] = [CheckpointCallback(every, str(out_dir / "checkpoints"), "model")]
    if progress:
        cbs.append(ProgressBar(steps))
    cbs += callbacks
    try:
        model.learn(steps, callback=cbs)
    finally:
        venv.close()
    model.save(out_dir / "model.zip")
    plot_learning_curve(out_dir / "monitor", out_dir / "learning_curve.png",
                        f"{algo.upper()} on {env_id}")
    if cfg.get("adr") is not None:
        ADRState.load(out_dir / "adr_state.json").write_randomization(
            out_dir / "adr_randomization.yaml")  # the frozen ranges, for `simenv eval`
        plot_adr(out_dir / "progress.csv", out_dir / "adr_ranges.png", f"ADR on {env_id}")
    return model


__all__ = ["ALGOS", "build_vec_env", "train_sb3", "warm_start"]
