"""Grasp affordance maps: a fully convolutional policy for top-down grasp actions.

Regressing one (x, y, θ) from an image fails when several objects are equally good targets:
the regressor averages them and grasps the empty table between them (the BC baseline on
TransparentGrasp's top-down mode, success 0.10). Affordance maps (Zeng et al., "Learning
Synergies between Pushing and Grasping", 2018; Transporter networks, 2020) instead score
every image location and grasp angle and take the best one, so each mode keeps its own peak.

Network (:class:`AffordanceNet`): the image keys (``rgb`` /255, ``depth`` / its range, two
coordinate channels) through two strided convolutions to a 1/4-resolution grid, four
residual dilated convolutions (dilation 1, 2, 4, 8) plus a global context vector, then per
cell ``bins`` logits (one per finger-axis angle bin) and an offset to the grasp position from
the geometry map: the (x, y) action that aims at the point 5 cm above the table seen in the
cell. A pinhole camera maps that plane to the image by a homography, so the geometry map is
one: the nominal camera's (a learned parameter, initialised by a least-squares fit to the
data) corrected per image by a camera head that pools the trunk onto a 6×6 grid — the
randomized camera pose is estimated once from the whole image instead of cell by cell.
Training: cross-entropy over all (bin, cell) pairs against the expert's choice,
whose cell is where its grasp column crosses 5 cm above the table in the camera image
(``env.unwrapped.action_pixel``); L1 on the geometry map at every cell (the camera's pose is
randomized, ``env.unwrapped.pixel_action`` gives the truth while collecting); L1 on geometry
+ offset against the expert's (x, y) at the label cell and its neighbours. Acting: the
arg-max (bin, cell), x and y read there, θ the bin's centre.

Data: expert episodes, then optional DAgger rounds (policy/expert mixture, expert labels), as
in :mod:`.bc`. Checkpoints are a plain dict loaded with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import json
import os
import warnings
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
from .nets import with_coords
from .plots import plot_rounds

FORMAT = "simenv-affordance-2"


@dataclass
class AffordanceConfig:
    """Settings of :func:`train_affordance` (the ``affordance`` section of a config YAML)."""

    episodes: int = 1000  # expert episodes of round 0
    dagger_rounds: int = 0
    dagger_episodes: int = 200
    beta: float = 0.5  # round k executes the expert's action with probability beta**k
    bins: int = 8  # finger-axis angle bins over the gripper's 180° symmetry
    width: int = 64  # channels of the convolutional trunk
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    xy_weight: float = 10.0  # weight of the L1 position loss against the cross-entropy
    seed: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> AffordanceConfig:
        return config_from_dict(
            cls, "affordance", data, ("episodes", "bins", "width", "epochs", "batch_size")
        )


class _Dilated(nn.Module):
    def __init__(self, width: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(width, width, 3, padding=dilation, dilation=dilation)
        self.norm = nn.GroupNorm(8, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + F.relu(self.norm(self.conv(x)))


class AffordanceNet(nn.Module):
    """Images ``(B, C, H, W)`` -> angle-bin logits ``(B, bins, H/4, W/4)``, grasp (x, y) and
    the geometry map (x, y), each ``(B, 2, H/4, W/4)`` in action units."""

    STRIDE = 4

    def __init__(self, channels: int, bins: int, width: int = 64) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(channels + 2, 32, 5, 2, 2),
            nn.ReLU(),
            nn.Conv2d(32, width, 3, 2, 1),
            nn.GroupNorm(8, width),
            nn.ReLU(),
        )
        self.trunk = nn.Sequential(*[_Dilated(width, d) for d in (1, 2, 4, 8)])
        self.context = nn.Linear(width, width)  # the whole scene: which object is best
        self.head = nn.Sequential(
            nn.Conv2d(width, width, 1), nn.ReLU(), nn.Conv2d(width, bins + 2, 1)
        )
        # the camera: a correction of the nominal homography from the scene's layout
        self.camera = nn.Sequential(
            nn.Conv2d(width, 16, 1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(6),
            nn.Flatten(),
            nn.Linear(16 * 36, 128),
            nn.ReLU(),
            nn.Linear(128, 8),
        )
        self.h0 = nn.Parameter(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]))
        self.bins = bins

    def reset_parameters(self, generator: torch.Generator) -> AffordanceNet:
        """Seeded initialisation; the camera head starts at zero (the nominal homography)."""
        init_weights(self, generator)
        last = self.camera[-1]
        assert isinstance(last, nn.Linear)
        with torch.no_grad():
            last.weight.zero_()
            last.bias.zero_()
        return self

    def image_features(self, image: torch.Tensor) -> torch.Tensor:
        """The trunk's feature grid ``(B, width, H/4, W/4)`` for NCHW images scaled like the
        policy's inputs (what the real→sim policy-consistency loss compares)."""
        return self.trunk(self.stem(with_coords(image)))

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.image_features(image)
        geometry = homography_map(self.h0 + self.camera(x), *x.shape[2:])
        x = x + F.relu(self.context(x.mean((2, 3))))[:, :, None, None]
        out = self.head(x)
        return out[:, : self.bins], geometry + out[:, self.bins :], geometry


