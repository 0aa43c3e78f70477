"""Explicit registration of every simenv environment id (no metaclass magic)."""

from __future__ import annotations

import gymnasium as gym

# id -> (entry point, max_episode_steps, one-line description)
ENV_IDS: dict[str, tuple[str, int, str]] = {
    "simenv/IndoorNav-v0": (
        "simenv.envs.indoor_nav:IndoorNavEnv",
        500,
        "MuJoCo: a wheeled robot reaches a point or an object category in generated apartments",
    ),
    "simenv/Driving-v0": (
        "simenv.envs.driving:DrivingEnv",
        1200,
        "PyBullet: a 1:10 racecar keeps its lane to the goal on generated roads with traffic",
    ),
    "simenv/TransparentGrasp-v0": (
        "simenv.envs.transparent_grasp:TransparentGraspEnv",
        200,
        "MuJoCo: a Panda arm lifts procedurally generated glassware seen by a failing depth sensor",
    ),
}


def register_envs() -> None:
    for env_id, (entry_point, steps, _) in ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point, max_episode_steps=steps)
