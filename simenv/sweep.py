"""``simenv sweep SPEC.yaml``: domain-randomization sweeps (train at DR strength a, test at b).

A spec (YAML, see ``examples/sweep_dr.yaml``) names an environment, agents, seeds and two sets
of DR axes, one for training and one for testing::

    name: dr-strength              # optional; default output folder sweeps/NAME
    env: simenv/TransparentGrasp-v0
    env_kwargs: {camera_size: [32, 32]}  # common to training and testing
    agents:                        # algo: bc | ppo | sac | expert; optional name, steps
      - {algo: bc, overrides: {bc.episodes: 50}}  # (ppo/sac), config (YAML), overrides
      - {algo: expert}
    train: {dr_scale: [0.0, 1.0, 2.0]}
    test:
      dr_scale: [0.0, 0.5, 1.0, 2.0]
      lighting.intensity: [[0.8, 1.2], [0.3, 2.0]]
    seeds: [0, 1]
    episodes: 20                   # test episodes per (trial, test point)
    search: grid                   # or random, with samples: N (and search_seed)
    split: test                    # evaluation split (held-out layouts / styles)
    metric: success                # plotted metric

Axes. ``dr_scale`` is the env kwarg; ``randomization`` sets the preset, a dict or a YAML path;
any other name is a DR parameter of the env (``gym.make(id).unwrapped.randomizer.names``;
``fnmatch`` patterns work) and goes into a ``randomization`` override dict on top of the preset,
so its value is anything such an override takes: ``[low, high]``, a fixed value, ``null``
(nominal) or a ``{dist: ...}`` mapping. Like every range, an override range is scaled by the
point's ``dr_scale`` (0 collapses it to the nominal value clipped into it). With
``search: grid`` an axis is a *list of points* (``lighting.intensity: [[0.8, 1.2]]`` is one
range; ``[0.8, 1.2]`` two fixed values; a non-list is one point) and the points are the
Cartesian product of the axes. With ``search: random`` each of ``samples`` points draws every
axis from ``{low, high}`` (uniform; ``log: true`` for log-uniform; rounded to 4 significant
digits) or uniformly from a list; the draws come from ``search_seed``, so a rerun plans the
same points. Missing ``train`` / ``test`` sections mean one point: the conditions as
configured.

Trials. A trial is (agent, train point, seed): it trains once (``simenv.agents.train``; the
expert needs no training and ignores the train axes), then evaluates on every test point with
``simenv.agents.evaluate``. Training conditions are the agent's config ``env_kwargs``, then the
spec's ``env_kwargs``, then the train point. Test conditions are set from scratch, never
inherited from the train point: ``randomization: default``, ``dr_scale: 1``, then the spec's
``env_kwargs``, then the test point. The test episodes of seed ``s`` use episode seeds
``s * episodes ... (s + 1) * episodes - 1``: the same episodes for every agent and train point
(paired comparisons), different ones per seed (so expert seeds add episodes).

Output folder (``--out``, default ``sweeps/NAME``)::

    spec.yaml                      the validated spec
    trials/<trial id>/run/         the training run folder (policy.pt or model.zip, curves)
    trials/<trial id>/trial.json   what the trial is (agent, seed, train point, kwargs)
    trials/<trial id>/result.json  one row per test point; written last: the resume marker
    trials/<trial id>/error.txt    the traceback of a failed trial
    results.csv, results.parquet   one row per (trial, test point); Parquet if pyarrow imports
    heatmap_<metric>.png           mean over seeds: rows train point, columns test point, per agent
    <metric>_vs_<column>.png       metric vs each train/test axis with the 95 % CI band

Trial ids are ``<agent>-s<seed>-<hash>`` of everything that defines the training, so a rerun
skips trials whose ``result.json`` covers every test point, reuses a finished training when
only test points were added, and runs whatever the edited spec added. Success CIs pool the
episodes of all seeds (Wilson); other metrics use mean ± 1.96 standard errors over rows.

Backends. ``local`` (default) runs trials in-process with ``workers=1``, else in a
``ProcessPoolExecutor`` of ``spawn`` processes (torch threads split between them). ``ray`` runs
the same trials through Ray Tune (a function trainable over ``tune.grid_search`` of trial ids,
1 CPU each) on the Ray instance already initialised in this process, else on ``address`` (a
cluster; every node needs simenv installed and the output folder on a shared file system),
else on a local instance with ``workers`` CPUs. Both backends read results from the same
``result.json`` files, so resuming works the same way.
"""

