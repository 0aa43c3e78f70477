"""Sweep specs: the pydantic models, one-line validation, and the points of each axis set."""

from __future__ import annotations

import copy
import difflib
import itertools
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

import simenv
from simenv.agents.affordance import AffordanceConfig
from simenv.agents.bc import BCConfig
from simenv.agents.evaluate import make_eval_env
from simenv.agents.train import load_config
from simenv.randomization import DomainRandomizer, load_spec
from simenv.real2sim.pseudo_real import pseudo_real_look

ALGOS = ("bc", "affordance", "ppo", "sac", "expert")


SEARCHES = ("grid", "random")


BACKENDS = ("local", "ray")


SPLITS = ("test", "train")


SPECIAL_AXES = ("dr_scale", "randomization", "look", "translator")


LOOKS = ("sim", "pseudo_real")


TRANSLATORS = ("none", "stats", "fda", "cyclegan")


_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


Point = dict[str, Any]


class AgentSpec(BaseModel):
    """One agent of a sweep: ``algo`` is ``bc``, ``affordance``, ``ppo``, ``sac`` or
    ``expert``. ``train``, if given, replaces the sweep's train axes for this agent (``{}``:
    one training per seed, as its config says; an ADR config, say)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    algo: str
    name: str = ""
    steps: int | None = Field(None, ge=1)
    config: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    train: dict[str, Any] | list[dict[str, Any]] | None = None


class TranslatorsSpec(BaseModel):
    """How a sweep builds the translators its ``translator`` test axis names.

    ``frames`` pseudo-real frames (expert episodes from seed ``real_seed``) and as many
    nominal simulator frames (from seed ``sim_seed``), unpaired, at the spec's
    ``env_kwargs`` camera size; ``config`` holds per-method settings (``cyclegan``:
    :class:`~simenv.real2sim.cyclegan.CycleGANConfig` fields; ``fda``: ``beta``; ``stats``:
    ``mode``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    frames: int = Field(default=300, ge=8)
    real_seed: int = 100000
    sim_seed: int = 0
    config: dict[str, dict[str, Any]] = Field(default_factory=dict)


class SweepSpec(BaseModel):
    """A validated sweep spec (see the module docstring); build with :func:`load_sweep`."""

    model_config = ConfigDict(extra="forbid")

    env: str
    agents: list[AgentSpec] = Field(min_length=1)
    name: str = "sweep"
    env_kwargs: dict[str, Any] = Field(default_factory=dict)
    train: dict[str, Any] | list[dict[str, Any]] = Field(default_factory=dict)
    test: dict[str, Any] | list[dict[str, Any]] = Field(default_factory=dict)
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    episodes: int = Field(20, ge=1)
    eval_seed: int = Field(0, ge=0)
    translators: TranslatorsSpec = Field(default_factory=lambda: TranslatorsSpec())
    search: str = "grid"
    samples: int | None = Field(None, ge=1)
    search_seed: int = 0
    split: str = "test"
    metric: str = "success"


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


def check_value(what: str, value: Any, valid: Iterable[str]) -> None:
    valid = list(valid)
    if value not in valid:
        raise ValueError(f"{what} {value!r} is not valid; valid: {', '.join(valid)}")


def load_sweep(
    spec: str | os.PathLike[str] | Mapping[str, Any] | SweepSpec,
    base_dir: str | os.PathLike[str] | None = None,
) -> SweepSpec:
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
            raise ValueError(
                f"sweep spec {path}: cannot parse YAML ({str(err).splitlines()[0]})"
            ) from None
        if not isinstance(data, dict):
            raise ValueError(
                f"sweep spec {path}: expected a mapping with env, agents, train, test, seeds, ..."
            )
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
    if spec.env not in gym.registry:
        raise ValueError(f"env {spec.env!r} is not registered; valid: {', '.join(simenv.ENV_IDS)}")
    if not _NAME.match(spec.name):
        raise ValueError(f"name {spec.name!r}: use letters, digits, '_', '-', '.' only")
    check_value("search", spec.search, SEARCHES)
    check_value("split", spec.split, SPLITS)
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
    for section, value in [*train_sections(spec), ("test", spec.test)]:
        grids = grids_of(value)
        if not grids:
            raise ValueError(f"{section}: an empty list; give at least one set of axes")
        for axes in grids:
            for axis, values in axes.items():
                _check_axis(section, str(axis), values, spec.search)
    _check_special(spec)
    _check_points(spec)


def grids_of(axes: Mapping[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A section's axis sets: one mapping, or a list of them whose points are joined."""
    return [dict(axes)] if isinstance(axes, Mapping) else [dict(a) for a in axes]


def axis_names(axes: Mapping[str, Any] | list[dict[str, Any]]) -> list[str]:
    """Every axis named in a section, in order of first appearance."""
    return list(dict.fromkeys(str(a) for grid in grids_of(axes) for a in grid))


def _values(axes: Mapping[str, Any] | list[dict[str, Any]], axis: str) -> list[Any]:
    out: list[Any] = []
    for grid in grids_of(axes):
        if axis in grid:
            v = grid[axis]
            out += v if isinstance(v, list) else [v]
    return out


def translator_names(spec: SweepSpec) -> list[str]:
    """The translators the test axes name, other than ``none``, in order."""
    return list(dict.fromkeys(str(v) for v in _values(spec.test, "translator") if v != "none"))


def train_sections(spec: SweepSpec) -> list[tuple[str, dict[str, Any] | list[dict[str, Any]]]]:
    """``(name, axes)`` of the sweep's train section and of each agent's own one."""
    own = [(f"{a.name}.train", a.train) for a in spec.agents if a.train is not None]
    return [("train", spec.train), *own]


def _check_special(spec: SweepSpec) -> None:
    for section, axes in [*train_sections(spec), ("test", spec.test)]:
        for v in _values(axes, "look"):
            check_value(f"{section}.look", v, LOOKS)
    for section, axes in train_sections(spec):
        if "translator" in axis_names(axes):
            raise ValueError(
                f"{section}.translator: translators apply at test time; move it to test"
            )
    for v in _values(spec.test, "translator"):
        check_value("test.translator", v, TRANSLATORS)
    for method in spec.translators.config:
        check_value("translators.config key", method, TRANSLATORS[1:])
    if translator_names(spec) and "camera_size" not in spec.env_kwargs:
        raise ValueError(
            "a translator test axis needs env_kwargs.camera_size (the size translators are "
            "built at; use the agents' camera size)"
        )


def _check_agent(spec: SweepSpec, i: int, agent: AgentSpec, base_dir: Path | None) -> AgentSpec:
    where = f"agents[{i}]"
    if agent.algo not in ALGOS:
        raise ValueError(f"{where}: unknown algo {agent.algo!r}; valid: {', '.join(ALGOS)}")
    name = agent.name or agent.algo
    if not _NAME.match(name):
        raise ValueError(f"{where}: name {name!r}: use letters, digits, '_', '-', '.' only")
    config = agent.config
    if agent.algo == "expert":
        extra = [k for k in ("steps", "config", "train") if getattr(agent, k) is not None]
        extra += ["overrides"] if agent.overrides else []
        if extra:
            raise ValueError(f"{where}: the expert is not trained; remove {', '.join(extra)}")
    else:
        if agent.algo in ("bc", "affordance") and agent.steps is not None:
            raise ValueError(
                f"{where}: steps is for ppo/sac; for {agent.algo} set overrides: "
                f"{{{agent.algo}.episodes: N}}"
            )
        if config is not None and base_dir is not None and not Path(config).is_absolute():
            config = os.fspath(base_dir / config)
        try:
            cfg = load_config(spec.env, agent.algo, config, agent.overrides)
            if agent.algo == "bc":
                BCConfig.from_dict(cfg.get("bc"))
            elif agent.algo == "affordance":
                AffordanceConfig.from_dict(cfg.get("affordance"))
        except (ValueError, TypeError) as err:
            raise ValueError(f"{where}: {err}") from None
    return agent.model_copy(update={"name": name, "config": config})


def _check_axis(section: str, axis: str, values: Any, search: str) -> None:
    where = f"{section}.{axis}"
    if search == "grid" or isinstance(values, list):
        if isinstance(values, list) and not values:
            raise ValueError(f"{where}: empty axis; give at least one value")
        return
    if (
        not isinstance(values, Mapping)
        or set(values) - {"low", "high", "log"}
        or not ({"low", "high"} <= set(values))
    ):
        raise ValueError(
            f"{where}: a random-search axis is {{low: a, high: b, log: false}} or "
            f"a list to choose from, got {values!r}"
        )
    low, high = values["low"], values["high"]
    if (
        not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (low, high))
        or (low > high)
        or (values.get("log") and low <= 0)
    ):
        raise ValueError(
            f"{where}: need finite numbers low <= high (low > 0 with log), got {values!r}"
        )


def _axis_points(
    section: Mapping[str, Any] | list[dict[str, Any]], spec: SweepSpec, rng: np.random.Generator
) -> list[Point]:
    """The points of a section (per axis set: grid product or random draws), joined, with
    duplicates removed."""
    points: list[Point] = []
    for axes in grids_of(section):
        names = list(axes)
        if not names:
            points.append({})
        elif spec.search == "grid":
            lists = [v if isinstance(v, list) else [v] for v in axes.values()]
            points += [dict(zip(names, combo)) for combo in itertools.product(*lists)]
        else:
            points += [{n: _draw(axes[n], rng) for n in names} for _ in range(spec.samples or 1)]
    unique = {json.dumps(p, sort_keys=True, default=str): p for p in points}
    return list(unique.values())


def _draw(axis: Any, rng: np.random.Generator) -> Any:
    if isinstance(axis, list):
        return copy.deepcopy(axis[int(rng.integers(len(axis)))])
    low, high = float(axis["low"]), float(axis["high"])
    x = (
        math.exp(rng.uniform(math.log(low), math.log(high)))
        if axis.get("log")
        else (rng.uniform(low, high))
    )
    return float(f"{x:.4g}")


def point_kwargs(env_id: str, base: Mapping[str, Any], point: Point) -> dict[str, Any]:
    """Env kwargs of a point: ``base``, then dr_scale / randomization, then ``look``
    (``pseudo_real``: the family's pseudo-real look replaces the randomization), then DR
    overrides. The ``translator`` is not an env kwarg (see :class:`~.plan.EvalPoint`)."""
    kwargs = copy.deepcopy(dict(base))
    for key in ("dr_scale", "randomization"):
        if key in point:
            kwargs[key] = copy.deepcopy(point[key])
    if point.get("look") == "pseudo_real":
        kwargs["randomization"] = pseudo_real_look(env_id)
    params = {k: copy.deepcopy(v) for k, v in point.items() if k not in SPECIAL_AXES}
    if params:
        kwargs["randomization"] = {**load_spec(kwargs.get("randomization", "default")), **params}
    return kwargs


def _params(
    env_id: str, env_kwargs: Mapping[str, Any], split: str | None
) -> tuple[list[Any], list[str]]:
    """The env's DR parameter declarations and the metrics an evaluation reports."""
    try:
        env = make_eval_env(env_id, dict(env_kwargs), split)
    except (ValueError, TypeError) as err:
        raise ValueError(f"env_kwargs: {env_id}: {err}") from None
    try:
        randomizer = getattr(env.unwrapped, "randomizer", None)
        params = list(randomizer.params.values()) if randomizer is not None else []
        metrics = [*env.unwrapped.metadata.get("episode_metrics", ("success",)), "return", "length"]
        return params, metrics
    finally:
        env.close()


def _check_points(spec: SweepSpec) -> None:
    plans = plan_points(spec)
    declared = {split: _params(spec.env, spec.env_kwargs, split) for split in (None, spec.split)}
    metrics = declared[spec.split][1]
    if spec.metric not in metrics:
        raise ValueError(
            f"metric {spec.metric!r} is not reported by {spec.env}; valid: {', '.join(metrics)}"
        )
    for section, points in plans.items():
        params = declared[spec.split if section == "test" else None][0]
        for point, kwargs in points:
            try:
                DomainRandomizer(
                    params, kwargs.get("randomization", "default"), kwargs.get("dr_scale", 1.0)
                )
            except ValueError as err:
                raise ValueError(f"{section} point {label(point)}: {err}") from None


def plan_points(spec: SweepSpec) -> dict[str, list[tuple[Point, dict[str, Any]]]]:
    """``(point, env kwargs)`` per section: ``train``, ``test`` and ``<agent>.train`` for each
    agent with its own train axes (random draws in that order, so adding an agent's axes does
    not move the others')."""
    rng = np.random.default_rng(spec.search_seed)
    test_base = {"randomization": "default", "dr_scale": 1.0, **spec.env_kwargs}
    out = {}
    for section, axes in [("train", spec.train), ("test", spec.test), *train_sections(spec)[1:]]:
        base = test_base if section == "test" else spec.env_kwargs
        out[section] = [(p, point_kwargs(spec.env, base, p)) for p in _axis_points(axes, spec, rng)]
    return out


def fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, (int, float)):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return json.dumps(v, separators=(",", ":"), default=str)
    return str(v)


def label(point: Point | None, axes: Iterable[str] | None = None) -> str:
    """``axis=value, ...`` over ``axes`` (default: all of the point's)."""
    if point is None:
        return "-"
    keys = list(point) if axes is None else [a for a in axes if a in point]
    return ", ".join(f"{k}={fmt(point[k])}" for k in keys) or "as configured"
