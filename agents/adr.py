"""Automatic Domain Randomization (ADR) for simenv environments and Stable-Baselines3.

ADR (OpenAI et al., "Solving Rubik's Cube with a Robot Hand", arXiv 1910.07113, Algorithm 1;
the DeXtreme ADR in IsaacGymEnvs) grows each randomization range only as far as the policy
copes with it, instead of fixing the ranges up front.

Algorithm
---------
Every ADR parameter has a range ``[low, high]`` that always contains its nominal value and
starts at ``initial_scale`` (0: zero width at the nominal value). At each ``reset`` the env
wrapper (:class:`ADRWrapper`), with probability ``boundary_prob``, picks one boundary
(parameter, side) uniformly among those that can move and pins that parameter at the boundary
value for the episode; every other parameter is drawn from its current ADR range. When a
boundary episode ends, its ``metric`` (``info["success"]`` by default) joins that boundary's
queue (:class:`ADRState`). Once a queue holds ``queue_length`` results its mean decides:
``>= threshold_high`` moves the boundary outward by ``step``, ``<= threshold_low`` moves it
inward (never past the nominal value); then the queue is cleared. Episodes that do not
evaluate a boundary only train the policy. :class:`ADRCallback` collects the results in the
training process, updates the state and pushes changed ranges into every env of the VecEnv.

Units: ``step``, ``initial_scale`` and ``max_scale`` are in the DR core's ``dr_scale`` units,
per side: 0 is the nominal value, 1 the parameter's default range, 2 its ``strong`` range.
A step of 0.05 moves a boundary by 5 % of that side's default half-range (in log space for
``loguniform`` parameters); a side never goes beyond its ``max_scale`` range (default 2 = the
``strong`` range), clipped to the parameter's physical ``limits``. A side whose default range
is empty (e.g. the lower side of a noise level with nominal 0) never moves and is never
evaluated. Integer parameters move in fractional steps; a pinned integer boundary takes the
outermost integer inside the range. ``normal`` parameters are sampled uniformly over their ADR
range (as any ``[low, high]`` override of the DR core is).

Settings (:class:`ADRConfig`) and their defaults
-------------------------------------------------
``params`` (every numeric, non-``choice`` parameter whose range can move; names or
``fnmatch`` patterns), ``boundary_prob=0.5`` (the paper's p_b), ``queue_length=20``,
``threshold_high=0.8``, ``threshold_low=0.4``, ``step=0.05``, ``initial_scale=0.0``,
``max_scale=2.0``, ``metric="success"``. Parameters not driven by ADR keep the env's own
randomization. The env must be built at effective scale 1 (``randomization="default"`` or a
dict on that preset, ``dr_scale=1``) because ADR sets the ranges itself.

Training::

    env = DummyVecEnv([lambda: Monitor(make_adr_env("simenv/IndoorNav-v0", ADRConfig()))] * 4)
    PPO("MultiInputPolicy", env).learn(1_000_000, callback=ADRCallback(save_path="runs/adr"))

Logged every rollout: ``adr/<param>_low``, ``adr/<param>_high``, ``adr/npd`` (nats per
dimension as in DeXtreme: the mean over ADR parameters of ``log(max(high - low, 1e-3))`` in the
parameter's units; it grows as ranges widen), ``adr/mean_scale`` (mean per-side extent in
``dr_scale`` units: 0 nominal, 1 default, 2 strong) and ``adr/updates`` (boundary moves so
far). The state is saved as ``<save_path>/adr_state.json`` on every change and at the end;
``ADRCallback(...).load(path)`` resumes from it.

Freezing for evaluation: ``ADRState.load(path).as_randomization()`` is an override in the DR
core's format (``{"preset": "default", name: [low, high], ...}``); pass it as
``randomization=`` to any env (or write it with :meth:`ADRState.write_randomization` and pass
the YAML/JSON path). :meth:`ADRWrapper.freeze` stops boundary sampling in a wrapped env, which
then behaves exactly like a plain env built with ``randomization=state.as_randomization()``
(same samples for the same seeds).
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import math
import os
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal

import gymnasium as gym
import numpy as np
import yaml
from stable_baselines3.common.callbacks import BaseCallback

import simenv  # noqa: F401  (registers the simenv/* ids for make_adr_env)
from simenv.randomization import Param

Side = Literal["low", "high"]
SIDES: tuple[Side, Side] = ("low", "high")
STATE_FILE = "adr_state.json"
NPD_MIN_WIDTH = 1e-3  # DeXtreme's floor on a range width in the nats-per-dimension summary
_SEED_STREAM = 0xAD2  # spawn key of the boundary-choice stream on seeded resets
_FORMAT = 1


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


@dataclass
class ADRConfig:
    """The settings of automatic domain randomization (see the module docstring).

    Args:
        params: parameter names or ``fnmatch`` patterns to drive (``None``: every numeric,
            non-``choice`` parameter of the env whose range can move).
        boundary_prob: fraction of episodes that evaluate one boundary (0.5, the paper's p_b).
        queue_length: boundary results averaged before a decision (20).
        threshold_high: mean metric at or above which a boundary moves outward (0.8).
        threshold_low: mean metric at or below which a boundary moves inward (0.4).
        step: boundary move per decision, as a fraction of that side's default half-range
            (``dr_scale`` units; 0.05 = 20 decisions from nominal to the default range).
        initial_scale: starting extent of every side (0 = nominal, 1 = default range).
        max_scale: the furthest extent of every side (2 = the ``strong`` range), clipped to
            each parameter's ``limits``.
        metric: the ``info`` key read at the end of an episode (a number or bool).
    """

    params: Sequence[str] | None = None
    boundary_prob: float = 0.5
    queue_length: int = 20
    threshold_high: float = 0.8
    threshold_low: float = 0.4
    step: float = 0.05
    initial_scale: float = 0.0
    max_scale: float = 2.0
    metric: str = "success"

    def __post_init__(self) -> None:
        if self.params is not None:
            if isinstance(self.params, str) or not all(isinstance(p, str) for p in self.params):
                raise ValueError(
                    f"ADRConfig.params must be a list of parameter names or patterns (or None "
                    f"for every numeric parameter), got {self.params!r}"
                )
            if not self.params:
                raise ValueError("ADRConfig.params is empty; give names or None for all")
            self.params = tuple(self.params)
        for name in (
            "boundary_prob",
            "threshold_high",
            "threshold_low",
            "step",
            "initial_scale",
            "max_scale",
        ):
            if not _number(getattr(self, name)):
                raise ValueError(
                    f"ADRConfig.{name} must be a finite number, got {getattr(self, name)!r}"
                )
        if not 0.0 <= self.boundary_prob <= 1.0:
            raise ValueError(f"ADRConfig.boundary_prob={self.boundary_prob} must be in [0, 1]")
        if (
            not isinstance(self.queue_length, (int, np.integer))
            or isinstance(self.queue_length, bool)
            or self.queue_length < 1
        ):
            raise ValueError(
                f"ADRConfig.queue_length={self.queue_length!r} must be an integer >= 1"
            )
        self.queue_length = int(self.queue_length)
        if not 0.0 <= self.threshold_low < self.threshold_high <= 1.0:
            raise ValueError(
                f"ADRConfig thresholds need 0 <= threshold_low < threshold_high <= 1, got "
                f"threshold_low={self.threshold_low}, threshold_high={self.threshold_high}"
            )
        if self.max_scale <= 0:
            raise ValueError(f"ADRConfig.max_scale={self.max_scale} must be > 0 (2 = strong)")
        if not 0.0 < self.step <= self.max_scale:
            raise ValueError(
                f"ADRConfig.step={self.step} must be in (0, max_scale={self.max_scale}]"
            )
        if not 0.0 <= self.initial_scale <= self.max_scale:
            raise ValueError(
                f"ADRConfig.initial_scale={self.initial_scale} must be in "
                f"[0, max_scale={self.max_scale}]"
            )
        if not isinstance(self.metric, str) or not self.metric:
            raise ValueError(f"ADRConfig.metric must be a non-empty info key, got {self.metric!r}")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["params"] = list(self.params) if self.params is not None else None
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ADRConfig:
        valid = [f.name for f in fields(cls)]
        unknown = [k for k in data if k not in valid]
        if unknown:
            raise ValueError(
                f"unknown ADRConfig setting {unknown[0]!r}; valid settings: " + ", ".join(valid)
            )
        return cls(**dict(data))


@dataclass(frozen=True)
class _Axis:
    """One ADR parameter: nominal value, default and maximal range, and how it is stepped."""

    nominal: float
    default: tuple[float, float]
    max: tuple[float, float]
    log: bool = False
    integer: bool = False

    @classmethod
    def from_param(cls, param: Param, max_scale: float) -> _Axis:
        assert param.low is not None and param.high is not None
        return cls(
            float(param.nominal),
            (float(param.low), float(param.high)),
            param.scaled_range(max_scale),
            param.dist == "loguniform",
            param.integer,
        )

    def _u(self, x: float) -> float:
        return math.log(x) if self.log else x

    def _x(self, u: float) -> float:
        return math.exp(u) if self.log else u

    def half_range(self, side: Side) -> float:
        """The default half-range of one side in stepping space (0 if that side is empty)."""
        i = SIDES.index(side)
        return abs(self._u(self.default[i]) - self._u(self.nominal))

    def movable(self, side: Side) -> bool:
        return self.half_range(side) > 0 and self.max[SIDES.index(side)] != self.nominal

    def at_scale(self, side: Side, scale: float) -> float:
        """The boundary of one side at an extent of ``scale`` (clipped to the max extent);
        the DR core's ``scaled_range(scale)`` for that side."""
        if scale <= 1e-12:
            return self.nominal
        sign = -1.0 if side == "low" else 1.0
        value = self._x(self._u(self.nominal) + sign * scale * self.half_range(side))
        return max(value, self.max[0]) if side == "low" else min(value, self.max[1])

    def scale_of(self, side: Side, value: float) -> float:
        half = self.half_range(side)
        return abs(self._u(value) - self._u(self.nominal)) / half if half > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "nominal": self.nominal,
            "default": list(self.default),
            "max": list(self.max),
            "log": self.log,
            "integer": self.integer,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Axis:
        return cls(
            float(data["nominal"]),
            (float(data["default"][0]), float(data["default"][1])),
            (float(data["max"][0]), float(data["max"][1])),
            bool(data["log"]),
            bool(data["integer"]),
        )


def resolve_params(
    patterns: Sequence[str] | None, params: Mapping[str, Param], max_scale: float = 2.0
) -> list[str]:
    """The numeric parameter names selected by ``patterns`` (``None``: every numeric one with a
    side that can move)."""
    numeric = [n for n, p in params.items() if p.dist not in ("choice", "seed")]
    if patterns is None:
        return [
            n
            for n in numeric
            if any(_Axis.from_param(params[n], max_scale).movable(side) for side in SIDES)
        ]
    chosen: list[str] = []
    for pattern in patterns:
        names = [n for n in params if fnmatch.fnmatchcase(n, pattern)]
        if not names:
            close = difflib.get_close_matches(pattern, numeric, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"ADRConfig.params: unknown parameter {pattern!r}{hint}; valid "
                "names: " + ", ".join(numeric)
            )
        matched = [n for n in names if n in numeric]
        if not matched:
            raise ValueError(
                f"ADRConfig.params: {pattern!r} matches only choice or seed "
                "parameters; "
                "ADR drives numeric ranges. Valid names: " + ", ".join(numeric)
            )
        chosen += [n for n in matched if n not in chosen]
    return chosen


class ADRState:
    """The ADR ranges of a set of parameters and the per-boundary result queues.

    Args:
        params: the env's parameter declarations (``env.unwrapped.randomizer.params``).
        config: the ADR settings (default :class:`ADRConfig`).

    ``bounds[name] = [low, high]`` is the current range; :meth:`update` feeds one boundary
    result; :meth:`to_dict` / :meth:`from_dict` are a JSON-serialisable round trip.
    """

    def __init__(
        self, params: Mapping[str, Param] | Iterable[Param], config: ADRConfig | None = None
    ) -> None:
        table = dict(params) if isinstance(params, Mapping) else {p.name: p for p in params}
        self.config = config if config is not None else ADRConfig()
        names = resolve_params(self.config.params, table, self.config.max_scale)
        axes = {n: _Axis.from_param(table[n], self.config.max_scale) for n in names}
        s = self.config.initial_scale
        bounds = {n: [a.at_scale("low", s), a.at_scale("high", s)] for n, a in axes.items()}
        self._setup(axes, bounds)

    def _setup(self, axes: dict[str, _Axis], bounds: dict[str, list[float]]) -> None:
        self.axes = axes
        self.bounds = bounds
        self.queues: dict[tuple[str, Side], deque[float]] = {
            (n, side): deque(maxlen=self.config.queue_length) for n in axes for side in SIDES
        }
        self.updates = 0

    # ------------------------------------------------------------------ queries
    @property
    def names(self) -> list[str]:
        return list(self.axes)

    def boundaries(self) -> list[tuple[str, Side]]:
        """The (parameter, side) pairs that can move, in a fixed order (what gets evaluated)."""
        return [(n, side) for n, a in self.axes.items() for side in SIDES if a.movable(side)]

    def ranges(self) -> dict[str, tuple[float, float]]:
        return {n: (b[0], b[1]) for n, b in self.bounds.items()}

    def boundary_value(self, name: str, side: Side) -> float:
        """The value a boundary episode pins (the outermost integer inside for integers)."""
        self._check(name, side)
        value = self.bounds[name][SIDES.index(side)]
        if self.axes[name].integer:
            return float(math.ceil(value - 1e-9) if side == "low" else math.floor(value + 1e-9))
        return value

    def npd(self) -> float:
        """Nats per dimension (DeXtreme): mean of ``log(max(high - low, 1e-3))``."""
        if not self.bounds:
            return 0.0
        return float(
            np.mean([math.log(max(hi - lo, NPD_MIN_WIDTH)) for lo, hi in self.bounds.values()])
        )

    def mean_scale(self) -> float:
        """Mean extent of the movable sides in ``dr_scale`` units (0 nominal, 1 default)."""
        scales = [
            self.axes[n].scale_of(side, self.bounds[n][SIDES.index(side)])
            for n, side in self.boundaries()
        ]
        return float(np.mean(scales)) if scales else 0.0

    def _check(self, name: str, side: str) -> None:
        if name not in self.axes:
            raise ValueError(
                f"unknown ADR parameter {name!r}; ADR parameters: " + ", ".join(self.axes)
            )
        if side not in SIDES:
            raise ValueError(f"ADR side must be 'low' or 'high', got {side!r}")

    # ------------------------------------------------------------------ update
    def update(self, param: str, side: Side, value: float, *, at: float | None = None) -> bool:
        """Add one boundary result; returns whether the boundary moved.

        ``at`` is the value the episode pinned: a result for a boundary that has moved since
        (an episode that started before the last change) is stale and ignored.
        """
        self._check(param, side)
        if at is not None and not math.isclose(
            at, self.boundary_value(param, side), rel_tol=1e-9, abs_tol=1e-12
        ):
            return False
        queue = self.queues[(param, side)]
        queue.append(float(value))
        if len(queue) < self.config.queue_length:
            return False
        mean = float(np.mean(queue))
        queue.clear()
        axis, i, step = self.axes[param], SIDES.index(side), self.config.step
        old = self.bounds[param][i]
        scale = axis.scale_of(side, old)
        if abs(scale / step - round(scale / step)) < 1e-6:  # keep extents on the step grid
            scale = round(scale / step) * step
        if mean >= self.config.threshold_high:
            new = axis.at_scale(side, min(scale + step, self.config.max_scale))
        elif mean <= self.config.threshold_low:
            new = axis.at_scale(side, max(scale - step, 0.0))
        else:
            return False
        new = max(new, axis.max[0]) if side == "low" else min(new, axis.max[1])
        new = min(new, axis.nominal) if side == "low" else max(new, axis.nominal)
        if new == old:
            return False
        self.bounds[param][i] = new
        self.updates += 1
        return True

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot (config, per-parameter axes, bounds and queues)."""
        return {
            "format": _FORMAT,
            "config": self.config.to_dict(),
            "updates": self.updates,
            "params": {
                n: {
                    **a.to_dict(),
                    "bounds": list(self.bounds[n]),
                    "queues": {side: list(self.queues[(n, side)]) for side in SIDES},
                }
                for n, a in self.axes.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ADRState:
        if not isinstance(data, Mapping) or data.get("format") != _FORMAT:
            raise ValueError(
                f"not an ADR state (format {_FORMAT}): expected a mapping with "
                "'format', 'config', 'params'"
            )
        self = cls.__new__(cls)
        self.config = ADRConfig.from_dict(data["config"])
        try:
            axes = {n: _Axis.from_dict(p) for n, p in data["params"].items()}
            bounds = {
                n: [float(p["bounds"][0]), float(p["bounds"][1])] for n, p in data["params"].items()
            }
        except (KeyError, TypeError, IndexError) as err:
            raise ValueError(f"ADR state: malformed parameter entry ({err!r})") from None
        self._setup(axes, bounds)
        self.updates = int(data.get("updates", 0))
        for n, p in data["params"].items():
            for side in SIDES:
                self.queues[(n, side)].extend(float(v) for v in p.get("queues", {}).get(side, []))
        return self

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the state as JSON (atomically: a reader never sees half a file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=1))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ADRState:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"cannot read ADR state {os.fspath(path)}: {err}") from None
        return cls.from_dict(data)

    def as_randomization(self) -> dict[str, Any]:
        """The frozen ranges in the DR core's override format, for ``randomization=``."""
        return {"preset": "default", **{n: [b[0], b[1]] for n, b in self.bounds.items()}}

    def write_randomization(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`as_randomization` as YAML (or JSON for a ``.json`` path)."""
        path = Path(path)
        spec = self.as_randomization()
        path.write_text(
            json.dumps(spec, indent=1)
            if path.suffix == ".json"
            else yaml.safe_dump(spec, sort_keys=False)
        )
        return path


def _as_state(state: ADRState | Mapping[str, Any]) -> ADRState:
    return state if isinstance(state, ADRState) else ADRState.from_dict(state)


class ADRWrapper(gym.Wrapper[Any, Any, Any, Any]):
    """The env side of ADR: applies the ADR ranges and pins one boundary per evaluation episode.

    Args:
        env: a simenv environment (any wrapping; built at effective DR scale 1).
        config: the ADR settings (default :class:`ADRConfig`); ignored when ``state`` is given.
        state: start from these ranges (an :class:`ADRState` or its ``to_dict()``).

    ``info["adr"] = {"param", "side", "value"}`` (all ``None`` for an ordinary episode) is in
    the reset info and, with ``"metric"`` added, in the info of the final step. The boundary
    choice comes from the env's generator (on a seeded reset from a stream derived from the
    seed, so that the env's own draws are those of a plain env with the same ranges).
    """

    def __init__(
        self,
        env: gym.Env[Any, Any],
        config: ADRConfig | None = None,
        state: ADRState | Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(env)
        randomizer = getattr(env.unwrapped, "randomizer", None)
        if randomizer is None:
            raise ValueError(f"ADRWrapper needs a simenv env with a randomizer, got {env}")
        if abs(randomizer.scale - 1.0) > 1e-12:
            raise ValueError(
                f"ADR sets the ranges itself: build the env at effective scale 1 (preset "
                f"'default', dr_scale=1), got preset={randomizer.preset!r}, "
                f"dr_scale={randomizer.dr_scale}"
            )
        self.randomizer = randomizer
        self.params: dict[str, Param] = randomizer.params
        self.frozen = False
        self.state = ADRState(self.params, config)
        self._pinned: str | None = None
        self._episode: dict[str, Any] = {"param": None, "side": None, "value": None}
        if state is not None:
            self.set_adr_state(state)
        else:
            self._apply_all()

    # ------------------------------------------------------------------ API for the callback
    def set_adr_state(self, state: ADRState | Mapping[str, Any]) -> None:
        """Replace the ADR ranges and settings (from :meth:`ADRState.to_dict`)."""
        if self.frozen:
            raise RuntimeError("this ADRWrapper is frozen; call unfreeze() before updating it")
        new = _as_state(state)
        unknown = [n for n in new.names if n not in self.params]
        if unknown:
            raise ValueError(
                f"ADR state parameter {unknown[0]!r} is not a parameter of "
                f"{self.env.unwrapped}; valid names: " + ", ".join(self.params)
            )
        for n, axis in new.axes.items():
            if not math.isclose(axis.nominal, float(self.params[n].nominal)):
                raise ValueError(
                    f"ADR state parameter {n!r} has nominal {axis.nominal}, the "
                    f"env's is {self.params[n].nominal}"
                )
        self.state = new
        self._apply_all()

    def get_adr_state(self) -> dict[str, Any]:
        return self.state.to_dict()

    def get_adr_ranges(self) -> dict[str, tuple[float, float]]:
        """The current ADR ranges (not the pinned boundary of the running episode)."""
        return self.state.ranges()

    def freeze(self) -> None:
        """No more boundary episodes; ranges stay as they are (for evaluation)."""
        self.frozen = True

    def unfreeze(self) -> None:
        self.frozen = False

    # ------------------------------------------------------------------ gym API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        if self._pinned is not None:
            self._apply(self._pinned)
            self._pinned = None
        self._episode = {"param": None, "side": None, "value": None}
        candidates = self.state.boundaries()
        if not self.frozen and self.state.config.boundary_prob > 0 and candidates:
            rng = (
                self.env.unwrapped.np_random
                if seed is None
                else np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_SEED_STREAM,)))
            )
            if rng.random() < self.state.config.boundary_prob:
                name, side = candidates[int(rng.integers(len(candidates)))]
                value = self.state.boundary_value(name, side)
                self.randomizer.set_range(name, value, value)
                self._pinned = name
                self._episode = {"param": name, "side": side, "value": value}
        obs, info = self.env.reset(seed=seed, options=options)
        info["adr"] = dict(self._episode)
        return obs, info

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        if terminated or truncated:
            key = self.state.config.metric
            metric = info.get(key)
            if not isinstance(metric, (bool, int, float, np.number)) or not math.isfinite(
                float(metric)
            ):
                raise ValueError(
                    f"ADR metric {key!r} is not a finite number in the final info "
                    f"(got {metric!r}); set ADRConfig.metric to one of: " + ", ".join(sorted(info))
                )
            info["adr"] = {**self._episode, "metric": float(metric)}
        return obs, reward, terminated, truncated, info

    # ------------------------------------------------------------------ internals
    def _apply(self, name: str) -> None:
        low, high = self.state.bounds[name]
        self.randomizer.set_range(name, low, high)

    def _apply_all(self) -> None:
        for name in self.state.names:
            self._apply(name)
        self._pinned = None


class ADRCallback(BaseCallback):
    """Stable-Baselines3 callback that owns the :class:`ADRState` of a training run.

    Args:
        save_path: folder for ``adr_state.json`` (written on every change and at the end);
            ``None`` to not save.
        state: resume from this state (an :class:`ADRState`, its dict or a JSON path);
            default: the initial state of the first env's :class:`ADRWrapper`.
        verbose: 1 prints every boundary move.

    Every env of the VecEnv must contain an :class:`ADRWrapper` (possibly under ``Monitor``);
    changed ranges reach them with ``env_method("set_adr_state", ...)`` (DummyVecEnv and
    SubprocVecEnv alike).
    """

    def __init__(
        self,
        save_path: str | os.PathLike[str] | None = None,
        state: ADRState | Mapping[str, Any] | str | os.PathLike[str] | None = None,
        verbose: int = 0,
    ) -> None:
        super().__init__(verbose)
        self.save_path = Path(save_path) if save_path is not None else None
        self.state: ADRState | None = None
        self.frozen = False
        if state is not None:
            self.load(state)

    @property
    def state_file(self) -> Path | None:
        return self.save_path / STATE_FILE if self.save_path is not None else None

    def load(self, state: ADRState | Mapping[str, Any] | str | os.PathLike[str]) -> ADRCallback:
        """Resume from a saved state (path to ``adr_state.json``, a dict or an ADRState)."""
        if isinstance(state, (str, os.PathLike)):
            self.state = ADRState.load(state)
        else:
            self.state = _as_state(state)
        if self._running:  # already training: push it now
            self._push()
        return self

    def freeze(self) -> None:
        """Stop updating the ranges and stop boundary episodes in every env."""
        self.frozen = True
        if self._running:
            self.training_env.env_method("freeze")

    def _init_callback(self) -> None:
        if self.state is None:
            try:
                first = self.training_env.env_method("get_adr_state", indices=[0])[0]
            except AttributeError as err:
                raise ValueError(
                    f"every env of the VecEnv needs an ADRWrapper (see make_adr_env): {err}"
                ) from None
            self.state = ADRState.from_dict(first)
        self._push()
        if self.frozen:
            self.training_env.env_method("freeze")

    @property
    def _running(self) -> bool:
        return getattr(self, "model", None) is not None

    def _push(self) -> None:
        assert self.state is not None
        try:
            self.training_env.env_method("set_adr_state", self.state.to_dict())
        except AttributeError as err:
            raise ValueError(
                f"every env of the VecEnv needs an ADRWrapper (see make_adr_env): {err}"
            ) from None

    def _on_step(self) -> bool:
        if self.frozen or self.state is None:
            return True
        changed = False
        for info, done in zip(self.locals["infos"], self.locals["dones"]):
            adr = info.get("adr") if done else None
            if not adr or adr.get("param") is None:
                continue
            moved = self.state.update(adr["param"], adr["side"], adr["metric"], at=adr["value"])
            if moved and self.verbose:
                lo, hi = self.state.bounds[adr["param"]]
                print(f"ADR: {adr['param']} -> [{lo:.4g}, {hi:.4g}]")
            changed |= moved
        if changed:
            self._push()
            self._save()
        return True

    def _on_rollout_end(self) -> None:
        if self.state is None:
            return
        for name, (lo, hi) in self.state.ranges().items():
            self.logger.record(f"adr/{name}_low", lo)
            self.logger.record(f"adr/{name}_high", hi)
        self.logger.record("adr/npd", self.state.npd())
        self.logger.record("adr/mean_scale", self.state.mean_scale())
        self.logger.record("adr/updates", self.state.updates)

    def _on_training_end(self) -> None:
        self._save()

    def _save(self) -> None:
        if self.state is not None and self.state_file is not None:
            self.state.save(self.state_file)


def make_adr_env(env_id: str, config: ADRConfig | None = None, **env_kwargs: Any) -> ADRWrapper:
    """``gym.make(env_id, **env_kwargs)`` wrapped in an :class:`ADRWrapper`."""
    return ADRWrapper(gym.make(env_id, **env_kwargs), config)