def _cell_coords(rows: int, cols: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Cell-centre coordinates in [-1, 1], ``(rows, cols)`` each."""
    v, u = torch.meshgrid(torch.linspace(-1, 1, rows), torch.linspace(-1, 1, cols), indexing="ij")
    return u, v


def homography_map(h: torch.Tensor, rows: int, cols: int) -> torch.Tensor:
    """The map ``(B, 2, rows, cols)`` of homographies ``h`` ``(B, 8)`` (``h33 = 1``) over the
    cell grid: ``x = (h0 u + h1 v + h2) / (h6 u + h7 v + 1)``, ``y`` likewise with h3..h5."""
    u, v = _cell_coords(rows, cols)
    c = h[:, :, None, None]
    den = (1.0 + c[:, 6] * u + c[:, 7] * v).clamp(min=0.2)  # a plane in front of the camera
    return torch.stack(
        [(c[:, 0] * u + c[:, 1] * v + c[:, 2]) / den, (c[:, 3] * u + c[:, 4] * v + c[:, 5]) / den],
        1,
    )


def fit_homography(geometry: np.ndarray) -> np.ndarray:
    """Least-squares homography (8 numbers, :func:`homography_map`'s) of a geometry map
    ``(2, rows, cols)``; NaN cells are ignored (the identity if fewer than 4 are known)."""
    u, v = (t.numpy().ravel() for t in _cell_coords(*geometry.shape[1:]))
    x, y = geometry[0].ravel(), geometry[1].ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 4:
        return np.array([1.0, 0, 0, 0, 1.0, 0, 0, 0])
    u, v, x, y = u[ok], v[ok], x[ok], y[ok]
    one, zero = np.ones_like(u), np.zeros_like(u)
    a = np.concatenate(
        [
            np.stack([u, v, one, zero, zero, zero, -u * x, -v * x], 1),
            np.stack([zero, zero, zero, u, v, one, -u * y, -v * y], 1),
        ]
    )
    return np.linalg.lstsq(a, np.concatenate([x, y]), rcond=None)[0]


class AffordancePolicy:
    """A trained :class:`AffordanceNet` with its preprocessing; ``predict`` like SB3."""

    def __init__(self, net: AffordanceNet, meta: dict[str, Any]) -> None:
        self.net = net.eval()
        self.meta = meta
        self.env_id: str = meta["env_id"]
        self.env_kwargs: dict[str, Any] = meta["env_kwargs"]
        self.image_keys: list[str] = meta["image_keys"]
        self.scales = {k: float(v) for k, v in meta["image_scales"].items()}
        self.shapes = {k: tuple(s) for k, s in meta["obs_shapes"].items()}
        self.bins = int(meta["bins"])

    def tensors(self, obs: dict[str, np.ndarray]) -> torch.Tensor:
        parts = [
            torch.as_tensor(np.asarray(obs[k]), dtype=torch.float32) / self.scales[k]
            for k in self.image_keys
        ]
        return torch.cat(parts, -1).permute(0, 3, 1, 2).contiguous()

    def decode(self, logits: torch.Tensor, xy: torch.Tensor, *_: Any) -> np.ndarray:
        """Actions ``(B, 3)`` from the arg-max (angle bin, cell) of each map."""
        b, bins, h, w = logits.shape
        best = logits.reshape(b, -1).argmax(1)
        k, cell = best // (h * w), best % (h * w)
        pos = xy.reshape(b, 2, -1)[torch.arange(b), :, cell].clamp(-1.0, 1.0)
        theta = -1.0 + (k.float() + 0.5) * 2.0 / bins
        return torch.cat([pos, theta[:, None]], 1).numpy().astype(np.float32)

    def predict(
        self,
        observation: dict[str, np.ndarray],
        state: Any = None,
        episode_start: Any = None,
        deterministic: bool = True,
    ) -> tuple[Any, Any]:
        single = any(np.asarray(observation[k]).shape == self.shapes[k] for k in self.image_keys)
        batch = {
            k: np.asarray(observation[k])[None] if single else observation[k]
            for k in self.image_keys
        }
        with torch.no_grad():
            action = self.decode(*self.net(self.tensors(batch)))
        return (action[0] if single else action), state

    def save(
        self, path: str | os.PathLike[str], history: list[dict[str, Any]] | None = None
    ) -> Path:
        return save_checkpoint(path, FORMAT, self.meta, self.net, history)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AffordancePolicy:
        return cls.from_checkpoint(read_checkpoint(path, "affordance"), path)

    @classmethod
    def from_checkpoint(cls, data: Any, path: str | os.PathLike[str]) -> AffordancePolicy:
        policy = new_policy_from_meta(checkpoint_meta(data, FORMAT, "affordance", path))
        load_weights(policy.net, data, path)
        return policy


def new_policy_from_meta(meta: dict[str, Any], seed: int = 0) -> AffordancePolicy:
    """An untrained policy for ``meta``, initialised from a generator seeded with ``seed``."""
    channels = sum(meta["obs_shapes"][k][2] for k in meta["image_keys"])
    with global_rng_kept():
        net = AffordanceNet(channels, int(meta["bins"]), int(meta["width"]))
    return AffordancePolicy(net.reset_parameters(seeded(seed)), meta)


def new_policy(
    env: gym.Env[Any, Any], env_id: str, env_kwargs: dict[str, Any], cfg: AffordanceConfig
) -> AffordancePolicy:
    """An untrained policy for ``env`` (a top-down grasp env with ``action_pixel``)."""
    check_env(env, env_id)
    images, _ = split_keys(env.observation_space)
    space = env.observation_space
    assert isinstance(space, spaces.Dict)
    meta = {
        "env_id": env_id,
        "env_kwargs": env_kwargs,
        "bins": cfg.bins,
        "width": cfg.width,
        "image_keys": images,
        "obs_shapes": {k: list(space[k].shape or ()) for k in images},
        "image_scales": {k: image_scale(space[k]) for k in images},  # type: ignore[arg-type]
    }
    return new_policy_from_meta(meta, cfg.seed)


def check_env(env: gym.Env[Any, Any], env_id: str) -> None:
    """Affordance maps need image observations and a top-down (x, y, θ) grasp action."""
    space = env.action_space
    if not (
        hasattr(env.unwrapped, "action_pixel")
        and isinstance(space, spaces.Box)
        and space.shape == (3,)
    ):
        raise ValueError(
            f"affordance maps need a top-down grasp env (a (x, y, θ) action and "
            f"env.unwrapped.action_pixel); {env_id} with {space} has none — "
            "for TransparentGrasp set env_kwargs.action_mode=topdown_grasp"
        )
    if not split_keys(env.observation_space)[0]:
        keys = list(getattr(env.observation_space, "keys", list)())
        raise ValueError(f"affordance maps need image observations; {env_id} gives {keys}")


class _PixelLabels:
    """The expert, also recording where each of its actions aims in the camera image and
    the geometry map (the action aiming at each cell's centre) of the camera."""

    def __init__(self, expert: Any) -> None:
        self.expert = expert
        self.pixels: list[np.ndarray] = []
        self.geometry: list[np.ndarray] = []

    def act(self, env: gym.Env[Any, Any]) -> Any:
        base: Any = env.unwrapped
        action = self.expert.act(env)
        self.pixels.append(base.action_pixel(action))
        h, w = (s // AffordanceNet.STRIDE for s in base.camera_size)
        rows, cols = np.mgrid[:h, :w]
        centres = (np.c_[cols.ravel(), rows.ravel()] + 0.5) * AffordanceNet.STRIDE - 0.5
        geometry = base.pixel_action(centres).T.reshape(2, h, w)
        # far off the table (near the horizon) the map is unknown, as where rays miss
        self.geometry.append(np.where(np.abs(geometry) <= 3.0, geometry, np.nan).astype(np.float32))
        return action


def targets(
    actions: np.ndarray, pixels: np.ndarray, hw: tuple[int, int], bins: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Class index (bin·cells + cell) and the cell's (row, col) of each labelled action."""
    h, w = (s // AffordanceNet.STRIDE for s in hw)
    col = np.clip(np.floor(pixels[:, 0] / AffordanceNet.STRIDE), 0, w - 1).astype(np.int64)
    row = np.clip(np.floor(pixels[:, 1] / AffordanceNet.STRIDE), 0, h - 1).astype(np.int64)
    k = np.clip(np.floor((actions[:, 2] + 1.0) / 2.0 * bins), 0, bins - 1).astype(np.int64)
    return torch.as_tensor(k * h * w + row * w + col), torch.as_tensor(np.stack([row, col], 1))


def loss_fn(
    logits: torch.Tensor,
    xy: torch.Tensor,
    geometry: torch.Tensor,
    index: torch.Tensor,
    cell: torch.Tensor,
    actions: torch.Tensor,
    true_geometry: torch.Tensor,
    xy_weight: float,
) -> torch.Tensor:
    """Cross-entropy over (bin, cell) + L1 of the geometry map where defined + L1 of (x, y)
    at the label cell and its 8 neighbours."""
    b, _, h, w = logits.shape
    ce = F.cross_entropy(logits.reshape(b, -1), index)
    known = torch.isfinite(true_geometry)
    geo = (geometry[known] - true_geometry[known]).abs().mean()
    rows = (cell[:, :1] + torch.tensor([-1, 0, 1]).repeat_interleave(3)).clamp(0, h - 1)
    cols = (cell[:, 1:] + torch.tensor([-1, 0, 1]).repeat(3)).clamp(0, w - 1)
    pred = xy[torch.arange(b)[:, None], :, rows, cols]  # (B, 9, 2)
    l1 = (pred - actions[:, None, :2]).abs().mean()
    return ce + xy_weight * (l1 + geo)


def fit(
    policy: AffordancePolicy,
    obs: dict[str, np.ndarray],
    actions: np.ndarray,
    pixels: np.ndarray,
    geometry: np.ndarray,
    cfg: AffordanceConfig,
    desc: str = "fit",
    progress: bool = True,
) -> list[float]:
    """Train ``policy.net`` on expert-labelled images; returns the mean loss per epoch."""
    gen = torch.Generator().manual_seed(cfg.seed)
    net = policy.net.train()
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * -(-len(actions) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, cfg.lr, total_steps=steps)
    hw = tuple(policy.shapes[policy.image_keys[0]][:2])
    index, cell = targets(actions, pixels, hw, policy.bins)
    acts = torch.as_tensor(actions, dtype=torch.float32)
    geo = torch.as_tensor(geometry, dtype=torch.float32)
    with warnings.catch_warnings(), torch.no_grad():  # start from the mean camera
        warnings.simplefilter("ignore", RuntimeWarning)  # cells unknown in every image
        net.h0.copy_(torch.as_tensor(fit_homography(np.nanmean(geometry, 0))))
    n, losses = len(actions), []
    bar = tqdm(range(cfg.epochs), desc=desc, unit="epoch", leave=False, disable=not progress)
    for _ in bar:
        order = torch.randperm(n, generator=gen).numpy()
        total = 0.0
        for start in range(0, n, cfg.batch_size):
            idx = order[start : start + cfg.batch_size]
            logits, xy, g = net(policy.tensors({k: obs[k][idx] for k in policy.image_keys}))
            loss = loss_fn(logits, xy, g, index[idx], cell[idx], acts[idx], geo[idx], cfg.xy_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        losses.append(total / n)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    policy.net.eval()
    return losses


def train_affordance(
    env_id: str,
    env_kwargs: dict[str, Any],
    cfg: AffordanceConfig,
    out_dir: Path,
    expert: Any = None,
    progress: bool = True,
) -> AffordancePolicy:
    """Collect expert data (plus DAgger rounds), fit, checkpoint each round to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = gym.make(env_id, **env_kwargs)
    labeller = _PixelLabels(expert or make_expert(env_id))
    rng = np.random.default_rng(cfg.seed)
    buffer, history = Buffer(), []
    policy: AffordancePolicy | None = None
    seed = cfg.seed * 1_000_000
    try:
        check_env(env, env_id)
        for rnd in range(cfg.dagger_rounds + 1):
            n = cfg.episodes if rnd == 0 else cfg.dagger_episodes
            seeds = list(range(seed, seed + n))
            seed += n
            stats = collect(
                env,
                labeller,
                buffer,
                n,
                seeds,
                policy if rnd else None,
                beta=cfg.beta**rnd,
                rng=rng,
                desc=f"round {rnd}: rollouts",
                progress=progress,
            )
            obs, actions = buffer.arrays()
            policy = new_policy(env, env_id, env_kwargs, cfg)
            losses = fit(
                policy,
                obs,
                actions,
                np.array(labeller.pixels),
                np.array(labeller.geometry),
                cfg,
                desc=f"round {rnd}: fit",
                progress=progress,
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
                    f"{stats['success']:.2f}, final loss {losses[-1]:.4f}"
                )
    finally:
        env.close()
    (out_dir / "history.json").write_text(json.dumps(history, indent=1))
    (out_dir / "config.yaml").write_text(
        yaml.safe_dump(
            {
                "algo": "affordance",
                "env_id": env_id,
                "env_kwargs": env_kwargs,
                "affordance": asdict(cfg),
            },
            sort_keys=False,
        )
    )
    plot_rounds(history, out_dir / "learning_curve.png", "affordance")
    assert policy is not None
    return policy
