"""Planning: a validated spec becomes trials (agent × train point × seed) with stable ids."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

from simenv.agents.train import load_config

from .spec import AgentSpec, Point, SweepSpec, label, plan_points, point_kwargs


@dataclass(frozen=True)
class EvalPoint:
    key: str  # hash of what defines the evaluation
    point: Point
    label: str
    env_kwargs: dict[str, Any]
    translator: str | None = None  # a method of the sweep's translators/ folder, or None


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
    first_seed: int = 0  # the spec's eval_seed

    @property
    def eval_seed(self) -> int:
        """Episode seed of the first test episode: ``eval_seed + seed * episodes``."""
        return self.first_seed + self.seed * self.episodes


def _hash(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()[:8]


_NOT_FOR_FRAMES = ("randomization", "dr_scale", "obs_mode", "render_mode")


def translator_setup(spec: SweepSpec, method: str | None) -> dict[str, Any]:
    """What defines a sweep's translator of ``method`` (``None``: its real frames), as JSON
    data: the env and its kwargs (look and observation mode left out), the frame counts and
    seeds, and the method's config. Test keys of translated points include it, so changing it
    re-evaluates them."""
    setup: dict[str, Any] = {
        "env": spec.env,
        "env_kwargs": {k: v for k, v in spec.env_kwargs.items() if k not in _NOT_FOR_FRAMES},
        "frames": spec.translators.frames,
        "real_seed": spec.translators.real_seed,
    }
    if method is not None:
        setup.update(
            method=method,
            sim_seed=spec.translators.sim_seed,
            config=spec.translators.config.get(method, {}),
        )
    return json.loads(json.dumps(setup, default=str))


def _varying(points: list[Point]) -> list[str]:
    """The axes whose value differs between points (all axes if none does)."""
    axes = list(dict.fromkeys(a for p in points for a in p))
    vary = [
        a
        for a in axes
        if len({json.dumps(p.get(a), sort_keys=True, default=str) for p in points}) > 1
    ]
    return vary or axes


def plan(spec: SweepSpec) -> list[Trial]:
    """Every trial of a validated spec, in order agents × train points × seeds."""
    points = plan_points(spec)
    test_axes = _varying([p for p, _ in points["test"]])
    train_axes = _varying([p for k, v in points.items() if k != "test" for p, _ in v])
    tests = []
    for point, kwargs in points["test"]:
        translator = point.get("translator", "none")
        defines: dict[str, Any] = {"kwargs": kwargs, "episodes": spec.episodes, "split": spec.split}
        if spec.eval_seed:
            defines["eval_seed"] = spec.eval_seed
        if translator != "none":
            defines["translator"] = translator_setup(spec, str(translator))
        key = _hash(defines)
        tests.append(
            EvalPoint(
                key,
                point,
                label(point, test_axes),
                kwargs,
                None if translator == "none" else str(translator),
            )
        )
    trials = []
    for agent in spec.agents:
        if agent.algo == "expert":
            train: list[tuple[Point | None, dict[str, Any] | None]] = [(None, None)]
        else:
            cfg = load_config(spec.env, agent.algo, agent.config, agent.overrides)
            base = {**cfg["env_kwargs"], **spec.env_kwargs}
            own = points.get(f"{agent.name}.train", points["train"])
            train = [(p, point_kwargs(spec.env, base, p)) for p, _ in own]
        for (point, kwargs), seed in itertools.product(train, spec.seeds):
            what = {
                "env": spec.env,
                "agent": agent.model_dump(exclude={"name", "train"}),  # the point is below
                "train_kwargs": kwargs,
                "seed": seed,
            }
            trials.append(
                Trial(
                    f"{agent.name}-s{seed}-{_hash(what)}",
                    spec.env,
                    agent,
                    seed,
                    point,
                    label(point, train_axes),
                    kwargs,
                    tuple(tests),
                    spec.episodes,
                    spec.split,
                    spec.eval_seed,
                )
            )
    return trials
