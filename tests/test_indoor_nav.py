"""IndoorNav-specific behaviour: layouts, splits, physics, tasks, rewards, expert."""

from __future__ import annotations

import hashlib

import gymnasium as gym
import numpy as np
import pytest

from simenv.agents import IndoorNavExpert
from simenv.envs.indoor_nav import SEG_CLASSES
from simenv.envs.indoor_nav.constants import CLEARANCE, LAYOUT_SPLITS
from simenv.envs.indoor_nav.layout import OccupancyGrid, furnish, generate_floorplan
from simenv.rollout import run_episode


def _digest(layout_id: int) -> str:
    plan = generate_floorplan(layout_id)
    walls = np.round([[w.x0, w.y0, w.x1, w.y1] for w in plan.walls], 3)
    return hashlib.sha1(walls.tobytes() + repr(plan.kinds).encode()).hexdigest()


def test_layouts_are_distinct_deterministic_and_splits_disjoint() -> None:
    ids = list(range(0, 1_000_000, 997))[:600]  # spread over both splits
    digests = {_digest(i) for i in ids}
    assert len(digests) == len(ids)
    assert _digest(12345) == _digest(12345)
    train, test = LAYOUT_SPLITS["train"], LAYOUT_SPLITS["test"]
    assert len(train) + len(test) >= 100_000 and not set(train) & set(test[:1000])
    env = gym.make("simenv/IndoorNav-v0", split="test", obs_mode="state")
    layouts = {env.reset(seed=s)[1]["layout"] for s in range(10)}
    assert all(i in test for i in layouts) and len(layouts) == 10
    with pytest.raises(ValueError, match="split"):
        gym.make("simenv/IndoorNav-v0", split="val")


@pytest.mark.parametrize("layout_id", range(0, 60, 3))
def test_every_room_is_reachable(layout_id: int) -> None:
    plan = generate_floorplan(layout_id)
    rng = np.random.default_rng(layout_id)
    grid = OccupancyGrid(plan, furnish(plan, 4, 0.0, 0, rng), CLEARANCE)
    for room in plan.rooms:
        (r0, c0), (r1, c1) = (
            grid.cell(np.array([room.x0, room.y0])),
            grid.cell(np.array([room.x1, room.y1])),
        )
        assert grid.reachable[r0:r1, c0:c1].any(), f"room {room} cut off"
    assert 3 <= len(plan.rooms) <= 6 and len(plan.doors) >= len(plan.rooms) - 1


def test_geodesic_distances_are_shortest_paths() -> None:
    plan = generate_floorplan(3)
    grid = OccupancyGrid(plan, [], CLEARANCE)
    cells = np.argwhere(grid.reachable)
    src = np.zeros(grid.shape, bool)
    src[tuple(cells[0])] = True
    field = grid.distance_field(src)
    finite = np.isfinite(field)
    assert np.array_equal(finite, grid.reachable)
    centres = np.array([grid.center(tuple(c)) for c in cells])
    euclid = np.linalg.norm(centres - centres[0], axis=1)
    geo = field[cells[:, 0], cells[:, 1]]
    assert np.all(geo >= euclid * 0.999)  # never shorter than a straight line
    near = (euclid > 0) & (euclid < 1.0)  # open floor around the source: nearly straight
    assert np.all(geo[near] <= euclid[near] * 1.1 + 1e-9)


def test_different_seeds_give_different_scenes_and_dr_none_is_nominal() -> None:
    env = gym.make("simenv/IndoorNav-v0", randomization="none", layout=42)
    _, ia = env.reset(seed=0)
    _, ib = env.reset(seed=1)
    assert ia["randomization"] == ib["randomization"]  # nominal look
    assert ia["layout"] == ib["layout"] == 42
    env2 = gym.make("simenv/IndoorNav-v0")
    c, ic = env2.reset(seed=0)
    d, id_ = env2.reset(seed=1)
    assert ic["layout"] != id_["layout"] and ic["randomization"] != id_["randomization"]
    assert np.abs(c["rgb"].astype(int) - d["rgb"]).mean() > 10


