"""`simenv dataset` / `export_dataset`: files, manifest, depth round-trip, geometry, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from simenv.cli import app
from simenv.dataset import REQUIRED_KEYS, export_dataset

ENV = "simenv/TransparentGrasp-v0"
SIZE = 48


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    # randomization="none": only the transparent-depth failure (on at its nominal) corrupts
    # the sensor depth, so raw and true depth agree away from the glass
    out = export_dataset(
        ENV,
        2,
        tmp_path_factory.mktemp("ds"),
        size=SIZE,
        seed=3,
        randomization="none",
        progress=False,
    )
    return out, json.loads((out / "manifest.json").read_text())


def _arrays(out: Path, sample: dict) -> dict[str, np.ndarray]:
    with np.load(out / sample["files"]["npz"]) as z:
        return dict(z)


def test_files_and_manifest(dataset) -> None:
    out, manifest = dataset
    assert manifest["env_id"] == ENV and manifest["format"] == "simenv-dataset/1"
    assert manifest["num_samples"] == len(manifest["samples"]) == 2
    assert [s["seed"] for s in manifest["samples"]] == [3, 4]
    assert len(list((out / "npz").glob("*.npz"))) == len(list((out / "rgb").glob("*.png"))) == 2
    for s in manifest["samples"]:
        for rel in s["files"].values():
            assert (out / rel).is_file(), rel
        a = _arrays(out, s)
        assert a["rgb"].shape == (SIZE, SIZE, 3) and a["normals"].shape == (SIZE, SIZE, 3)
        assert a["depth_raw"].dtype == a["depth_true"].dtype == np.float32
        assert np.allclose(a["K"], s["intrinsics"]) and np.allclose(
            a["camera_pose"], s["camera_pose"]
        )
        objs = s["objects"]
        assert len(objs) == len(a["object_poses"]) >= 1 and objs[0]["is_transparent"]
        assert [o["instance"] for o in objs] == list(a["object_instances"])
        assert s["randomization"]["scene.objects"] == sum(o["is_transparent"] for o in objs)
        assert 0.0 <= s["depth_stats"]["missing"] <= 1.0


def test_pngs_match_the_npz(dataset) -> None:
    out, manifest = dataset
    for s in manifest["samples"]:
        a, f = _arrays(out, s), s["files"]
        for key in ("depth_raw", "depth_true"):
            png = cv2.imread(str(out / f[key]), cv2.IMREAD_UNCHANGED)
            assert png.dtype == np.uint16
            assert np.abs(png / 1000.0 - a[key]).max() <= 0.001
            assert np.array_equal(png == 0, a[key] == 0)
        mask = cv2.imread(str(out / f["mask"]), cv2.IMREAD_UNCHANGED)
        assert set(np.unique(mask)) <= {0, 255} and np.array_equal(mask > 0, a["mask"] > 0)
        inst = cv2.imread(str(out / f["instances"]), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(inst, a["instances"])
        rgb = cv2.imread(str(out / f["rgb"]))[..., ::-1]
        assert np.array_equal(rgb, a["rgb"])


def test_depth_corrupted_only_on_glass(dataset) -> None:
    out, manifest = dataset
    for s in manifest["samples"]:
        a = _arrays(out, s)
        near = cv2.dilate(a["mask"], np.ones((7, 7), np.uint8)) > 0  # 3-px band
        assert np.array_equal(a["depth_raw"][~near], a["depth_true"][~near])
        glass = a["mask"] > 0
        assert glass.any() and (a["depth_raw"][glass] != a["depth_true"][glass]).any()
        # the mask is the transparent objects' part of the instance map
        transparent = [o["instance"] for o in s["objects"] if o["is_transparent"]]
        on_glass = np.isin(a["instances"], transparent)
        assert not (glass & ~on_glass).any()
        assert glass.sum() >= 0.95 * on_glass.sum()


def test_poses_back_project_onto_the_objects(dataset) -> None:
    """Intrinsics, camera pose, instances and true depth agree on where each glass stands."""
    out, manifest = dataset
    for s in manifest["samples"]:
        a = _arrays(out, s)
        v, u = np.indices((SIZE, SIZE))
        rays = np.linalg.inv(a["K"]) @ np.stack([u, v, np.ones_like(u)]).reshape(3, -1)
        pts_cam = rays * a["depth_true"].reshape(1, -1)
        world = (a["camera_pose"][:3, :3] @ pts_cam).T + a["camera_pose"][:3, 3]
        for o, pose in zip(s["objects"], a["object_poses"]):
            pix = a["instances"].reshape(-1) == o["instance"]
            if not o["is_transparent"] or pix.sum() < 5:
                continue
            local = (world[pix] - pose[:3, 3]) @ pose[:3, :3]  # object frame
            assert np.median(np.hypot(local[:, 0], local[:, 1])) < o["max_radius"] + 0.01
            assert -0.01 < np.median(local[:, 2]) < o["height"] + 0.01


def test_contact_sheet_has_one_row_per_sample(dataset) -> None:
    out, _ = dataset
    sheet = cv2.imread(str(out / "contact_sheet.png"))
    cell, pad, header = 128, 2, 22  # titled_grid defaults; cells are at least 128 px
    assert sheet.shape == (header + 2 * (cell + pad) + pad, 7 * (cell + pad) + pad, 3)


def test_steps_per_scene_adds_frames(tmp_path) -> None:
    out = export_dataset(ENV, 1, tmp_path, size=SIZE, steps_per_scene=2, sheet=0, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [(s["scene"], s["step"]) for s in manifest["samples"]] == [(0, 0), (0, 1), (0, 2)]
    assert not (out / "contact_sheet.png").exists()


def test_cli_writes_a_dataset(tmp_path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "dataset",
            ENV,
            "--n",
            "1",
            "--size",
            str(SIZE),
            "--out",
            str(tmp_path / "d"),
            "--sheet",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 1 samples" in result.output
    assert (tmp_path / "d" / "contact_sheet.png").is_file()


def test_required_keys_are_observed() -> None:
    import gymnasium as gym

    env = gym.make(ENV, obs_mode="all", camera_size=(SIZE, SIZE))
    assert set(REQUIRED_KEYS) <= set(env.observation_space.spaces)
    env.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simenv/IndoorNav-v0"], "missing: true_depth, mask, instances, normals, boundary"),
        (["simenv/IndoorNav-v0"], f"supported: {ENV}"),
        ([ENV, "--n", "0"], "--n must be >= 1"),
        ([ENV, "--out", "{file}/sub"], "cannot write to output folder"),
    ],
)
def test_user_errors_are_one_line(tmp_path, args, message) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    args = [a.format(file=blocker) for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "ds")]
    proc = subprocess.run(
        [sys.executable, "-m", "simenv.cli", "dataset", *args, "--size", "36"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr
