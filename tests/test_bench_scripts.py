"""The benchmark helpers and scripts: public measurements only, flags kept (no timings asserted)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def _load_script(name: str) -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _eval_json(success: list[int], **extra: object) -> str:
    import json

    n = len(success)
    summary = {"success": sum(success) / n, "episodes": n, "spl": 0.5}
    return json.dumps({"summary": summary, "episodes": [], **extra})


def test_baseline_table_reports_the_mean_and_spread_over_training_seeds(tmp_path: Path) -> None:
    from simenv.agents.evaluate import wilson

    table: Any = _load_script("baseline_table")
    (tmp_path / "seeds").mkdir()
    for seed, hits in ((0, 9), (1, 7), (2, 8)):
        run = _eval_json([1] * hits + [0] * (10 - hits), train_seed=seed, train_time_s=600)
        (tmp_path / "seeds" / f"IndoorNav_bc_s{seed}.json").write_text(run)
    (tmp_path / "seeds" / "IndoorNav_expert.json").write_text(_eval_json([1] * 10))
    text = table.seeds_table(tmp_path)
    row = text.splitlines()[-1]
    low, high = wilson(24, 30)  # the three seeds' episodes pooled
    assert row.startswith("| IndoorNav-v0 | bc | 0, 1, 2 | 10 | 0.90 / 0.70 / 0.80 |")
    assert "**0.80** ± 0.10 [0.70, 0.90]" in row and f"[{low:.2f}, {high:.2f}]" in row
    assert row.endswith("| 10 | 1.00 | **0.80** |")  # minutes; expert; mean / expert


def test_dr_study_report_compares_an_adr_agent_with_the_fixed_strengths(tmp_path: Path) -> None:
    import csv

    import yaml

    report: Any = _load_script("dr_study_report")
    folder = tmp_path / "study-driving-adr"
    folder.mkdir()
    spec = {"name": "study-driving-adr", "env": "simenv/Driving-v0", "env_kwargs": {}}
    (folder / "spec.yaml").write_text(yaml.safe_dump({**spec, "seeds": [0], "episodes": 10}))
    rows = []
    cells = {("ppo", 0.0): (10, 2), ("ppo", 2.0): (6, 7), ("ppo_adr", None): (9, 9)}
    for (agent, train), (nominal, strong) in cells.items():
        for test, hits in ((0.0, nominal), (2.0, strong)):
            rows.append(
                {
                    "agent": agent,
                    "train_dr_scale": "" if train is None else train,
                    "test_dr_scale": test,
                    "success": hits / 10,
                    "episodes": 10,
                }
            )
    with open(folder / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    family, text = report.report(folder, tmp_path / "fig", tmp_path / "tables")
    assert family == "Driving" and "### Driving (`study-driving-adr`)" in text
    assert "| `ppo_adr` (as configured) | 0.90 [" in text
    assert "| `ppo_adr` vs the best fixed train DR (0), test DR 0 | -0.10 |" in text
    assert "| `ppo_adr` vs the best fixed train DR (2), test DR 2 | +0.20 |" in text
    assert (tmp_path / "tables" / "dr_study_driving_adr.csv").is_file()
