"""ClearGrasp-style perception datasets from any environment with ground-truth observations.

:func:`export_dataset` (``simenv dataset ENV_ID --n N --out DIR``) resets the environment with
``seed + i`` for scene ``i = 0 … n-1`` and records the first frame, then the frame after each
of ``steps_per_scene`` random actions (the action space seeded with ``seed + i``; a scene stops
early if its episode ends). Sample ``j`` (6-digit ``{j:06d}``, in recording order) is written
as::

    DIR/npz/000000.npz          every array at full precision (the data of record)
    DIR/rgb/000000.png          RGB uint8
    DIR/depth_raw/000000.png    sensor depth, uint16 millimetres, 0 = missing
    DIR/depth_true/000000.png   true depth (glass opaque), uint16 millimetres
    DIR/mask/000000.png         transparent-object mask, uint8 0 / 255
    DIR/instances/000000.png    uint8 ids: 0 background, k = object k-1 (manifest order)
    DIR/normals/000000.png      RGB = (n + 1) / 2 * 255, ClearGrasp's visualisation;
                                (0, 0, 0) where the normal is undefined
    DIR/boundary/000000.png     uint8 classes: 0 none, 1 occlusion, 2 contact
    DIR/manifest.json
    DIR/contact_sheet.png       the first ``sheet`` samples, one row each

The ``.npz`` holds ``rgb`` (H×W×3 uint8), ``depth_raw`` and ``depth_true`` (H×W float32
metres, 0 = missing), ``mask`` (H×W uint8 0/1), ``instances`` and ``boundary`` (H×W uint8),
``normals`` (H×W×3 float32, OpenCV camera frame: x right, y down, z forward; 0 where
undefined), ``K`` (3×3 intrinsics, ``[u, v, 1] ~ K @ [x, y, z]``), ``camera_pose`` (4×4
world-from-camera, OpenCV camera frame), ``object_poses`` (n×4×4 world-from-object) and
``object_instances`` (n, their ids in ``instances``). The PNGs are for looking and for tools;
depth PNGs round to the nearest millimetre.

``manifest.json``: ``format``, ``env_id``, ``env_kwargs``, ``simenv_version``, ``created``
(UTC, ISO 8601), the export settings and ``samples``: per sample its ``index``, ``scene``,
``step``, ``seed``, ``files`` (paths relative to ``DIR``), ``intrinsics``, ``camera_pose``,
``objects`` (``instance``, ``category``, ``style``, ``is_transparent``, ``pixels`` visible,
``pose`` 4×4 world; glassware first, then distractors), ``randomization`` (the episode's DR
sample) and ``depth_stats`` over transparent pixels: ``transparent_pixels``, ``missing``
(fraction with sensor depth 0) and ``see_through`` (fraction reading more than 2 cm behind
the true surface). Files of an earlier export into the same folder are overwritten; the
manifest lists exactly the samples of this export.

An environment qualifies when ``gym.make(env_id, obs_mode="all")`` observes every key of
``REQUIRED_KEYS``; otherwise :func:`export_dataset` raises a one-line ``ValueError`` naming the
missing keys and the ids that qualify. Object poses, categories and the camera pose come from
``object_poses()``, ``episode`` and the MuJoCo camera of the unwrapped env when it has them
(``null`` / an instance-only object list otherwise).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import cv2
import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

import simenv

from .viz import label_colors, titled_grid

__all__ = ["FORMAT", "REQUIRED_KEYS", "export_dataset", "supported_env_ids"]

FORMAT = "simenv-dataset/1"
REQUIRED_KEYS = ("rgb", "depth", "true_depth", "mask", "instances", "normals", "boundary")
DEPTH_PNG_SCALE = 1000.0  # uint16 units per metre (millimetres)
SEE_THROUGH = 0.02  # m: a transparent pixel reading this much behind the surface sees through
SHEET_TITLES = (
    "RGB",
    "sensor depth",
    "true depth",
    "transparent",
    "normals",
    "boundary",
    "instances",
)
BOUNDARY_COLORS = np.array([[0, 0, 0], [255, 80, 40], [60, 220, 255]], np.uint8)
FOLDERS = ("rgb", "depth_raw", "depth_true", "mask", "instances", "normals", "boundary", "npz")


# ----------------------------------------------------------------------------- env checks
@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence fd 2 (engines print banners from C, e.g. pybullet's build time)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _observed_keys(env_id: str, obs_mode: str) -> set[str]:
    """The observation keys of ``env_id`` built with ``obs_mode`` (empty if it refuses it)."""

    try:
        with _quiet_stderr():
            env = gym.make(env_id, obs_mode=obs_mode)
    except (ValueError, TypeError):
        return set()
    try:
        return set(getattr(env.observation_space, "spaces", {}))
    finally:
        env.close()


def supported_env_ids() -> list[str]:
    """Registered simenv ids whose ``obs_mode="all"`` observes every key in ``REQUIRED_KEYS``."""

    return [i for i in simenv.ENV_IDS if set(REQUIRED_KEYS) <= _observed_keys(i, "all")]


def _unsupported(env_id: str, missing: list[str] | None = None) -> ValueError:
    if missing is None:
        missing = [k for k in REQUIRED_KEYS if k not in _observed_keys(env_id, k)]
    ok = supported_env_ids()
    return ValueError(
        f"{env_id} has no ground-truth observations for a dataset (missing: "
        f"{', '.join(missing) or 'none'}); supported: {', '.join(ok) or 'none'}"
    )


def _make_env(env_id: str, kwargs: dict[str, Any]) -> Any:

    try:
        with _quiet_stderr():  # only engine banners: errors come back as exceptions
            env = gym.make(env_id, **kwargs)
    except ValueError as err:
        if "obs_mode" in str(err):
            raise _unsupported(env_id) from None
        raise ValueError(f"{env_id}: {err}") from None
    keys = set(getattr(env.observation_space, "spaces", {}))
    if not set(REQUIRED_KEYS) <= keys:
        env.close()
        raise _unsupported(env_id, [k for k in REQUIRED_KEYS if k not in keys])
    return env


# ----------------------------------------------------------------------------- per sample
def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _pose(pos: np.ndarray, rot: np.ndarray) -> np.ndarray:
    t = np.eye(4)
    t[:3, :3], t[:3, 3] = rot, pos
    return t


def _camera_pose(env: Any) -> np.ndarray | None:
    """World-from-camera 4×4 in the OpenCV frame, from a MuJoCo env's observation camera."""
    data, cam = getattr(env, "data", None), getattr(env, "_camera", None)
    if data is None or cam is None or not hasattr(data, "cam_xmat"):
        return None
    rot = np.asarray(data.cam_xmat[cam]).reshape(3, 3) @ np.diag([1.0, -1.0, -1.0])
    return _pose(np.asarray(data.cam_xpos[cam]), rot)


