"""Running sweeps: one trial (train once, evaluate every test point), local and Ray backends."""

from __future__ import annotations

import json
import os
import shutil
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from tqdm.auto import tqdm

from simenv.agents.evaluate import evaluate
from simenv.agents.policy import load_policy
from simenv.agents.train import train
from simenv.real2sim.pipeline import train_translator
from simenv.real2sim.pseudo_real import look_frames
from simenv.real2sim.translators import load_translator
from simenv.real2sim.wrappers import RealToSimWrapper

from .plan import Trial, plan, translator_setup
from .plots import plot_results
from .results import SweepResult, collect, write_results
from .spec import BACKENDS, SweepSpec, check_value, load_sweep, translator_names

RAY_RETRIES = 2  # times Ray Tune restarts a trial whose worker process died
_RAY_HINT = 'the ray backend needs Ray Tune: pip install "simenv[ray]"'


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
    folder = Path(out) / "trials" / trial.id
    folder.mkdir(parents=True, exist_ok=True)
    result_path = folder / "result.json"
    start = time.perf_counter()
    try:
        _write_json(
            folder / "trial.json",
            {
                "trial": trial.id,
                "env": trial.env,
                "agent": trial.agent.model_dump(),
                "seed": trial.seed,
                "train_point": trial.train_point,
                "train_kwargs": trial.train_kwargs,
            },
        )
        previous = json.loads(result_path.read_text()) if result_path.is_file() else {}
        rows = {r["test_key"]: r for r in previous.get("rows", [])}
        policy: Any = "expert"
        translators: dict[str, Any] = {}
        if trial.agent.algo != "expert":
            run, marker = folder / "run", folder / "trained.json"
            if not marker.is_file():
                t0 = time.perf_counter()
                train(
                    trial.env,
                    trial.agent.algo,
                    run,
                    config=trial.agent.config,
                    steps=trial.agent.steps,
                    seed=trial.seed,
                    overrides=trial.agent.overrides,
                    env_kwargs=trial.train_kwargs,
                    progress=False,
                )
                _write_json(marker, {"seconds": time.perf_counter() - t0})
            policy = load_policy(run)
        for test in trial.tests:
            if test.key in rows:
                continue
            wrap = None
            # the expert acts on the state, so a translator changes nothing for it
            if test.translator is not None and trial.agent.algo != "expert":
                if test.translator not in translators:
                    translators[test.translator] = load_translator(
                        translator_dir(out, test.translator)
                    )
                translator = translators[test.translator]
                wrap = lambda env, t=translator: RealToSimWrapper(env, t)  # noqa: E731
            result = evaluate(
                policy,
                trial.env,
                episodes=trial.episodes,
                seed=trial.eval_seed,
                env_kwargs=test.env_kwargs,
                split=trial.split,
                progress=False,
                wrap=wrap,
            )
            rows[test.key] = result.row(test_key=test.key, test_point=test.point)
        _write_json(
            result_path,
            {
                "trial": trial.id,
                "rows": list(rows.values()),
                "seconds": time.perf_counter() - start,
            },
        )
    except Exception as err:  # a failed trial must not stop the sweep
        (folder / "error.txt").write_text(traceback.format_exc())
        return {"trial": trial.id, "status": "error", "error": f"{type(err).__name__}: {err}"}
    (folder / "error.txt").unlink(missing_ok=True)
    return {"trial": trial.id, "status": "ok", "seconds": time.perf_counter() - start}


def translator_dir(out: str | os.PathLike[str], method: str) -> Path:
    """Where a sweep keeps the translator of ``method``: ``out/translators/<method>``."""
    return Path(out) / "translators" / method


def build_translators(
    spec: SweepSpec, out: Path, progress: bool = True, log: Callable[[str], None] | None = None
) -> list[str]:
    """Fit or train the translators the test axes name, before any trial runs.

    Real frames: ``translators.frames`` expert-episode frames of the pseudo-real look (seeds
    from ``translators.real_seed``, kept in ``translators/real_frames.npz``); simulator frames:
    as many of the nominal look (seeds from ``translators.sim_seed``). A translator whose
    settings have not changed since it was built is kept; one whose settings changed is
    rebuilt from scratch. Returns the methods built now.
    """
    say = log or (lambda _: None)
    built: list[str] = []
    real: Any = None
    for method in translator_names(spec):
        setup = translator_setup(spec, method)
        folder = translator_dir(out, method)
        marker = folder / "built.json"
        if marker.is_file():
            if json.loads(marker.read_text()).get("setup") == setup:
                continue
            shutil.rmtree(folder)  # settings changed: no resuming from the old checkpoints
        if real is None:
            real = _real_frames(spec, out / "translators", progress)
        say(f"translator {method}: building from {len(real)} pseudo-real frames -> {folder}")
        if built:  # the same simulator frames for every method: collect them once
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(
                translator_dir(out, built[0]) / "sim_frames.npz", folder / "sim_frames.npz"
            )
        result = train_translator(
            spec.env,
            real,
            folder,
            method=method,
            sim_frames=spec.translators.frames,
            env_kwargs=setup["env_kwargs"],
            config=setup["config"],
            seed=spec.translators.sim_seed,
            progress=progress,
        )
        _write_json(marker, {"setup": setup, "seconds": result.seconds})
        built.append(method)
    return built


