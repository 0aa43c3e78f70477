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
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecMonitor
from tqdm.auto import tqdm

import simenv  # noqa: F401  (registers the ids, also in forkserver subprocesses)
from simenv.core import check_choice
from simenv.vector import SimVectorEnv

from .adr import ADRCallback, ADRConfig, ADRState, ADRWrapper
from .data import Buffer, collect
from .experts import make_expert
from .plots import plot_adr, plot_learning_curve

ALGOS: dict[str, type[BaseAlgorithm]] = {"ppo": PPO, "sac": SAC}


def make_env_fn(env_id: str, env_kwargs: dict[str, Any]) -> Callable[[], gym.Env[Any, Any]]:
    def make() -> gym.Env[Any, Any]:
        return gym.make(env_id, **env_kwargs)

    return make


class NativeVecEnv(VecEnv):
    """SB3's ``VecEnv`` over a simenv native vector env (:class:`simenv.vector.SimVectorEnv`).

    SB3 resets a finished env in the step that ended it: the step returns the new episode's
    first observation and puts the last one in ``infos[i]["terminal_observation"]``, with
    ``infos[i]["TimeLimit.truncated"]`` for bootstrapping.
    """

    def __init__(self, venv: SimVectorEnv) -> None:
        self.venv = venv
        self._actions: np.ndarray | None = None
        super().__init__(venv.num_envs, venv.single_observation_space, venv.single_action_space)

    def reset(self) -> Any:
        seeds = self._seeds if any(s is not None for s in self._seeds) else None
        obs, infos = self.venv.reset(seed=seeds)
        self.reset_infos = split_infos(infos, self.num_envs)
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> Any:
        assert self._actions is not None, "step_async first"
        obs, rewards, terminated, truncated, infos = self.venv.step(self._actions)
        dones = terminated | truncated
        out = split_infos(infos, self.num_envs)
        for i in range(self.num_envs):
            out[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        if dones.any():
            for i in map(int, np.flatnonzero(dones)):
                out[i]["terminal_observation"] = {k: v[i].copy() for k, v in obs.items()}
            obs, reset = self.venv.reset(options={"reset_mask": dones})
            for i, info in enumerate(split_infos(reset, self.num_envs)):
                if dones[i]:
                    self.reset_infos[i] = info
        return obs, rewards.astype(np.float32), dones, out

    def close(self) -> None:
        self.venv.close()

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        return [getattr(self.venv.envs[i], attr_name) for i in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        for i in self._get_indices(indices):
            setattr(self.venv.envs[i], attr_name, value)

    def env_method(
        self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any
    ) -> list[Any]:
        return [
            getattr(self.venv.envs[i], method_name)(*method_args, **method_kwargs)
            for i in self._get_indices(indices)
        ]

    def env_is_wrapped(self, wrapper_class: Any, indices: Any = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]

    def get_images(self) -> Any:
        return list(self.venv.render() or ())


def split_infos(infos: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """Gymnasium's vector info (arrays with ``_key`` masks) as one dict per env."""
    out: list[dict[str, Any]] = [{} for _ in range(n)]
    for key, value in infos.items():
        if key.startswith("_"):
            continue
        mask = infos.get(f"_{key}", np.ones(n, bool))
        parts = split_infos(value, n) if isinstance(value, dict) else None
        for i in np.flatnonzero(mask):
            out[i][key] = parts[i] if parts is not None else value[i]
    return out


VEC_ENVS = ("native", "subproc", "dummy")


def build_vec_env(
    env_id: str,
    env_kwargs: dict[str, Any],
    num_envs: int,
    seed: int,
    monitor_dir: Path | None,
    vec_env: str = "native",
    wrapper: Callable[[gym.Env[Any, Any]], gym.Env[Any, Any]] | None = None,
) -> Any:
    """``num_envs`` envs with their episodes (and success) monitored: simenv's native vector
    env (``"native"``, one process) or Gymnasium envs in SB3's Subproc/Dummy VecEnv (what
    per-env ``wrapper``s, such as automatic DR's, need)."""
    check_choice("vec_env", vec_env, VEC_ENVS)
    if vec_env == "native" and wrapper is None:
        venv = NativeVecEnv(gym.make_vec(env_id, num_envs=num_envs, **env_kwargs))  # type: ignore[arg-type]
        venv.seed(seed)
        return VecMonitor(
            venv, str(monitor_dir / "vector") if monitor_dir else None, info_keywords=("success",)
        )
    cls = SubprocVecEnv if vec_env == "subproc" and num_envs > 1 else DummyVecEnv
    kwargs = {"start_method": "forkserver"} if cls is SubprocVecEnv else None
    return make_vec_env(
        make_env_fn(env_id, env_kwargs),
        n_envs=num_envs,
        seed=seed,
        monitor_dir=str(monitor_dir) if monitor_dir else None,
        wrapper_class=wrapper,
        vec_env_cls=cls,
        vec_env_kwargs=kwargs,
        monitor_kwargs={"info_keywords": ("success",)},
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


def warm_start(
    model: BaseAlgorithm,
    env_id: str,
    env_kwargs: dict[str, Any],
    episodes: int,
    epochs: int = 10,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
) -> list[float]:
    """Pre-train ``model.policy`` on expert episodes by maximising the log-likelihood of the
    expert's actions (SAC: the actor); returns the loss per epoch."""
    env = gym.make(env_id, **env_kwargs)
    buffer = Buffer()
    try:
        collect(
            env,
            make_expert(env_id),
            buffer,
            episodes,
            list(range(seed * 1_000_000, seed * 1_000_000 + episodes)),
            desc="warm start",
        )
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
            idx = order[start : start + batch_size]
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


def train_sb3(
    env_id: str,
    algo: str,
    cfg: dict[str, Any],
    out_dir: Path,
    seed: int = 0,
    callbacks: list[BaseCallback] | None = None,
    wrapper: Callable[[gym.Env[Any, Any]], gym.Env[Any, Any]] | None = None,
    progress: bool = True,
) -> BaseAlgorithm:
    """Train ``algo`` (ppo | sac) with a resolved zoo-style config; writes the run folder."""
    if algo not in ALGOS:
        raise ValueError(f"unknown algorithm {algo!r}; valid: {', '.join(ALGOS)}")
    env_kwargs = dict(cfg.get("env_kwargs") or {})
    steps = int(cfg["n_timesteps"])
    num_envs = int(cfg.get("num_envs", 1))
    callbacks = list(callbacks or [])
    if cfg.get("adr") is not None:
        adr_config = ADRConfig.from_dict(cfg["adr"] or {})
        if wrapper is not None:
            raise ValueError("an adr section and a custom wrapper cannot be combined")
        wrapper = partial(ADRWrapper, config=adr_config)
        callbacks.append(ADRCallback(save_path=out_dir))
    venv = build_vec_env(
        env_id,
        env_kwargs,
        num_envs,
        seed,
        out_dir / "monitor",
        cfg.get("vec_env", "native"),
        wrapper,
    )
    if algo == "sac" and not isinstance(venv.action_space, spaces.Box):
        venv.close()
        raise ValueError(
            f"sac needs continuous actions; {env_id} with {env_kwargs} has "
            f"{venv.action_space} (use ppo, or a continuous action_mode)"
        )
    try:
        model = ALGOS[algo](
            cfg.get("policy", "MultiInputPolicy"),
            venv,
            seed=seed,
            verbose=0,
            device="cpu",
            policy_kwargs=cfg.get("policy_kwargs") or None,
            **(cfg.get("hyperparams") or {}),
        )
    except TypeError as err:
        venv.close()
        raise ValueError(f"{algo} config for {env_id}: {err}") from None
    model.set_logger(configure(str(out_dir), ["csv", "tensorboard"]))
    ws = cfg.get("warm_start")
    if ws:
        warm_start(
            model,
            env_id,
            env_kwargs,
            int(ws.get("episodes", 10)),
            int(ws.get("epochs", 10)),
            seed=seed,
        )
    every = max(int(cfg.get("checkpoint_freq", max(steps // 5, 1))) // num_envs, 1)
    cbs: list[BaseCallback] = [CheckpointCallback(every, str(out_dir / "checkpoints"), "model")]
    if progress:
        cbs.append(ProgressBar(steps))
    cbs += callbacks
    try:
        model.learn(steps, callback=cbs)
    finally:
        venv.close()
    model.save(out_dir / "model.zip")
    plot_learning_curve(
        out_dir / "monitor", out_dir / "learning_curve.png", f"{algo.upper()} on {env_id}"
    )
    if cfg.get("adr") is not None:
        ADRState.load(out_dir / "adr_state.json").write_randomization(
            out_dir / "adr_randomization.yaml"
        )  # the frozen ranges, for `simenv eval`
        plot_adr(out_dir / "progress.csv", out_dir / "adr_ranges.png", f"ADR on {env_id}")
    return model


__all__ = ["ALGOS", "build_vec_env", "train_sb3", "warm_start"]
