"""What ``simenv real2sim train | run | record`` do, as functions.

* :func:`train_translator`: real frames (folder, video, URL or array) + simulator frames that it
  collects itself (nominal look, expert episodes) → a translator file and sample grids.
* :func:`run_on_camera`: a policy on a camera feed through a translator, with a side-by-side
  video (camera | translated, the action written on it).
* :func:`pixel_error`, :func:`flicker`: the pseudo-real benchmark's image metrics.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import gymnasium as gym
import numpy as np

from simenv.agents.affordance import AffordancePolicy
from simenv.agents.bc import BCPolicy
from simenv.agents.policy import load_policy
from simenv.registration import ENV_IDS
from simenv.viz import save_png, side_by_side, write_video

from .camera import CameraSource, crop_resize
from .cyclegan import CycleGANConfig, nearest, train_cyclegan
from .frames import Frames, as_batch
from .pseudo_real import look_frames
from .translators import METHODS, FDATranslator, StatsTranslator, load_translator
from .wrappers import RealToSimWrapper, RealWorldEnv


def policy_features(policy: Any) -> Callable[[Any], Any]:
    """The frozen image encoder of a BC or affordance-map policy over RGB only, for the
    policy-consistency loss."""
    if not isinstance(policy, (BCPolicy, AffordancePolicy)):
        raise ValueError(
            "the policy-consistency loss needs a BC or affordance policy (policy.pt "
            f"or its run folder), got {type(policy).__name__}"
        )
    if policy.image_keys != ["rgb"]:
        raise ValueError(
            f"the policy-consistency loss needs a policy over 'rgb' images only; "
            f"this one sees {policy.image_keys}"
        )
    net = policy.net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net.image_features


def _sim_kwargs(env_kwargs: dict[str, Any] | None, size: tuple[int, int] | None) -> dict[str, Any]:
    kwargs = {
        k: v
        for k, v in (env_kwargs or {}).items()
        if k not in ("randomization", "dr_scale", "obs_mode", "render_mode")
    }
    if size is not None:
        kwargs["camera_size"] = tuple(size)
    return kwargs


def load_frames(
    source: Any, size: tuple[int, int], limit: int | None = None, every: int = 1
) -> Frames:
    """Frames from an array, or from a CameraSource path (folder, video, URL, device)."""
    if isinstance(source, np.ndarray):
        frames = as_batch(source, "real frames")[0]
        if frames.shape[1:3] != tuple(size):
            frames = np.stack([crop_resize(f, size) for f in frames])
        return frames[:limit]
    with CameraSource(source, size) as cam:
        return cam.frames(limit, every)


def sample_sheet(translator: Any, real: Frames, sim: Frames, n: int = 6) -> np.ndarray:
    """Rows of real | translated | nearest simulator frame."""
    idx = np.linspace(0, len(real) - 1, min(n, len(real))).astype(int)
    out = translator.translate(real[idx])
    near = sim[nearest(out, sim)]
    return np.concatenate(
        [np.concatenate(row, 1) for row in zip(real[idx], out, near, strict=True)], 0
    )


@dataclass
class TrainResult:
    path: Path
    method: str
    seconds: float
    real_frames: int
    sim_frames: int
    info: dict[str, Any] = field(default_factory=dict)


def train_translator(
    env_id: str,
    real: Any,
    out_dir: str | os.PathLike[str],
    *,
    method: str = "cyclegan",
    sim_frames: int = 600,
    real_frames: int | None = None,
    size: tuple[int, int] | None = None,
    env_kwargs: dict[str, Any] | None = None,
    policy: Any = None,
    config: dict[str, Any] | None = None,
    seed: int = 0,
    every: int = 3,
    progress: bool = True,
) -> TrainResult:
    """Fit or train a real→sim translator for ``env_id``; writes ``out_dir/translator.pt``.

    Simulator frames: ``sim_frames`` RGB observations of expert episodes in the nominal look
    (seeds ``seed...``), cached in ``out_dir/sim_frames.npz`` so a resumed run sees the same
    set. ``policy`` (a BC or affordance policy, or its path) sets the env kwargs and image
    size and enables the policy-consistency loss; ``config`` holds :class:`CycleGANConfig`
    fields, or ``mode`` (stats) / ``beta`` (FDA).
    """
    if method not in METHODS or method == "identity":
        raise ValueError(f"method={method!r} is not valid; valid: stats, fda, cyclegan")
    if env_id not in ENV_IDS:
        raise ValueError(f"unknown environment {env_id!r}; valid: {', '.join(ENV_IDS)}")
    if sim_frames < 8:
        raise ValueError(f"sim_frames must be >= 8, got {sim_frames}")
    if isinstance(policy, (str, os.PathLike)):
        policy = load_policy(policy)
    if policy is not None:
        env_kwargs = {**getattr(policy, "env_kwargs", {}), **(env_kwargs or {})}
    kwargs = _sim_kwargs(env_kwargs, size)
    probe = gym.make(env_id, **kwargs)
    size = tuple(probe.unwrapped.camera_size)  # type: ignore[attr-defined]
    probe.close()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    real_set = load_frames(real, size, real_frames)
    if len(real_set) < 8:
        raise ValueError(f"need at least 8 real frames, got {len(real_set)} from {real!r}")
    cache = out / "sim_frames.npz"
    sim_set = None
    if cache.is_file():
        cached = np.load(cache)
        if cached["frames"].shape[1:3] == size and len(cached["frames"]) == sim_frames:
            sim_set = cached["frames"]
    if sim_set is None:
        sim_set = look_frames(
            env_id,
            "nominal",
            sim_frames,
            seed=seed,
            every=every,
            env_kwargs=kwargs,
            progress=progress,
        )
        np.savez_compressed(cache, frames=sim_set)
    config = dict(config or {})
    info: dict[str, Any] = {
        "env_id": env_id,
        "env_kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
        "real": str(real) if not isinstance(real, np.ndarray) else "array",
    }
    start = time.perf_counter()
    translator: Any
    if method == "cyclegan":
        cfg = CycleGANConfig.from_dict({"seed": seed, **config})
        uses_policy = cfg.lambda_policy > 0 or cfg.lambda_feature > 0
        features = policy_features(policy) if policy is not None and uses_policy else None
        info["policy_consistency"] = features is not None and cfg.lambda_policy > 0
        info["feature_discriminator"] = features is not None and cfg.lambda_feature > 0
        translator = train_cyclegan(
            real_set, sim_set, out, cfg, features=features, info=info, progress=progress
        )
    else:
        translator = (
            StatsTranslator(**config) if method == "stats" else FDATranslator(**config)
        ).fit(real=real_set, sim=sim_set)
        translator.save(out / "translator.pt")
    seconds = time.perf_counter() - start
    save_png(out / "samples.png", sample_sheet(translator, real_set, sim_set))
    (out / "train.json").write_text(
        json.dumps(
            {
                **info,
                "method": method,
                "seconds": seconds,
                "real_frames": len(real_set),
                "sim_frames": len(sim_set),
            },
            indent=1,
        )
    )
    return TrainResult(out / "translator.pt", method, seconds, len(real_set), len(sim_set), info)


# ------------------------------------------------------------------------------------- running
def _label(image: np.ndarray, text: str) -> np.ndarray:
    out = image.copy()
    cv2.putText(out, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(out, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 0), 1, cv2.LINE_AA)
    return out


def _action_text(action: Any) -> str:
    arr = np.atleast_1d(np.asarray(action))
    return "action " + " ".join(f"{v:+.2f}" if arr.dtype.kind == "f" else str(v) for v in arr)


def _vector_feed(
    space: Any, vectors: dict[str, Any] | str | os.PathLike[str] | None
) -> Callable[[], dict[str, np.ndarray]]:
    """Constant values (a dict; zeros for keys not given) or a recorded ``.vectors.npz``
    replayed one row per frame (the last row repeats)."""
    zeros = {k: np.zeros(s.shape, s.dtype) for k, s in space.spaces.items() if len(s.shape) < 3}
    if vectors is None or isinstance(vectors, dict):
        unknown = sorted(set(vectors or {}) - set(zeros))
        if unknown:
            raise ValueError(f"unknown vector key(s) {unknown}; this policy's are {sorted(zeros)}")
        consts = {**zeros, **{k: np.asarray(v, space[k].dtype) for k, v in (vectors or {}).items()}}
        return lambda: consts
    path = Path(vectors)
    if not path.is_file():
        raise ValueError(f"vectors file {str(path)!r} not found")
    with np.load(path) as data:
        recorded = {k: data[k] for k in data.files}
    missing = sorted(set(zeros) - set(recorded))
    if missing:
        raise ValueError(f"vectors file {str(path)!r} lacks {missing}")
    count = itertools.count()

    def feed() -> dict[str, np.ndarray]:
        i = next(count)
        return {k: v[min(i, len(v) - 1)] for k, v in recorded.items() if k in zeros}

    return feed


@dataclass
class RunResult:
    steps: int
    actions: np.ndarray
    seconds: float
    video: Path | None

    @property
    def fps(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else float("nan")


def run_on_camera(
    policy: Any,
    translator: Any,
    camera: Any,
    *,
    video: str | os.PathLike[str] | None = None,
    vectors: dict[str, Any] | str | os.PathLike[str] | None = None,
    act: Callable[[Any], None] | None = None,
    max_steps: int | None = None,
) -> RunResult:
    """Run ``policy`` on ``camera`` frames translated by ``translator``.

    ``policy`` / ``translator``: objects or paths. ``vectors``: constant values of the
    non-image observation keys (zeros for the ones not given), or a ``.vectors.npz`` recorded
    with the video (:func:`~simenv.real2sim.pseudo_real.record_video`). ``act`` receives each action
    (default: none; the actions are returned and drawn on the video).
    """
    if isinstance(policy, (str, os.PathLike)):
        policy = load_policy(policy)
    if isinstance(translator, (str, os.PathLike)):  # (str has a .translate of its own)
        translator = load_translator(translator)
    env_id = getattr(policy, "env_id", None)
    if env_id is None:
        raise ValueError("the policy does not say which env it was trained on")
    env_kwargs = dict(getattr(policy, "env_kwargs", {}))
    sim = gym.make(env_id, **env_kwargs)
    space, size = sim.observation_space, tuple(sim.unwrapped.camera_size)  # type: ignore[attr-defined]
    sim.close()
    source = camera if isinstance(camera, CameraSource) else CameraSource(camera, size)
    real = RealWorldEnv.like(
        env_id,
        source,
        env_kwargs,
        act=act,
        vectors=_vector_feed(space, vectors),
        max_episode_steps=max_steps,
    )
    env = RealToSimWrapper(real, translator)
    frames, actions = [], []
    start = time.perf_counter()
    with env:
        obs, _ = env.reset()
        state, first = None, np.ones(1, bool)  # a policy with memory carries its state
        while True:
            action, state = policy.predict(obs, state, first, deterministic=True)
            first = np.zeros(1, bool)
            actions.append(np.asarray(action))
            if video is not None:
                raw = env.last_raw["rgb"]
                frames.append(_label(side_by_side(raw, obs["rgb"]), _action_text(action)))
            obs, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                break
    seconds = time.perf_counter() - start
    path = None
    if video is not None:
        path = write_video(video, frames, fps=int(real.metadata.get("render_fps", 10)))
    return RunResult(len(actions), np.stack(actions), seconds, path)


# ------------------------------------------------------------------------------------ metrics
def pixel_error(translator: Any, real: Frames, nominal: Frames) -> float:
    """Mean absolute error (0..255 levels) of translated pseudo-real frames vs their pairs."""
    out = translator.translate(real).astype(np.float32)
    return float(np.abs(out - nominal.astype(np.float32)).mean())


def flicker(translator: Any, frames: Frames, shift: int = 2, margin: int = 4) -> float:
    """Mean absolute change (levels) of the translation under a ``shift``-pixel camera pan.

    The content moves ``shift`` px left; the translation of the moved frame is compared with
    the moved translation, away from the borders. 0 for a translation that commutes with
    shifts (e.g. identity, a global colour map).
    """
    frames = as_batch(frames)[0]
    moved = np.concatenate([frames[:, :, shift:], np.repeat(frames[:, :, -1:], shift, 2)], 2)
    a = translator.translate(frames).astype(np.float32)
    b = translator.translate(moved).astype(np.float32)
    w = frames.shape[2]
    inner_a = a[:, margin:-margin, shift + margin : w - margin]
    inner_b = b[:, margin:-margin, margin : w - shift - margin]
    return float(np.abs(inner_a - inner_b).mean())
