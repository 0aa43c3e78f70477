"""CycleGAN real→sim translation with the VR-Goggles shift loss and a policy-consistency loss.

Zhu et al. (2017) CycleGAN: two ResNet generators (real→sim ``G``, sim→real ``F``), two
70×70-style PatchGAN discriminators, least-squares GAN losses, cycle losses ``|F(G(r)) - r|``
and ``|G(F(s)) - s|`` and identity losses ``|G(s) - s|``. Two additions:

* **Shift loss** (Zhang et al., VR-Goggles for Robots, 2019): a translation should commute with
  small image shifts, ``G(shift(x)) ≈ shift(G(x))``; this is what keeps the translated video
  from flickering when the camera moves by a pixel or two. Applied to both generators with a
  random shift of 1..``shift_max`` pixels per batch, compared away from the borders.
* **Policy consistency** (after RL-CycleGAN, Rao et al. 2020): a frozen policy's image features
  of a simulator frame and of its round trip ``G(F(s))`` must agree, so the translation keeps
  what the policy looks at. Optional: pass ``features=`` to :func:`train_cyclegan`.

The generator is sized to run in real time on a CPU (``ngf=16``, two down-samplings and
``blocks`` residual blocks at 1/4 resolution; measure with ``benchmarks/bench_real2sim.py``).
Only the real→sim generator is kept for deployment (:class:`CycleGANTranslator`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import nn
from tqdm.auto import tqdm

from simenv.torchutil import global_rng_kept, init_weights, seeded
from simenv.viz import save_png

from .frames import FORMAT, Frames, SavedTranslator, as_batch

CHECKPOINT_FORMAT = "simenv-cyclegan-train-1"


# ------------------------------------------------------------------------------------ networks
class ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(ch, ch, 3),
            nn.InstanceNorm2d(ch, affine=True),
            nn.ReLU(inplace=True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(ch, ch, 3),
            nn.InstanceNorm2d(ch, affine=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """c7s1-ngf, two stride-2 down-samplings, ``blocks`` residual blocks, two up-samplings
    (nearest + 3×3 conv, which avoids transposed-convolution checkerboards), c7s1-3, tanh.

    Images are NCHW floats in [-1, 1]; any size works (the output is resized back when the
    size is not divisible by 4).
    """

    def __init__(self, ngf: int = 16, blocks: int = 4) -> None:
        super().__init__()
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(3, ngf, 7),
            nn.InstanceNorm2d(ngf, affine=True),
            nn.ReLU(inplace=True),
        ]
        ch = ngf
        for _ in range(2):
            layers += [
                nn.Conv2d(ch, ch * 2, 3, 2, 1),
                nn.InstanceNorm2d(ch * 2, affine=True),
                nn.ReLU(inplace=True),
            ]
            ch *= 2
        layers += [ResBlock(ch) for _ in range(blocks)]
        for _ in range(2):
            layers += [
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.Conv2d(ch, ch // 2, 3, 1, 1),
                nn.InstanceNorm2d(ch // 2, affine=True),
                nn.ReLU(inplace=True),
            ]
            ch //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ch, 3, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        if out.shape[-2:] != x.shape[-2:]:
            out = F.interpolate(out, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return out


class PatchDiscriminator(nn.Module):
    """PatchGAN: a grid of real/fake scores, each over a ~34-pixel patch (3 conv layers)."""

    def __init__(self, ndf: int = 32) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1),
            nn.InstanceNorm2d(ndf * 2, affine=True),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 1, 1),
            nn.InstanceNorm2d(ndf * 4, affine=True),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, 1, 4, 1, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class FeatureDiscriminator(nn.Module):
    """A critic over a frozen policy's features: vectors ``(B, C)`` get one score, feature grids
    ``(B, C, h, w)`` one per cell (1x1 convolutions, an MLP per feature vector)."""

    def __init__(self, channels: int, width: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 1),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(width, width, 1),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(width, 1, 1),
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net(features if features.ndim == 4 else features.flatten(1)[:, :, None, None])


# -------------------------------------------------------------------------------------- losses
def lsgan_loss(scores: torch.Tensor, real: bool) -> torch.Tensor:
    """Least-squares GAN loss (Mao et al. 2017): ``(D(x) - 1)^2`` for real, ``D(x)^2`` for fake."""
    return F.mse_loss(scores, torch.full_like(scores, 1.0 if real else 0.0))


def shift_images(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """Move the image content by ``(dy, dx)`` pixels, repeating the edge pixels."""
    h, w = x.shape[-2:]
    p = max(abs(dy), abs(dx))
    if p == 0:
        return x
    padded = F.pad(x, (p, p, p, p), mode="replicate")
    return padded[..., p - dy : p - dy + h, p - dx : p - dx + w]


def shift_loss(
    generator: nn.Module, x: torch.Tensor, dy: int, dx: int, out: torch.Tensor | None = None
) -> torch.Tensor:
    """VR-Goggles shift loss ``|G(shift(x)) - shift(G(x))|_1`` away from the shifted borders.

    ``out`` is ``G(x)`` when it is already computed.
    """
    out = generator(x) if out is None else out
    moved = generator(shift_images(x, dy, dx))
    m = max(abs(dy), abs(dx))
    inner = (..., slice(m, x.shape[-2] - m), slice(m, x.shape[-1] - m))
    return F.l1_loss(moved[inner], shift_images(out, dy, dx)[inner])


# ------------------------------------------------------------------------------ the translator
def to_tensor(frames: Frames) -> torch.Tensor:
    """uint8 NHWC → float NCHW in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 127.5 - 1


