"""Driving-v0 behaviour beyond the generic registry sweep (tests/test_envs.py)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import simenv  # noqa: F401
from simenv.envs.driving import constants as C
from simenv.envs.driving.bounds import kit_demand, pool_bounds
from simenv.envs.driving.expert import DrivingExpert
from simenv.envs.driving.roads import generate_road, pieces, place_scenery, road_id_range
from simenv.rollout import run_episode

ENV = "simenv/Driving-v0"


@pytest.mark.parametrize("road_id", [0, 1, 17, 4242, 900_001, 999_999])
def test_roads_are_connected_smooth_and_never_cross_themselves(road_id: int) -> None:
    road = generate_road(road_id)
    step = np.linalg.norm(np.diff(road.xy, axis=0), axis=1)
    assert step.max() < 1.5 * C.SAMPLE_DS  # one continuous centreline
    turn = np.abs(np.angle(np.exp(1j * np.diff(road.heading))))
    assert turn.max() <= C.SAMPLE_DS / C.JUNCTION_HALF + 1e-6  # radius >= 1.5 m everywhere
    assert road.goal_s + C.RUN_OUT <= road.length + 1e-6
    # strips of parts far apart along the route never overlap
    far = np.abs(road.s[:, None] - road.s[None]) > 8.0
    dist = np.linalg.norm(road.xy[:, None] - road.xy[None], axis=2)
    assert dist[far].min() >= 2 * C.STRIP_HALF
    # tiles chain up: each starts where the previous one of its segment ended
    assert len(pieces(road)) >= int(road.goal_s * 0.5)


def test_road_splits_are_disjoint_and_scenery_stays_off_the_road() -> None:
    assert set(road_id_range("train")).isdisjoint(road_id_range("test"))
    with pytest.raises(ValueError, match="split"):
        road_id_range("val")
    road = generate_road(3)
    items = place_scenery(road, np.random.default_rng(0), 4.0, 4.0, 2.0)
    assert {p.kind for p in items} >= {"building", "tree"}
    for p in items:
        d = np.linalg.norm(road.strip_points - (p.x, p.y), axis=1).min()
        assert d > C.STRIP_HALF - 0.6  # lamps stand on the sidewalk, everything else beyond


def test_expert_completes_short_test_routes() -> None:
    env = gym.make(ENV, obs_mode="state", split="test")
    results = [run_episode(env, DrivingExpert().act, seed=s) for s in range(3)]
    env.close()
    for r in results:
        assert r["success"] and r["route_completion"] == 1.0 and r["termination"] == "success"
        assert r["collisions"] == 0 and r["mean_lane_deviation"] < 0.1


def test_discrete_actions_drive_the_car() -> None:
    env = gym.make(ENV, obs_mode="state", action_mode="discrete", randomization="none")
    env.reset(seed=0)
    for _ in range(20):
        obs, *_ = env.step(list(C.DISCRETE_ACTIONS).index("gas"))
    assert obs["proprio"][0] > 0.5
    env.close()


def test_collision_ends_the_episode() -> None:
    env = gym.make(
        ENV,
        obs_mode="state",
        randomization={"scene.traffic_density": 0.0, "scene.obstacle_density": 0.0},
    )
    env.reset(seed=0)
    base = env.unwrapped
    x, y, yaw = base.episode.road.pose_at(1.5, base.episode.lane_centre)
    base.world.place("barrel", x, y, 0.0, yaw)  # a barrel right in front of the car
    info: dict = {}
    for _ in range(40):
        _, reward, terminated, _, info = env.step(np.array([0.0, 1.0]))
        if terminated:
            break
    assert terminated and info["termination"] == "collision" and info["collisions"] == 1
    assert reward < 0 and not info["success"]
    env.close()


def test_leaving_the_road_ends_the_episode() -> None:
    env = gym.make(ENV, obs_mode="state", randomization="none")
    env.reset(seed=1)
    for _ in range(200):
        _, _, terminated, _, info = env.step(np.array([1.0, 0.6]))
        if terminated:
            break
    assert terminated and info["termination"] in ("off_road", "collision")
    assert info["route_completion"] < 0.5
    env.close()


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def _sees_nothing(c: Any, spot: tuple[float, float, float]) -> bool:
    """Whether a camera 3 m from a parking spot draws nothing (segmentation all -1)."""
    x, y, z = spot
    view = c.computeViewMatrix([x, y - 3.0, z + 1.5], [x, y, z + 0.5], [0, 0, 1])
    proj = c.computeProjectionMatrixFOV(90, 1.0, 0.03, 10.0)
    seg = c.getCameraImage(16, 16, view, proj, renderer=c.ER_TINY_RENDERER)[4]
    return bool((np.asarray(seg) == -1).all())


def test_the_world_is_built_once_and_parked_bodies_cost_nothing() -> None:
    """Issue 22: every pool is filled once with the most bodies an episode can need, so the
    Bullet world never grows, and every body an episode does not use is parked where it costs
    nothing per step: not drawn (alpha 0: TinyRenderer skips it) and out of collision (filter
    group and mask 0: rays and contacts skip it). Tests never time, so the step cost is checked
    by its causes: a constant body count, each pooled body either placed this episode or
    parked, and flat memory (a mesh per episode would leak ~0.2 MB per reset).
    """
    env = gym.make(ENV, obs_mode="rgb", camera_size=(16, 16), randomization="strong")
    base = env.unwrapped
    env.reset(seed=0)
    world = base.world
    made = world.census()
    assert made["bodies"] == made["pooled"] + 2  # + ground and car
    bounds, _ = pool_bounds(base.randomizer.ranges())
    assert {kind: len(pool.bodies) for kind, pool in world.pools.items()} == bounds
    placed, before = [], 0.0
    for s in range(1, 211):
        if s == 61:  # after the road cache (64 roads, ~3 MB) has filled
            before = _rss_mb()
        env.reset(seed=1000 + s)
        env.step(env.action_space.sample())
        census = world.census()
        assert census["bodies"] == made["bodies"], f"the world grew at reset {s}: {census}"
        assert census["placed"] + len(world.parked()) == census["pooled"]
        placed.append(census["placed"])
    grown = _rss_mb() - before
    assert grown < 2.0, f"grew {grown:.1f} MB over 150 resets"
    assert max(placed) < made["pooled"] / 2  # most of the world is parked, as designed

    c, parked = world.c, world.parked()
    spots = [c.getBasePositionAndOrientation(b)[0] for b in parked]
    hits = c.rayTestBatch(
        [[x, y, z + 5.0] for x, y, z in spots], [[x, y, z - 5.0] for x, y, z in spots]
    )
    assert all(h[0] == -1 for h in hits), "a parked body is in collision"
    solid = [
        (b, c.getBasePositionAndOrientation(b)[0])
        for name, pool in world.pools.items()
        if name.split("/")[0] in ("building", "trunk", "cone", "barrel", "parked")
        for b, shown in zip(pool.bodies, pool.shown)
        if shown
    ]
    assert solid, "no placed solid body to check the ray test on"
    hits = c.rayTestBatch(
        [[x, y, 5.0] for _, (x, y, _) in solid], [[x, y, 0.01] for _, (x, y, _) in solid]
    )
    assert [h[0] for h in hits] == [b for b, _ in solid]  # placed bodies are in collision

    rng = np.random.default_rng(0)
    sample = {int(b) for pool in world.pools.values() for b in pool.bodies[-2:]}  # every kind
    sample |= {int(b) for b in rng.choice(parked, 40, replace=False)}
    for body in sorted(sample & set(parked)):
        spot = c.getBasePositionAndOrientation(body)[0]
        assert _sees_nothing(c, spot), f"parked body {body} is drawn"
    assert world.place("barrel", *spot, 0.0) is not None  # and a placed body is seen
    assert not _sees_nothing(c, spot)
    env.close()


def test_pool_bounds_follow_the_dr_ranges_and_refuse_ranges_beyond_the_caps() -> None:
    env = gym.make(ENV, obs_mode="state", randomization={"scene.traffic_density": [0.0, 0.1]})
    env.reset(seed=0)
    randomizer, pools = env.unwrapped.randomizer, env.unwrapped.world.pools
    few = len(pools["vehicle"].bodies)
    randomizer.set_range("scene.traffic_density", 0.0, 1.2)  # as automatic DR widens it
    env.reset(seed=1)
    assert len(pools["vehicle"].bodies) > few
    randomizer.set_range("scene.traffic_density", 0.0, 3.0)
    with pytest.raises(ValueError, match=r"scene.traffic_density.*holds 32.*to 2\.\d+"):
        env.reset(seed=2)
    env.close()
    with pytest.raises(ValueError, match=r"scene.buildings.*buildings of one size.*holds 48"):
        gym.make(ENV, randomization={"scene.buildings": [0.0, 10.0]})


@pytest.mark.parametrize("road_id", sorted(set(C.ROAD_KIT_ARGMAX.values())))
def test_road_kit_maxima_are_exact(road_id: int) -> None:
    """The road-kit bounds are attained by these road ids and never exceeded by any (computed
    over every id by ``bounds.road_kit_maxima``): a changed road generator fails here."""
    need = kit_demand(generate_road(road_id))
    table = {
        **C.ROAD_KIT_MAX,
        "tiles": C.MAX_TILES,
        "junctions": C.MAX_JUNCTIONS,
        "tees": C.MAX_TEES,
    }
    assert all(need[key] <= most for key, most in table.items())
    assert [
        key for key, rid in C.ROAD_KIT_ARGMAX.items() if rid == road_id and need[key] != table[key]
    ] == []


def test_domain_randomization_changes_the_look_and_none_is_nominal() -> None:
    env = gym.make(ENV, camera_size=(48, 48), randomization="none", road=5)
    a = env.reset(seed=0)[1]["randomization"]
    b = env.reset(seed=1)[1]["randomization"]
    assert a == b  # nominal values only
    env.close()
    env = gym.make(ENV, camera_size=(48, 48), road=5)
    frames = [env.reset(seed=s)[0]["rgb"].astype(float) for s in range(4)]
    env.close()
    assert min(np.abs(frames[0] - f).mean() for f in frames[1:]) > 5


def test_lidar_sees_an_obstacle_ahead() -> None:
    env = gym.make(
        ENV,
        obs_mode="lidar",
        randomization={"scene.traffic_density": 0.0, "scene.obstacle_density": 0.0},
    )
    obs, _ = env.reset(seed=2)
    base = env.unwrapped
    x, y, yaw = base.episode.road.pose_at(2.0, base.episode.lane_centre)
    base.world.place("barrel", x, y, 0.0, yaw)
    obs, *_ = env.step(np.array([0.0, 0.0]))
    assert obs["lidar"][0] < 1.6 and obs["lidar"][0] < np.median(obs["lidar"])
    env.close()


def _twin_captures(seed: int, size: tuple[int, int], scale: int) -> tuple[Any, Any, Any]:
    """The observation camera of the same episode state drawn by TinyRenderer at ``size`` and
    by the batch renderer at ``scale`` times that (the ego car drives a few steps first)."""
    kw: dict[str, Any] = {"randomization": "none", "obs_mode": "rgb+depth+seg"}
    tiny = gym.make(ENV, renderer="tiny", camera_size=size, **kw)
    batch = gym.make(ENV, renderer="batch", camera_size=(size[0] * scale, size[1] * scale), **kw)
    for env in (tiny, batch):
        env.reset(seed=seed)
        for _ in range(4):
            env.step(np.array([0.1, 0.6], np.float32))
    frames = tiny.unwrapped.capture(), batch.unwrapped.capture()
    scene = batch.unwrapped.scene()
    tiny.close()
    batch.close()
    return *frames, scene


@pytest.mark.parametrize("seed", [0, 3])
def test_batch_renderer_agrees_with_tinyrenderer_where_it_draws(seed: int) -> None:
    """Segmentation (as body ids) and depth of the default renderer against TinyRenderer.

    TinyRenderer samples pixel ``(r, c)`` at ``(r + 1, c)`` in pixel-centre coordinates (half
    a pixel below and left of the centre OpenGL samples), so the batch image is drawn at 4×
    and read at those points: away from edges both renderers see the same body and the same
    depth (depth on a plane is harmonic in the image, so the mean of inverse depths of the four
    nearest 4× pixels is the plane's depth at the point)."""
    h, w, k = 48, 64, 4
    tiny, batch, scene = _twin_captures(seed, (h, w), k)
    body_of = np.array([b for b, _, _ in scene.shapes] + [-1])
    rows, cols = k * np.arange(1, h), k * np.arange(w)  # the last row's point is off the image
    bodies = body_of[batch.segmentation][np.ix_(rows, cols)]
    ref = tiny.segmentation[:-1]
    padded = np.pad(tiny.segmentation, 1, mode="edge")
    window = np.stack(
        [padded[1 + dr : h + 1 + dr, 1 + dc : w + 1 + dc] for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
    )
    interior = ((window == tiny.segmentation).all(0) & (tiny.segmentation >= 0))[:-1]
    assert interior.mean() > 0.3  # road tiles are 1 m long: many edges
    assert (bodies == ref).mean() > 0.95
    assert (bodies == ref)[interior].mean() > 0.99
    inverse = 1.0 / batch.depth
    left = np.maximum(cols - 1, 0)
    near = (
        inverse[np.ix_(rows - 1, left)]
        + inverse[np.ix_(rows - 1, cols)]
        + inverse[np.ix_(rows, left)]
        + inverse[np.ix_(rows, cols)]
    ) / 4
    error = np.abs(1.0 / near - tiny.depth[:-1]) / tiny.depth[:-1]
    assert (error[interior] < 0.01).mean() > 0.99


def test_seg_observation_names_what_the_camera_sees() -> None:
    env = gym.make(ENV, obs_mode="rgb+seg", randomization="none", camera_size=(64, 64))
    obs, _ = env.reset(seed=2)
    base = env.unwrapped
    seen = {C.SEG_CLASSES[i] for i in np.unique(obs["seg"])}
    assert {"sky", "road", "lane_marking", "sidewalk"} <= seen
    assert "ego_car" not in seen  # never in its own camera
    x, y, yaw = base.episode.road.pose_at(1.5, base.episode.lane_centre)
    base.world.place("barrel", x, y, 0.0, yaw)
    obs, *_ = env.step(np.array([0.0, 0.0], np.float32))
    seg = obs["seg"][..., 0]
    obstacle = C.SEG_CLASSES.index("obstacle")
    assert (seg == obstacle).sum() > 20
    rgb = obs["rgb"].astype(float)
    assert (
        np.abs(rgb[seg == obstacle].mean(0) - rgb[seg == C.SEG_CLASSES.index("road")].mean(0)).max()
        > 30
    )  # a barrel is drawn where the seg says so
    env.close()


def test_chase_camera_shows_the_car_and_the_ego_camera_never_does() -> None:
    env = gym.make(ENV, obs_mode="rgb+seg", randomization="none", render_mode="rgb_array")
    obs, _ = env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (256, 256, 3)
    base = env.unwrapped
    view = base._render_view()
    base._show_car(True)
    seen = base.draw(view, (64, 64), ("segmentation",)).segmentation
    base._show_car(False)
    ego = {base.scene().shapes[s][0] for s in np.unique(seen) if s >= 0}
    assert base.world.car.body in ego
    obs, *_ = env.step(np.array([0.0, 0.0], np.float32))
    assert C.SEG_CLASSES.index("ego_car") not in obs["seg"]
    env.close()
