"""The batch renderer against PyBullet's TinyRenderer on Driving-v0's real scenes, in one run.

    python benchmarks/bench_render_driving.py                 # N = 1, 16, 64 at 84x84
    python benchmarks/bench_render_driving.py --figure docs/figures/render_parity_driving.png

Scenes: ``N`` Driving environments (nominal DR, seeds 0..N-1, a few steps driven), each drawn
from its own ego camera, exactly as an observe step draws it: ``capture()`` per env with
``renderer="tiny"`` (one ``getCameraImage`` per frame, sky and haze composited), and one
``capture_all`` pass over the N envs with ``renderer="batch"`` (poses of the moving bodies
copied, one draw, one read-back; sky and haze in the pass). Modes: ``rgb`` (colour only) and
``obs`` (colour, depth and segmentation). TinyRenderer's frames/s does not depend on N.

The measurements of one mode are interleaved (``--rounds`` rounds, each timing every
configuration for ``--seconds / --rounds``); each number is the median over the rounds.
Prints a Markdown table and writes ``render_driving.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import simenv  # noqa: F401  (registers the environments)
from simenv.bench import machine_header
from simenv.viz import label_colors, markdown_table, save_png, titled_grid

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "simenv/Driving-v0"
OBS_MODES = {"rgb": "rgb", "obs": "rgb+depth+seg"}


def make_envs(n: int, renderer: str, mode: str, size: int) -> list[Any]:
    """``n`` Driving envs at nominal DR, seeds ``0..n-1``, each a few steps into its episode."""
    envs = []
    for seed in range(n):
        env = gym.make(
            ENV_ID,
            renderer=renderer,
            randomization="none",
            obs_mode=OBS_MODES[mode],
            camera_size=(size, size),
        )
        env.reset(seed=seed)
        for _ in range(5):
            env.step(np.array([0.0, 0.6], np.float32))
        envs.append(env.unwrapped)
    return envs


def timed(step: Callable[[], Any], frames: int, seconds: float) -> float:
    """Frames per second of ``step`` (which draws ``frames`` frames) over ``seconds``."""
    step()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        count += frames
    return count / (time.perf_counter() - start)


def measure(mode: str, ns: list[int], size: int, seconds: float, rounds: int) -> list[dict]:
    tiny = make_envs(1, "tiny", mode, size)
    batch = make_envs(max(ns), "batch", mode, size)
    cache: dict[str, Any] = {}
    caches = {n: {} for n in ns}  # one renderer of N slots per N
    steps: dict[str, tuple[Callable[[], Any], int]] = {"tiny": (tiny[0].capture, 1)}
    for n in ns:
        envs = batch[:n]
        steps[f"batch N={n}"] = (
            lambda envs=envs, c=caches[n]: type(envs[0]).capture_all(envs, range(len(envs)), c),
            n,
        )
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, (step, frames) in steps.items():
            samples[name].append(timed(step, frames, seconds / rounds))
    for env in [*tiny, *batch]:
        env.close()
    for c in [cache, *caches.values()]:
        for value in c.values():
            value.close()
    reference = float(np.median(samples["tiny"]))
    rows = [{"mode": mode, "renderer": "TinyRenderer", "N": 1, "frames/s": reference, "ratio": 1.0}]
    for n in ns:
        fps = float(np.median(samples[f"batch N={n}"]))
        rows.append(
            {"mode": mode, "renderer": "batch", "N": n, "frames/s": fps, "ratio": fps / reference}
        )
    return rows


def parity_figure(path: str, seeds: tuple[int, ...] = (0, 3, 7), size: int = 128) -> None:
    """Batch renderer next to TinyRenderer for a few scenes: rgb, semantic segmentation
    (``SEG_CLASSES``; TinyRenderer's masks name bodies, so a junction's verge shows as
    sidewalk there), depth to 15 m."""
    rows = []
    for seed in seeds:
        row = []
        for renderer in ("batch", "tiny"):
            env = gym.make(
                ENV_ID,
                renderer=renderer,
                randomization="none",
                obs_mode="rgb+depth+seg",
                camera_size=(size, size),
            )
            obs, _ = env.reset(seed=seed)
            for _ in range(10):
                obs, *_ = env.step(np.array([0.05, 0.6], np.float32))
            env.close()
            depth = np.clip(obs["depth"][..., 0] / 15.0, 0, 1)
            row += [
                obs["rgb"],
                label_colors(obs["seg"][..., 0]),
                (np.repeat(depth[..., None], 3, 2) * 255).astype(np.uint8),
            ]
        rows.append(row)
    titles = [f"{r} {k}" for r in ("batch", "TinyRenderer") for k in ("rgb", "seg", "depth")]
    save_png(path, titled_grid(rows, titles))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", default="1,16,64", help="scenes per pass, comma-separated")
    p.add_argument("--modes", default="rgb,obs")
    p.add_argument("--size", type=int, default=84)
    p.add_argument("--seconds", type=float, default=4.0, help="seconds per configuration")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    p.add_argument("--figure", default=None, help="write only the parity mosaic here")
    args = p.parse_args(argv)
    if args.figure:
        parity_figure(args.figure)
        print(f"wrote {args.figure}")
        return
    ns = [int(v) for v in args.n.split(",")]
    rows = [
        r
        for mode in args.modes.split(",")
        for r in measure(mode, ns, args.size, args.seconds, args.rounds)
    ]
    header = machine_header(size=args.size, seconds=args.seconds, rounds=args.rounds)
    print(header)
    print(markdown_table(rows))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "render_driving.json").write_text(json.dumps({"header": header, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
