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
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
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

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> BCConfig:
        cfg = config_from_dict(cls, "bc", data, ("episodes", "epochs", "batch_size",
                                                 "features"))
        if int(cfg.memory) < 0:
            raise ValueError(f"bc setting memory must be >= 0 (0 = no GRU), got {cfg.memory!r}")
        return cfg


def config_from_dict(cls: Any, section: str, data: dict[str, Any] | None,
                     positive: tuple[str, ...]) -> Any:
    """``cls(**data)`` for a learner config dataclass with a ``beta`` field, one-line errors
    for unknown keys, non-positive ``positive`` fields and ``beta`` outside [0, 1]."""
    data = dict(data or {})
    valid = {f.name for f in fields(cls)}
    bad = sorted(set(data) - valid)
    if bad:
        raise ValueError(f"unknown {section} setting {bad[0]!r}; valid: "
                         f"{', '.join(sorted(valid))}")
    cfg = cls(**data)
    for name in positive:
        if int(getattr(cfg, name)) < 1:
            raise ValueError(f"{section} setting {name} must be >= 1, "
                             f"got {getattr(cfg, name)!r}")
    if not 0.0 <= cfg.beta <= 1.0:
        raise ValueError(f"{section} setting beta must be in [0, 1], got {cfg.beta!r}")
    return cfg


# ----------------------------------------------------------------------------- observations
def split_keys(space: spaces.Space[Any]) -> tuple[list[str], list[str]]:
    """The image keys (H×W×C boxes) and vector keys of a Dict observation space."""
    if not isinstance(space, spaces.Dict):
        raise ValueError(f"BC needs a Dict observation space, got {space}")
    images, vectors = [], []
    for key, sub in space.spaces.items():
        if not isinstance(sub, spaces.Box):
            raise ValueError(f"BC supports Box observations only; {key!r} is {sub}")
        (images if len(sub.shape) == 3 else vectors).append(key)
    shapes = {space[k].shape[:2] for k in images}
    if len(shapes) > 1:
        raise ValueError(f"image keys {images} have different sizes {sorted(shapes)}")
    return images, vectors


def _image_scale(sub: spaces.Box) -> float:
    if sub.dtype == np.uint8:
        return 255.0
    high = float(np.max(sub.high))
    return high if np.isfinite(high) and high > 0 else 10.0


def with_coords(image: torch.Tensor) -> torch.Tensor:
    """``image`` (NCHW) with two more channels: the row and column coordinates in [-1, 1]
    (CoordConv), so convolutions can tell where in the frame they are."""
    b, _, h, w = image.shape
    ys = torch.linspace(-1, 1, h).view(1, 1, h, 1).expand(b, 1, h, w)
    xs = torch.linspace(-1, 1, w).view(1, 1, 1, w).expand(b, 1, h, w)
    return torch.cat([image, ys, xs], 1)


