"""The benchmark helpers and scripts: public measurements only, flags kept (no timings asserted)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import simenv  # noqa: F401  (registers the ids)
from simenv.bench import PHASES, measure_vector, memory_mb, run_peer, split_row

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = [
    "bench_indoor_nav.py",
    "bench_driving.py",
    "bench_transparent_grasp.py",
    "bench_vector.py",
]


def test_measure_vector_splits_the_step_time_into_the_public_timings() -> None:
    r = measure_vector(
        "simenv/Template-v0",
        num_envs=2,
        steps=12,
        warmup=1,
        camera_size=(32, 32),
        max_episode_steps=4,
    )
    assert r["env_steps"] == 24 and r["episodes"] >= 2  # autoresets inside the timed steps
    seconds = r["seconds"]
    assert set(PHASES) <= set(seconds) and seconds["render"] > 0 and seconds["reset"] > 0
    parts = sum(v for k, v in seconds.items() if k != "total")
    assert parts == pytest.approx(seconds["total"])
    assert r["steps_per_s"] == pytest.approx(24 / seconds["total"])
    assert r["ms_per_step"]["total"] == pytest.approx(2 * r["ms_per_env_step"]["total"])
    row = split_row(r)
    assert list(row)[:4] == ["physics ms", "reset ms", "render ms", "sensors+task ms"]
    assert list(row)[-2:] == ["other ms", "total ms"]


def test_memory_is_read_from_proc() -> None:
    assert memory_mb("VmHWM") >= memory_mb("VmRSS") > 10


def test_run_peer_passes_extra_args_and_reads_the_last_json_line(tmp_path: Path) -> None:
    script = tmp_path / "peer.py"
    script.write_text(
        "import json, sys\nprint('noise')\nprint(json.dumps({'argv': sys.argv[1:]}))\n"
    )
    got = run_peer(Path(sys.executable), script, 7, "--workers", "2")
    assert got == {"argv": ["--steps", "7", "--workers", "2"]}
    script.write_text("import sys\nsys.exit('peer broke')\n")
    assert run_peer(Path(sys.executable), script, 7)["error"] == ["peer broke"]
    assert "make bench-peers" in run_peer(tmp_path / "no-python", script, 7)["error"]


def test_benchmarks_read_no_private_attributes() -> None:
    private = re.compile(r"(?<!self)(?<!cls)\._[a-z]")
    for path in [*sorted((ROOT / "benchmarks").glob("*.py")), ROOT / "simenv" / "bench.py"]:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            assert not private.search(line), f"{path.name}:{n}: {line.strip()}"


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_keep_their_flags(script: str) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
    )
    assert out.returncode == 0, out.stderr
    flags = {"--steps", "--out"} | (
        {"--num-envs", "--family", "--peer-workers"}
        if script == "bench_vector.py"
        else {"--expert-episodes", "--breakdown-steps"}
    )
    assert all(flag in out.stdout for flag in flags), out.stdout
