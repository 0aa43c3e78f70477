"""Behaviour cloning (with optional DART noise and DAgger) from a family's privileged expert.

Data: round 0 rolls out the expert (its executed actions optionally perturbed by Gaussian
noise, DART — the labels stay clean); each DAgger round rolls out the current policy, taking
the expert's action with probability ``beta ** round``, and labels every visited state with
the expert's action. The aggregate set trains the network from scratch each round.

Network (:class:`BCNet`): the image keys (``rgb`` /255, ``depth`` in metres / its range)
stacked as channels with two coordinate channels, four strided convolutions, one linear
layer; the vector keys (normalised by the data's mean and std) through a small MLP; a joint
MLP head. Continuous actions: tanh output and MSE; discrete: cross-entropy. Images get a
random ±4 px shift while training (DrQ's augmentation). With ``memory > 0`` a GRU of that
size sits between the joint features and the head (as in Habitat's PointNav baselines): it
trains on whole episodes (backpropagation through time over each episode, zero state at its
start) and ``predict`` carries its state in SB3's recurrent convention
(``predict(obs, state, episode_start) -> (action, state)``), so DAgger rollouts, ``simenv
eval`` and the real-to-sim runner step it exactly as it was trained.

Checkpoints (``policy.pt``) are a plain dict of tensors and lists, loaded with
``torch.load(weights_only=True)``; they carry the env id and kwargs they were trained with.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import yaml
from gymnasium import spaces
from torch import nn
from torch.nn import functional as F
from tqdm.auto import tqdm

from simenv.torchutil import global_rng_kept, init_weights, seeded

from .checkpoints import checkpoint_meta, load_weights, read_checkpoint, save_checkpoint
from .data import Buffer, collect, config_from_dict, image_scale, split_keys
from .experts import make_expert
from .nets import random_shift, with_coords
from .plots import plot_rounds

FORMAT = "simenv-bc-1"


@dataclass
class BCConfig:
    """Settings of :func:`train_bc` (the ``bc`` section of an agents config YAML)."""

    episodes: int = 20  # expert episodes of round 0
    dagger_rounds: int = 0  # DAgger rounds after round 0
    dagger_episodes: int = 10  # episodes per DAgger round
    beta: float = 0.5  # round k executes the expert's action with probability beta**k
    noise: float = 0.0  # DART: std of Gaussian noise on executed expert actions
    epochs: int = 10
    batch_size: int = 128
    lr: float = 3e-4
    weight_decay: float = 1e-5
    features: int = 256
    augment: int = 4  # max random image shift in pixels (0 = off)
    memory: int = 0  # GRU hidden size (0 = a memoryless policy)
    seed: int = 0
    num_envs: int = 4  # rollouts side by side in a native vector env (the data do not change)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> BCConfig:
        cfg = config_from_dict(
            cls, "bc", data, ("episodes", "epochs", "batch_size", "features", "num_envs")
        )
        if int(cfg.memory) < 0:
            raise ValueError(f"bc setting memory must be >= 0 (0 = no GRU), got {cfg.memory!r}")
        return cfg


class BCNet(nn.Module):
    def __init__(
        self,
        channels: int,
        hw: tuple[int, int] | None,
        vector_dim: int,
        out_dim: int,
        features: int = 256,
        memory: int = 0,
    ) -> None:
        super().__init__()
        self.cnn: nn.Module | None = None
        width = 0
        if channels:
            assert hw is not None
            self.cnn = nn.Sequential(
                nn.Conv2d(channels + 2, 32, 5, 2, 2),
                nn.ReLU(),
                nn.Conv2d(32, 64, 3, 2, 1),
                nn.ReLU(),
                nn.Conv2d(64, 64, 3, 2, 1),
                nn.ReLU(),
                nn.Conv2d(64, 64, 3, 2, 1),
                nn.ReLU(),
                nn.Flatten(),
            )
            with torch.no_grad():
                n = self.cnn(torch.zeros(1, channels + 2, *hw)).shape[1]
            self.img_fc = nn.Sequential(nn.Linear(n, features), nn.ReLU())
            width += features
        self.vec: nn.Module | None = None
        if vector_dim:
            self.vec = nn.Sequential(nn.Linear(vector_dim, 128), nn.ReLU())
            width += 128
        self.core: nn.GRU | None = None
        if memory:
            self.core = nn.GRU(width, memory, batch_first=True)
            width = memory
        self.head = nn.Sequential(
            nn.Linear(width, features), nn.ReLU(), nn.Linear(features, out_dim)
        )

    def image_features(self, image: torch.Tensor) -> torch.Tensor:
        """The image branch's output for NCHW images scaled like the policy's inputs."""
        assert self.cnn is not None
        return self.img_fc(self.cnn(with_coords(image)))

    def encode(self, image: torch.Tensor | None, vector: torch.Tensor | None) -> torch.Tensor:
        """The joint features of a batch of observations (the core's input)."""
        parts = []
        if self.cnn is not None and image is not None:
            parts.append(self.image_features(image))
        if self.vec is not None and vector is not None:
            parts.append(self.vec(vector))
        return torch.cat(parts, 1)

    def forward(
        self,
        image: torch.Tensor | None,
        vector: torch.Tensor | None,
        hidden: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """One step for a batch: outputs and the core's next state (``None`` without memory;
        ``hidden`` ``(1, B, memory)``, zeros if not given)."""
        x = self.encode(image, vector)
        if self.core is None:
            return self.head(x), None
        y, hidden = self.core(x[:, None], hidden)
        return self.head(y[:, 0]), hidden

    def sequences(
        self, image: torch.Tensor | None, vector: torch.Tensor | None, lengths: list[int]
    ) -> torch.Tensor:
        """Outputs for whole episodes laid end to end (``lengths`` steps each), the core
        starting from zeros at each episode's first step (a net with memory only)."""
        assert self.core is not None
        x = self.encode(image, vector)
        padded = nn.utils.rnn.pad_sequence(list(x.split(lengths)), batch_first=True)
        packed = nn.utils.rnn.pack_padded_sequence(
            padded, torch.tensor(lengths), batch_first=True, enforce_sorted=False
        )
        y, _ = nn.utils.rnn.pad_packed_sequence(self.core(packed)[0], batch_first=True)
        return self.head(torch.cat([y[i, :n] for i, n in enumerate(lengths)]))


class BCPolicy:
    """A trained BC network with its preprocessing; ``predict`` like SB3."""

    def __init__(self, net: BCNet, meta: dict[str, Any]) -> None:
        self.net = net.eval()
        self.meta = meta
        self.env_id: str = meta["env_id"]
        self.env_kwargs: dict[str, Any] = meta["env_kwargs"]
        self.image_keys: list[str] = meta["image_keys"]
        self.vector_keys: list[str] = meta["vector_keys"]
        self.scales = {k: float(v) for k, v in meta["image_scales"].items()}
        self.mean = torch.tensor(meta["vector_mean"], dtype=torch.float32)
        self.std = torch.tensor(meta["vector_std"], dtype=torch.float32)
        self.action = meta["action"]
        self.shapes = {k: tuple(s) for k, s in meta["obs_shapes"].items()}
        self.memory = int(meta.get("memory", 0))
        if self.action["type"] == "box":
            self.low = np.asarray(self.action["low"], np.float32)
            self.high = np.asarray(self.action["high"], np.float32)

    # -- preprocessing shared by training and inference
    def tensors(
        self, obs: dict[str, np.ndarray]
    ) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        image = None
        if self.image_keys:
            parts = [
                torch.as_tensor(np.asarray(obs[k]), dtype=torch.float32) / self.scales[k]
                for k in self.image_keys
            ]
            image = torch.cat(parts, -1).permute(0, 3, 1, 2).contiguous()
        vector = None
        if self.vector_keys:
            flat = [
                np.asarray(obs[k], np.float32).reshape(len(obs[k]), -1) for k in self.vector_keys
            ]
            vector = (torch.as_tensor(np.concatenate(flat, 1)) - self.mean) / self.std
        return image, vector

    def decode(self, out: torch.Tensor) -> np.ndarray:
        if self.action["type"] == "discrete":
            return out.argmax(1).numpy()
        unit = torch.tanh(out).numpy()
        act = self.low + (unit + 1.0) * 0.5 * (self.high - self.low)
        return act.reshape(len(out), *self.action["shape"]).astype(np.float32)

    def predict(
        self,
        observation: dict[str, np.ndarray],
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[Any, Any]:
        """SB3's signature. A policy with memory returns its GRU state ``(B, memory)`` and
        starts from zeros where ``state`` is ``None`` or ``episode_start`` is true."""
        keys = self.image_keys + self.vector_keys
        single = any(np.asarray(observation[k]).shape == self.shapes[k] for k in keys)
        batch = {k: np.asarray(observation[k])[None] if single else observation[k] for k in keys}
        hidden = None
        if self.memory:
            n = len(batch[keys[0]])
            h = (
                np.zeros((n, self.memory), np.float32)
                if state is None
                else np.array(state, np.float32).reshape(n, self.memory)
            )
            if episode_start is not None:
                h[np.asarray(episode_start, bool).reshape(n)] = 0.0
            hidden = torch.as_tensor(h)[None]
        with torch.no_grad():
            out, hidden = self.net(*self.tensors(batch), hidden)
        action = self.decode(out)
        if hidden is not None:
            state = hidden[0].numpy()
        if single:
            return (int(action[0]) if self.action["type"] == "discrete" else action[0]), state
        return action, state

    # -- checkpoints
    def save(
        self, path: str | os.PathLike[str], history: list[dict[str, Any]] | None = None
    ) -> Path:
        return save_checkpoint(path, FORMAT, self.meta, self.net, history)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BCPolicy:
        return cls.from_checkpoint(read_checkpoint(path, "BC"), path)

    @classmethod
    def from_checkpoint(cls, data: Any, path: str | os.PathLike[str]) -> BCPolicy:
        meta = checkpoint_meta(data, FORMAT, "BC", path)
        return cls(load_weights(_build_net(meta), data, path), meta)


def _build_net(meta: dict[str, Any]) -> BCNet:
    shapes = meta["obs_shapes"]
    channels = sum(shapes[k][2] for k in meta["image_keys"])
    hw = (
        (int(shapes[meta["image_keys"][0]][0]), int(shapes[meta["image_keys"][0]][1]))
        if meta["image_keys"]
        else None
    )
    vector_dim = sum(int(np.prod(shapes[k])) for k in meta["vector_keys"])
    a = meta["action"]
    out = a["n"] if a["type"] == "discrete" else int(np.prod(a["shape"]))
    with global_rng_kept():
        return BCNet(channels, hw, vector_dim, out, meta["features"], int(meta.get("memory", 0)))


def _action_meta(space: spaces.Space[Any]) -> dict[str, Any]:
    if isinstance(space, spaces.Discrete):
        return {"type": "discrete", "n": int(space.n)}
    if isinstance(space, spaces.Box):
        return {
            "type": "box",
            "shape": list(space.shape),
            "low": space.low.ravel().tolist(),
            "high": space.high.ravel().tolist(),
        }
    raise ValueError(f"BC supports Box and Discrete actions, got {space}")


def new_policy(
    env: gym.Env[Any, Any],
    env_id: str,
    env_kwargs: dict[str, Any],
    data: dict[str, np.ndarray] | None,
    features: int = 256,
    memory: int = 0,
    seed: int = 0,
) -> BCPolicy:
    """An untrained policy for ``env``'s spaces, vector normalisation fitted on ``data``,
    weights initialised from a generator seeded with ``seed``."""
    images, vectors = split_keys(env.observation_space)
    space = env.observation_space
    assert isinstance(space, spaces.Dict)
    if vectors and data is not None:
        flat = np.concatenate([data[k].reshape(len(data[k]), -1) for k in vectors], 1)
        mean, std = flat.mean(0), flat.std(0)
        std = np.where(std < 1e-6, 1.0, std)
    else:
        dim = sum(int(np.prod(space[k].shape or ())) for k in vectors)
        mean, std = np.zeros(dim), np.ones(dim)
    meta = {
        "env_id": env_id,
        "env_kwargs": env_kwargs,
        "features": features,
        "memory": memory,
        "image_keys": images,
        "vector_keys": vectors,
        "obs_shapes": {k: list(space[k].shape or ()) for k in images + vectors},
        "image_scales": {k: image_scale(space[k]) for k in images},  # type: ignore[arg-type]
        "vector_mean": mean.astype(float).tolist(),
        "vector_std": std.astype(float).tolist(),
        "action": _action_meta(env.action_space),
    }
    net = _build_net(meta)
    init_weights(net, seeded(seed))
    return BCPolicy(net, meta)


def fit(
    policy: BCPolicy,
    obs: dict[str, np.ndarray],
    actions: np.ndarray,
    cfg: BCConfig,
    desc: str = "fit",
    progress: bool = True,
    lengths: list[int] | None = None,
) -> list[float]:
    """Train ``policy.net`` on (obs, expert action) pairs; returns the mean loss per epoch.

    A policy with memory trains on whole episodes (``lengths``: their steps, in order; one
    episode if not given), about ``batch_size`` steps per batch."""
    gen = torch.Generator().manual_seed(cfg.seed)
    net = policy.net.train()
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    n = len(actions)
    target = _targets(policy, actions)
    episodes = (lengths or [n]) if policy.memory else None
    losses = []
    bar = tqdm(range(cfg.epochs), desc=desc, unit="epoch", leave=False, disable=not progress)
    for _ in bar:
        total = 0.0
        for idx, lens in _batches(n, episodes, cfg.batch_size, gen):
            image, vector = policy.tensors({k: v[idx] for k, v in obs.items()})
            if image is not None:
                image = random_shift(image, cfg.augment, gen)
            out = net(image, vector)[0] if lens is None else net.sequences(image, vector, lens)
            if policy.action["type"] == "discrete":
                loss = F.cross_entropy(out, target[idx])
            else:
                loss = F.mse_loss(torch.tanh(out), target[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / n)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    policy.net.eval()
    return losses


def _batches(
    n: int, episodes: list[int] | None, size: int, gen: torch.Generator
) -> Iterator[tuple[np.ndarray, list[int] | None]]:
    """Shuffled minibatches: ``size`` random steps, or (``episodes`` given) whole episodes in
    random order until a batch holds at least ``size`` steps, with their lengths."""
    if episodes is None:
        order = torch.randperm(n, generator=gen).numpy()
        for start in range(0, n, size):
            yield order[start : start + size], None
        return
    first = np.cumsum([0, *episodes[:-1]])
    idx: list[np.ndarray] = []
    lens: list[int] = []
    for e in torch.randperm(len(episodes), generator=gen).tolist():
        idx.append(np.arange(first[e], first[e] + episodes[e]))
        lens.append(episodes[e])
        if sum(lens) >= size:
            yield np.concatenate(idx), lens
            idx, lens = [], []
    if lens:
        yield np.concatenate(idx), lens


def _targets(policy: BCPolicy, actions: np.ndarray) -> torch.Tensor:
    if policy.action["type"] == "discrete":
        return torch.as_tensor(actions.astype(np.int64).ravel())
    flat = actions.reshape(len(actions), -1).astype(np.float32)
    span = np.maximum(policy.high - policy.low, 1e-8)
    unit = np.clip(2.0 * (flat - policy.low) / span - 1.0, -0.999, 0.999)
    return torch.as_tensor(unit)


def train_bc(
    env_id: str,
    env_kwargs: dict[str, Any],
    cfg: BCConfig,
    out_dir: Path,
    expert: Any = None,
    progress: bool = True,
) -> BCPolicy:
    """Collect expert data (plus DAgger rounds), fit, checkpoint each round to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env: Any = (
        gym.make_vec(env_id, num_envs=cfg.num_envs, **env_kwargs)
        if cfg.num_envs > 1
        else gym.make(env_id, **env_kwargs)
    )
    single = env.envs[0] if cfg.num_envs > 1 else env
    expert = expert or make_expert(env_id)
    rng = np.random.default_rng(cfg.seed)
    buffer = Buffer()
    history: list[dict[str, Any]] = []
    policy: BCPolicy | None = None
    seed = cfg.seed * 1_000_000
    try:
        for rnd in range(cfg.dagger_rounds + 1):
            n = cfg.episodes if rnd == 0 else cfg.dagger_episodes
            seeds = list(range(seed, seed + n))
            seed += n
            stats = collect(
                env,
                expert,
                buffer,
                n,
                seeds,
                policy if rnd else None,
                beta=cfg.beta**rnd,
                noise=cfg.noise if rnd == 0 else 0.0,
                rng=rng,
                desc=f"round {rnd}: rollouts",
                progress=progress,
            )
            obs, actions = buffer.arrays()
            policy = new_policy(single, env_id, env_kwargs, obs, cfg.features, cfg.memory, cfg.seed)
            losses = fit(
                policy,
                obs,
                actions,
                cfg,
                desc=f"round {rnd}: fit",
                progress=progress,
                lengths=buffer.lengths(),
            )
            history.append(
                {
                    "round": rnd,
                    "beta": cfg.beta**rnd,
                    "samples": len(buffer),
                    "rollout_success": stats["success"],
                    "loss": losses,
                }
            )
            policy.save(out_dir / "policy.pt", history)
            if progress:
                tqdm.write(
                    f"round {rnd}: {len(buffer)} samples, rollout success "
                    f"{stats['success']:.2f} (beta {cfg.beta**rnd:.2f}), "
                    f"final loss {losses[-1]:.4f}"
                )
    finally:
        env.close()
    (out_dir / "history.json").write_text(json.dumps(history, indent=1))
    (out_dir / "config.yaml").write_text(
        yaml.safe_dump(
            {"algo": "bc", "env_id": env_id, "env_kwargs": env_kwargs, "bc": asdict(cfg)},
            sort_keys=False,
        )
    )
    plot_rounds(history, out_dir / "learning_curve.png")
    assert policy is not None
    return policy