class BCNet(nn.Module):
    def __init__(self, channels: int, hw: tuple[int, int] | None, vector_dim: int,
                 out_dim: int, features: int = 256, memory: int = 0) -> None:
        super().__init__()
        self.cnn: nn.Module | None = None
        width = 0
        if channels:
            assert hw is not None
            self.cnn = nn.Sequential(
                nn.Conv2d(channels + 2, 32, 5, 2, 2), nn.ReLU(),
                nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                nn.Conv2d(64, 64, 3, 2, 1), nn.ReLU(),
                nn.Conv2d(64, 64, 3, 2, 1), nn.ReLU(),
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
        self.head = nn.Sequential(nn.Linear(width, features), nn.ReLU(),
                                  nn.Linear(features, out_dim))

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

    def forward(self, image: torch.Tensor | None, vector: torch.Tensor | None,
                hidden: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """One step for a batch: outputs and the core's next state (``None`` without memory;
        ``hidden`` ``(1, B, memory)``, zeros if not given)."""
        x = self.encode(image, vector)
        if self.core is None:
            return self.head(x), None
        y, hidden = self.core(x[:, None], hidden)
        return self.head(y[:, 0]), hidden

    def sequences(self, image: torch.Tensor | None, vector: torch.Tensor | None,
                  lengths: list[int]) -> torch.Tensor:
        """Outputs for whole episodes laid end to end (``lengths`` steps each), the core
        starting from zeros at each episode's first step (a net with memory only)."""
        assert self.core is not None
        x = self.encode(image, vector)
        padded = nn.utils.rnn.pad_sequence(list(x.split(lengths)), batch_first=True)
        packed = nn.utils.rnn.pack_padded_sequence(padded, torch.tensor(lengths),
                                                   batch_first=True, enforce_sorted=False)
        y, _ = nn.utils.rnn.pad_packed_sequence(self.core(packed)[0], batch_first=True)
        return self.head(torch.cat([y[i, :n] for i, n in enumerate(lengths)]))


def random_shift(images: torch.Tensor, pad: int, generator: torch.Generator) -> torch.Tensor:
    """Shift each image by a random integer offset in [-pad, pad] (edge pixels repeat)."""
    if pad <= 0:
        return images
    b, c, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad), mode="replicate")
    dx = torch.randint(0, 2 * pad + 1, (b, 1), generator=generator)
    dy = torch.randint(0, 2 * pad + 1, (b, 1), generator=generator)
    cols = (dx + torch.arange(w))[:, None, None, :].expand(b, c, h + 2 * pad, w)
    rows = (dy + torch.arange(h))[:, None, :, None].expand(b, c, h, w)
    return padded.gather(3, cols).gather(2, rows)


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
    def tensors(self, obs: dict[str, np.ndarray]) -> tuple[torch.Tensor | None,
                                                          torch.Tensor | None]:
        image = None
        if self.image_keys:
            parts = [torch.as_tensor(np.asarray(obs[k]), dtype=torch.float32) / self.scales[k]
                     for k in self.image_keys]
            image = torch.cat(parts, -1).permute(0, 3, 1, 2).contiguous()
        vector = None
        if self.vector_keys:
            flat = [np.asarray(obs[k], np.float32).reshape(len(obs[k]), -1)
                    for k in self.vector_keys]
            vector = (torch.as_tensor(np.concatenate(flat, 1)) - self.mean) / self.std
        return image, vector

    def decode(self, out: torch.Tensor) -> np.ndarray:
        if self.action["type"] == "discrete":
            return out.argmax(1).numpy()
        unit = torch.tanh(out).numpy()
        act = self.low + (unit + 1.0) * 0.5 * (self.high - self.low)
        return act.reshape(len(out), *self.action["shape"]).astype(np.float32)

    def predict(self, observation: dict[str, np.ndarray], state: Any = None,
                episode_start: Any = None, deterministic: bool = True) -> tuple[Any, Any]:
        """SB3's signature. A policy with memory returns its GRU state ``(B, memory)`` and
        starts from zeros where ``state`` is ``None`` or ``episode_start`` is true."""
        keys = self.image_keys + self.vector_keys
        single = any(np.asarray(observation[k]).shape == self.shapes[k] for k in keys)
        batch = {k: np.asarray(observation[k])[None] if single else observation[k] for k in keys}
        hidden = None
        if self.memory:
            n = len(batch[keys[0]])
            h = np.zeros((n, self.memory), np.float32) if state is None else np.array(
                state, np.float32).reshape(n, self.memory)
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
    def save(self, path: str | os.PathLike[str], history: list[dict[str, Any]] | None = None
             ) -> Path:
        return save_checkpoint(path, FORMAT, self.meta, self.net, history)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BCPolicy:
        return cls.from_checkpoint(read_checkpoint(path, "BC"), path)

    @classmethod
    def from_checkpoint(cls, data: Any, path: str | os.PathLike[str]) -> BCPolicy:
        meta = checkpoint_meta(data, FORMAT, "BC", path)
        return cls(load_weights(_build_net(meta), data, path), meta)


def save_checkpoint(path: str | os.PathLike[str], fmt: str, meta: dict[str, Any],
                    net: nn.Module, history: list[dict[str, Any]] | None = None) -> Path:
    """A policy checkpoint: a plain dict of tensors and lists (``weights_only`` loadable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": fmt, "meta": meta, "history": history or [],
                "state_dict": net.state_dict()}, path)
    return path


def read_checkpoint(path: str | os.PathLike[str], kind: str) -> Any:
    """``torch.load(weights_only=True)``; a file that is not one is a one-line error."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated zip, pickle of other objects, not a file
        raise ValueError(f"{path}: not a readable {kind} checkpoint ({err})".splitlines()[0]
                         ) from None


def checkpoint_meta(data: Any, fmt: str, kind: str, path: str | os.PathLike[str]
                    ) -> dict[str, Any]:
    """The ``meta`` of a checkpoint read by :func:`read_checkpoint`, if its format is ``fmt``."""
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise ValueError(f"{path}: not a simenv {kind} checkpoint (format {fmt!r} expected)")
    return data["meta"]


