"""DR sweeps: a two-trial sweep locally and on Ray, resuming, planning and spec errors."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from simenv.cli import app
from simenv.sweep import load_sweep, plan, run_sweep

GRASP = "simenv/TransparentGrasp-v0"
TINY_ENV = {
    "action_mode": "topdown_grasp",
    "obs_mode": "rgbd",
    "camera_size": [32, 32],
    "max_attempts": 1,
}
# two trials: a tiny BC (3 expert episodes, 1 epoch) and the expert; 2 test points, 1 episode
SPEC: dict[str, Any] = {
    "name": "two-trials",
    "env": GRASP,
    "env_kwargs": TINY_ENV,
    "agents": [{"algo": "bc", "overrides": {"bc.episodes": 3, "bc.epochs": 1}}, {"algo": "expert"}],
    "train": {"dr_scale": [0.0]},
    "test": {"dr_scale": [0.0, 1.0]},
    "seeds": [0],
    "episodes": 1,
}


def _spec(**changes: Any) -> dict[str, Any]:
    spec = yaml.safe_load(yaml.safe_dump(SPEC))
    spec.update(changes)
    return spec


def _check_outputs(result: Any, out: Path, test_points: int = 2) -> None:
    assert not result.failed
    assert len(result.rows) == 2 * test_points
    with open(out / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * test_points
    assert {r["agent"] for r in rows} == {"bc", "expert"}
    bc = [r for r in rows if r["agent"] == "bc"]
    assert {r["train_dr_scale"] for r in bc} == {"0.0"}
    assert {r["train_dr_scale"] for r in rows if r["agent"] == "expert"} == {""}
    assert sorted(float(r["test_dr_scale"]) for r in bc) == [0.0, 1.0, 2.0][:test_points]
    assert all(0.0 <= float(r["success"]) <= 1.0 and r["episodes"] == "1" for r in rows)
    for name in (
        "heatmap_success.png",
        "success_vs_test_dr_scale.png",
        "success_vs_train_dr_scale.png",
        "spec.yaml",
    ):
        assert (out / name).stat().st_size > 0, name
    assert (out / "results.parquet").is_file()
    for trial in result.ran + result.skipped:
        assert (out / "trials" / trial / "result.json").is_file()


def test_local_sweep_runs_and_a_rerun_skips_finished_trials(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    lines: list[str] = []
    result = run_sweep(_spec(), out, workers=2, progress=False, log=lines.append)  # spawn pool
    assert len(result.ran) == 2 and not result.skipped
    _check_outputs(result, out)
    bc_trial = next(t for t in result.ran if t.startswith("bc-"))
    policy = out / "trials" / bc_trial / "run" / "policy.pt"
    stamps = {p: p.stat().st_mtime_ns for p in [policy, *out.glob("trials/*/result.json")]}

    # the same spec again through the CLI: nothing runs, the table is printed
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(_spec()))
    res = CliRunner().invoke(app, ["sweep", str(spec_file), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "skipping 2 finished, running 0" in res.output
    assert "| bc | dr_scale=0 |" in res.output and "| expert | - |" in res.output
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())

    # one more test point: both trials run again, in-process, but BC is not retrained
    result = run_sweep(_spec(test={"dr_scale": [0.0, 1.0, 2.0]}), out, progress=False)
    assert len(result.ran) == 2 and not result.skipped
    assert policy.stat().st_mtime_ns == stamps[policy]
    _check_outputs(result, out, test_points=3)


def test_ray_backend_runs_the_same_sweep(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.tune")
    out = tmp_path / "sweep"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        result = run_sweep(_spec(), out, backend="ray", progress=False)
    finally:
        ray.shutdown()
    assert len(result.ran) == 2 and not result.skipped
    _check_outputs(result, out)
    assert any((out / "ray").iterdir())  # Tune's experiment folder
    again = run_sweep(_spec(), out, backend="ray", progress=False)  # nothing left: no Ray
    assert sorted(again.skipped) == sorted(result.ran) and not again.ran


def test_plan_maps_axes_to_env_kwargs() -> None:
    spec = load_sweep(
        _spec(
            train={"dr_scale": [0.5, 2], "lighting.intensity": [[0.3, 2.0]]},
            test={"randomization": ["none", "strong"], "sensor.depth.dropout": [None, 0.01]},
            seeds=[0, 1],
        )
    )
    trials = plan(spec)
    assert len(trials) == 2 * 2 + 2  # bc: 2 train points × 2 seeds; expert: 2 seeds
    bc = trials[0]
    assert bc.train_kwargs is not None and bc.train_kwargs["dr_scale"] == 0.5
    assert bc.train_kwargs["randomization"] == {
        "preset": "default",
        "lighting.intensity": [0.3, 2.0],
    }
    assert bc.train_kwargs["camera_size"] == [32, 32]  # spec env_kwargs over the config's
    assert bc.train_label == "dr_scale=0.5"  # constant axes are left out of labels
    assert len(bc.tests) == 4 and bc.tests == trials[-1].tests
    first = bc.tests[0].env_kwargs  # test conditions never inherit the train point
    assert first["dr_scale"] == 1.0 and first["randomization"] == {
        "preset": "none",
        "sensor.depth.dropout": None,
    }
    assert trials[-1].train_kwargs is None and trials[-1].train_label == "-"
    assert len({t.id for t in trials}) == len(trials)
    assert [t.id for t in plan(spec)] == [t.id for t in trials]  # stable ids: resumable


def test_random_search_is_reproducible() -> None:
    spec = _spec(
        search="random",
        samples=5,
        search_seed=3,
        train={"dr_scale": {"low": 0.1, "high": 2.0, "log": True}},
        test={
            "dr_scale": {"low": 0.0, "high": 2.0},
            "lighting.intensity": [[0.2, 0.4], [0.4, 0.8]],
        },
    )
    trials = plan(load_sweep(spec))
    again = plan(load_sweep(spec))
    assert [t.id for t in trials] == [t.id for t in again]
    scales = {t.train_point["dr_scale"] for t in trials if t.train_point}
    assert len(scales) == 5 and all(0.1 <= s <= 2.0 for s in scales)
    assert len(trials[0].tests) == 5
    assert all(t.point["lighting.intensity"] in ([0.2, 0.4], [0.4, 0.8]) for t in trials[0].tests)


def _agent(**kw: Any) -> list[dict[str, Any]]:
    return [{"algo": "bc", **kw}]


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        ({"trian": {"dr_scale": [1.0]}}, ["unknown key 'trian'", "did you mean 'train'"]),
        ({"env": "simenv/Nope-v0"}, ["'simenv/Nope-v0' is not registered", GRASP]),
        ({"agents": [{"algo": "dqn"}]}, ["unknown algo 'dqn'", "bc, affordance, ppo, sac, expert"]),
        (
            {"agents": [{"algo": "ppo", "step": 10}]},
            ["agents[0]: unknown key 'step'", "did you mean 'steps'"],
        ),
        ({"agents": _agent(steps=100)}, ["steps is for ppo/sac"]),
        ({"agents": _agent(overrides={"bc.episodes": 0})}, ["bc setting episodes must be >= 1"]),
        ({"agents": [{"algo": "expert", "overrides": {"x": 1}}]}, ["not trained"]),
        ({"agents": [{"algo": "bc"}, {"algo": "bc"}]}, ["two are named 'bc'"]),
        ({"agents": _agent(config="missing.yaml")}, ["missing.yaml", "does not exist"]),
        ({"agents": []}, ["agents", "at least 1"]),
        (
            {"test": {"lighting.intensty": [[0.2, 0.4]]}},
            ["unknown randomization parameter 'lighting.intensty'", "lighting.intensity"],
        ),
        ({"test": {"lighting.intensity": [[0.4, 0.2]]}}, ["low <= high"]),
        ({"train": {"dr_scale": []}}, ["train.dr_scale: empty axis"]),
        ({"train": {"dr_scale": [-1.0]}}, ["dr_scale must be a finite number >= 0"]),
        ({"search": "bayes"}, ["search 'bayes'", "grid, random"]),
        ({"search": "random"}, ["needs samples"]),
        ({"samples": 3}, ["samples is only for search: random"]),
        (
            {"search": "random", "samples": 2, "test": {"dr_scale": {"low": 1}}},
            ["test.dr_scale", "{low: a, high: b"],
        ),
        ({"episodes": 0}, ["episodes", "greater than or equal to 1"]),
        ({"seeds": [0, 0]}, ["repeat a seed"]),
        ({"metric": "spl"}, ["metric 'spl'", "success, attempts"]),
        ({"env_kwargs": {**TINY_ENV, "obs_mode": "xyz"}}, ["env_kwargs", "xyz"]),
        ({"split": "val"}, ["split 'val'", "test, train"]),
    ],
)
def test_bad_specs_give_clear_one_line_errors(
    tmp_path: Path, changes: dict[str, Any], messages: list[str]
) -> None:
    with pytest.raises(ValueError) as info:
        run_sweep(_spec(**changes), tmp_path / "out", progress=False)
    text = str(info.value)
    assert "\n" not in text and all(m in text for m in messages), text
    assert not (tmp_path / "out").exists()  # validated before anything ran


def test_bad_run_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="backend 'spark' is not valid; valid: local, ray"):
        run_sweep(_spec(), tmp_path, backend="spark")
    with pytest.raises(ValueError, match="workers must be >= 1"):
        run_sweep(_spec(), tmp_path, workers=0)
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed
    monkeypatch.setitem(sys.modules, "ray.tune", None)
    with pytest.raises(ValueError, match=r'pip install "simenv\[ray\]"'):
        run_sweep(_spec(), tmp_path, backend="ray")


def test_a_failing_trial_is_reported_and_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simenv.sweep.run

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("renderer exploded")

    spec = _spec(agents=[{"algo": "expert"}], test={"dr_scale": [1.0]})
    monkeypatch.setattr(simenv.sweep.run, "evaluate", broken)
    result = run_sweep(spec, tmp_path, progress=False)
    (trial,) = result.failed
    assert "RuntimeError: renderer exploded" in result.failed[trial]
    assert (tmp_path / "trials" / trial / "error.txt").is_file() and not result.rows
    monkeypatch.undo()
    result = run_sweep(spec, tmp_path, progress=False)  # the rerun retries it
    assert result.ran == [trial] and not result.failed and len(result.rows) == 1
    assert not (tmp_path / "trials" / trial / "error.txt").exists()


@pytest.mark.parametrize(
    ("spec_text", "message"),
    [
        (None, "does not exist"),
        ("env: [unclosed", "cannot parse YAML"),
        (yaml.safe_dump({**SPEC, "search": "bayes"}), "search 'bayes' is not valid"),
    ],
)
def test_cli_errors_are_one_line_exit_2(
    tmp_path: Path, spec_text: str | None, message: str
) -> None:
    path = tmp_path / "spec.yaml"
    if spec_text is not None:
        path.write_text(spec_text)
    res = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in res.output, res.output


def test_union_grids_looks_and_translators_plan() -> None:
    from simenv.real2sim.pseudo_real import pseudo_real_look

    looks = {"look": "pseudo_real", "translator": ["none", "stats"]}
    spec = _spec(test=[{"dr_scale": [0.0, 2.0]}, looks], split="train", eval_seed=500)
    trials = plan(load_sweep(spec))
    tests = trials[0].tests
    assert [t.label for t in tests] == [
        "dr_scale=0",
        "dr_scale=2",
        "look=pseudo_real, translator=none",
        "look=pseudo_real, translator=stats",
    ]
    raw, stats = tests[2], tests[3]
    assert raw.env_kwargs["randomization"] == pseudo_real_look(GRASP)  # the look, not "default"
    assert raw.env_kwargs == stats.env_kwargs and raw.translator is None
    assert stats.translator == "stats" and raw.key != stats.key
    assert trials[0].eval_seed == 500 and trials[0].first_seed == 500
    # a translator's settings are part of its test key: changing them re-evaluates those points
    other = plan(load_sweep({**spec, "translators": {"frames": 64}}))[0].tests
    assert [t.key for t in other[:3]] == [t.key for t in tests[:3]]
    assert other[3].key != stats.key


def test_an_agent_with_its_own_train_axes() -> None:
    """An ADR agent trains once per seed as configured, beside agents on the sweep's grid."""
    once = {"algo": "bc", "name": "bc_once", "overrides": {"bc.episodes": 3}, "train": {}}
    spec = _spec(agents=[*SPEC["agents"], once], train={"dr_scale": [0.0, 2.0]}, seeds=[0, 1])
    trials = plan(load_sweep(spec))
    by_agent: dict[str, list[Any]] = {}
    for t in trials:
        by_agent.setdefault(t.agent.name, []).append(t)
    assert [len(by_agent[a]) for a in ("bc", "expert", "bc_once")] == [4, 2, 2]
    bc_once = by_agent["bc_once"][0]
    assert bc_once.train_point == {} and bc_once.train_label == "as configured"
    assert bc_once.train_kwargs is not None and "dr_scale" not in bc_once.train_kwargs
    assert by_agent["bc"][0].train_label == "dr_scale=0"
    assert bc_once.tests == by_agent["bc"][0].tests
    # the other agents' trial ids do not change when an agent with its own axes is added
    without = plan(load_sweep({**spec, "agents": SPEC["agents"]}))
    assert {t.id for t in without} <= {t.id for t in trials}
    # an agent's own axes are validated like the sweep's
    for train, message in (
        ({"dr_scale": []}, "bc_once.train.dr_scale: empty axis"),
        ({"translator": ["fda"]}, "bc_once.train.translator: translators apply at test time"),
        ({"dr_scale": [-1.0]}, "dr_scale must be a finite number >= 0"),
    ):
        with pytest.raises(ValueError, match=message):
            load_sweep({**spec, "agents": [{**once, "train": train}]})
    with pytest.raises(ValueError, match="the expert is not trained; remove train"):
        load_sweep({**spec, "agents": [{"algo": "expert", "train": {}}]})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"test": {"look": ["real"]}}, "test.look 'real' is not valid; valid: sim, pseudo_real"),
        ({"train": {"translator": ["stats"]}}, "translators apply at test time"),
        ({"test": {"translator": ["gan"]}}, "'gan' is not valid; valid: none, stats, fda"),
        ({"translators": {"config": {"gan": {}}}}, "translators.config key 'gan' is not valid"),
        ({"translators": {"frames": 2}}, "greater than or equal to 8"),
        ({"test": []}, "test: an empty list"),
        (
            {"env_kwargs": {"action_mode": "topdown_grasp"}, "test": {"translator": ["fda"]}},
            "needs env_kwargs.camera_size",
        ),
    ],
)
def test_bad_study_axes(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as info:
        load_sweep(_spec(**changes))
    assert "\n" not in str(info.value) and message in str(info.value), str(info.value)


def test_the_indoor_nav_study_spec_runs_end_to_end_with_translators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shipped study spec, shrunk to two trials (a BC seed and the expert) and tiny sizes:
    translators are built once, translated points go through RealToSimWrapper, a rerun skips."""
    import simenv.sweep.run as run_module

    root = Path(__file__).resolve().parents[1]
    spec = yaml.safe_load((root / "examples" / "study_indoor_nav.yaml").read_text())
    spec["agents"][0]["overrides"] = {"bc.episodes": 2, "bc.dagger_rounds": 0, "bc.epochs": 1}
    spec["env_kwargs"]["camera_size"] = [16, 16]
    spec.update(
        train={"dr_scale": [1.0]},
        test=[{"dr_scale": [0.0]}, {"look": "pseudo_real", "translator": ["none", "stats", "fda"]}],
        seeds=[0],
        episodes=1,
        translators={"frames": 8},
    )
    wrapped: list[Any] = []

    class Counting(run_module.RealToSimWrapper):  # type: ignore[misc,name-defined]
        def __init__(self, env: Any, translator: Any) -> None:
            super().__init__(env, translator)
            wrapped.append(translator)

    monkeypatch.setattr(run_module, "RealToSimWrapper", Counting)
    out = tmp_path / "study"
    lines: list[str] = []
    result = run_sweep(spec, out, progress=False, log=lines.append)
    assert len(result.ran) == 2 and not result.failed and len(result.rows) == 2 * 4
    assert any("translator fda: building from 8 pseudo-real frames" in line for line in lines)
    assert (out / "translators" / "fda" / "translator.pt").is_file()
    assert (out / "translators" / "fda" / "samples.png").stat().st_size > 0
    sims = [np.load(out / "translators" / m / "sim_frames.npz")["frames"] for m in ("stats", "fda")]
    assert sims[0].shape == (8, 16, 16, 3) and np.array_equal(*sims)  # collected once
    names = [type(t).__name__ for t in wrapped]
    assert names == ["StatsTranslator", "FDATranslator"]  # BC only: the expert reads the state
    with open(out / "results.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["test_translator"] for r in rows} == {"", "none", "stats", "fda"}
    assert {r["test_look"] for r in rows} == {"", "pseudo_real"}
    assert (out / "heatmap_success.png").stat().st_size > 0
    built = (out / "translators" / "fda" / "built.json").stat().st_mtime_ns
    again = run_sweep(spec, out, progress=False)
    assert not again.ran and len(again.skipped) == 2
    assert (out / "translators" / "fda" / "built.json").stat().st_mtime_ns == built

    # the study report reads the folder: full table and answer table, figures copied
    report = tmp_path / "report.md"
    script = root / "benchmarks" / "dr_study_report.py"
    args = [sys.executable, str(script), str(out), "--figures", str(tmp_path), "--out", str(report)]
    subprocess.run(args, check=True, capture_output=True)
    text = report.read_text()
    assert "| test DR 0 | pseudo-real | pseudo-real + stats | pseudo-real + fda |" in text
    assert "| bc, train DR 1 |" in text and "| expert (upper bound) |" in text
    assert "| translation on top of DR (train DR 1): best translator " in text
    assert (tmp_path / "dr_study_indoor_nav_heatmap.png").stat().st_size > 0


@pytest.mark.parametrize(
    "name",
    [
        "sweep_quick",
        "sweep_dr",
        "study_indoor_nav",
        "study_driving",
        "study_transparent_grasp",
        "study_driving_adr",
    ],
)
def test_shipped_sweep_specs_validate(name: str) -> None:
    root = Path(__file__).resolve().parents[1]
    spec = load_sweep(root / "examples" / f"{name}.yaml")
    trials = plan(spec)
    assert trials and all(t.tests for t in trials)
    if name == "study_driving_adr":  # 4 fixed strengths and ADR, x 2 seeds, + the expert
        assert [t.agent.name for t in trials].count("ppo_adr") == 2
        assert len(trials) == 4 * 2 + 2 + 2 and len(trials[0].tests) == 4
    elif name.startswith("study_"):  # the study design: 4 train strengths x 2 seeds + expert
        assert len(trials) == 4 * 2 + 2 and len(trials[0].tests) == 8
