"""Domain randomization core: declarative, seeded, engine-agnostic.

An environment declares its randomizable quantities once, as :class:`Param` objects
(dotted name, nominal value, default range, distribution). A :class:`DomainRandomizer`
resolves the user's ``randomization`` / ``dr_scale`` arguments against those declarations and
samples one value per parameter from a generator the environment passes in (its
``np_random``) — nothing here holds or creates randomness of its own.

Semantics (DESIGN.md §3):

* ``randomization="none"`` fixes every parameter at its nominal value; ``"default"`` uses the
  declared ranges; ``"strong"`` doubles every range around its nominal value (clipped to the
  parameter's physical ``limits``). A ``dict`` or a path to a YAML/JSON file overrides
  individual parameters on top of a preset (``{"preset": "default", "lighting.intensity":
  [0.2, 1.0], "sensor.*": null}``).
* ``dr_scale`` multiplies every range around its nominal value: 0 is the nominal scene,
  1 the default ranges; it composes with the preset (``strong`` at ``dr_scale=0.5`` equals
  ``default``).
* Distributions: ``uniform``, ``loguniform`` (scaled in log space), ``normal`` (standard
  deviation scaled, clipped to the scaled range), ``choice`` (with scale ``s`` a value is
  drawn from the choices with probability ``min(s, 1)``, else the nominal one) and ``seed``
  (the seed of a family's procedural detail — texture patterns, per-object colour scatter —
  that a sample cannot list value by value: the nominal seed at scale 0, else a fresh one in
  [0, 2**31); its derived values are a pure function of it).

Override values, per parameter name or ``fnmatch`` pattern:

============================================  ============================================
``null``                                      fixed at the nominal value
a number or string                            fixed at that value
``[low, high]``                               the declared distribution over a new range
``{"dist": "uniform", "low": a, "high": b}``  also ``loguniform``; ``normal`` takes ``std``
``{"dist": "choice", "choices": [...]}``      optional ``p`` (probabilities)
============================================  ============================================
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

Value = float | int | str | bool
DistKind = Literal["uniform", "loguniform", "normal", "choice", "seed"]
SEEDS = 2**31  # seeds are drawn from [0, SEEDS)
PRESETS: dict[str, float] = {"none": 0.0, "default": 1.0, "strong": 2.0}


@dataclass(frozen=True)
class Param:
    """One randomizable quantity.

    Args:
        name: dotted name, grouped by kind (``lighting.*``, ``camera.*``, ``texture.*``,
            ``material.*``, ``scene.*``, ``dynamics.*``, ``sensor.*``).
        nominal: the value of the nominal (undisturbed) scene.
        low, high: default range (``dr_scale=1``) for numeric distributions.
        dist: ``uniform``, ``loguniform``, ``normal``, ``choice`` or ``seed``.
        choices: the values a ``choice`` parameter may take (the nominal among them).
        std: standard deviation of a ``normal`` parameter at ``dr_scale=1``.
        integer: round samples to integers (counts).
        limits: physical bounds that scaled ranges are clipped to (e.g. a probability in [0, 1]).
        rebuild: structural parameter; a new value rebuilds the simulation model.
        doc: one line for the environment's DR table.
    """

    name: str
    nominal: Value
    low: float | None = None
    high: float | None = None
    dist: DistKind = "uniform"
    choices: tuple[Value, ...] = ()
    std: float | None = None
    integer: bool = False
    limits: tuple[float, float] | None = None
    rebuild: bool = False
    doc: str = ""

    def __post_init__(self) -> None:
        if self.dist == "seed":
            if (
                not isinstance(self.nominal, int)
                or isinstance(self.nominal, bool)
                or not (0 <= self.nominal < SEEDS)
            ):
                raise ValueError(
                    f"parameter {self.name!r}: a seed's nominal value is an int in [0, {SEEDS})"
                )
            return
        if self.dist == "choice":
            if not self.choices:
                raise ValueError(f"parameter {self.name!r}: dist 'choice' needs choices")
            if self.nominal not in self.choices:
                raise ValueError(
                    f"parameter {self.name!r}: nominal {self.nominal!r} is not one of the "
                    f"choices {list(self.choices)}"
                )
            return
        if self.low is None or self.high is None:
            raise ValueError(f"parameter {self.name!r}: dist {self.dist!r} needs low and high")
        if not isinstance(self.nominal, (int, float)) or isinstance(self.nominal, bool):
            raise ValueError(f"parameter {self.name!r}: nominal must be a number")
        if not (self.low <= self.nominal <= self.high):
            raise ValueError(
                f"parameter {self.name!r}: nominal {self.nominal} outside range "
                f"[{self.low}, {self.high}]"
            )
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError(f"parameter {self.name!r}: loguniform needs low > 0")
        if self.dist == "normal" and (self.std is None or self.std < 0):
            raise ValueError(f"parameter {self.name!r}: normal needs std >= 0")

    @property
    def range_text(self) -> str:
        """The default range in the notation of the DR tables: ``U(a, b)``, ``C{...}``."""
        if self.dist == "choice":
            return "choice{" + ", ".join(str(c) for c in self.choices) + "}"
        if self.dist == "seed":
            return "seed in [0, 2^31)"
        tag = {"uniform": "U", "loguniform": "logU", "normal": "N"}[self.dist]
        if self.dist == "normal":
            return f"N(σ={self.std:g}) in [{self.low:g}, {self.high:g}]"
        return f"{tag}({self.low:g}, {self.high:g})"

    def sample(self, rng: np.random.Generator, scale: float) -> Value:
        """Draw one value with every range scaled by ``scale`` around the nominal value."""
        if scale <= 0.0:
            return self.nominal
        if self.dist == "seed":
            return int(rng.integers(SEEDS))
        if self.dist == "choice":
            if rng.random() >= min(scale, 1.0):
                return self.nominal
            return self.choices[int(rng.integers(len(self.choices)))]
        lo, hi = self.scaled_range(scale)
        nominal = float(self.nominal)
        if self.dist == "uniform":
            value = rng.uniform(lo, hi) if hi > lo else lo
        elif self.dist == "loguniform":
            value = math.exp(rng.uniform(math.log(lo), math.log(hi))) if hi > lo else lo
        else:
            value = float(np.clip(rng.normal(nominal, scale * float(self.std or 0.0)), lo, hi))
        if self.integer:
            return int(np.clip(round(value), math.ceil(lo), math.floor(hi)))
        return float(value)

    def scaled_range(self, scale: float) -> tuple[float, float]:
        """The range at ``scale`` (clipped to ``limits``); equal bounds when scale is 0."""
        assert self.low is not None and self.high is not None
        nominal = float(self.nominal)
        if self.dist == "loguniform":
            lo = math.exp(math.log(nominal) + scale * (math.log(self.low) - math.log(nominal)))
            hi = math.exp(math.log(nominal) + scale * (math.log(self.high) - math.log(nominal)))
        else:
            lo = nominal + scale * (self.low - nominal)
            hi = nominal + scale * (self.high - nominal)
        if self.limits is not None:
            lo = max(lo, self.limits[0])
            hi = min(hi, self.limits[1])
        return lo, hi


# --------------------------------------------------------------------------- override specs
class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Range(_Spec):
    dist: Literal["uniform", "loguniform"]
    low: float
    high: float


class _Normal(_Spec):
    dist: Literal["normal"]
    std: float = Field(ge=0)
    low: float
    high: float
    mean: float | None = None


class _Choice(_Spec):
    dist: Literal["choice"]
    choices: list[Value] = Field(min_length=1)
    p: list[float] | None = None


_SpecUnion = Annotated[_Range | _Normal | _Choice, Field(discriminator="dist")]
_SPEC_ADAPTER: TypeAdapter[Any] = TypeAdapter(_SpecUnion)


@dataclass(frozen=True)
class _Fixed:
    value: Value


@dataclass(frozen=True)
class _ChoiceP:
    """A user-specified choice with probabilities; ``scale`` still mixes in the nominal."""

    param: Param
    p: tuple[float, ...]

    def sample(self, rng: np.random.Generator, scale: float) -> Value:
        if scale <= 0.0 or rng.random() >= min(scale, 1.0):
            return self.param.nominal
        return self.param.choices[int(rng.choice(len(self.p), p=np.asarray(self.p)))]


def _one_line(err: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(x) for x in e['loc']) or 'value'}: {e['msg']}" for e in err.errors()
    )


def _fixed(param: Param, value: Value, where: str) -> _Fixed:
    if param.dist == "choice":
        if value not in param.choices:
            raise ValueError(
                f"{where}: {value!r} is not one of the valid values {list(param.choices)}"
            )
    elif isinstance(value, (str, bool)):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    elif not math.isfinite(float(value)):
        raise ValueError(f"{where}: value must be finite, got {value!r}")
    return _Fixed(value)


def _choice(param: Param, parsed: _Choice, where: str) -> Param | _ChoiceP:
    if parsed.p is not None and (
        len(parsed.p) != len(parsed.choices) or abs(sum(parsed.p) - 1.0) > 1e-6
    ):
        raise ValueError(f"{where}: p must have one probability per choice and sum to 1")
    bad = [c for c in parsed.choices if param.dist == "choice" and c not in param.choices]
    if bad:
        raise ValueError(
            f"{where}: {bad[0]!r} is not one of the valid values {list(param.choices)}"
        )
    nominal = param.nominal if param.nominal in parsed.choices else parsed.choices[0]
    new = replace(param, dist="choice", choices=tuple(parsed.choices), nominal=nominal)
    return _ChoiceP(new, tuple(parsed.p)) if parsed.p is not None else new


def _override(param: Param, spec: Any) -> Param | _Fixed | _ChoiceP:
    """Turn one user override into a sampler for ``param`` (or raise a one-line ValueError)."""
    where = f"randomization[{param.name!r}]"
    if spec is None:
        return _Fixed(param.nominal)
    if param.dist == "seed":
        if not isinstance(spec, int) or isinstance(spec, bool) or not 0 <= spec < SEEDS:
            raise ValueError(
                f"{where}: a seed is fixed to an int in [0, {SEEDS}) or null, got {spec!r}"
            )
        return _Fixed(spec)
    if isinstance(spec, (bool, int, float, str)):
        return _fixed(param, spec, where)
    if isinstance(spec, (list, tuple)):
        if param.dist == "choice":
            spec = {"dist": "choice", "choices": list(spec)}
        else:
            if len(spec) != 2 or not all(isinstance(v, (int, float)) for v in spec):
                raise ValueError(f"{where}: a range is [low, high] of two numbers, got {spec!r}")
            kind = param.dist if param.dist != "normal" else "uniform"
            spec = {"dist": kind, "low": spec[0], "high": spec[1]}
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where}: unsupported override {spec!r}")
    try:
        parsed = _SPEC_ADAPTER.validate_python(dict(spec))
    except ValidationError as err:
        raise ValueError(f"{where}: {_one_line(err)}") from None
    if isinstance(parsed, _Choice):
        return _choice(param, parsed, where)
    if param.dist == "choice":
        raise ValueError(
            f"{where}: parameter takes values from {list(param.choices)}, not a numeric range"
        )
    if not (math.isfinite(parsed.low) and math.isfinite(parsed.high)) or parsed.low > parsed.high:
        raise ValueError(f"{where}: need finite low <= high, got [{parsed.low}, {parsed.high}]")
    nominal = float(np.clip(float(param.nominal), parsed.low, parsed.high))
    if isinstance(parsed, _Normal) and parsed.mean is not None:
        nominal = float(np.clip(parsed.mean, parsed.low, parsed.high))
    try:
        return replace(
            param,
            dist=parsed.dist,
            low=parsed.low,
            high=parsed.high,
            std=getattr(parsed, "std", param.std),
            nominal=round(nominal) if param.integer else nominal,
            limits=None,
        )
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def load_spec(randomization: str | os.PathLike[str] | Mapping[str, Any]) -> dict[str, Any]:
    """Read a randomization argument into a mapping (``{"preset": ..., name: override}``)."""
    if isinstance(randomization, Mapping):
        return dict(randomization)
    text = os.fspath(randomization)
    if text in PRESETS:
        return {"preset": text}
    path = Path(text)
    if not path.is_file():
        raise ValueError(
            f"randomization={text!r} is neither a preset ({', '.join(PRESETS)}) nor an "
            "existing YAML/JSON file"
        )
    try:
        data = (
            json.loads(path.read_text())
            if path.suffix == ".json"
            else yaml.safe_load(path.read_text())
        )
    except (yaml.YAMLError, json.JSONDecodeError) as err:
        raise ValueError(f"randomization file {text}: cannot parse ({err})") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ValueError(f"randomization file {text}: expected a mapping of parameter names")
    return dict(data)


class DomainRandomizer:
    """The resolved randomization of one environment instance.

    Args:
        params: the environment's parameter declarations.
        randomization: ``"none"``, ``"default"``, ``"strong"``, a dict, or a YAML/JSON path.
        dr_scale: multiplies every range around its nominal value (>= 0).

    ``sample(rng)`` returns ``{name: value}`` (plain Python scalars, JSON-serialisable).
    """

    def __init__(
        self,
        params: Iterable[Param],
        randomization: str | os.PathLike[str] | Mapping[str, Any] = "default",
        dr_scale: float = 1.0,
    ) -> None:
        self.params: dict[str, Param] = {}
        for p in params:
            if p.name in self.params:
                raise ValueError(f"parameter {p.name!r} declared twice")
            self.params[p.name] = p
        if not isinstance(dr_scale, (int, float)) or not math.isfinite(dr_scale) or dr_scale < 0:
            raise ValueError(f"dr_scale must be a finite number >= 0, got {dr_scale!r}")
        spec = load_spec(randomization)
        preset = spec.pop("preset", "default")
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; valid presets: {', '.join(PRESETS)}")
        self.preset: str = preset
        self.dr_scale = float(dr_scale)
        self.scale = PRESETS[preset] * float(dr_scale)
        self._samplers: dict[str, Param | _Fixed | _ChoiceP] = dict(self.params)
        for key, value in spec.items():
            for name in self._match(str(key)):
                self._samplers[name] = _override(self.params[name], value)

    def _match(self, key: str) -> list[str]:
        names = [n for n in self.params if fnmatch.fnmatchcase(n, key)]
        if not names:
            close = difflib.get_close_matches(key, self.params, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"unknown randomization parameter {key!r}{hint}; valid names: "
                + ", ".join(sorted(self.params))
            )
        return names

    @property
    def names(self) -> list[str]:
        return list(self.params)

    def nominal(self) -> dict[str, Value]:
        return {name: p.nominal for name, p in self.params.items()}

    def sample(self, rng: np.random.Generator) -> dict[str, Value]:
        """One value per parameter, in declaration order, all drawn from ``rng``."""
        out: dict[str, Value] = {}
        for name, sampler in self._samplers.items():
            out[name] = (
                sampler.value if isinstance(sampler, _Fixed) else sampler.sample(rng, self.scale)
            )
        return out

    def set_range(self, name: str, low: float, high: float) -> None:
        """Replace one numeric parameter's range (used by automatic DR); keeps its distribution."""
        if name not in self.params:
            self._match(name)  # raises the error that lists the valid names
        self._samplers[name] = _override(self.params[name], [low, high])

    def ranges(self) -> dict[str, Any]:
        """The effective distribution of every parameter (for logs and checkpoints)."""
        out: dict[str, Any] = {}
        for name, s in self._samplers.items():
            if isinstance(s, _Fixed):
                out[name] = {"dist": "fixed", "value": s.value}
            elif isinstance(s, _ChoiceP):
                out[name] = {"dist": "choice", "choices": list(s.param.choices), "p": list(s.p)}
            elif s.dist == "choice":
                out[name] = {"dist": "choice", "choices": list(s.choices)}
            elif s.dist == "seed":
                out[name] = {"dist": "seed"}
            else:
                lo, hi = s.scaled_range(self.scale)
                out[name] = {"dist": s.dist, "low": lo, "high": hi}
        return out