from __future__ import annotations

import copy
import csv
import difflib
import hashlib
import itertools
import json
import math
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["AgentSpec", "EvalPoint", "SweepResult", "SweepSpec", "Trial", "collect",
           "is_finished", "load_sweep", "plan", "plot_results", "run_sweep", "run_trial",
           "write_results"]

ALGOS = ("bc", "ppo", "sac", "expert")
SEARCHES = ("grid", "random")
BACKENDS = ("local", "ray")
SPLITS = ("test", "train")
SPECIAL_AXES = ("dr_scale", "randomization")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_RAY_HINT = 'the ray backend needs Ray Tune: pip install "simenv[ray]"'

Point = dict[str, Any]


class AgentSpec(BaseModel):
    """One agent of a sweep: ``algo`` is ``bc``, ``ppo``, ``sac`` or ``expert``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    algo: str
    name: str = ""
    steps: int | None = Field(None, ge=1)
    config: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)


class SweepSpec(BaseModel):
    """A validated sweep spec (see the module docstring); build with :func:`load_sweep`."""

    model_config = ConfigDict(extra="forbid")

    env: str
    agents: list[AgentSpec] = Field(min_length=1)
    name: str = "sweep"
    env_kwargs: dict[str, Any] = Field(default_factory=dict)
    train: dict[str, Any] = Field(default_factory=dict)
    test: dict[str, Any] = Field(default_factory=dict)
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    episodes: int = Field(20, ge=1)
    search: str = "grid"
    samples: int | None = Field(None, ge=1)
    search_seed: int = 0
    split: str = "test"
    metric: str = "success"


@dataclass(frozen=True)
class EvalPoint:
    key: str  # hash of what defines the evaluation
    point: Point
    label: str
    env_kwargs: dict[str, Any]


@dataclass(frozen=True)
class Trial:
    """One (agent, train point, seed): trains once, then evaluates on every test point."""

    id: str
    env: str
    agent: AgentSpec
    seed: int
    train_point: Point | None  # None for the expert
    train_label: str
    train_kwargs: dict[str, Any] | None
    tests: tuple[EvalPoint, ...]
    episodes: int
    split: str

    @property
    def eval_seed(self) -> int:
        return self.seed * self.episodes


@dataclass
class SweepResult:
    """What :func:`run_sweep` did: rows as in ``results.csv``, trial ids, files written."""

    out_dir: Path
    rows: list[dict[str, Any]]
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    metric: str = "success"

    def table(self, metric: str | None = None) -> str:
        """Markdown: one line per (agent, train point), one column per test point (seed mean)."""
        from .viz import markdown_table

        metric = metric or self.metric
        cells = _aggregate(self.rows, ("agent", "train_point", "test_point"), metric)
        tests = list(dict.fromkeys(r["test_point"] for r in self.rows))
        lines = list(dict.fromkeys((r["agent"], r["train_point"]) for r in self.rows))
        table = []
        for agent, train in lines:
            row: dict[str, object] = {"agent": agent, "train": train}
            for t in tests:
                cell = cells.get((agent, train, t))
                row[f"test {t}"] = cell[0] if cell else ""
            table.append(row)
        return markdown_table(table)

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows)


# ----------------------------------------------------------------------------- spec


def _one_line(err: ValidationError, where: str) -> str:
    parts = []
    for e in err.errors():
        loc = where + "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc.lstrip('.')}: {msg} (got {e.get('input')!r})")
    return "; ".join(parts)


def _check_keys(data: Mapping[str, Any], model: type[BaseModel], where: str) -> None:
    valid = list(model.model_fields)
    for key in data:
        if key not in valid:
            close = difflib.get_close_matches(str(key), valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"{where}: unknown key {key!r}{hint}; valid keys: {', '.join(valid)}")


def _choice(what: str, value: Any, valid: Iterable[str]) -> None:
    valid = list(valid)
    if value not in valid:
        raise ValueError(f"{what} {value!r} is not valid; valid: {', '.join(valid)}")


def load_sweep(spec: str | os.PathLike[str] | Mapping[str, Any] | SweepSpec,
               base_dir: str | os.PathLike[str] | None = None) -> SweepSpec:
    """Read and fully validate a sweep spec (a YAML path, a mapping or a SweepSpec).

    Every user error is a one-line ``ValueError`` naming the bad value and the valid ones.
    Agent ``config`` paths are relative to the spec file's folder (or ``base_dir``).
    """
    if isinstance(spec, SweepSpec):
        data: Any = spec.model_dump(exclude_unset=True)
    elif isinstance(spec, Mapping):
        data = copy.deepcopy(dict(spec))
    else:
        path = Path(spec)
        if not path.is_file():
            raise ValueError(f"sweep spec {os.fspath(spec)!r} does not exist")
        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as err:
            raise ValueError(f"sweep spec {path}: cannot parse YAML "
                             f"({str(err).splitlines()[0]})") from None
        if not isinstance(data, dict):
            raise ValueError(f"sweep spec {path}: expected a mapping with env, agents, train, "
                             "test, seeds, ...")
        data.setdefault("name", path.stem)
        base_dir = base_dir or path.parent
    _check_keys(data, SweepSpec, "sweep spec")
    for i, agent in enumerate(data.get("agents") or []):
        if isinstance(agent, Mapping):
            _check_keys(agent, AgentSpec, f"agents[{i}]")
    try:
        parsed = SweepSpec.model_validate(data)
    except ValidationError as err:
        raise ValueError(f"sweep spec: {_one_line(err, '')}") from None
    _check(parsed, Path(base_dir) if base_dir is not None else None)
    return parsed


def _check(spec: SweepSpec, base_dir: Path | None) -> None:
    import gymnasium as gym

    import simenv

    if spec.env not in gym.registry:
        raise ValueError(f"env {spec.env!r} is not registered; valid: "
                         f"{', '.join(simenv.ENV_IDS)}")
    if not _NAME.match(spec.name):
        raise ValueError(f"name {spec.name!r}: use letters, digits, '_', '-', '.' only")
    _choice("search", spec.search, SEARCHES)
    _choice("split", spec.split, SPLITS)
    if spec.search == "random" and spec.samples is None:
        raise ValueError("search: random needs samples: N (points drawn per train/test set)")
    if spec.search == "grid" and spec.samples is not None:
        raise ValueError("samples is only for search: random (grid runs every combination)")
    if len(set(spec.seeds)) != len(spec.seeds):
        raise ValueError(f"seeds {spec.seeds} repeat a seed")
    agents = [_check_agent(spec, i, a, base_dir) for i, a in enumerate(spec.agents)]
    names = [a.name for a in agents]
    for n in names:
        if names.count(n) > 1:
            raise ValueError(f"agents: two are named {n!r}; give each a distinct name")
    spec.agents = agents
    for section in ("train", "test"):
        axes = getattr(spec, section)
        for axis, values in axes.items():
            _check_axis(section, str(axis), values, spec.search)
    _check_points(spec)


def _check_agent(spec: SweepSpec, i: int, agent: AgentSpec, base_dir: Path | None
                 ) -> AgentSpec:
    from simenv.agents.train import load_config

    where = f"agents[{i}]"
    if agent.algo not in ALGOS:
        raise ValueError(f"{where}: unknown algo {agent.algo!r}; valid: {', '.join(ALGOS)}")
    name = agent.name or agent.algo
    if not _NAME.match(name):
        raise ValueError(f"{where}: name {name!r}: use letters, digits, '_', '-', '.' only")
    config = agent.config
    if agent.algo == "expert":
        extra = [k for k in ("steps", "config", "overrides") if getattr(agent, k)]
        if extra:
            raise ValueError(f"{where}: the expert is not trained; remove {', '.join(extra)}")
    else:
        if agent.algo == "bc" and agent.steps is not None:
            raise ValueError(f"{where}: steps is for ppo/sac; for bc set overrides: "
                             "{bc.episodes: N}")
        if config is not None and base_dir is not None and not Path(config).is_absolute():
            config = os.fspath(base_dir / config)
        try:
            cfg = load_config(spec.env, agent.algo, config, agent.overrides)
            if agent.algo == "bc":
                from simenv.agents.bc import BCConfig

                BCConfig.from_dict(cfg.get("bc"))
        except (ValueError, TypeError) as err:
            raise ValueError(f"{where}: {err}") from None
    return agent.model_copy(update={"name": name, "config": config})


def _check_axis(section: str, axis: str, values: Any, search: str) -> None:
    where = f"{section}.{axis}"
    if search == "grid" or isinstance(values, list):
        if isinstance(values, list) and not values:
            raise ValueError(f"{where}: empty axis; give at least one value")
        return
    if not isinstance(values, Mapping) or set(values) - {"low", "high", "log"} or not (
            {"low", "high"} <= set(values)):
        raise ValueError(f"{where}: a random-search axis is {{low: a, high: b, log: false}} or "
                         f"a list to choose from, got {values!r}")
    low, high = values["low"], values["high"]
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (low, high)) or (
            low > high) or (values.get("log") and low <= 0):
        raise ValueError(f"{where}: need finite numbers low <= high (low > 0 with log), "
                         f"got {values!r}")


def _axis_points(axes: Mapping[str, Any], spec: SweepSpec, rng: np.random.Generator
                 ) -> list[Point]:
    """The points of one axis set (grid product or random draws), duplicates removed."""
    names = list(axes)
    if not names:
        return [{}]
    if spec.search == "grid":
        lists = [v if isinstance(v, list) else [v] for v in axes.values()]
        points = [dict(zip(names, combo)) for combo in itertools.product(*lists)]
    else:
        points = [{n: _draw(axes[n], rng) for n in names} for _ in range(spec.samples or 1)]
    unique = {json.dumps(p, sort_keys=True, default=str): p for p in points}
    return list(unique.values())


def _draw(axis: Any, rng: np.random.Generator) -> Any:
    if isinstance(axis, list):
        return copy.deepcopy(axis[int(rng.integers(len(axis)))])
    low, high = float(axis["low"]), float(axis["high"])
    x = math.exp(rng.uniform(math.log(low), math.log(high))) if axis.get("log") else (
        rng.uniform(low, high))
    return float(f"{x:.4g}")


def _point_kwargs(base: Mapping[str, Any], point: Point) -> dict[str, Any]:
    """Env kwargs of a point: ``base``, then dr_scale / randomization, then DR overrides."""
    from .randomization import load_spec

    kwargs = copy.deepcopy(dict(base))
    for key in SPECIAL_AXES:
        if key in point:
            kwargs[key] = copy.deepcopy(point[key])
    params = {k: copy.deepcopy(v) for k, v in point.items() if k not in SPECIAL_AXES}
    if params:
        kwargs["randomization"] = {**load_spec(kwargs.get("randomization", "default")), **params}
    return kwargs


def _params(env_id: str, env_kwargs: Mapping[str, Any], split: str | None
            ) -> tuple[list[Any], list[str]]:
    """The env's DR parameter declarations and the metrics an evaluation reports."""
    from simenv.agents.evaluate import make_eval_env

    try:
        env = make_eval_env(env_id, dict(env_kwargs), split)
    except (ValueError, TypeError) as err:
        raise ValueError(f"env_kwargs: {env_id}: {err}") from None
    try:
        randomizer = getattr(env.unwrapped, "randomizer", None)
        params = list(randomizer.params.values()) if randomizer is not None else []
        metrics = [*env.unwrapped.metadata.get("episode_metrics", ("success",)), "return",
                   "length"]
        return params, metrics
    finally:
        env.close()