def _real_frames(spec: SweepSpec, folder: Path, progress: bool) -> Any:
    import numpy as np

    setup = translator_setup(spec, None)
    cache = folder / "real_frames.npz"
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as data:
            if json.loads(str(data["setup"])) == setup:
                return data["frames"]
    frames = look_frames(
        spec.env,
        "pseudo_real",
        spec.translators.frames,
        seed=spec.translators.real_seed,
        env_kwargs=setup["env_kwargs"],
        progress=progress,
    )
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, frames=frames, setup=json.dumps(setup))
    return frames


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
    with ProcessPoolExecutor(
        n,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(threads,),
    ) as pool:
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


def _run_ray(
    trials: list[Trial], out: Path, workers: int, address: str | None, tick: Callable[[], None]
) -> None:
    try:
        import ray
        from ray import tune
    except ImportError:
        raise ValueError(_RAY_HINT) from None

    class _Tick(tune.Callback):
        def on_trial_complete(self, iteration: int, trials: Any, trial: Any, **info: Any) -> None:
            tick()

        def on_trial_error(self, iteration: int, trials: Any, trial: Any, **info: Any) -> None:
            tick()

    started = not ray.is_initialized()
    if started:
        runtime_env = {"env_vars": _gl_env()}
        if address:
            try:
                ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
            except (ConnectionError, RuntimeError, ray.exceptions.RayError) as err:
                first = str(err).strip().splitlines()[0] if str(err).strip() else ""
                raise ValueError(
                    f"cannot connect to the Ray cluster at {address!r} ({type(err).__name__}: "
                    f"{first}); is `ray start --head` running there? With token authentication "
                    "(Ray's default), export RAY_AUTH_MODE=token and give the cluster's token "
                    "(~/.ray/auth_token or RAY_AUTH_TOKEN)"
                ) from None
        else:
            ray.init(
                num_cpus=workers,
                include_dashboard=False,
                log_to_driver=False,
                runtime_env=runtime_env,
            )
    try:
        trainable = tune.with_resources(
            tune.with_parameters(
                _ray_trainable, trials={t.id: t for t in trials}, out=os.fspath(out)
            ),
            {"cpu": 1},
        )
        tuner = tune.Tuner(
            trainable,
            param_space={"trial": tune.grid_search([t.id for t in trials])},
            tune_config=tune.TuneConfig(trial_dirname_creator=lambda t: t.config["trial"]),
            run_config=tune.RunConfig(
                name=f"sweep-{time.strftime('%Y%m%d-%H%M%S')}",
                storage_path=os.fspath(out / "ray"),
                verbose=0,
                callbacks=[_Tick()],
                # a worker that dies (killed, out of memory, a node lost) is run again; a
                # trial that fails in Python is not (run_trial reports it; a rerun retries it)
                failure_config=tune.FailureConfig(max_failures=RAY_RETRIES),
            ),
        )
        tuner.fit()
    finally:
        if started:
            ray.shutdown()


def run_sweep(
    spec: str | os.PathLike[str] | Mapping[str, Any] | SweepSpec,
    out: str | os.PathLike[str] | None = None,
    *,
    backend: str = "local",
    workers: int = 1,
    address: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> SweepResult:
    """Run (or resume) a sweep; write results, plots; return a :class:`SweepResult`.

    ``spec`` is validated completely before anything runs. ``log`` receives progress lines
    (the trial count, how many were skipped as finished, failures).
    """
    check_value("backend", backend, BACKENDS)
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
    (out_dir / "spec.yaml").write_text(
        yaml.safe_dump(parsed.model_dump(mode="json"), sort_keys=False)
    )
    trials = plan(parsed)
    pending = [t for t in trials if not is_finished(t, out_dir)]
    say = log or (lambda _: None)
    if pending:
        build_translators(parsed, out_dir, progress, say)
    say(
        f"sweep {parsed.name}: {len(trials)} trials x {len(trials[0].tests)} test points; "
        f"skipping {len(trials) - len(pending)} finished, running {len(pending)} "
        f"({backend} backend) -> {out_dir}"
    )
    if pending:
        bar = tqdm(
            total=len(pending), desc=f"sweep {parsed.name}", unit="trial", disable=not progress
        )
        with bar:
            if backend == "ray":
                _run_ray(pending, out_dir, workers, address, lambda: bar.update(1))
            else:
                _run_local(pending, out_dir, workers, lambda: bar.update(1))
    failed = {}
    for t in pending:
        if not is_finished(t, out_dir):
            error = out_dir / "trials" / t.id / "error.txt"
            last = (
                error.read_text().strip().splitlines()[-1]
                if error.is_file()
                else ("did not finish (see the backend's logs)")
            )
            failed[t.id] = last
            say(f"trial {t.id} failed: {last} (traceback: {error})")
    rows = collect(parsed, trials, out_dir)
    result = SweepResult(
        out_dir,
        rows,
        [t.id for t in pending if t.id not in failed],
        [t.id for t in trials if t not in pending],
        failed,
        metric=parsed.metric,
    )
    if rows:
        result.files = write_results(rows, out_dir) + plot_results(rows, out_dir, parsed.metric)
    return result