def load_weights(net: nn.Module, data: dict[str, Any], path: str | os.PathLike[str]) -> Any:
    """``net`` with the checkpoint's weights (a one-line error if they do not fit)."""
    try:
        net.load_state_dict(data["state_dict"])
    except RuntimeError as err:
        raise ValueError(f"{path}: weights do not match the network ({err})".splitlines()[0]
                         ) from None
    return net


def _build_net(meta: dict[str, Any]) -> BCNet:
    shapes = meta["obs_shapes"]
    channels = sum(shapes[k][2] for k in meta["image_keys"])
    hw = tuple(shapes[meta["image_keys"][0]][:2]) if meta["image_keys"] else None
    vector_dim = sum(int(np.prod(shapes[k])) for k in meta["vector_keys"])
    a = meta["action"]
    out = a["n"] if a["type"] == "discrete" else int(np.prod(a["shape"]))
    return BCNet(channels, hw, vector_dim, out, meta["features"],  # type: ignore[arg-type]
                 int(meta.get("memory", 0)))


def _action_meta(space: spaces.Space[Any]) -> dict[str, Any]:
    if isinstance(space, spaces.Discrete):
        return {"type": "discrete", "n": int(space.n)}
    if isinstance(space, spaces.Box):
        return {"type": "box", "shape": list(space.shape), "low": space.low.ravel().tolist(),
                "high": space.high.ravel().tolist()}
    raise ValueError(f"BC supports Box and Discrete actions, got {space}")


def new_policy(env: gym.Env[Any, Any], env_id: str, env_kwargs: dict[str, Any],
               data: dict[str, np.ndarray] | None, features: int = 256,
               memory: int = 0) -> BCPolicy:
    """An untrained policy for ``env``'s spaces, vector normalisation fitted on ``data``."""
    images, vectors = split_keys(env.observation_space)
    space = env.observation_space
    assert isinstance(space, spaces.Dict)
    if vectors and data is not None:
        flat = np.concatenate([data[k].reshape(len(data[k]), -1) for k in vectors], 1)
        mean, std = flat.mean(0), flat.std(0)
        std = np.where(std < 1e-6, 1.0, std)
    else:
        dim = sum(int(np.prod(space[k].shape)) for k in vectors)
        mean, std = np.zeros(dim), np.ones(dim)
    meta = {
        "env_id": env_id, "env_kwargs": env_kwargs, "features": features, "memory": memory,
        "image_keys": images, "vector_keys": vectors,
        "obs_shapes": {k: list(space[k].shape) for k in images + vectors},
        "image_scales": {k: _image_scale(space[k]) for k in images},  # type: ignore[arg-type]
        "vector_mean": mean.astype(float).tolist(), "vector_std": std.astype(float).tolist(),
        "action": _action_meta(env.action_space),
    }
    torch.manual_seed(0)
    return BCPolicy(_build_net(meta), meta)


