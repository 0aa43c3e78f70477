"""Learning curves as PNG: expert-data learners per round, SB3 runs per step, ADR ranges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure


def plot_rounds(history: list[dict[str, Any]], path: Path, learner: str = "BC") -> None:
    """Training loss per epoch (every round) and rollout success per round."""
    fig = Figure(figsize=(9, 3.2))
    a, b = fig.subplots(1, 2)
    for h in history:
        a.plot(range(1, len(h["loss"]) + 1), h["loss"], label=f"round {h['round']}")
    a.set(xlabel="epoch", ylabel="loss", yscale="log", title=f"{learner} training loss")
    a.legend(fontsize=7)
    b.plot([h["round"] for h in history], [h["rollout_success"] for h in history], "o-")
    b.set(
        xlabel="DAgger round",
        ylabel="success of the rollouts",
        ylim=(-0.05, 1.05),
        title="rollouts (round k: policy with p=1-beta^k)",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def plot_learning_curve(monitor_dir: Path, path: Path, title: str) -> Path | None:
    """Episode return and success (moving average) against environment steps."""
    from stable_baselines3.common.monitor import load_results

    try:
        df = load_results(str(monitor_dir))
    except Exception:  # no finished episode yet
        return None
    if len(df) == 0:
        return None
    df = df.sort_values("t")
    x = df["l"].cumsum().to_numpy()
    window = max(1, len(df) // 20)
    fig = Figure(figsize=(9, 3.2))
    axes = fig.subplots(1, 2)
    for ax, key, label in ((axes[0], "r", "episode return"), (axes[1], "success", "success")):
        if key not in df:
            continue
        y = df[key].astype(float).rolling(window, min_periods=1).mean().to_numpy()
        ax.plot(x, y)
        ax.set(xlabel="environment steps", ylabel=label)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def plot_adr(progress: Path, path: Path, title: str) -> Path | None:
    """Each ADR parameter's range (low/high, relative to its final extent) and the mean extent
    in ``dr_scale`` units against environment steps, from SB3's ``progress.csv``."""
    import pandas as pd

    if not progress.is_file():
        return None
    df = pd.read_csv(progress)
    if "adr/mean_scale" not in df or "time/total_timesteps" not in df:
        return None
    df = df.dropna(subset=["adr/mean_scale"])
    x = df["time/total_timesteps"].to_numpy()
    names = sorted({c[4:-4] for c in df.columns if c.startswith("adr/") and c.endswith("_low")})
    fig = Figure(figsize=(10, 3.6))
    axes = fig.subplots(1, 2)
    axes[0].plot(x, df["adr/mean_scale"], "k-")
    axes[0].set(
        xlabel="environment steps",
        ylabel="mean extent (dr_scale units)",
        title="ADR: mean range extent (1 = default ranges)",
    )
    for name in names:
        lo, hi = df[f"adr/{name}_low"].to_numpy(), df[f"adr/{name}_high"].to_numpy()
        span = max(float(hi.max() - lo.min()), 1e-9)
        (line,) = axes[1].plot(x, (hi - lo.min()) / span, label=name)
        axes[1].plot(x, (lo - lo.min()) / span, color=line.get_color())
    axes[1].set(
        xlabel="environment steps",
        ylabel="range (normalised to its final span)",
        title="ADR ranges per parameter",
    )
    axes[1].legend(fontsize=6, loc="center right")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path
