"""``make demo``: what a new user should see first, written to one folder.

1. ``preview.png``: a mosaic of randomized IndoorNav observations (default DR);
2. expert episodes on held-out (test) layouts, PointGoal and ObjectGoal;
3. ``episode.mp4``: the first episode, overview and ego camera side by side;
4. ``metrics.md`` / ``metrics.csv``: success, SPL, path length, collisions per episode;
5. Driving: ``driving_preview.png`` (ego and chase views of 8 randomized roads),
   ``driving_episode.mp4`` (a pure-pursuit expert on a test route, chase and ego camera side
   by side) and ``driving_metrics.md``.
6. TransparentGrasp: ``grasp_preview.png`` (observation and overview of 8 randomized
   tabletops), ``grasp_episode.mp4`` (the scripted expert lifting glassware: overview, RGB
   and the sensor's failing depth side by side) and ``grasp_metrics.md``.
7. A learned baseline: behaviour cloning (one DAgger round) from the IndoorNav expert (``bc/``:
   checkpoint, learning curve), evaluated on held-out layouts at two DR strengths;
   ``bc_metrics.md``.
8. Real-to-sim: a recorded pseudo-real IndoorNav feed (``pseudo_real.mp4``) run through the
   shipped RGB policy twice, raw and through the shipped CycleGAN translator
   (``real2sim_none.mp4``, ``real2sim_cyclegan.mp4``: camera | what the policy sees, with its
   action), and that policy's success on the pseudo-real env with and without translation
   (``real2sim_metrics.md``).
"""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

import gymnasium as gym
import numpy as np
from tqdm import tqdm

from simenv.agents import DrivingExpert, IndoorNavExpert, TransparentGraspExpert
from simenv.agents.evaluate import evaluate
from simenv.agents.train import train
from simenv.real2sim import RealToSimWrapper, load_translator, pseudo_real_look
from simenv.real2sim.pipeline import run_on_camera
from simenv.real2sim.pseudo_real import record_video, vectors_path

from .viz import markdown_table, mosaic, save_png, side_by_side, to_rgb8, write_video

ENV_ID = "simenv/IndoorNav-v0"