def to_frames(x: torch.Tensor) -> Frames:
    """float NCHW in [-1, 1] → uint8 NHWC."""
    out = ((x.clamp(-1, 1) + 1) * 127.5 + 0.5).to(torch.uint8)
    return out.permute(0, 2, 3, 1).contiguous().numpy()


class CycleGANTranslator(SavedTranslator):
    """The real→sim generator of a trained CycleGAN; ``translate`` runs in batches of 64."""

    method = "cyclegan"

    def __init__(
        self, generator: ResnetGenerator, arch: dict[str, int], info: dict[str, Any] | None = None
    ) -> None:
        self.generator = generator.eval()
        self.arch = dict(arch)
        self.info = dict(info or {})

    @torch.no_grad()
    def translate(self, frames: Frames) -> Frames:
        arr, single = as_batch(frames)
        out = np.concatenate(
            [to_frames(self.generator(to_tensor(arr[i : i + 64]))) for i in range(0, len(arr), 64)]
        )
        return out[0] if single else out

    def state(self) -> dict[str, Any]:
        return {
            "arch": self.arch,
            "info": json.dumps(self.info),
            "generator": self.generator.state_dict(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> CycleGANTranslator:
        with global_rng_kept():
            gen = ResnetGenerator(**state["arch"])
        gen.load_state_dict(state["generator"])
        return cls(gen, state["arch"], json.loads(state.get("info", "{}")))


# ------------------------------------------------------------------------------------ training
@dataclass
class CycleGANConfig:
    """Training settings (defaults: the recorded benchmark runs)."""

    iterations: int = 3000
    batch_size: int = 8
    lr: float = 2e-4
    decay_from: float = 0.5  # linear learning-rate decay to 0 over the last half
    ngf: int = 16
    blocks: int = 4
    ndf: int = 32
    lambda_cycle: float = 10.0
    lambda_identity: float = 0.0  # CycleGAN's identity loss; off: the looks differ in colour
    lambda_shift: float = 5.0
    shift_max: int = 3
    lambda_policy: float = 1.0  # used when a feature function is given
    lambda_feature: float = 0.0  # GAN on the policy's features of G(real) vs sim; needs one too
    pool_size: int = 50
    sample_every: int = 500
    checkpoint_every: int = 500
    seed: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CycleGANConfig:
        data = dict(data or {})
        known = set(cls.__dataclass_fields__)
        bad = sorted(set(data) - known)
        if bad:
            raise ValueError(
                f"unknown CycleGAN setting(s) {', '.join(bad)}; valid: " + ", ".join(sorted(known))
            )
        cfg = cls(**data)
        for name in ("iterations", "batch_size", "ngf", "blocks", "ndf"):
            if int(getattr(cfg, name)) < 1:
                raise ValueError(f"cyclegan {name} must be >= 1, got {getattr(cfg, name)!r}")
        return cfg


class _Pool:
    """CycleGAN's history of generated images: the discriminator sees old fakes half the time."""

    def __init__(self, size: int, generator: torch.Generator) -> None:
        self.size, self.gen = size, generator
        self.items: list[torch.Tensor] = []

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images.detach()
        out = []
        for img in images.detach():
            if len(self.items) < self.size:
                self.items.append(img)
                out.append(img)
            elif torch.rand(1, generator=self.gen).item() < 0.5:
                i = int(torch.randint(self.size, (1,), generator=self.gen))
                out.append(self.items[i].clone())
                self.items[i] = img
            else:
                out.append(img)
        return torch.stack(out)


def nearest(queries: Frames, pool: Frames, size: int = 16) -> NDArray:
    """Index into ``pool`` of the frame nearest each query (L2 over ``size``² thumbnails)."""
    import cv2

    def thumbs(frames: Frames) -> np.ndarray:
        return (
            np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA) for f in frames])
            .reshape(len(frames), -1)
            .astype(np.float32)
        )

    q, p = thumbs(queries), thumbs(pool)
    d = (q**2).sum(1)[:, None] - 2 * q @ p.T + (p**2).sum(1)[None]
    return d.argmin(1)