def test_reward_terms_add_up_and_metrics_are_reported() -> None:
    env = gym.make("simenv/IndoorNav-v0", obs_mode="state")
    env.reset(seed=0)
    env.action_space.seed(0)
    for _ in range(20):
        _, reward, _, _, info = env.step(env.action_space.sample())
        terms = sum(v for k, v in info.items() if k.startswith("reward_"))
        assert reward == pytest.approx(terms)
        for key in ("success", "spl", "distance_to_goal", "collisions", "path_length"):
            assert key in info


def test_walls_are_physical_and_collisions_counted() -> None:
    env = gym.make("simenv/IndoorNav-v0", obs_mode="state", randomization="none")
    env.reset(seed=3)
    base = env.unwrapped
    grid = base.episode.grid
    xy0, _ = base.robot_pose()
    info = {}
    for _ in range(120):  # drive straight ahead, whatever is in front
        _, _, terminated, _, info = env.step(np.array([1.0, 0.0]))
        if terminated:
            break
    xy, _ = base.robot_pose()
    r, c = grid.cell(xy)
    assert not grid.occupied[r, c] or grid.clearance_map[r, c] > 0  # not inside a wall
    assert info["collisions"] > 0 and not info["success"]  # 19 m straight ahead: a wall
    assert info["path_length"] < 120 * 0.8 * 0.2 + 1e-6
    assert np.linalg.norm(xy - xy0) <= info["path_length"] + 1e-6


def test_segmentation_matches_classes_and_depth_is_metric() -> None:
    env = gym.make(
        "simenv/IndoorNav-v0", obs_mode="rgbd+seg", randomization="none", camera_size=(64, 64)
    )
    obs, _ = env.reset(seed=2)
    seg = obs["seg"][..., 0]
    present = {SEG_CLASSES[i] for i in np.unique(seg)}
    assert "floor" in present and ("wall" in present or "ceiling" in present)
    depth = obs["depth"][..., 0]
    assert 0.0 < depth.min() and depth.max() <= 10.0
    floor_depth = depth[seg == SEG_CLASSES.index("floor")]
    assert floor_depth.mean() < depth[seg == SEG_CLASSES.index("ceiling")].mean() + 5


@pytest.mark.parametrize("task", ["pointgoal", "objectgoal"])
def test_expert_solves_test_episodes(task: str) -> None:
    env = gym.make("simenv/IndoorNav-v0", task=task, obs_mode="state", split="test")
    results = [run_episode(env, IndoorNavExpert().act, seed=500 + s) for s in range(8)]
    success = np.mean([r["success"] for r in results])
    spl = np.mean([r["spl"] for r in results])
    assert success >= 0.85 and spl >= 0.75, (success, spl)


def test_discrete_actions_and_stop() -> None:
    env = gym.make("simenv/IndoorNav-v0", action_mode="discrete", obs_mode="state")
    env.reset(seed=0)
    _, _, terminated, _, info = env.step(0)  # stop far from the goal: episode over, failure
    assert terminated and not info["success"] and info["spl"] == 0.0
    env.reset(seed=0)
    _, yaw0 = env.unwrapped.robot_pose()
    env.step(2)  # turn left
    _, yaw1 = env.unwrapped.robot_pose()
    assert 0.1 < np.angle(np.exp(1j * (yaw1 - yaw0))) < 0.6
    with pytest.raises(ValueError, match="integer in"):
        env.step(7)
    with pytest.raises(ValueError, match="integer in"):
        env.step(1.5)


def test_objectgoal_one_hot_and_fixed_category() -> None:
    env = gym.make(
        "simenv/IndoorNav-v0", task="objectgoal", object_category="table", obs_mode="state"
    )
    obs, info = env.reset(seed=1)
    assert info["object_category"] == "table"
    assert obs["goal"].tolist() == [0.0, 1.0, 0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="object_category"):
        gym.make("simenv/IndoorNav-v0", task="objectgoal", object_category="lamp")