def _check_points(spec: SweepSpec) -> None:
    from .randomization import DomainRandomizer

    plans = _plan_points(spec)
    for section, split in (("train", None), ("test", spec.split)):
        params, metrics = _params(spec.env, spec.env_kwargs, split)
        if section == "test" and spec.metric not in metrics:
            raise ValueError(f"metric {spec.metric!r} is not reported by {spec.env}; valid: "
                             f"{', '.join(metrics)}")
        for point, kwargs in plans[section]:
            try:
                DomainRandomizer(params, kwargs.get("randomization", "default"),
                                 kwargs.get("dr_scale", 1.0))
            except ValueError as err:
                raise ValueError(f"{section} point {_label(point)}: {err}") from None


def _plan_points(spec: SweepSpec) -> dict[str, list[tuple[Point, dict[str, Any]]]]:
    rng = np.random.default_rng(spec.search_seed)
    train = [(p, _point_kwargs(spec.env_kwargs, p)) for p in _axis_points(spec.train, spec, rng)]
    test_base = {"randomization": "default", "dr_scale": 1.0, **spec.env_kwargs}
    test = [(p, _point_kwargs(test_base, p)) for p in _axis_points(spec.test, spec, rng)]
    return {"train": train, "test": test}


def _hash(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, (int, float)):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return json.dumps(v, separators=(",", ":"), default=str)
    return str(v)


