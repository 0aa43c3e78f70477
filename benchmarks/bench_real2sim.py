"""Pseudo-real benchmark of the real→sim translators, per family.

    # 1. a recorded "real" feed (unpaired with everything below), e.g. for IndoorNav
    simenv real2sim record simenv/IndoorNav-v0 --out runs/r2s/nav_pseudo_real.mp4 \\
        --episodes 40 --seed 100000 --size 64
    # 2. a CycleGAN on it (optional; stats and FDA are fitted here in seconds)
    simenv real2sim train --env simenv/IndoorNav-v0 --real runs/r2s/nav_pseudo_real.mp4 \\
        --policy runs/r2s-IndoorNav-nominal --out runs/r2s/nav-cyclegan --sim-frames 1200
    # 3. this script
    python benchmarks/bench_real2sim.py simenv/IndoorNav-v0 --real runs/r2s/nav_pseudo_real.mp4 \\
        --cyclegan runs/r2s/nav-cyclegan --policy runs/r2s-IndoorNav-nominal \\
        --dr-policy runs/r2s-IndoorNav-dr --episodes 40

Reports, on held-out seeds: (a) pixel error (mean absolute error, 0..255) of translated
pseudo-real frames against the paired nominal frames; (b) flicker: change of the translation
under a 2-px camera shift; translation throughput on this CPU; (c) with ``--policy``, the
success of a nominal-trained policy in simulation and on the pseudo-real env without and with
each translator, and of ``--dr-policy`` (trained with default DR) without translation.
Writes ``benchmarks/results/real2sim_<Family>.json`` and ``docs/figures/real2sim_<family>.png``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def throughput(translator: Any, frames: np.ndarray, batch: int, seconds: float = 3.0) -> float:
    """Frames per second of ``translate`` at ``batch`` frames per call."""
    x = np.resize(frames, (batch, *frames.shape[1:]))
    translator.translate(x)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        translator.translate(x)
        n += batch
    return n / (time.perf_counter() - start)


def figure(path: Path, columns: dict[str, np.ndarray], rows: int = 5) -> None:
    from simenv.viz import save_png, titled_grid

    idx = np.linspace(0, len(next(iter(columns.values()))) - 1, rows).astype(int)
    grid = [[columns[name][i] for name in columns] for i in idx]
    save_png(path, titled_grid(grid, list(columns)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("env_id")
    parser.add_argument("--real", required=True, help="recorded pseudo-real video or folder")
    parser.add_argument("--cyclegan", help="CycleGAN run folder (translator.pt)")
    parser.add_argument("--policy", help="policy trained in nominal simulation (RGB[-D])")
    parser.add_argument("--dr-policy", help="policy trained with default DR (RGB[-D])")
    parser.add_argument("--size", type=int, default=None, help="frame size (default: policy's)")
    parser.add_argument("--pairs", type=int, default=300, help="paired test frames")
    parser.add_argument("--episodes", type=int, default=40, help="policy test episodes")
    parser.add_argument("--seed", type=int, default=200_000, help="first test seed")
    parser.add_argument(
        "--translators",
        default="",
        help="comma-separated subset of none,stats,stats-moments,fda,cyclegan "
        "(default: all; cyclegan with --cyclegan)",
    )
    parser.add_argument(
        "--tag", default="", help="suffix of the results file and figure, e.g. an ablation's name"
    )
    parser.add_argument(
        "--split",
        default="test",
        help="split of the paired frames and test episodes (TransparentGrasp: "
        "train, since its test split holds out the texture patterns the "
        "look uses; the seeds are still unseen in training)",
    )
    args = parser.parse_args()

    import simenv  # noqa: F401
    from simenv.agents.evaluate import evaluate
    from simenv.agents.policy import load_policy
    from simenv.bench import machine_header, save_results
    from simenv.real2sim import (
        FDATranslator,
        IdentityTranslator,
        RealToSimWrapper,
        StatsTranslator,
        load_translator,
        look_frames,
        paired_frames,
        pseudo_real_look,
    )
    from simenv.real2sim.pipeline import flicker, load_frames, pixel_error

    family = args.env_id.split("/")[-1].split("-")[0]
    policy = load_policy(args.policy) if args.policy else None
    env_kwargs = {
        k: v
        for k, v in (policy.env_kwargs if policy else {}).items()
        if k not in ("randomization", "dr_scale", "obs_mode")
    }
    if args.size:
        env_kwargs["camera_size"] = (args.size, args.size)
    size = tuple(env_kwargs.get("camera_size", (84, 84)))
    print(machine_header(env=args.env_id, size=f"{size[0]}x{size[1]}"))

    # unpaired fitting sets: the recorded feed and nominal frames from other seeds
    real = load_frames(args.real, size)
    sim_cache = Path(args.cyclegan) / "sim_frames.npz" if args.cyclegan else None
    if sim_cache is not None and sim_cache.is_file():
        sim = np.load(sim_cache)["frames"]
    else:
        sim = look_frames(args.env_id, "nominal", 600, seed=0, every=3, env_kwargs=env_kwargs)
    makers = {
        "none": IdentityTranslator,
        "stats": lambda: StatsTranslator("histogram").fit(real, sim),
        "stats-moments": lambda: StatsTranslator("moments").fit(real, sim),
        "fda": lambda: FDATranslator().fit(sim),
    }
    wanted = (
        args.translators.split(",")
        if args.translators
        else [*makers, *(["cyclegan"] if args.cyclegan else [])]
    )
    bad = sorted(set(wanted) - {*makers, "cyclegan"})
    if bad or ("cyclegan" in wanted and not args.cyclegan):
        parser.error(
            f"--translators: {bad or 'cyclegan needs --cyclegan'}; valid: "
            f"{', '.join([*makers, 'cyclegan'])}"
        )
    translators: dict[str, Any] = {}
    fit_s: dict[str, float] = {}
    for name in (n for n in makers if n in wanted):
        start = time.perf_counter()
        translators[name] = makers[name]()
        fit_s[name] = time.perf_counter() - start
    if "cyclegan" in wanted:
        translators["cyclegan"] = load_translator(args.cyclegan)
        fit_s["cyclegan"] = translators["cyclegan"].info.get("train_seconds_this_run", float("nan"))

    # paired held-out frames: (a) pixel error and (b) flicker, plus throughput
    nominal, pseudo = paired_frames(
        args.env_id, args.pairs, seed=args.seed, env_kwargs=env_kwargs, split=args.split
    )
    import torch

    torch.set_num_threads(2)
    rows = []
    for name, t in translators.items():
        rows.append(
            {
                "translator": name,
                "pixel_mae": pixel_error(t, pseudo, nominal),
                "flicker_2px": flicker(t, pseudo),
                "fit_s": fit_s.get(name, 0.0),
                "fps_batch1": throughput(t, pseudo, 1),
                "fps_batch64": throughput(t, pseudo, 64),
            }
        )
        print(
            f"{name:14s} pixel MAE {rows[-1]['pixel_mae']:6.2f}  flicker "
            f"{rows[-1]['flicker_2px']:5.2f}  fps b1 {rows[-1]['fps_batch1']:7.0f}  "
            f"b64 {rows[-1]['fps_batch64']:7.0f}",
            flush=True,
        )
    speed_84 = {}
    if "cyclegan" in translators:  # the real-time target is stated at 84x84
        big = np.stack([cv2.resize(f, (84, 84)) for f in pseudo[:64]])
        speed_84 = {f"batch{b}": throughput(translators["cyclegan"], big, b) for b in (1, 64)}
        print(
            f"cyclegan at 84x84: {speed_84['batch1']:.0f} frames/s at batch 1, "
            f"{speed_84['batch64']:.0f} at batch 64",
            flush=True,
        )
    suffix = f"_{args.tag}" if args.tag else ""
    figure(
        ROOT / "docs" / "figures" / f"real2sim_{family.lower()}{suffix}.png",
        {
            "pseudo-real": pseudo,
            **{
                k: t.translate(pseudo)
                for k, t in translators.items()
                if k not in ("none", "stats-moments")
            },
            "nominal (paired)": nominal,
        },
    )

    # (c) policy success on the pseudo-real env
    success: list[dict[str, Any]] = []
    look = pseudo_real_look(args.env_id)

    def run(label: str, pol: Any, kwargs: dict[str, Any], translator: Any = None) -> None:
        wrap = None if translator is None else (lambda env: RealToSimWrapper(env, translator))
        result = evaluate(
            pol,
            args.env_id,
            episodes=args.episodes,
            seed=args.seed,
            env_kwargs=kwargs,
            split=args.split,
            wrap=wrap,
        )
        row = {"setting": label, **result.row()}
        success.append(row)
        print(
            f"{label:34s} success {row['success']:.2f} "
            f"[{row['success_ci_low']:.2f}, {row['success_ci_high']:.2f}]",
            flush=True,
        )

    if policy is not None:
        run("nominal policy, simulation", policy, {"randomization": "none"})
        for name, t in translators.items():
            if name != "stats-moments":
                run(
                    f"nominal policy, pseudo-real, {name}",
                    policy,
                    {"randomization": look},
                    None if name == "none" else t,
                )
    if args.dr_policy:
        dr = load_policy(args.dr_policy)
        run("DR policy, simulation (nominal)", dr, {"randomization": "none"})
        run("DR policy, pseudo-real, none", dr, {"randomization": look})
    out = save_results(
        ROOT / "benchmarks" / "results" / f"real2sim_{family}{suffix}.json",
        {
            "env_id": args.env_id,
            "size": list(size),
            "real": args.real,
            "pairs": len(nominal),
            "episodes": args.episodes,
            "seed": args.seed,
            "images": rows,
            "policies": success,
            "cyclegan": getattr(translators.get("cyclegan"), "info", None),
            "cyclegan_fps_84x84": speed_84,
        },
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