class CycleGANTrainer:
    """Owns the four networks, optimizers and the step counter; checkpoint round trips.

    ``features`` is an optional frozen feature function over NCHW images in [0, 1] (a policy's
    image encoder) for the policy-consistency loss and, with ``lambda_feature > 0``, for a
    feature-level discriminator that tells the policy's features of translated real frames from
    those of simulator frames (adversarial feature alignment, as in ADDA); that one also needs
    the image ``size`` (H, W) to size its input.
    """

    def __init__(
        self,
        cfg: CycleGANConfig,
        features: Callable[[torch.Tensor], torch.Tensor] | None = None,
        size: tuple[int, int] | None = None,
    ) -> None:
        self.cfg = cfg
        self.features = features
        init = seeded(cfg.seed)  # every network from the run's seed, nothing from torch's global
        with global_rng_kept():
            self.G = ResnetGenerator(cfg.ngf, cfg.blocks)  # real -> sim
            self.F = ResnetGenerator(cfg.ngf, cfg.blocks)  # sim -> real
            self.D_sim = PatchDiscriminator(cfg.ndf)
            self.D_real = PatchDiscriminator(cfg.ndf)
        self.discriminators: list[nn.Module] = [self.D_sim, self.D_real]
        self.D_feat: FeatureDiscriminator | None = None
        if cfg.lambda_feature > 0:
            if features is None or size is None:
                raise ValueError(
                    f"lambda_feature={cfg.lambda_feature} needs a policy's features "
                    "(--policy) and the image size; set lambda_feature=0 without one"
                )
            with torch.no_grad():
                channels = features(torch.zeros(1, 3, *size)).shape[1]
            with global_rng_kept():
                self.D_feat = FeatureDiscriminator(channels)
            self.discriminators.append(self.D_feat)
        for net in (self.G, self.F, *self.discriminators):
            init_weights(net, init)
        betas = (0.5, 0.999)
        self.opt_g = torch.optim.Adam(
            [*self.G.parameters(), *self.F.parameters()], cfg.lr, betas=betas
        )
        self.opt_d = torch.optim.Adam(
            [p for d in self.discriminators for p in d.parameters()], cfg.lr, betas=betas
        )
        self.rng = torch.Generator().manual_seed(cfg.seed)
        self.pool_sim = _Pool(cfg.pool_size, self.rng)
        self.pool_real = _Pool(cfg.pool_size, self.rng)
        self.step = 0
        self.history: list[dict[str, float]] = []

    def _lr(self) -> float:
        start = self.cfg.decay_from * self.cfg.iterations
        if self.step < start:
            return self.cfg.lr
        return self.cfg.lr * max(
            0.0, 1.0 - (self.step - start) / max(1.0, self.cfg.iterations - start)
        )

    def train_step(self, real: torch.Tensor, sim: torch.Tensor) -> dict[str, float]:
        """One generator and one discriminator update on batches in [-1, 1]."""
        cfg = self.cfg
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] = self._lr()
        for d in self.discriminators:
            d.requires_grad_(False)
        fake_sim, fake_real = self.G(real), self.F(sim)
        losses = {
            "gan": lsgan_loss(self.D_sim(fake_sim), True)
            + lsgan_loss(self.D_real(fake_real), True),
            "cycle": F.l1_loss(self.F(fake_sim), real) + F.l1_loss(self.G(fake_real), sim),
        }
        if cfg.lambda_identity > 0:
            losses["identity"] = F.l1_loss(self.G(sim), sim) + F.l1_loss(self.F(real), real)
        if cfg.lambda_shift > 0:
            dy, dx = (
                int(v)
                for v in torch.randint(-cfg.shift_max, cfg.shift_max + 1, (2,), generator=self.rng)
            )
            if dy == 0 and dx == 0:
                dx = 1
            losses["shift"] = shift_loss(self.G, real, dy, dx, fake_sim)
        features = self.features
        sim_features = None  # the frozen policy's view of the simulator batch, shared below
        if features is not None and (cfg.lambda_policy > 0 or self.D_feat is not None):
            with torch.no_grad():
                sim_features = features((sim + 1) / 2)
        if features is not None and sim_features is not None and cfg.lambda_policy > 0:
            got = features((self.G(fake_real) + 1) / 2)
            losses["policy"] = F.mse_loss(got, sim_features) / (sim_features.pow(2).mean() + 1e-6)
        if self.D_feat is not None and features is not None:
            losses["feature"] = lsgan_loss(self.D_feat(features((fake_sim + 1) / 2)), True)
        weights = {
            "gan": 1.0,
            "cycle": cfg.lambda_cycle,
            "identity": cfg.lambda_identity,
            "shift": cfg.lambda_shift,
            "policy": cfg.lambda_policy,
            "feature": cfg.lambda_feature,
        }
        total = cast(torch.Tensor, sum(weights[k] * v for k, v in losses.items()))
        self.opt_g.zero_grad(set_to_none=True)
        total.backward()
        self.opt_g.step()

        for d in self.discriminators:
            d.requires_grad_(True)
        old_sim, old_real = self.pool_sim.query(fake_sim), self.pool_real.query(fake_real)
        d_loss = 0.5 * (
            lsgan_loss(self.D_sim(sim), True)
            + lsgan_loss(self.D_sim(old_sim), False)
            + lsgan_loss(self.D_real(real), True)
            + lsgan_loss(self.D_real(old_real), False)
        )
        if self.D_feat is not None and features is not None and sim_features is not None:
            with torch.no_grad():
                f_fake = features((old_sim + 1) / 2)
            d_loss = d_loss + 0.5 * (
                lsgan_loss(self.D_feat(sim_features), True) + lsgan_loss(self.D_feat(f_fake), False)
            )
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        self.step += 1
        row = {k: float(v.detach()) for k, v in losses.items()}
        row["disc"] = float(d_loss.detach())
        return row

    def translator(self, info: dict[str, Any] | None = None) -> CycleGANTranslator:
        import copy

        return CycleGANTranslator(
            copy.deepcopy(self.G), {"ngf": self.cfg.ngf, "blocks": self.cfg.blocks}, info
        )

    # -- checkpoints (tensors and plain values only: torch.load(weights_only=True))
    def _parts(self) -> dict[str, Any]:
        """The networks and optimizers a checkpoint holds, by name."""
        parts = {
            "G": self.G,
            "F": self.F,
            "D_sim": self.D_sim,
            "D_real": self.D_real,
            "opt_g": self.opt_g,
            "opt_d": self.opt_d,
        }
        return parts if self.D_feat is None else {**parts, "D_feat": self.D_feat}

    def save(self, path: Path) -> None:
        state = {
            "format": CHECKPOINT_FORMAT,
            "step": self.step,
            "config": json.dumps(asdict(self.cfg)),
            "history": json.dumps(self.history),
            "rng": self.rng.get_state(),
            **{name: part.state_dict() for name, part in self._parts().items()},
        }
        tmp = path.with_suffix(".tmp")
        torch.save(state, tmp)
        os.replace(tmp, path)

    def load(self, path: Path) -> None:
        import pickle
        import zipfile

        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except (RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError, OSError) as err:
            raise ValueError(
                f"checkpoint {str(path)!r} is not readable "
                f"({type(err).__name__}); delete it to start over"
            ) from None
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(
                f"checkpoint {str(path)!r} is not a simenv CycleGAN training "
                "checkpoint; delete it to start over"
            )
        saved = json.loads(state["config"])
        arch = ("ngf", "blocks", "ndf")
        if any(saved[k] != getattr(self.cfg, k) for k in arch):
            raise ValueError(
                f"checkpoint {str(path)!r} has architecture "
                f"{ {k: saved[k] for k in arch} }, the config asks for "
                f"{ {k: getattr(self.cfg, k) for k in arch} }"
            )
        if ("D_feat" in state) != (self.D_feat is not None):
            raise ValueError(
                f"checkpoint {str(path)!r} was trained with"
                f"{'' if 'D_feat' in state else 'out'} the feature discriminator; "
                f"the config asks for lambda_feature={self.cfg.lambda_feature}"
            )
        for name, part in self._parts().items():
            part.load_state_dict(state[name])
        self.rng.set_state(state["rng"])
        self.step = int(state["step"])
        self.history = json.loads(state["history"])