def _label(point: Point | None, axes: Iterable[str] | None = None) -> str:
    """``axis=value, ...`` over ``axes`` (default: all of the point's)."""
    if point is None:
        return "-"
    keys = list(point) if axes is None else [a for a in axes if a in point]
    return ", ".join(f"{k}={_fmt(point[k])}" for k in keys) or "as configured"


def _varying(points: list[Point]) -> list[str]:
    """The axes whose value differs between points (all axes if none does)."""
    axes = list(points[0]) if points else []
    vary = [a for a in axes if len({json.dumps(p.get(a), sort_keys=True, default=str)
                                    for p in points}) > 1]
    return vary or axes


def plan(spec: SweepSpec) -> list[Trial]:
    """Every trial of a validated spec, in order agents × train points × seeds."""
    from simenv.agents.train import load_config

    points = _plan_points(spec)
    test_axes = _varying([p for p, _ in points["test"]])
    train_axes = _varying([p for p, _ in points["train"]])
    tests = []
    for point, kwargs in points["test"]:
        key = _hash({"kwargs": kwargs, "episodes": spec.episodes, "split": spec.split})
        tests.append(EvalPoint(key, point, _label(point, test_axes), kwargs))
    trials = []
    for agent in spec.agents:
        if agent.algo == "expert":
            train: list[tuple[Point | None, dict[str, Any] | None]] = [(None, None)]
        else:
            cfg = load_config(spec.env, agent.algo, agent.config, agent.overrides)
            base = {**cfg["env_kwargs"], **spec.env_kwargs}
            train = [(p, _point_kwargs(base, p)) for p, _ in points["train"]]
        for (point, kwargs), seed in itertools.product(train, spec.seeds):
            what = {"env": spec.env, "agent": agent.model_dump(exclude={"name"}),
                    "train_kwargs": kwargs, "seed": seed}
            trials.append(Trial(f"{agent.name}-s{seed}-{_hash(what)}", spec.env, agent, seed,
                                point, _label(point, train_axes), kwargs, tuple(tests),
                                spec.episodes,
                                spec.split))
    return trials


