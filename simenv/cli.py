"""The ``simenv`` command line: list, preview, bench, dataset, train, eval, sweep, real2sim,
doctor, demo.

User errors print one line (what, where, how to fix) and exit with status 2, no traceback.
Subcommands import what they run on first use (torch and the agents only for train, eval,
sweep and real2sim), so ``simenv list`` starts fast.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path
from typing import Annotated, Any

import gymnasium as gym
import numpy as np
import typer
import yaml
from tqdm.auto import tqdm

from simenv.registration import ENV_IDS

from .rendering import probe_backend
from .viz import mosaic, save_png

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="simenv: Gymnasium environments with domain randomization.",
)

EnvId = Annotated[str, typer.Argument(help="environment id, e.g. simenv/IndoorNav-v0")]
Randomization = Annotated[str, typer.Option(help="none | default | strong | path to YAML/JSON")]
Kw = Annotated[
    list[str] | None, typer.Option("--kw", help="extra env kwarg KEY=VALUE (YAML value)")
]


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(2)


def _kwargs(kw: list[str] | None, flag: str = "--kw") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in kw or []:
        if "=" not in item:
            _fail(f"{flag} expects KEY=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out


def _check_id(env_id: str) -> None:
    if env_id not in ENV_IDS:
        _fail(f"unknown environment {env_id!r}; valid: {', '.join(ENV_IDS)} (see `simenv list`)")


def _make(env_id: str, **kwargs: Any) -> Any:
    _check_id(env_id)
    try:
        return gym.make(env_id, **kwargs)
    except (ValueError, TypeError) as err:
        _fail(f"{env_id}: {err}")


@app.command("list")
def list_envs() -> None:
    """List the registered environment ids with one-line descriptions."""
    for f in ENV_IDS.values():
        typer.echo(f"{f.env_id:28s} {f.description} (max {f.max_episode_steps} steps)")


@app.command()
def preview(
    env_id: EnvId,
    n: Annotated[int, typer.Option(help="number of randomized first frames")] = 16,
    out: Annotated[Path, typer.Option(help="output PNG")] = Path("preview.png"),
    randomization: Randomization = "default",
    dr_scale: Annotated[float, typer.Option(help="scale of every DR range")] = 1.0,
    size: Annotated[int, typer.Option(help="camera size in pixels")] = 128,
    view: Annotated[str, typer.Option(help="ego (the observation) or overview")] = "ego",
    seed: int = 0,
    kw: Kw = None,
) -> None:
    """A PNG mosaic of first observations under domain randomization."""
    if n < 1:
        _fail(f"--n must be >= 1, got {n}")
    if view not in ("ego", "overview"):
        _fail(f"--view must be ego or overview, got {view!r}")
    kwargs = {
        "randomization": randomization,
        "dr_scale": dr_scale,
        "obs_mode": "rgb",
        "camera_size": (size, size),
        "render_mode": "rgb_array",
        "render_size": (size * 2, size * 2),
        **_kwargs(kw),
    }
    env = _make(env_id, **kwargs)
    frames = []
    for i in tqdm(range(n), desc=f"preview {env_id}", unit="scene"):
        obs, _ = env.reset(seed=seed + i)
        frames.append(obs["rgb"] if view == "ego" else env.render())
    env.close()
    typer.echo(f"wrote {save_png(out, mosaic(frames))}")


@app.command()
def bench(
    env_id: EnvId,
    steps: int = 1000,
    obs_mode: str = "rgb",
    randomization: Randomization = "default",
    size: int = 84,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON line")] = False,
    kw: Kw = None,
) -> None:
    """Steps/s with random actions and reset time."""
    from .bench import measure

    _check_id(env_id)
    try:
        kwargs = {
            "obs_mode": obs_mode,
            "randomization": randomization,
            "camera_size": (size, size),
            **_kwargs(kw),
        }
        result = measure(env_id, steps=steps, **kwargs)
    except (ValueError, TypeError) as err:
        _fail(f"{env_id}: {err}")
    if as_json:
        typer.echo(json.dumps(result))
    else:
        typer.echo(
            f"{env_id} obs_mode={obs_mode} randomization={randomization} {size}x{size}: "
            f"{result['steps_per_s']:.0f} steps/s, reset {result['reset_ms']:.1f} ms"
        )


@app.command()
def dataset(
    env_id: EnvId,
    n: Annotated[int, typer.Option(help="number of scenes (reset seeds seed .. seed+n-1)")] = 16,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("dataset"),
    size: Annotated[int, typer.Option(help="camera size in pixels")] = 128,
    seed: int = 0,
    split: Annotated[str, typer.Option(help="train | test")] = "train",
    randomization: Randomization = "default",
    dr_scale: Annotated[float, typer.Option(help="scale of every DR range")] = 1.0,
    steps_per_scene: Annotated[
        int, typer.Option(help="random-action steps after each reset (one more frame each)")
    ] = 0,
    sheet: Annotated[int, typer.Option(help="samples in contact_sheet.png (0: none)")] = 8,
    kw: Kw = None,
) -> None:
    """A ClearGrasp-style dataset: RGB, sensor/true depth, masks, normals, poses, manifest."""
    from .dataset import export_dataset

    _check_id(env_id)
    for name, value, lo in (
        ("--n", n, 1),
        ("--size", size, 8),
        ("--steps-per-scene", steps_per_scene, 0),
        ("--sheet", sheet, 0),
    ):
        if value < lo:
            _fail(f"{name} must be >= {lo}, got {value}")
    try:
        path = export_dataset(
            env_id,
            n,
            out,
            size=size,
            seed=seed,
            split=split,
            randomization=randomization,
            dr_scale=dr_scale,
            steps_per_scene=steps_per_scene,
            sheet=sheet,
            env_kwargs=_kwargs(kw),
        )
    except (ValueError, TypeError, OSError) as err:
        _fail(str(err))
    manifest = json.loads((path / "manifest.json").read_text())
    count = manifest["num_samples"]
    typer.echo(
        f"wrote {count} samples to {path} ({1000 * manifest['elapsed_s'] / count:.0f} ms/sample)"
    )


Sets = Annotated[
    list[str] | None,
    typer.Option("--set", help="config override KEY=VALUE (YAML value), e.g. bc.episodes=10"),
]


@app.command()
def train(
    env_id: EnvId,
    algo: Annotated[str, typer.Option(help="bc | affordance | ppo | sac")] = "bc",
    config: Annotated[
        Path | None,
        typer.Option(help="YAML config (default: the shipped agents/configs/ALGO.yaml)"),
    ] = None,
    steps: Annotated[int | None, typer.Option(help="environment steps (ppo, sac)")] = None,
    out: Annotated[
        Path | None, typer.Option(help="run folder (default runs/ENV-ALGO-sSEED)")
    ] = None,
    seed: int = 0,
    set_: Sets = None,
    kw: Kw = None,
) -> None:
    """Train a baseline: behaviour cloning from the expert, grasp affordance maps, or SB3
    PPO/SAC."""
    from simenv.agents.train import train as run_train

    _check_id(env_id)
    out = out or Path("runs") / f"{env_id.split('/')[-1]}-{algo}-s{seed}"
    try:
        path = run_train(
            env_id,
            algo,
            out,
            config=config,
            steps=steps,
            seed=seed,
            overrides=_kwargs(set_, "--set"),
            env_kwargs=_kwargs(kw),
        )
    except (ValueError, TypeError) as err:
        _fail(str(err))
    typer.echo(
        f"wrote {path} (learning_curve.png; evaluate with `simenv eval {env_id} --policy {path}`)"
    )


@app.command("eval")
def eval_(
    env_id: EnvId,
    policy: Annotated[str, typer.Option(help="run folder, policy.pt, model.zip or 'expert'")],
    episodes: Annotated[int, typer.Option(help="held-out test episodes")] = 20,
    randomization: Annotated[
        str | None,
        typer.Option(help="none | default | strong | YAML/JSON path (default: as trained)"),
    ] = None,
    dr_scale: Annotated[float | None, typer.Option(help="scale of every DR range")] = None,
    split: Annotated[str, typer.Option(help="test | train")] = "test",
    seed: Annotated[int, typer.Option(help="first episode seed")] = 0,
    video: Annotated[Path | None, typer.Option(help="folder for episode MP4s")] = None,
    video_episodes: int = 3,
    as_json: Annotated[Path | None, typer.Option("--json", help="also write the rows here")] = None,
    kw: Kw = None,
) -> None:
    """Metrics table (mean and 95 % CI) of a policy on held-out seeds; optional videos."""
    from simenv.agents.evaluate import evaluate

    _check_id(env_id)
    env_kwargs = _kwargs(kw)
    if randomization is not None:
        env_kwargs["randomization"] = randomization
    if dr_scale is not None:
        env_kwargs["dr_scale"] = dr_scale
    try:
        result = evaluate(
            policy,
            env_id,
            episodes=episodes,
            seed=seed,
            env_kwargs=env_kwargs,
            split=split,
            video_dir=video,
            video_episodes=video_episodes,
        )
    except (ValueError, TypeError) as err:
        _fail(str(err))
    typer.echo(f"{env_id}, {episodes} episodes ({split} split), policy {policy}")
    typer.echo(result.table())
    if video:
        typer.echo(f"videos in {video}")
    if as_json:
        as_json.parent.mkdir(parents=True, exist_ok=True)
        as_json.write_text(
            json.dumps({"summary": result.row(), "episodes": result.episodes}, indent=1)
        )


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="sweep spec YAML (see examples/sweep_dr.yaml)")],
    out: Annotated[Path | None, typer.Option(help="output folder (default sweeps/NAME)")] = None,
    backend: Annotated[str, typer.Option(help="local (process pool) | ray (Ray Tune)")] = "local",
    workers: Annotated[int, typer.Option(help="trials at a time (local Ray: its CPUs)")] = 1,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address, e.g. ray://head:10001 (--backend ray)")
    ] = None,
) -> None:
    """DR sweep: agents × train-time DR × seeds, each tested at every test-time DR point.

    Resumable: a rerun skips finished trials. Writes results.csv/.parquet and plots.
    """
    from .sweep import run_sweep

    try:
        result = run_sweep(
            spec,
            out,
            backend=backend,
            workers=workers,
            address=address,
            log=lambda line: typer.echo(line, err=True),
        )
    except ValueError as err:
        _fail(str(err))
    if result.rows:
        typer.echo(f"mean {result.metric} over seeds (agent × train point × test point):")
        typer.echo(result.table())
    typer.echo(
        f"results in {result.out_dir}: " + ", ".join(f.name for f in result.files)
        if result.files
        else "no results yet"
    )
    if result.failed:
        typer.secho(
            f"error: {len(result.failed)} trial(s) failed: "
            + "; ".join(f"{k}: {v}" for k, v in result.failed.items())
            + f" (tracebacks in {result.out_dir}/trials/*/error.txt; rerun to retry)",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1)


real2sim_app = typer.Typer(
    no_args_is_help=True,
    help="Real-to-sim translation: train translators, run policies on "
    "camera feeds, record pseudo-real videos.",
)
app.add_typer(real2sim_app, name="real2sim")


@real2sim_app.command("train")
def real2sim_train(
    env: Annotated[str, typer.Option(help="environment id whose nominal look is the target")],
    real: Annotated[str, typer.Option(help="real frames: image folder, video file or URL")],
    method: Annotated[str, typer.Option(help="cyclegan | stats | fda")] = "cyclegan",
    out: Annotated[
        Path | None, typer.Option(help="output folder (default runs/real2sim-ENV-METHOD)")
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(
            help="BC or affordance policy: its env kwargs and image size, the "
            "policy-consistency loss and the feature discriminator (--set lambda_feature=1)"
        ),
    ] = None,
    sim_frames: Annotated[int, typer.Option(help="simulator frames to collect")] = 600,
    real_frames: Annotated[int | None, typer.Option(help="at most this many real frames")] = None,
    size: Annotated[
        int | None, typer.Option(help="frame size (default: the env's or the policy's camera_size)")
    ] = None,
    seed: int = 0,
    set_: Sets = None,
    kw: Kw = None,
) -> None:
    """Fit (stats, fda) or train (cyclegan, resumable) a real→sim translator."""
    from .real2sim.camera import CameraError
    from .real2sim.pipeline import train_translator

    _check_id(env)
    out = out or Path("runs") / f"real2sim-{env.split('/')[-1]}-{method}"
    try:
        result = train_translator(
            env,
            real,
            out,
            method=method,
            sim_frames=sim_frames,
            real_frames=real_frames,
            size=(size, size) if size else None,
            env_kwargs=_kwargs(kw),
            policy=policy,
            config=_kwargs(set_, "--set"),
            seed=seed,
        )
    except (ValueError, TypeError, CameraError) as err:
        _fail(str(err))
    typer.echo(
        f"wrote {result.path} ({result.method}, {result.real_frames} real and "
        f"{result.sim_frames} simulator frames, {result.seconds:.1f} s; samples in "
        f"{result.path.parent / 'samples.png'})"
    )


@real2sim_app.command("run")
def real2sim_run(
    policy: Annotated[str, typer.Option(help="run folder, policy.pt or model.zip")],
    camera: Annotated[str, typer.Option(help="device index, video file, URL or image folder")],
    translator: Annotated[
        str, typer.Option(help="translator.pt, its folder, or identity")
    ] = "identity",
    video: Annotated[
        Path | None, typer.Option(help="side-by-side MP4 (camera | translated)")
    ] = None,
    max_steps: Annotated[int | None, typer.Option(help="stop after this many frames")] = None,
    vector: Annotated[
        list[str] | None,
        typer.Option(
            "--vector", help="constant vector observation KEY=VALUE, e.g. goal=[2.0,0.5,0.9]"
        ),
    ] = None,
    vectors: Annotated[
        Path | None,
        typer.Option(
            help="per-frame vector observations (.vectors.npz written by `real2sim record`)"
        ),
    ] = None,
) -> None:
    """Run a policy on a live or recorded camera feed through a translator."""
    from .real2sim.camera import CameraError
    from .real2sim.pipeline import run_on_camera

    try:
        if vectors is not None and vector:
            _fail("give either --vector or --vectors, not both")
        result = run_on_camera(
            policy,
            translator,
            camera,
            video=video,
            vectors=vectors or _kwargs(vector, "--vector"),
            max_steps=max_steps,
        )
    except (ValueError, TypeError, FileNotFoundError, CameraError) as err:
        _fail(str(err))
    mean = np.round(result.actions.reshape(len(result.actions), -1).mean(0), 3).tolist()
    typer.echo(
        f"{result.steps} frames at {result.fps:.1f} frames/s (translate + policy); "
        f"mean action {mean}" + (f"; video {result.video}" if result.video else "")
    )


@real2sim_app.command("record")
def real2sim_record(
    env_id: EnvId,
    out: Annotated[Path, typer.Option(help="output MP4")] = Path("pseudo_real.mp4"),
    episodes: Annotated[int, typer.Option(help="expert episodes")] = 1,
    look: Annotated[str, typer.Option(help="pseudo_real | nominal")] = "pseudo_real",
    size: Annotated[int, typer.Option(help="camera size in pixels")] = 84,
    seed: int = 0,
    kw: Kw = None,
) -> None:
    """Record expert episodes through the env camera in the pseudo-real look (a stand-in
    for a real camera feed)."""
    from .real2sim.pseudo_real import record_video, vectors_path

    _check_id(env_id)
    try:
        path = record_video(
            env_id, out, episodes, seed, look, {"camera_size": (size, size), **_kwargs(kw)}
        )
    except (ValueError, TypeError) as err:
        _fail(str(err))
    typer.echo(f"wrote {path} and {vectors_path(path)}")


@app.command()
def doctor() -> None:
    """Which GL backends work, package versions, and a one-frame render test."""
    import importlib.metadata as md

    typer.echo(f"python {platform.python_version()} on {platform.platform()}")
    for pkg in (
        "simenv",
        "mujoco",
        "gymnasium",
        "pybullet",
        "numpy",
        "opencv-python",
        "stable-baselines3",
        "torch",
    ):
        try:
            typer.echo(f"  {pkg:18s} {md.version(pkg)}")
        except md.PackageNotFoundError:
            typer.echo(f"  {pkg:18s} not installed")
    typer.echo(
        f"MUJOCO_GL={os.environ.get('MUJOCO_GL')} "
        f"LP_NUM_THREADS={os.environ.get('LP_NUM_THREADS', '(unset)')}"
    )
    working = []
    for backend in ("egl", "osmesa"):
        ok, message = probe_backend(backend)
        typer.echo(f"  {backend:7s} {'works' if ok else 'fails'}: {message}")
        if ok:
            working.append(backend)
    if not working:
        _fail(
            "no headless OpenGL backend works; install Mesa EGL (apt install libegl1 "
            "libgl1-mesa-dri) or OSMesa (apt install libosmesa6)"
        )
    batch, message = probe_batch_renderer()
    typer.echo(f"  {'batch':7s} {'works' if batch else 'fails'}: {message}")
    kwargs = {} if batch else {"renderer": "mujoco"}
    env = _make("simenv/IndoorNav-v0", **kwargs)
    obs, _ = env.reset(seed=0)
    env.close()
    used = (
        "the batch renderer"
        if batch
        else "renderer='mujoco' (pass renderer='mujoco' or 'tiny' to every env on this host)"
    )
    typer.echo(
        f"render test: IndoorNav-v0 rgb {obs['rgb'].shape}, mean {obs['rgb'].mean():.1f}"
        f" with {used}"
    )


def probe_batch_renderer() -> tuple[bool, str]:
    """Whether ``simenv.render`` (the default renderer) draws here, and on what device."""
    from .render import BatchRenderer, egl
    from .rendering import RenderingError

    try:
        with BatchRenderer(1, (8, 8)) as renderer:
            renderer.render(("rgb",))
            dev = renderer.device
            kind = "software" if dev.software else "hardware"
            return True, (
                f"EGL device {dev.index} of {len(egl.devices())}: {dev.renderer} "
                f"({dev.vendor}, {kind}, OpenGL {dev.version}), scene data in "
                f"{renderer.scene_data} buffers"
            )
    except RenderingError as err:
        return False, str(err)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="output folder")] = Path("out/demo"),
    episodes: Annotated[int, typer.Option(help="expert episodes per task")] = 3,
) -> None:
    """Preview mosaic, expert episodes, an episode video and a metrics table."""
    from .demo import run_demo

    run_demo(out, episodes)


def main() -> None:
    try:
        app()
    except (ValueError, FileNotFoundError) as err:  # user errors raised below the CLI layer
        typer.secho(f"error: {err}", err=True, fg=typer.colors.RED)
        sys.exit(2)


if __name__ == "__main__":
    main()