_REBUILD = {True: " (rebuilds the model)", False: ""}


def material_params(
    group: str,
    hue: float = 0.5,
    saturation: tuple[float, float] = (0.3, 1.7),
    value: tuple[float, float] = (0.6, 1.3),
) -> list[Param]:
    """``material.{group}.hue`` (± ``hue`` turns), ``.saturation`` and ``.value`` (scales)."""
    return [
        Param(f"material.{group}.hue", 0.0, -hue, hue, doc=f"{group} hue shift (turns)"),
        Param(
            f"material.{group}.saturation",
            1.0,
            *saturation,
            limits=(0.0, 3.0),
            doc=f"{group} saturation scale",
        ),
        Param(
            f"material.{group}.value",
            1.0,
            *value,
            limits=(0.05, 2.0),
            doc=f"{group} brightness scale",
        ),
    ]


def dr_table(params: Sequence[Param]) -> str:
    """A Markdown table (parameter, nominal, default range, meaning) for docstrings and docs."""
    rows = ["| parameter | nominal | default range | meaning |", "|---|---|---|---|"]
    rows += [
        f"| `{p.name}` | {p.nominal} | {p.range_text} | {p.doc}{_REBUILD[p.rebuild]} |"
        for p in params
    ]
    return "\n".join(rows)