def run_demo(out: Path, episodes: int = 3) -> list[dict[str, object]]:
    out.mkdir(parents=True, exist_ok=True)
    env = gym.make(ENV_ID, camera_size=(128, 128))
    frames = [env.reset(seed=i)[0]["rgb"] for i in tqdm(range(16), desc="preview", unit="scene")]
    env.close()
    print(f"wrote {save_png(out / 'preview.png', mosaic(frames))}")

    expert = IndoorNavExpert()
    rows: list[dict[str, object]] = []
    video: list[np.ndarray] = []
    for task in ("pointgoal", "objectgoal"):
        env = gym.make(
            ENV_ID,
            task=task,
            split="test",
            camera_size=(128, 128),
            render_mode="rgb_array",
            render_size=(256, 256),
        )
        seeds = [10_000 + ep for ep in range(episodes)]
        if task == "pointgoal":  # film a long episode: the first seed with >= 6 m to go
            seeds[0] = next(
                (
                    s
                    for s in range(20_000, 20_100)
                    if env.reset(seed=s)[1]["geodesic_start_distance"] >= 6.0
                ),
                20_000,
            )
        for ep, seed in enumerate(tqdm(seeds, desc=f"expert {task}", unit="episode")):
            obs, info = env.reset(seed=seed)
            record = task == "pointgoal" and ep == 0
            done = False
            while not done:
                if record:
                    video.append(side_by_side(np.asarray(env.render()), obs["rgb"]))
                obs, _, terminated, truncated, info = env.step(expert.act(env))
                done = terminated or truncated
            rows.append(
                {
                    "task": task,
                    "seed": seed,
                    "layout": info["layout"],
                    "goal": info["object_category"] or "point",
                    "success": int(info["success"]),
                    "spl": info["spl"],
                    "path_m": info["path_length"],
                    "shortest_m": info["geodesic_start_distance"],
                    "collisions": info["collisions"],
                }
            )
        env.close()
    print(f"wrote {write_video(out / 'episode.mp4', video, fps=10)} ({len(video)} frames)")
    _print_table(rows, out / "metrics.md")
    with open(out / "metrics.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    success = np.mean([r["success"] for r in rows])
    spl = np.mean([r["spl"] for r in rows])
    print(f"\nexpert: success {success:.2f}, SPL {spl:.2f} over {len(rows)} episodes")
    return (
        rows
        + run_driving_demo(out, episodes)
        + run_grasp_demo(out, episodes)
        + run_bc_demo(out)
        + run_real2sim_demo(out)
    )


def _print_table(rows: list[dict[str, object]], path: Path) -> None:
    """Print the rows as a Markdown table and save it to ``path``."""
    table = markdown_table(rows)
    path.write_text(table + "\n")
    print(table)


def _preview_pairs(env_id: str, path: Path, scenes: int = 8) -> None:
    """A mosaic of (observation, ``render()`` view) pairs of randomized first frames."""
    env = gym.make(env_id, camera_size=(128, 128), render_mode="rgb_array", render_size=(128, 128))
    frames = []
    for i in tqdm(range(scenes), desc=f"preview {env_id}", unit="scene"):
        frames += [env.reset(seed=i)[0]["rgb"], env.render()]
    env.close()
    print(f"wrote {save_png(path, mosaic(frames, columns=4))}")


def run_driving_demo(out: Path, episodes: int = 3) -> list[dict[str, object]]:
    _preview_pairs("simenv/Driving-v0", out / "driving_preview.png")
    env = gym.make(
        "simenv/Driving-v0",
        split="test",
        camera_size=(128, 128),
        render_mode="rgb_array",
        render_size=(256, 256),
    )
    expert, rows, video = DrivingExpert(), [], []
    for ep in tqdm(range(episodes), desc="expert driving", unit="episode"):
        obs, info = env.reset(seed=ep)
        done = False
        while not done:
            if ep == 0:
                video.append(side_by_side(np.asarray(env.render()), obs["rgb"]))
            obs, _, terminated, truncated, info = env.step(expert.act(env))
            done = terminated or truncated
        rows.append(
            {
                "task": "driving",
                "seed": ep,
                "road": info["road"],
                "lanes": info["lanes"],
                "success": int(info["success"]),
                "route_completion": info["route_completion"],
                "lane_dev_m": info["mean_lane_deviation"],
                "collisions": info["collisions"],
                "speed_mps": info["average_speed"],
            }
        )
    env.close()
    print(f"wrote {write_video(out / 'driving_episode.mp4', video, fps=20)} ({len(video)} frames)")
    _print_table(rows, out / "driving_metrics.md")
    return rows


def run_grasp_demo(out: Path, episodes: int = 3) -> list[dict[str, object]]:
    _preview_pairs("simenv/TransparentGrasp-v0", out / "grasp_preview.png")
    env = gym.make(
        "simenv/TransparentGrasp-v0",
        split="test",
        camera_size=(128, 128),
        render_mode="rgb_array",
        render_size=(256, 256),
    )
    rows, video = [], []
    for ep in tqdm(range(episodes), desc="expert grasp", unit="episode"):
        expert = TransparentGraspExpert()
        obs, info = env.reset(seed=ep)
        done = False
        while not done:
            if ep == 0:
                video.append(
                    side_by_side(
                        np.asarray(env.render()), obs["rgb"], to_rgb8(obs["depth"], max_value=1.3)
                    )
                )
            obs, _, terminated, truncated, info = env.step(expert.act(env))
            done = terminated or truncated
        rows.append(
            {
                "task": "grasp",
                "seed": ep,
                "objects": " ".join(info["objects"]),
                "lifted": info["object_category"],
                "success": int(info["success"]),
                "attempts": info["attempts"],
                "time_to_grasp_s": info["time_to_grasp"],
            }
        )
    env.close()
    print(f"wrote {write_video(out / 'grasp_episode.mp4', video, fps=20)} ({len(video)} frames)")
    _print_table(rows, out / "grasp_metrics.md")
    return rows


# IndoorNav BC (depth + GPS/compass, 64x64): its episodes are short, so this takes ~2 min
BC_DEMO = (
    "simenv/IndoorNav-v0",
    {"bc.episodes": 40, "bc.dagger_rounds": 1, "bc.dagger_episodes": 20, "bc.epochs": 6},
)


def run_bc_demo(out: Path, episodes: int = 20) -> list[dict[str, object]]:
    """Train a short BC baseline and evaluate it under no DR and under default DR."""
    env_id, overrides = BC_DEMO
    print(f"\nbehaviour cloning on {env_id} ({overrides['bc.episodes']} expert episodes)")
    run = train(env_id, "bc", out / "bc", overrides=overrides)
    rows: list[dict[str, object]] = []
    for name, dr_scale in (("none", 0.0), ("default", 1.0)):
        result = evaluate(run, episodes=episodes, env_kwargs={"dr_scale": dr_scale})
        s = result.summary()["success"]
        rows.append(
            {
                "policy": "bc",
                "test DR": name,
                "episodes": episodes,
                "success": s["mean"],
                "95% CI": f"[{s['low']:.2f}, {s['high']:.2f}]",
            }
        )
    _print_table(rows, out / "bc_metrics.md")
    return rows


def run_real2sim_demo(out: Path, episodes: int = 10) -> list[dict[str, object]]:
    """Run the shipped nominal-trained RGB policy on a recorded pseudo-real feed."""
    assets = Path(str(files("simenv.assets"))) / "real2sim"
    policy, translator = (
        assets / "indoor_nav_rgb_bc.pt",
        load_translator(assets / "indoor_nav_cyclegan.pt"),
    )
    print("\nreal-to-sim: a recorded pseudo-real feed through the CycleGAN translator")
    feed = record_video(
        ENV_ID,
        out / "pseudo_real.mp4",
        episodes=1,
        seed=200_000,
        env_kwargs={"camera_size": (64, 64), "split": "test"},
    )
    for name, t in (("none", "identity"), ("cyclegan", translator)):
        run = run_on_camera(
            policy, t, feed, video=out / f"real2sim_{name}.mp4", vectors=vectors_path(feed)
        )
        print(f"wrote {run.video} ({run.steps} frames, {run.fps:.0f} frames/s)")
    rows: list[dict[str, object]] = []
    look = pseudo_real_look(ENV_ID)
    for name, kwargs, wrap in (
        ("simulation", {"randomization": "none"}, None),
        ("pseudo-real, no translation", {"randomization": look}, None),
        (
            "pseudo-real, CycleGAN",
            {"randomization": look},
            lambda env: RealToSimWrapper(env, translator),
        ),
    ):
        result = evaluate(policy, episodes=episodes, seed=200_000, env_kwargs=kwargs, wrap=wrap)
        s = result.summary()["success"]
        rows.append(
            {
                "policy": "bc (rgb, nominal)",
                "env": name,
                "episodes": episodes,
                "success": s["mean"],
                "95% CI": f"[{s['low']:.2f}, {s['high']:.2f}]",
            }
        )
    _print_table(rows, out / "real2sim_metrics.md")
    return rows