# ----------------------------------------------------------------------------- data
class Buffer:
    """Observations (per key) and expert actions, appended step by step, episode after
    episode (``starts`` marks each episode's first step)."""

    def __init__(self) -> None:
        self.obs: dict[str, list[np.ndarray]] = {}
        self.actions: list[Any] = []
        self.starts: list[bool] = []

    def add(self, obs: dict[str, np.ndarray], action: Any, start: bool = False) -> None:
        for k, v in obs.items():
            self.obs.setdefault(k, []).append(np.asarray(v))
        self.actions.append(np.asarray(action))
        self.starts.append(bool(start) or not self.starts)

    def lengths(self) -> list[int]:
        """The number of steps of each episode, in order."""
        first = np.flatnonzero(self.starts)
        return np.diff(np.r_[first, len(self.starts)]).tolist()

    def __len__(self) -> int:
        return len(self.actions)

    def arrays(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        return {k: np.stack(v) for k, v in self.obs.items()}, np.stack(self.actions)


@contextmanager
def one_torch_thread() -> Iterator[None]:
    """Batch-1 inference beside a renderer: extra torch threads only spin against it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def collect(env: gym.Env[Any, Any], expert: Any, buffer: Buffer, episodes: int, seeds: list[int],
            policy: BCPolicy | None = None, beta: float = 1.0, noise: float = 0.0,
            rng: np.random.Generator | None = None, desc: str = "collect",
            progress: bool = True) -> dict[str, float]:
    """Roll out ``episodes`` (expert, or policy/expert mixture) adding expert-labelled steps."""
    rng = rng or np.random.default_rng(0)
    successes, steps = [], 0
    with one_torch_thread():
        bar = tqdm(total=episodes, desc=desc, unit="ep", leave=False, disable=not progress)
        for ep in range(episodes):
            obs, _ = env.reset(seed=seeds[ep])
            done, start, state = False, True, None
            while not done:
                label = expert.act(env)
                buffer.add(obs, label, start)
                if policy is not None:  # a policy with memory sees every step
                    own, state = policy.predict(obs, state, np.array([start]))
                start = False
                if policy is None or rng.random() < beta:
                    action = _perturb(env.action_space, label, noise, rng)
                else:
                    action = own
                obs, _, terminated, truncated, info = env.step(action)
                done = terminated or truncated
                steps += 1
            successes.append(float(info.get("success", 0.0)))
            bar.update()
            bar.set_postfix(success=f"{np.mean(successes):.2f}", steps=steps)
        bar.close()
    return {"episodes": episodes, "steps": steps, "success": float(np.mean(successes))}


def _perturb(space: spaces.Space[Any], action: Any, noise: float,
             rng: np.random.Generator) -> Any:
    if noise <= 0:
        return action
    if isinstance(space, spaces.Discrete):
        return int(rng.integers(space.n)) if rng.random() < noise else action
    assert isinstance(space, spaces.Box)
    noisy = np.asarray(action) + rng.normal(0.0, noise, np.shape(action))
    return np.clip(noisy, space.low, space.high).astype(space.dtype)


# ----------------------------------------------------------------------------- training
def fit(policy: BCPolicy, obs: dict[str, np.ndarray], actions: np.ndarray, cfg: BCConfig,
        desc: str = "fit", progress: bool = True, lengths: list[int] | None = None
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


def _batches(n: int, episodes: list[int] | None, size: int, gen: torch.Generator
             ) -> Iterator[tuple[np.ndarray, list[int] | None]]:
    """Shuffled minibatches: ``size`` random steps, or (``episodes`` given) whole episodes in
    random order until a batch holds at least ``size`` steps, with their lengths."""
    if episodes is None:
        order = torch.randperm(n, generator=gen).numpy()
        for start in range(0, n, size):
            yield order[start:start + size], None
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


def train_bc(env_id: str, env_kwargs: dict[str, Any], cfg: BCConfig, out_dir: Path,
             expert: Any = None, progress: bool = True) -> BCPolicy:
    """Collect expert data (plus DAgger rounds), fit, checkpoint each round to ``out_dir``."""
    from .policy import make_expert

    out_dir.mkdir(parents=True, exist_ok=True)
    env = gym.make(env_id, **env_kwargs)
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
            stats = collect(env, expert, buffer, n, seeds, policy if rnd else None,
                            beta=cfg.beta ** rnd, noise=cfg.noise if rnd == 0 else 0.0,
                            rng=rng, desc=f"round {rnd}: rollouts", progress=progress)
            obs, actions = buffer.arrays()
            policy = new_policy(env, env_id, env_kwargs, obs, cfg.features, cfg.memory)
            losses = fit(policy, obs, actions, cfg, desc=f"round {rnd}: fit", progress=progress,
                         lengths=buffer.lengths())
            history.append({"round": rnd, "beta": cfg.beta ** rnd, "samples": len(buffer),
                            "rollout_success": stats["success"], "loss": losses})
            policy.save(out_dir / "policy.pt", history)
            if progress:
                tqdm.write(f"round {rnd}: {len(buffer)} samples, rollout success "
                           f"{stats['success']:.2f} (beta {cfg.beta ** rnd:.2f}), "
                           f"final loss {losses[-1]:.4f}")
    finally:
        env.close()
    (out_dir / "history.json").write_text(json.dumps(history, indent=1))
    (out_dir / "config.yaml").write_text(yaml.safe_dump(
        {"algo": "bc", "env_id": env_id, "env_kwargs": env_kwargs, "bc": asdict(cfg)},
        sort_keys=False))
    plot_bc_history(history, out_dir / "learning_curve.png")
    assert policy is not None
    return policy


def plot_bc_history(history: list[dict[str, Any]], path: Path, learner: str = "BC") -> None:
    """Training loss per epoch (every round) and rollout success per round."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    for h in history:
        a.plot(range(1, len(h["loss"]) + 1), h["loss"], label=f"round {h['round']}")
    a.set(xlabel="epoch", ylabel="loss", yscale="log", title=f"{learner} training loss")
    a.legend(fontsize=7)
    b.plot([h["round"] for h in history], [h["rollout_success"] for h in history], "o-")
    b.set(xlabel="DAgger round", ylabel="success of the rollouts", ylim=(-0.05, 1.05),
          title="rollouts (round k: policy with p=1-beta^k)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