# ----------------------------------------------------------------------------- trials


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    os.replace(tmp, path)


def _done_keys(trial: Trial, out: Path) -> set[str]:
    path = out / "trials" / trial.id / "result.json"
    if not path.is_file():
        return set()
    try:
        return {r["test_key"] for r in json.loads(path.read_text())["rows"]}
    except (json.JSONDecodeError, KeyError, TypeError):
        return set()


def is_finished(trial: Trial, out: str | os.PathLike[str]) -> bool:
    """Whether ``result.json`` of ``trial`` covers every test point."""
    return {t.key for t in trial.tests} <= _done_keys(trial, Path(out))


def run_trial(trial: Trial, out: str | os.PathLike[str]) -> dict[str, Any]:
    """Train (unless already trained or the expert) and evaluate the missing test points.

    Never raises: a failure writes ``error.txt`` and returns ``{"status": "error", ...}``.
    """
    from simenv.agents.evaluate import evaluate
    from simenv.agents.policy import load_policy
    from simenv.agents.train import train

    folder = Path(out) / "trials" / trial.id
    folder.mkdir(parents=True, exist_ok=True)
    result_path = folder / "result.json"
    start = time.perf_counter()
    try:
        _write_json(folder / "trial.json", {
            "trial": trial.id, "env": trial.env, "agent": trial.agent.model_dump(),
            "seed": trial.seed, "train_point": trial.train_point,
            "train_kwargs": trial.train_kwargs})
        previous = json.loads(result_path.read_text()) if result_path.is_file() else {}
        rows = {r["test_key"]: r for r in previous.get("rows", [])}
        policy: Any = "expert"
        if trial.agent.algo != "expert":
            run, marker = folder / "run", folder / "trained.json"
            if not marker.is_file():
                t0 = time.perf_counter()
                train(trial.env, trial.agent.algo, run, config=trial.agent.config,
                      steps=trial.agent.steps, seed=trial.seed, overrides=trial.agent.overrides,
                      env_kwargs=trial.train_kwargs, progress=False)
                _write_json(marker, {"seconds": time.perf_counter() - t0})
            policy = load_policy(run)
        for test in trial.tests:
            if test.key in rows:
                continue
            result = evaluate(policy, trial.env, episodes=trial.episodes, seed=trial.eval_seed,
                              env_kwargs=test.env_kwargs, split=trial.split, progress=False)
            rows[test.key] = result.row(test_key=test.key, test_point=test.point)
        _write_json(result_path, {"trial": trial.id, "rows": list(rows.values()),
                                  "seconds": time.perf_counter() - start})
    except Exception as err:  # a failed trial must not stop the sweep
        (folder / "error.txt").write_text(traceback.format_exc())
        return {"trial": trial.id, "status": "error", "error": f"{type(err).__name__}: {err}"}
    (folder / "error.txt").unlink(missing_ok=True)
    return {"trial": trial.id, "status": "ok", "seconds": time.perf_counter() - start}


