"""Native vector envs (``gym.make_vec``) against the peers in Gymnasium's AsyncVectorEnv.

    make bench-vector     # installs the peer venvs and runs this script
    python benchmarks/bench_vector.py --family all --num-envs 1 2 4 8 16 32 --steps 2000

For each family, with default DR, the default renderer (``renderer="batch"``) and random
actions from the batched action space (seeded), resets included (the native vector env
autoresets an env at the step after its episode ends):

* env steps/s (N × vector steps per second) of ``gym.make_vec(id, num_envs=N)`` for each N;
* peak resident memory per env: each N runs in a fresh subprocess, which reads its ``VmRSS``
  after ``import simenv`` (no env yet) and its ``VmHWM`` (peak) at the end; growth / N, and the
  marginal cost of one more env, (growth(N) - growth(1)) / (N - 1);
* the per-env-step time split from the vector env's public ``timings`` (physics, resets,
  the one render pass, sensor models and task vectors, and the rest of ``step``);

against the peers measured in the same run, each in Gymnasium's ``AsyncVectorEnv`` with
``--peer-workers`` (2) worker processes: MiniWorld-FourRooms-v0 (``domain_rand=True``, 84×84
RGB) for IndoorNav, CarRacing-v3 (``domain_randomize=True``, 96×96 RGB; Driving runs at
``--driving-size`` 96 to match) for Driving, and robosuite Lift (Panda, 84×84 RGB-D agentview,
20 Hz; its default and "fastest" settings, see ``benchmarks/peers/robosuite_bench.py``) for
TransparentGrasp RGB-D. The peers' memory is their worker processes' peak resident memory
(one env per process). The summary compares our best N with the peer against the issue's
targets (IndoorNav ≥ 2× MiniWorld, Driving ≥ 3× CarRacing, TransparentGrasp RGB-D ≥ 20×
robosuite, each with 2 workers).

The envs of a native vector env start their episodes in lockstep, so a timed window shorter
than an episode would time no resets at large N: each N runs at least ``--min-vector-steps``
vector steps (default: one random-action episode of the family, see ``FAMILIES``), else
``--steps / N``.

Prints Markdown tables (copy them into benchmarks/RESULTS.md) and writes
``benchmarks/results/vector.json``. A smoke run: ``--num-envs 1 2 --steps 20
--min-vector-steps 0 --peer-steps 20``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / "benchmarks" / "peers"
TARGET_NOTE = "issue target, best N vs the peer with 2 workers"

# env id, kwargs besides the defaults, random-action episode length (vector steps that put
# every env through one autoreset), the target ratio
FAMILIES: dict[str, dict[str, Any]] = {
    "indoor_nav": {"env_id": "simenv/IndoorNav-v0", "kwargs": {}, "episode": 500, "target": 2.0},
    "driving": {"env_id": "simenv/Driving-v0", "kwargs": {}, "episode": 150, "target": 3.0},
    "transparent_grasp": {
        "env_id": "simenv/TransparentGrasp-v0",
        "kwargs": {"obs_mode": "rgbd"},
        "episode": 200,
        "target": 20.0,
    },
}


def one(
    family: str, num_envs: int, vector_steps: int, seed: int, size: int | None, workers: int = 1
) -> dict:
    """One N of one family in this (fresh) process: speed, time split and memory.

    Memory: this process's peak resident set minus its resident set now (after ``import
    simenv``, no env), plus the peaks of its child processes where ``workers`` > 1 (forked
    workers' shared pages then count in each)."""
    from simenv.bench import measure_vector, memory_mb

    baseline = memory_mb("VmRSS")  # after `import simenv`, no env yet (main() imported it)
    spec = FAMILIES[family]
    kwargs = dict(spec["kwargs"])
    if size:
        kwargs["camera_size"] = (size, size)
    if workers > 1:  # the multi-process native vector env
        kwargs["workers"] = workers
    result = measure_vector(
        spec["env_id"], num_envs=num_envs, steps=vector_steps, seed=seed, **kwargs
    )
    peak = memory_mb("VmHWM")
    growth = peak - baseline + sum(result["children_peak_rss_mb"] if workers > 1 else [])
    result.update(
        {
            "workers": workers,
            "baseline_rss_mb": baseline,
            "peak_rss_mb": peak,
            "rss_growth_mb": growth,
            "mb_per_env": growth / num_envs,
        }
    )
    return result


def run_one(
    family: str,
    num_envs: int,
    vector_steps: int,
    seed: int,
    size: int | None,
    timeout: float,
    workers: int = 1,
) -> dict:
    """:func:`one` in a subprocess (a fresh memory baseline for every N)."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        family,
        str(num_envs),
        "--steps",
        str(vector_steps),
        "--seed",
        str(seed),
        "--workers",
        str(workers),
    ]
    if size:
        cmd += ["--driving-size", str(size)]
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=dict(os.environ)
        )
    except subprocess.TimeoutExpired:
        return {"error": f"N={num_envs}: no result in {timeout:.0f} s", "num_envs": num_envs}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-3:], "num_envs": num_envs}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


PEER_NAMES = {
    "MiniWorld": "MiniWorld-FourRooms-v0 domain_rand",
    "CarRacing": "CarRacing-v3 domain_randomize",
    "robosuite default": "robosuite Lift (default settings)",
    "robosuite fastest": "robosuite Lift (fastest settings)",
}


def peers(
    family: str, steps: int, workers: int, robosuite_steps: int, robosuite_modes: list[str]
) -> dict[str, dict]:
    """The family's peer(s) in AsyncVectorEnv with ``workers`` processes, by short name."""
    from simenv.bench import run_peer

    w = ("--workers", str(workers))
    if family == "indoor_nav":
        return {
            "MiniWorld": run_peer(
                ROOT / ".venv-peers" / "bin" / "python", PEERS / "miniworld_bench.py", steps, *w
            )
        }
    if family == "driving":
        return {
            "CarRacing": run_peer(
                ROOT / ".venv-peers" / "bin" / "python", PEERS / "carracing_bench.py", steps, *w
            )
        }
    return {
        f"robosuite {mode}": run_peer(
            ROOT / ".venv-robosuite" / "bin" / "python",
            PEERS / "robosuite_bench.py",
            robosuite_steps,
            "--mode",
            mode,
            "--resets",
            "2",
            *w,
        )
        for mode in robosuite_modes
    }


def family_rows(
    family: str, ours: list[dict], peer: dict[str, dict], workers: int
) -> tuple[list[dict], dict]:
    """The family's table (our N rows, then the peers) and its summary row."""
    from simenv.bench import split_row

    ok = [r for r in ours if "steps_per_s" in r]
    one_env = next((r for r in ok if r["num_envs"] == 1), None)
    rows = []
    for r in ours:
        if "steps_per_s" not in r:
            rows.append(
                {
                    "env": FAMILIES[family]["env_id"],
                    "N": r.get("num_envs"),
                    "steps/s": f"failed: {r.get('error')}",
                }
            )
            continue
        growth1 = one_env["rss_growth_mb"] if one_env else None
        rows.append(
            {
                "env": f"{FAMILIES[family]['env_id']} make_vec"
                + (f" workers={r['workers']}" if r.get("workers", 1) > 1 else ""),
                "N": r["num_envs"],
                "steps/s": r["steps_per_s"],
                "× N=1": r["steps_per_s"] / one_env["steps_per_s"] if one_env else "",
                "MB/env": r["mb_per_env"],
                "MB per added env": (
                    (r["rss_growth_mb"] - growth1) / (r["num_envs"] - 1)
                    if growth1 is not None and r["num_envs"] > 1
                    else ""
                ),
                "episodes": r["episodes"],
                **{f"{k} /env-step": v for k, v in split_row(r, "ms_per_env_step").items()},
            }
        )
    best = max(ok, key=lambda r: r["steps_per_s"], default=None)
    summary: dict[str, Any] = {
        "family": family,
        "best N": best["num_envs"] if best else "",
        "ours steps/s": best["steps_per_s"] if best else "",
    }
    for name, p in peer.items():
        if "steps_per_s" not in p:
            rows.append(
                {"env": PEER_NAMES[name], "N": workers, "steps/s": f"failed: {p.get('error')}"}
            )
            continue
        peaks = [m for m in p.get("worker_peak_rss_mb", []) if m is not None]
        rows.append(
            {
                "env": f"{PEER_NAMES[name]} AsyncVectorEnv",
                "N": p.get("workers", workers),
                "steps/s": p["steps_per_s"],
                "× N=1": "",
                "MB/env": sum(peaks) / len(peaks) if peaks else "",
                "MB per added env": "",
                "episodes": p["episodes"],
            }
        )
    for r in rows:
        for name, p in peer.items():
            if "steps_per_s" in p and isinstance(r["steps/s"], float):
                r[f"× {name}"] = r["steps/s"] / p["steps_per_s"]
    target = FAMILIES[family]["target"]
    first = next(iter(peer.values()), {})
    if best and "steps_per_s" in first:
        ratio = best["steps_per_s"] / first["steps_per_s"]
        summary.update(
            {
                "peer": PEER_NAMES[next(iter(peer))],
                "peer workers": first.get("workers"),
                "peer steps/s": first["steps_per_s"],
                "ratio": ratio,
                "target": f"≥ {target:g}×",
                "met": "yes" if ratio >= target else "no",
            }
        )
    else:
        summary.update(
            {
                "peer": PEER_NAMES.get(next(iter(peer), ""), ""),
                "peer workers": workers,
                "peer steps/s": "failed" if peer else "skipped",
                "ratio": "",
                "target": f"≥ {target:g}×",
                "met": "",
            }
        )
    return rows, summary


def main() -> None:
    import simenv  # noqa: F401  (registers the ids, configures GL)

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--family", choices=[*FAMILIES, "all"], default="all")
    parser.add_argument("--num-envs", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument(
        "--steps",
        type=int,
        default=2000,
        help="env steps timed per N (vector steps = steps / N, at least --min-vector-steps)",
    )
    parser.add_argument(
        "--min-vector-steps",
        type=int,
        default=None,
        help="at least this many timed vector steps per N (default: one "
        "random-action episode of the family; 0: none)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--driving-size",
        type=int,
        default=96,
        help="Driving's camera size (CarRacing-v3 observes 96×96)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="ours: make_vec(..., workers=W) processes (the multi-process "
        "native vector env); 1: one process",
    )
    parser.add_argument(
        "--peer-workers", type=int, default=2, help="AsyncVectorEnv worker processes of the peers"
    )
    parser.add_argument(
        "--peer-steps", type=int, default=None, help="env steps timed per peer (default: --steps)"
    )
    parser.add_argument(
        "--robosuite-steps",
        type=int,
        default=None,
        help="env steps timed per robosuite mode (default: --peer-steps / 4, >= 40)",
    )
    parser.add_argument(
        "--robosuite-modes",
        nargs="+",
        default=["default", "fastest"],
        choices=["default", "fastest"],
        help="the first one is the target's reference",
    )
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per N or peer")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "vector.json",
        help="where the JSON goes",
    )
    parser.add_argument("--one", nargs=2, metavar=("FAMILY", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:  # a subprocess of this script: one N, --steps is vector steps here
        family, n = args.one[0], int(args.one[1])
        size = args.driving_size if family == "driving" else None
        print(json.dumps(one(family, n, args.steps, args.seed, size, args.workers)))
        return

    from simenv.bench import machine_header, save_results
    from simenv.viz import markdown_table

    families = list(FAMILIES) if args.family == "all" else [args.family]
    peer_steps = args.peer_steps or args.steps
    robosuite_steps = args.robosuite_steps or max(peer_steps // 4, 40)
    jobs = [(f, n) for f in families for n in args.num_envs]
    ours: dict[str, list[dict]] = {f: [] for f in families}
    bar = tqdm(jobs, desc="native vector envs")
    for family, n in bar:
        least = (
            FAMILIES[family]["episode"] if args.min_vector_steps is None else args.min_vector_steps
        )
        vector_steps = max(-(-args.steps // n), least, 1)
        bar.set_postfix_str(f"{family} N={n} ({vector_steps} vector steps)")
        size = args.driving_size if family == "driving" else None
        ours[family].append(
            run_one(family, n, vector_steps, args.seed, size, args.timeout, args.workers)
        )
    peer_results: dict[str, dict[str, dict]] = {}
    if not args.skip_peers:
        for family in tqdm(families, desc=f"peers ({args.peer_workers} workers)"):
            peer_results[family] = peers(
                family, peer_steps, args.peer_workers, robosuite_steps, args.robosuite_modes
            )
    header = machine_header(
        steps=args.steps,
        workers=args.workers,
        peer_workers=args.peer_workers,
        driving_size=args.driving_size,
    )
    print(header)
    tables, summaries = {}, []
    for family in families:
        rows, summary = family_rows(
            family, ours[family], peer_results.get(family, {}), args.peer_workers
        )
        tables[family] = rows
        summaries.append(summary)
        print(
            f"\n{FAMILIES[family]['env_id']}: default DR, renderer batch, "
            f"{'RGB-D' if family == 'transparent_grasp' else 'RGB'} "
            f"{args.driving_size if family == 'driving' else 84}², ms per env step"
        )
        print(markdown_table(rows))
    print(f"\nsummary ({TARGET_NOTE}):")
    print(markdown_table(summaries))
    save_results(
        args.out,
        {
            "header": header,
            "args": {k: str(v) for k, v in vars(args).items()},
            "ours": ours,
            "peers": peer_results,
            "tables": tables,
            "summary": summaries,
        },
    )


if __name__ == "__main__":
    main()
