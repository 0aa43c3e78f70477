"""One registration record per family; everything that lists families reads ``FAMILIES``.

A family is one folder under ``envs/`` plus one :class:`Family` line below. Gymnasium
registration, the expert lookup (``simenv.agents.make_expert``), the pseudo-real look
(``simenv.real2sim``), the generic test sweep (``tests/test_envs.py``), the demo and the
packaging (``setup.py`` finds every package under ``envs/``) all read this table, so nothing
else needs editing (``docs/adding_a_family.md``).

Entry points are ``"module:attribute"`` strings, resolved on use like Gymnasium's: the core
never imports a family or an agent at import time (layers import one way, DESIGN.md §7).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import gymnasium as gym

from .vector import make as make_vector


@dataclass(frozen=True)
class Family:
    """The registration record of one environment family.

    Args:
        env_id: the Gymnasium id (``simenv/<Name>-v<N>``).
        entry_point: ``"module:Class"`` of the environment.
        max_episode_steps: the ``TimeLimit`` of ``gym.make``.
        description: one line for ``simenv list`` and the docs.
        expert: ``"module:Class"`` of the privileged expert (``act(env) -> action``).
        pseudo_real: ``"module:NAME"`` of the pseudo-real look, a ``randomization`` dict of
            fixed values (``simenv.real2sim``).
        test_kwargs: ``gym.make`` keyword arguments that make the env small and its episodes
            short in tests.
        public: listed by ``simenv list``, the demo and the docs (the template family is not).
    """

    env_id: str
    entry_point: str
    max_episode_steps: int
    description: str
    expert: str
    pseudo_real: str
    test_kwargs: Mapping[str, Any] = field(default_factory=dict)
    public: bool = True

    def env_class(self) -> type[gym.Env[Any, Any]]:
        cls: type[gym.Env[Any, Any]] = resolve(self.entry_point)
        return cls

    def expert_class(self) -> Any:
        return resolve(self.expert)

    def pseudo_real_look(self) -> dict[str, Any]:
        return dict(resolve(self.pseudo_real))


FAMILIES: tuple[Family, ...] = (
    Family(
        "simenv/IndoorNav-v0",
        "simenv.envs.indoor_nav:IndoorNavEnv",
        500,
        "MuJoCo: a wheeled robot reaches a point or an object category in generated apartments",
        expert="simenv.envs.indoor_nav.expert:IndoorNavExpert",
        pseudo_real="simenv.envs.indoor_nav.randomize:PSEUDO_REAL",
        test_kwargs={"camera_size": (36, 36), "max_episode_steps": 40},
    ),
    Family(
        "simenv/Driving-v0",
        "simenv.envs.driving:DrivingEnv",
        1200,
        "PyBullet: a 1:10 racecar keeps its lane to the goal on generated roads with traffic",
        expert="simenv.envs.driving.expert:DrivingExpert",
        pseudo_real="simenv.envs.driving.randomize:PSEUDO_REAL",
        test_kwargs={"camera_size": (36, 36), "max_episode_steps": 40},
    ),
    Family(
        "simenv/TransparentGrasp-v0",
        "simenv.envs.transparent_grasp:TransparentGraspEnv",
        200,
        "MuJoCo: a Panda arm lifts procedurally generated glassware seen by a failing depth sensor",
        expert="simenv.envs.transparent_grasp.expert:TransparentGraspExpert",
        pseudo_real="simenv.envs.transparent_grasp.randomize:PSEUDO_REAL",
        test_kwargs={"camera_size": (36, 36), "max_episode_steps": 10},
    ),
    Family(
        "simenv/Template-v0",
        "simenv.envs._template:TemplateEnv",
        100,
        "MuJoCo: the template family — a sliding puck pushed onto a target (copy it)",
        expert="simenv.envs._template.expert:TemplateExpert",
        pseudo_real="simenv.envs._template.randomize:PSEUDO_REAL",
        test_kwargs={"camera_size": (36, 36), "max_episode_steps": 20},
        public=False,
    ),
)

BY_ID: dict[str, Family] = {f.env_id: f for f in FAMILIES}
# the public ids: ``simenv list``, the demo, the docs
ENV_IDS: dict[str, Family] = {f.env_id: f for f in FAMILIES if f.public}


def resolve(reference: str) -> Any:
    """The object named by ``"package.module:attribute"``."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def family(env_id: str) -> Family:
    """The record of ``env_id`` (a one-line ``ValueError`` naming the valid ids)."""
    if env_id not in BY_ID:
        raise ValueError(f"unknown environment {env_id!r}; valid: {', '.join(BY_ID)}")
    return BY_ID[env_id]


def register_envs() -> None:
    """Register every family with Gymnasium (idempotent): ``gym.make`` and, natively,
    ``gym.make_vec``."""
    for f in FAMILIES:
        if f.env_id not in gym.registry:
            gym.register(
                id=f.env_id,
                entry_point=f.entry_point,
                vector_entry_point=partial(make_vector, f.env_id),
                max_episode_steps=f.max_episode_steps,
            )