def _init_worker(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _run_local(trials: list[Trial], out: Path, workers: int, tick: Callable[[], None]) -> None:
    if workers == 1 or len(trials) == 1:
        for trial in trials:
            run_trial(trial, out)
            tick()
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    n = min(workers, len(trials))
    threads = max(1, (os.cpu_count() or 1) // n)
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_init_worker, initargs=(threads,)) as pool:
        futures = [pool.submit(run_trial, t, out) for t in trials]
        for future in as_completed(futures):
            try:
                future.result()
            except Exception:  # a crashed worker process: the trial stays unfinished
                pass
            tick()


def _ray_trainable(config: dict[str, Any], trials: dict[str, Trial], out: str) -> None:
    from ray import tune

    status = run_trial(trials[config["trial"]], out)
    tune.report({"ok": int(status["status"] == "ok")})


def _gl_env() -> dict[str, str]:
    keys = ("MUJOCO_GL", "PYOPENGL_PLATFORM", "LP_NUM_THREADS")
    return {k: os.environ[k] for k in keys if k in os.environ}


def _run_ray(trials: list[Trial], out: Path, workers: int, address: str | None,
             tick: Callable[[], None]) -> None:
    try:
        import ray
        from ray import tune
    except ImportError:
        raise ValueError(_RAY_HINT) from None

    class _Tick(tune.Callback):  # type: ignore[misc]
        def on_trial_complete(self, iteration: int, trials: Any, trial: Any, **info: Any
                              ) -> None:
            tick()

        def on_trial_error(self, iteration: int, trials: Any, trial: Any, **info: Any) -> None:
            tick()

    started = not ray.is_initialized()
    if started:
        runtime_env = {"env_vars": _gl_env()}
        if address:
            ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                     runtime_env=runtime_env)
    try:
        trainable = tune.with_resources(
            tune.with_parameters(_ray_trainable, trials={t.id: t for t in trials},
                                 out=os.fspath(out)), {"cpu": 1})
        tuner = tune.Tuner(
            trainable,
            param_space={"trial": tune.grid_search([t.id for t in trials])},
            tune_config=tune.TuneConfig(trial_dirname_creator=lambda t: t.config["trial"]),
            run_config=tune.RunConfig(name=f"sweep-{time.strftime('%Y%m%d-%H%M%S')}",
                                      storage_path=os.fspath(out / "ray"), verbose=0,
                                      callbacks=[_Tick()]))
        tuner.fit()
    finally:
        if started:
            ray.shutdown()


