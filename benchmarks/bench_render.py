"""The batch renderer alone against MuJoCo's ``mjr_render``, on the MuJoCo families' real
scenes, in one run.

    python benchmarks/bench_render.py                     # N = 1, 16, 64 at 84x84, both families
    python benchmarks/bench_render.py --n 1,16,64,256,1024 --families IndoorNav --out DIR
    python benchmarks/bench_render.py --figure docs/figures/render_parity.png  # the mosaic only

For each family, ``--distinct`` environments (nominal DR, different seeds, a few random steps
apart) give the scenes; scene slot i draws environment i mod ``--distinct`` from its own
camera. Both renderers do the same per-frame work an environment's observe step does: read
the poses from ``MjData`` (``MujocoScene.update`` / ``mjv_updateScene``), draw, and read the
image back:

- ``rgb``: colour only;
- ``obs``: what the family's observation needs. IndoorNav: colour, depth and segmentation
  (``MujocoRenderer``: one ``mjr_render`` for colour and depth, one for segmentation);
  TransparentGrasp: colour, depth behind the glass, the glass surface's depth and
  segmentation (``MujocoRenderer``: three renders, as the env does).

``mjr_render`` draws one frame per call whatever N is, so its frames/s is measured once per
mode; "ratio" compares it with the batch renderer's frames/s including the scene updates.
"render-only frames/s" leaves the scenes as they are between renders (the draw and read-back
alone: what the renderer does once the updates are batched too).

On a shared machine the load changes while a benchmark runs, so the measurements of one
family and mode (``mjr_render`` and the batch renderer at every N) are interleaved: ``--rounds``
rounds, each timing every configuration for ``--seconds / --rounds``; each number is the
median over the rounds, and the ratio compares medians taken under the same conditions.
Prints a Markdown table and writes ``render.json`` (machine, device, load, numbers) to
``--out``. Use ``LP_NUM_THREADS=0`` on llvmpipe (the Makefile and the tests set it).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np

import simenv  # noqa: F401  (registers the environments)
from simenv.registration import family as env_family
from simenv.render import BatchRenderer, MujocoScene
from simenv.rendering import MujocoRenderer
from simenv.viz import label_colors, markdown_table, save_png, titled_grid

ROOT = Path(__file__).resolve().parents[1]
FAMILIES: dict[str, dict[str, Any]] = {
    "IndoorNav": {
        "id": "simenv/IndoorNav-v0",
        "camera": "robot/camera",
        "groups": (1, 0, 1, 1, 0, 0),
        "glass": False,
    },
    "TransparentGrasp": {
        "id": "simenv/TransparentGrasp-v0",
        "camera": "front",
        "groups": (1, 1, 1, 0, 0, 0),
        "glass": True,
    },
}
OUTPUTS = {"rgb": ("rgb",), "obs": ("rgb", "depth", "segmentation")}


def states(family: str, distinct: int, size: tuple[int, int]) -> list[tuple[Any, Any]]:
    """``distinct`` (model, data) pairs of the family at nominal DR."""
    spec = FAMILIES[family]
    out = []
    for seed in range(distinct):
        env = gym.make(spec["id"], randomization="none", camera_size=size)
        env.reset(seed=seed)
        env.action_space.seed(seed)  # the same scenes in every run
        for _ in range(3):
            env.step(env.action_space.sample())
        base = env.unwrapped
        out.append((base.model, copy.copy(base.data)))
        env.close()
    return out


def timed(step: Callable[[], None], frames: int, seconds: float) -> float:
    """Frames per second of ``step`` (which draws ``frames`` frames) over ``seconds``."""
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < seconds or calls < 2:
        step()
        calls += 1
    return frames * calls / (time.perf_counter() - start)


def interleaved(
    steps: dict[str, tuple[Callable[[], None], int]], seconds: float, rounds: int
) -> dict[str, float]:
    """Median frames/s of every ``(step, frames)`` over ``rounds`` rounds in which each is
    timed for ``seconds / rounds`` in turn (after one warm-up call each)."""
    for step, _ in steps.values():
        step()
    fps: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, (step, frames) in steps.items():
            fps[name].append(timed(step, frames, seconds / rounds))
    return {name: float(np.median(v)) for name, v in fps.items()}


def mujoco_step(
    family: str, pairs: list[tuple[Any, Any]], size: tuple[int, int], mode: str
) -> tuple[Callable[[], None], Callable[[], None]]:
    """A step rendering every scene once with ``MujocoRenderer`` (``mjr_render``), and a
    function closing its renderers."""
    spec = FAMILIES[family]
    option = mujoco.MjvOption()
    option.geomgroup[:] = spec["groups"]
    glass_option = mujoco.MjvOption()
    glass_option.geomgroup[:] = (0, 0, 1, 0, 0, 0)
    renderers = [MujocoRenderer(m) for m, _ in pairs]
    cams = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_CAMERA, spec["camera"]) for m, _ in pairs]

    def one(i: int) -> None:
        r, (_, d), cam = renderers[i], pairs[i], cams[i]
        if mode == "rgb":
            r.render(d, cam, size, option=option)
            return
        r.render(d, cam, size, rgb=True, depth=True, option=option)
        if spec["glass"]:
            r.render(d, cam, size, rgb=False, depth=True, option=glass_option)
        r.render(d, cam, size, rgb=False, segmentation=True, option=option)

    def step() -> None:
        for i in range(len(pairs)):
            one(i)

    def close() -> None:
        for r in renderers:
            r.close()

    return step, close


def batch_steps(
    family: str,
    pairs: list[tuple[Any, Any]],
    size: tuple[int, int],
    n: int,
    mode: str,
    device: int | None,
    scene_options: dict[str, Any],
) -> tuple[Callable[[], None], Callable[[], None], BatchRenderer]:
    """Batch renderer steps for ``n`` scenes per pass: with the scene updates from
    ``MjData``, and without them (the renderer's own throughput); and the renderer."""
    spec = FAMILIES[family]
    scenes = [
        MujocoScene(
            pairs[i % len(pairs)][0], spec["camera"], geomgroup=spec["groups"], **scene_options
        )
        for i in range(n)
    ]
    data = [pairs[i % len(pairs)][1] for i in range(n)]
    layers = max(s.texture_layers for s in scenes)
    outputs = OUTPUTS[mode] + (("transparent_depth",) if mode == "obs" and spec["glass"] else ())
    r = BatchRenderer(
        n,
        size,
        texture_size=max(s.texture_size for s in scenes),
        texture_layers=layers,
        device=device,
    )
    for i, s in enumerate(scenes):
        r.set_scene(i, s.scene)

    def step() -> None:
        for s, d in zip(scenes, data):
            s.update(d)
        r.render(outputs)

    return step, lambda: r.render(outputs), r


def measure(
    family: str,
    pairs: list[tuple[Any, Any]],
    size: tuple[int, int],
    mode: str,
    counts: list[int],
    seconds: float,
    rounds: int,
    device: int | None,
    with_mujoco: bool,
    scene_options: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """One family and mode: ``mjr_render`` and the batch renderer at every N, interleaved."""
    steps: dict[str, tuple[Callable[[], None], int]] = {}
    closers: list[Callable[[], None]] = []
    device_name = "?"
    try:
        if with_mujoco:
            step, close = mujoco_step(family, pairs, size, mode)
            steps["mujoco"] = (step, len(pairs))
            closers.append(close)
        for n in counts:
            step, render_only, r = batch_steps(
                family, pairs, size, n, mode, device, scene_options or {}
            )
            closers.append(r.close)
            steps[f"batch{n}"] = (step, n)
            steps[f"only{n}"] = (render_only, n)
            device_name = f"{r.device.vendor} / {r.device.renderer} ({r.scene_data} scene data)"
        fps = interleaved(steps, seconds, rounds)
    finally:
        for close in closers:
            close()
    ref = fps.get("mujoco")
    rows = [
        {
            "family": family,
            "outputs": mode,
            "N": n,
            "batch frames/s": round(fps[f"batch{n}"]),
            "mjr_render frames/s": None if ref is None else round(ref),
            "ratio": None if ref is None else round(fps[f"batch{n}"] / ref, 2),
            "render-only frames/s": round(fps[f"only{n}"]),
        }
        for n in counts
    ]
    return rows, device_name


def parity_figure(path: str, frames_per_family: int = 3, size: int = 128) -> None:
    """A mosaic: per frame, mjr_render and the batch renderer side by side (RGB, |RGB
    difference| x4, depth, segmentation)."""
    rows = []
    for family, spec in FAMILIES.items():
        option = mujoco.MjvOption()
        option.geomgroup[:] = spec["groups"]
        for model, data in states(family, frames_per_family, (size, size)):
            ref = MujocoRenderer(model)
            cam = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, spec["camera"])
            theirs = ref.render(
                data, cam, (size, size), rgb=True, depth=True, segmentation=True, option=option
            )
            ref.close()
            scene = MujocoScene(
                model,
                spec["camera"],
                geomgroup=spec["groups"],
                **env_family(spec["id"]).env_class().scene_options,
            )
            with BatchRenderer(
                1,
                (size, size),
                texture_size=scene.texture_size,
                texture_layers=scene.texture_layers,
            ) as r:
                r.set_scene(0, scene.update(data))
                ours = r.render(("rgb", "depth", "segmentation"))
            diff = np.abs(ours.rgb[0].astype(int) - theirs.rgb.astype(int))
            far = float(np.percentile(theirs.depth, 99))
            rows.append(
                [
                    theirs.rgb,
                    ours.rgb[0],
                    np.clip(4 * diff, 0, 255).astype(np.uint8),
                    np.minimum(theirs.depth, far),
                    np.minimum(ours.depth[0], far),
                    label_colors(theirs.segmentation + 1),
                    label_colors(ours.segmentation[0] + 1),
                ]
            )
    titles = [
        "mjr_render",
        "batch",
        "|diff| x4",
        "depth mjr",
        "depth batch",
        "seg mjr",
        "seg batch",
    ]
    save_png(path, titled_grid(rows, titles, cell=size))
    print(f"wrote {path}")


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "mujoco": mujoco.__version__,
        "LP_NUM_THREADS": os.environ.get("LP_NUM_THREADS"),
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "load_before": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", default="1,16,64", help="scenes per pass, comma-separated")
    p.add_argument("--families", default="IndoorNav,TransparentGrasp")
    p.add_argument("--modes", default="rgb,obs", help="rgb and/or obs (see the docstring)")
    p.add_argument("--size", type=int, default=84, help="image height and width")
    p.add_argument("--distinct", type=int, default=4, help="different scenes per family")
    p.add_argument(
        "--seconds", type=float, default=2.0, help="per configuration (split over the rounds)"
    )
    p.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds; numbers are medians over them"
    )
    p.add_argument("--device", type=int, default=None, help="EGL device index")
    p.add_argument("--no-mujoco", action="store_true", help="skip the mjr_render baseline")
    p.add_argument(
        "--vertex-spacing",
        type=float,
        default=None,
        help="MujocoScene(vertex_spacing=...) for the batch renderer's scenes "
        "(default: the family's scene_options, what its envs draw)",
    )
    p.add_argument(
        "--out", default=str(ROOT / "benchmarks" / "results"), help="folder for render.json"
    )
    p.add_argument(
        "--figure", default=None, help="only write the side-by-side parity mosaic to this PNG"
    )
    args = p.parse_args(argv)
    if args.figure:
        parity_figure(args.figure)
        return {}
    info = machine()
    size = (args.size, args.size)
    counts = [int(v) for v in args.n.split(",")]
    rows, device = [], "?"
    chosen = {} if args.vertex_spacing is None else {"vertex_spacing": args.vertex_spacing}
    options: dict[str, Any] = {}
    for family in args.families.split(","):
        pairs = states(family, args.distinct, size)
        # the family's own scene options (what its envs draw), unless given
        options[family] = {**env_family(FAMILIES[family]["id"]).env_class().scene_options, **chosen}
        for mode in args.modes.split(","):
            got, device = measure(
                family,
                pairs,
                size,
                mode,
                counts,
                args.seconds,
                args.rounds,
                args.device,
                not args.no_mujoco,
                options[family],
            )
            for row in got:
                print(row, flush=True)
            rows += got
    result = {
        "machine": info | {"load_after": os.getloadavg()},
        "device": device,
        "size": size,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "scene_options": options,
        "results": rows,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "render.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"\nBatch renderer vs mjr_render, {size[0]}x{size[1]}, {device}, "
        f"load {result['machine']['load_before'][0]:.1f} -> {os.getloadavg()[0]:.1f}\n"
    )
    print(markdown_table(rows))
    return result


if __name__ == "__main__":
    main()