def sample_grid(trainer: CycleGANTrainer, real: Frames, sim: Frames, n: int = 6) -> np.ndarray:
    """Rows of (real | translated | nearest simulator frame), uint8."""
    idx = np.linspace(0, len(real) - 1, n).astype(int)
    translated = trainer.translator().translate(real[idx])
    near = sim[nearest(translated, sim)]
    return np.concatenate(
        [np.concatenate([r, t, s], 1) for r, t, s in zip(real[idx], translated, near, strict=True)],
        0,
    )


def train_cyclegan(
    real: Frames,
    sim: Frames,
    out_dir: str | os.PathLike[str],
    cfg: CycleGANConfig | None = None,
    *,
    features: Callable[[torch.Tensor], torch.Tensor] | None = None,
    info: dict[str, Any] | None = None,
    progress: bool = True,
    resume: bool = True,
) -> CycleGANTranslator:
    """Train on unpaired uint8 frame sets; writes ``out_dir/{checkpoint.pt, translator.pt,
    samples/step_*.png, history.json, losses.png}`` and returns the translator.

    A rerun with ``resume=True`` continues from ``checkpoint.pt``.
    """
    cfg = cfg or CycleGANConfig()
    real = as_batch(real, "real frames")[0]
    sim = as_batch(sim, "simulator frames")[0]
    if real.shape[1:] != sim.shape[1:]:
        raise ValueError(
            f"real frames are {real.shape[1]}x{real.shape[2]} but simulator frames "
            f"are {sim.shape[1]}x{sim.shape[2]}; resize them to one size"
        )
    out = Path(out_dir)
    (out / "samples").mkdir(parents=True, exist_ok=True)
    ckpt = out / "checkpoint.pt"
    trainer = CycleGANTrainer(cfg, features, size=real.shape[1:3])
    if resume and ckpt.is_file():
        trainer.load(ckpt)
    real_t, sim_t = to_tensor(real), to_tensor(sim)
    gen = np.random.default_rng([cfg.seed, trainer.step])
    start = time.perf_counter()
    bar = tqdm(
        total=cfg.iterations, initial=trainer.step, desc="cyclegan", unit="it", disable=not progress
    )
    while trainer.step < cfg.iterations:
        i = gen.integers(len(real_t), size=cfg.batch_size)
        j = gen.integers(len(sim_t), size=cfg.batch_size)
        row = trainer.train_step(real_t[i], sim_t[j])
        trainer.history.append({"step": trainer.step, **row})
        bar.update(1)
        bar.set_postfix(cycle=f"{row['cycle']:.3f}", gan=f"{row['gan']:.3f}")
        if trainer.step % cfg.sample_every == 0 or trainer.step == cfg.iterations:
            save_png(
                out / "samples" / f"step_{trainer.step:06d}.png", sample_grid(trainer, real, sim)
            )
        if trainer.step % cfg.checkpoint_every == 0 or trainer.step == cfg.iterations:
            trainer.save(ckpt)
    bar.close()
    elapsed = time.perf_counter() - start
    info = {
        **(info or {}),
        "iterations": trainer.step,
        "train_seconds_this_run": elapsed,
        "size": list(real.shape[1:3]),
        "config": asdict(cfg),
    }
    translator = trainer.translator(info)
    translator.save(out / "translator.pt")
    (out / "history.json").write_text(json.dumps(trainer.history))
    plot_losses(trainer.history, out / "losses.png")
    return translator


def plot_losses(history: list[dict[str, float]], path: Path) -> None:
    """Loss curves (moving average over 50 iterations)."""
    from matplotlib.figure import Figure

    if not history:
        return
    fig = Figure(figsize=(6, 3.5))
    ax = fig.subplots()
    steps = np.array([h["step"] for h in history])
    k = min(50, len(history))
    for key in (k_ for k_ in history[-1] if k_ != "step"):
        values = np.array([h.get(key, np.nan) for h in history])
        smooth = np.convolve(values, np.ones(k) / k, mode="valid")
        ax.plot(steps[k - 1 :], smooth, label=key)
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss (moving average)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


__all__ = [
    "FORMAT",
    "CycleGANConfig",
    "CycleGANTrainer",
    "CycleGANTranslator",
    "FeatureDiscriminator",
    "PatchDiscriminator",
    "ResnetGenerator",
    "lsgan_loss",
    "shift_images",
    "shift_loss",
    "train_cyclegan",
]