def run_sweep(spec: str | os.PathLike[str] | Mapping[str, Any] | SweepSpec,
              out: str | os.PathLike[str] | None = None, *, backend: str = "local",
              workers: int = 1, address: str | None = None, progress: bool = True,
              log: Callable[[str], None] | None = None) -> SweepResult:
    """Run (or resume) a sweep; write results, plots; return a :class:`SweepResult`.

    ``spec`` is validated completely before anything runs. ``log`` receives progress lines
    (the trial count, how many were skipped as finished, failures).
    """
    from tqdm.auto import tqdm

    _choice("backend", backend, BACKENDS)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if address and backend != "ray":
        raise ValueError("address is for the ray backend (--backend ray)")
    if backend == "ray":
        try:
            import ray.tune  # noqa: F401
        except ImportError:
            raise ValueError(_RAY_HINT) from None
    parsed = load_sweep(spec)
    out_dir = Path(out if out is not None else Path("sweeps") / parsed.name).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "spec.yaml").write_text(yaml.safe_dump(
        parsed.model_dump(mode="json"), sort_keys=False))
    trials = plan(parsed)
    pending = [t for t in trials if not is_finished(t, out_dir)]
    say = log or (lambda _: None)
    say(f"sweep {parsed.name}: {len(trials)} trials x {len(trials[0].tests)} test points; "
        f"skipping {len(trials) - len(pending)} finished, running {len(pending)} "
        f"({backend} backend) -> {out_dir}")
    if pending:
        bar = tqdm(total=len(pending), desc=f"sweep {parsed.name}", unit="trial",
                   disable=not progress)
        with bar:
            if backend == "ray":
                _run_ray(pending, out_dir, workers, address, lambda: bar.update(1))
            else:
                _run_local(pending, out_dir, workers, lambda: bar.update(1))
    failed = {}
    for t in pending:
        if not is_finished(t, out_dir):
            error = out_dir / "trials" / t.id / "error.txt"
            last = error.read_text().strip().splitlines()[-1] if error.is_file() else (
                "did not finish (see the backend's logs)")
            failed[t.id] = last
            say(f"trial {t.id} failed: {last} (traceback: {error})")
    rows = collect(parsed, trials, out_dir)
    result = SweepResult(out_dir, rows, [t.id for t in pending if t.id not in failed],
                         [t.id for t in trials if t not in pending], failed,
                         metric=parsed.metric)
    if rows:
        result.files = write_results(rows, out_dir) + plot_results(rows, out_dir, parsed.metric)
    return result


# ----------------------------------------------------------------------------- results


def collect(spec: SweepSpec, trials: list[Trial], out: str | os.PathLike[str]
            ) -> list[dict[str, Any]]:
    """The result rows of every finished (trial, test point) of the current spec."""
    rows = []
    for trial in trials:
        path = Path(out) / "trials" / trial.id / "result.json"
        if not path.is_file():
            continue
        by_key = {r["test_key"]: r for r in json.loads(path.read_text())["rows"]}
        for test in trial.tests:
            if test.key not in by_key:
                continue
            row: dict[str, Any] = {"agent": trial.agent.name, "algo": trial.agent.algo,
                                   "seed": trial.seed, "train_point": trial.train_label,
                                   "test_point": test.label}
            for axis in spec.train:
                row[f"train_{axis}"] = (trial.train_point or {}).get(axis)
            for axis in spec.test:
                row[f"test_{axis}"] = test.point.get(axis)
            row.update({k: v for k, v in by_key[test.key].items()
                        if k not in ("test_key", "test_point")})
            row["trial"] = trial.id
            rows.append(row)
    return _tabular(rows, [f"train_{a}" for a in spec.train] + [f"test_{a}" for a in spec.test])


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _tabular(rows: list[dict[str, Any]], axis_columns: list[str]) -> list[dict[str, Any]]:
    """Axis columns as numbers where every value is one, else compact JSON strings."""
    for col in axis_columns:
        values = [r[col] for r in rows if r[col] is not None]
        if all(_is_number(v) for v in values):
            for r in rows:
                r[col] = None if r[col] is None else float(r[col])
        else:
            for r in rows:
                if r[col] is not None:
                    r[col] = _fmt(r[col]) if isinstance(r[col], (list, tuple)) else (
                        r[col] if isinstance(r[col], str) else json.dumps(r[col]))
    return rows


def write_results(rows: list[dict[str, Any]], out: str | os.PathLike[str]) -> list[Path]:
    """``results.csv`` and, if pyarrow imports, ``results.parquet``."""
    out = Path(out)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)
    files = [out / "results.csv"]
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return files
    pq.write_table(pa.Table.from_pylist(rows), out / "results.parquet")
    return [*files, out / "results.parquet"]


def _aggregate(rows: list[dict[str, Any]], keys: tuple[str, ...], metric: str
               ) -> dict[tuple[Any, ...], tuple[float, float, float]]:
    """(mean, 95 % low, 95 % high) of ``metric`` per group: success pools episodes (Wilson)."""
    from simenv.agents.evaluate import BINARY, summarize, wilson

    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        if isinstance(r.get(metric), (int, float)) and math.isfinite(r[metric]):
            groups.setdefault(tuple(r[k] for k in keys), []).append(r)
    out = {}
    for key, rs in groups.items():
        if metric in BINARY:
            n = sum(int(r["episodes"]) for r in rs)
            hits = sum(r[metric] * r["episodes"] for r in rs)
            out[key] = (hits / n, *wilson(hits, n))
        elif len(rs) == 1:
            r = rs[0]
            out[key] = (r[metric], r.get(f"{metric}_ci_low", math.nan),
                        r.get(f"{metric}_ci_high", math.nan))
        else:
            s = summarize([r[metric] for r in rs])
            out[key] = (s["mean"], s["low"], s["high"])
    return out


