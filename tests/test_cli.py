"""The command line: list, preview, bench, doctor and its one-line user errors."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import pytest
from typer.testing import CliRunner

from simenv.cli import app

runner = CliRunner()


def test_list_names_every_id() -> None:
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0 and "simenv/IndoorNav-v0" in result.output


def test_preview_writes_a_mosaic(tmp_path) -> None:
    out = tmp_path / "grid.png"
    result = runner.invoke(
        app, ["preview", "simenv/IndoorNav-v0", "--n", "4", "--size", "48", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    image = cv2.imread(str(out))
    assert image.shape == (2 * 48 + 6, 2 * 48 + 6, 3)
    tiles = [image[2:50, 2:50], image[2:50, 52:100]]
    assert abs(float(tiles[0].mean()) - float(tiles[1].mean())) > 0.5 or (
        (tiles[0] != tiles[1]).mean() > 0.5
    )


def test_bench_prints_json() -> None:
    result = runner.invoke(
        app,
        [
            "bench",
            "simenv/IndoorNav-v0",
            "--steps",
            "30",
            "--size",
            "36",
            "--json",
            "--kw",
            "max_episode_steps=10",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert data["steps"] == 30 and data["kwargs"]["camera_size"] == [36, 36]
    assert data["episodes_in_timed_steps"] == 3  # the 10-step time limit reset it 3 times
    assert set(data) >= {"steps_per_s", "reset_ms"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["preview", "simenv/Nope-v0"], "unknown environment"),
        (["preview", "simenv/IndoorNav-v0", "--randomization", "wild"], "neither a preset"),
        (["preview", "simenv/IndoorNav-v0", "--kw", "obs_mode=xyz"], "unknown obs_mode"),
        (["bench", "simenv/IndoorNav-v0", "--kw", "task"], "KEY=VALUE"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(args, message) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "simenv.cli", *args], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr


def test_doctor_reports_a_working_backend() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "simenv.cli", "doctor"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    works = [b for b in ("egl", "osmesa") if f"{b:7s} works" in proc.stdout]
    assert works and "render test: IndoorNav-v0 rgb (84, 84, 3)" in proc.stdout
    assert "batch   works: EGL device" in proc.stdout and "OpenGL" in proc.stdout


@pytest.mark.parametrize("host", [{"egl", "batch"}, {"osmesa"}, {"egl"}, set()])
def test_doctor_on_egl_only_osmesa_only_and_broken_hosts(
    host: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import simenv.cli

    def probe(backend: str, size: int = 64) -> tuple[bool, str]:
        return (True, "ok 1.00 ms/frame") if backend in host else (False, "no such library")

    def batch() -> tuple[bool, str]:
        return ("batch" in host, "EGL device 0" if "batch" in host else "no EGL device")

    monkeypatch.setattr(simenv.cli, "probe_backend", probe)
    monkeypatch.setattr(simenv.cli, "probe_batch_renderer", batch)
    result = runner.invoke(app, ["doctor"])
    for backend in ("egl", "osmesa"):
        status = "works" if backend in host else "fails"
        assert f"{backend:7s} {status}" in result.output
    if host:
        assert result.exit_code == 0 and "render test" in result.output
        assert f"batch   {'works' if 'batch' in host else 'fails'}" in result.output
        assert ("with the batch renderer" in result.output) == ("batch" in host)
        assert ("renderer='mujoco'" in result.output) == ("batch" not in host)
    else:
        assert result.exit_code == 2 and "no headless OpenGL backend works" in result.output