def _objects(env: Any, inst: np.ndarray, mask: np.ndarray) -> list[dict[str, Any]]:
    """Per-object records, instance ``k + 1`` for object ``k`` (glassware first)."""
    counts = np.bincount(inst.reshape(-1), minlength=256)
    if not hasattr(env, "object_poses"):  # generic env: what the instance map shows
        return [
            {
                "instance": int(k),
                "pixels": int(counts[k]),
                "is_transparent": bool(mask[inst == k].mean() > 0.5),
            }
            for k in np.flatnonzero(counts[1:]) + 1
        ]
    positions, rotations = env.object_poses()
    episode = env.episode
    shapes = getattr(episode, "shapes", ())
    distractors = getattr(episode, "distractors", ())
    out = []
    for k, (pos, rot) in enumerate(zip(positions, rotations)):
        rec: dict[str, Any] = {"instance": k + 1}
        if k < len(shapes):
            s = shapes[k]
            rec.update(
                category=s.category,
                style=int(s.style),
                is_transparent=True,
                height=float(s.height),
                max_radius=float(s.max_radius),
            )
        elif k - len(shapes) < len(distractors):
            d = distractors[k - len(shapes)]
            rec.update(
                category=str(d.kind),
                style=None,
                is_transparent=False,
                size=[float(v) for v in d.size],
            )
        rec["pixels"] = int(counts[k + 1]) if k + 1 < len(counts) else 0
        rec["pose"] = _pose(pos, rot)
        out.append(rec)
    return out


def _depth_png(depth: np.ndarray) -> np.ndarray:
    return np.clip(np.round(depth * DEPTH_PNG_SCALE), 0, 65535).astype(np.uint16)


def _normals_png(normals: np.ndarray) -> np.ndarray:
    rgb = np.round((normals + 1.0) / 2.0 * 255.0).clip(0, 255).astype(np.uint8)
    rgb[~np.any(normals != 0, axis=-1)] = 0
    return rgb


def _imwrite(path: Path, image: np.ndarray) -> None:
    if image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(str(path), image):
        raise OSError(f"could not write {path}")


def _depth_stats(raw: np.ndarray, true: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
    m = mask > 0
    n = int(m.sum())
    if n == 0:
        return {"transparent_pixels": 0, "missing": None, "see_through": None}
    return {
        "transparent_pixels": n,
        "missing": round(float((raw[m] == 0).mean()), 4),
        "see_through": round(float((raw[m] > true[m] + SEE_THROUGH).mean()), 4),
    }


def _depth_rgb(depth: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Turbo colours by depth rank among ``levels`` (near red, far blue), missing black.

    ``levels`` are quantiles of the true depth, so the table, the objects and the far wall
    each get a share of the colour map (a linear scale spends most of it on the room).
    """
    t = np.interp(depth, levels, np.linspace(1.0, 0.0, len(levels)))
    rgb = cv2.applyColorMap((t * 255).astype(np.uint8), cv2.COLORMAP_TURBO)[..., ::-1].copy()
    rgb[depth <= 0] = 0
    return rgb


def _sheet_row(a: dict[str, np.ndarray]) -> list[np.ndarray]:
    valid = a["depth_true"][a["depth_true"] > 0]
    levels = np.percentile(valid, np.linspace(0, 100, 33)) if valid.size else np.array([0, 1.0])
    return [
        a["rgb"],
        _depth_rgb(a["depth_raw"], levels),
        _depth_rgb(a["depth_true"], levels),
        np.repeat(a["mask"][..., None] * 255, 3, axis=2),
        _normals_png(a["normals"]),
        BOUNDARY_COLORS[np.clip(a["boundary"], 0, 2)],
        label_colors(a["instances"]),
    ]


def _write_sample(out: Path, j: int, a: dict[str, np.ndarray]) -> dict[str, str]:
    name = f"{j:06d}"
    files = {"npz": f"npz/{name}.npz", **{k: f"{k}/{name}.png" for k in FOLDERS if k != "npz"}}
    np.savez_compressed(out / files["npz"], **a)  # type: ignore[arg-type]
    _imwrite(out / files["rgb"], a["rgb"])
    _imwrite(out / files["depth_raw"], _depth_png(a["depth_raw"]))
    _imwrite(out / files["depth_true"], _depth_png(a["depth_true"]))
    _imwrite(out / files["mask"], a["mask"] * np.uint8(255))
    _imwrite(out / files["instances"], a["instances"])
    _imwrite(out / files["normals"], _normals_png(a["normals"]))
    _imwrite(out / files["boundary"], a["boundary"])
    return files


def _prepare_out(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
        for sub in FOLDERS:
            (out / sub).mkdir(exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        raise OSError(f"cannot write to output folder {out}: {err.strerror or err}") from None
    return out


def _record(obs: dict[str, np.ndarray], env: Any, K: np.ndarray | None) -> dict[str, Any]:
    """The arrays of one frame (squeezed to H×W where single-channel) plus the pose data."""
    a = {
        "rgb": obs["rgb"],
        "depth_raw": obs["depth"][..., 0],
        "depth_true": obs["true_depth"][..., 0],
        "mask": (obs["mask"][..., 0] > 0).astype(np.uint8),
        "instances": obs["instances"][..., 0],
        "normals": obs["normals"],
        "boundary": obs["boundary"][..., 0],
    }
    a = {k: np.ascontiguousarray(v) for k, v in a.items()}
    objects = _objects(env, a["instances"], a["mask"])
    cam = _camera_pose(env)
    if K is not None:
        a["K"] = np.asarray(K, np.float64)
    if cam is not None:
        a["camera_pose"] = cam
    posed = [o for o in objects if "pose" in o]
    a["object_poses"] = np.array([o["pose"] for o in posed]).reshape(-1, 4, 4)
    a["object_instances"] = np.array([o["instance"] for o in posed], np.int64)
    return {"arrays": a, "objects": objects, "camera_pose": cam}


# ----------------------------------------------------------------------------- export
def export_dataset(
    env_id: str,
    n: int,
    out: str | os.PathLike[str],
    *,
    size: int = 128,
    seed: int = 0,
    split: str = "train",
    randomization: Any = "default",
    dr_scale: float = 1.0,
    steps_per_scene: int = 0,
    sheet: int = 8,
    env_kwargs: Mapping[str, Any] | None = None,
    progress: bool = True,
) -> Path:
    """Write ``n`` scenes (``1 + steps_per_scene`` frames each) to ``out``; see the module doc.

    Returns the output folder. Raises ``ValueError`` (one line) for bad arguments or an
    environment without ground truth, ``OSError`` when ``out`` cannot be written.
    """

    for name, value, lo in (
        ("n", n, 1),
        ("size", size, 8),
        ("steps_per_scene", steps_per_scene, 0),
        ("sheet", sheet, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {value!r}")
    kwargs: dict[str, Any] = {
        "obs_mode": "all",
        "camera_size": (size, size),
        "randomization": randomization,
        "dr_scale": dr_scale,
        "split": split,
        **(env_kwargs or {}),
    }
    env = _make_env(env_id, kwargs)  # first, so a bad env leaves no empty folders behind
    try:
        out = _prepare_out(Path(out))
    except OSError:
        env.close()
        raise
    samples: list[dict[str, Any]] = []
    rows: list[list[np.ndarray]] = []
    start = time.perf_counter()
    bar = tqdm(
        total=n * (steps_per_scene + 1),
        desc=f"dataset {env_id}",
        unit="sample",
        disable=not progress,
    )
    try:
        for i in range(n):
            obs, info = env.reset(seed=seed + i)
            env.action_space.seed(seed + i)
            K = info.get("intrinsics")
            dr = _jsonable(info.get("randomization", {}))
            terminated = truncated = False
            for step in range(steps_per_scene + 1):
                if step:
                    obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
                rec = _record(obs, env.unwrapped, K)
                a = rec["arrays"]
                j = len(samples)
                files = _write_sample(out, j, a)
                if j < sheet:
                    rows.append(_sheet_row(a))
                samples.append(
                    {
                        "index": j,
                        "scene": i,
                        "step": step,
                        "seed": seed + i,
                        "files": files,
                        "intrinsics": None if K is None else np.asarray(K).tolist(),
                        "camera_pose": rec["camera_pose"],
                        "objects": rec["objects"],
                        "randomization": dr,
                        "depth_stats": _depth_stats(a["depth_raw"], a["depth_true"], a["mask"]),
                    }
                )
                bar.update()
                if terminated or truncated:
                    break
    finally:
        bar.close()
        env.close()
    elapsed = time.perf_counter() - start
    manifest = {
        "format": FORMAT,
        "env_id": env_id,
        "env_kwargs": kwargs,
        "simenv_version": simenv.__version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "scenes": n,
        "steps_per_scene": steps_per_scene,
        "seed": seed,
        "size": size,
        "depth_png_scale": DEPTH_PNG_SCALE,
        "see_through_threshold_m": SEE_THROUGH,
        "boundary_classes": {"0": "none", "1": "occlusion", "2": "contact"},
        "elapsed_s": round(elapsed, 3),
        "num_samples": len(samples),
        "samples": samples,
    }
    (out / "manifest.json").write_text(json.dumps(_jsonable(manifest), indent=1) + "\n")
    if rows:
        sheet_img = titled_grid(rows, SHEET_TITLES, cell=max(size, 128))
        _imwrite(out / "contact_sheet.png", sheet_img)
    return out