def plot_results(rows: list[dict[str, Any]], out: str | os.PathLike[str],
                 metric: str = "success") -> list[Path]:
    """``heatmap_<metric>.png`` and ``<metric>_vs_<column>.png`` per train/test axis column."""
    out = Path(out)
    files = [_heatmap(rows, out / f"heatmap_{metric}.png", metric)]
    for col in [k for k in rows[0] if k.startswith(("train_", "test_"))
                and k not in ("train_point", "test_point")]:
        other = "train_point" if col.startswith("test_") else "test_point"
        use = [r for r in rows if r[col] is not None]
        if use:
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", col)
            files.append(_lines(use, col, other, out / f"{metric}_vs_{name}.png", metric))
    return files


def _save(fig: Any, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=100)
    return path


def _heatmap(rows: list[dict[str, Any]], path: Path, metric: str) -> Path:
    from matplotlib.figure import Figure

    cells = _aggregate(rows, ("agent", "train_point", "test_point"), metric)
    agents = list(dict.fromkeys(r["agent"] for r in rows))
    tests = list(dict.fromkeys(r["test_point"] for r in rows))
    trains = {a: list(dict.fromkeys(r["train_point"] for r in rows if r["agent"] == a))
              for a in agents}
    height = max(len(v) for v in trains.values())
    longest = max(len(t) for t in [*tests, *(x for v in trains.values() for x in v)])
    fig = Figure(figsize=(1.5 + 0.06 * longest + len(agents) * (0.6 + 0.9 * len(tests)),
                          2.0 + 0.05 * longest + 0.45 * height),
                 layout="constrained")
    axes = fig.subplots(1, len(agents), squeeze=False)[0]
    limits = (0.0, 1.0) if metric == "success" else (None, None)
    image = None
    for ax, agent in zip(axes, agents):
        grid = np.array([[cells.get((agent, tr, te), (math.nan,))[0] for te in tests]
                         for tr in trains[agent]], float)
        image = ax.imshow(grid, vmin=limits[0], vmax=limits[1], cmap="viridis", aspect="auto")
        for (i, j), v in np.ndenumerate(grid):
            if math.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center",
                        color="white" if v < 0.6 * (limits[1] or np.nanmax(grid)) else "black")
        ax.set_xticks(range(len(tests)), tests, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(trains[agent])), trains[agent], fontsize=8)
        ax.set_title(agent)
        ax.set_xlabel("test")
    axes[0].set_ylabel("train")
    if image is not None:
        fig.colorbar(image, ax=list(axes), label=f"mean {metric}")
    return _save(fig, path)


def _lines(rows: list[dict[str, Any]], col: str, other: str, path: Path, metric: str) -> Path:
    from matplotlib.figure import Figure

    values = list(dict.fromkeys(r[col] for r in rows))
    numeric = all(_is_number(v) for v in values)
    if numeric:
        values = sorted(values)
    x_of = {v: (float(v) if numeric else i) for i, v in enumerate(values)}
    cells = _aggregate(rows, ("agent", other, col), metric)
    fig = Figure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.subplots()
    lines = list(dict.fromkeys((r["agent"], r[other]) for r in rows))
    for agent, point in lines:
        xs = [v for v in values if (agent, point, v) in cells]
        stats = np.array([cells[(agent, point, v)] for v in xs], float)
        x = [x_of[v] for v in xs]
        label = agent if len(lines) == 1 or point in ("-", "as configured") else (
            f"{agent}, {other.split('_')[0]} {point}")
        ax.plot(x, stats[:, 0], marker="o", label=label)
        ax.fill_between(x, stats[:, 1], stats[:, 2], alpha=0.2)
    if not numeric:
        ax.set_xticks(range(len(values)), [str(v) for v in values], rotation=20, ha="right")
    ax.set_xlabel(col)
    ax.set_ylabel(f"{metric} (95 % CI)")
    if metric == "success":
        ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _save(fig, path)
