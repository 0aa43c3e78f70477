"""TransparentGrasp-v0: depth failure on glass only, ground truth, grasp physics, bad input."""

from __future__ import annotations

import cv2
import gymnasium as gym
import mujoco
import numpy as np
import pytest

import simenv  # noqa: F401  (registers the ids)
from simenv.envs.transparent_grasp.constants import (
    CATEGORIES,
    GRIP_LIMITS,
    MAX_GRASP_RADIUS,
    TEST_TEXTURES,
)
from simenv.envs.transparent_grasp.expert import TransparentGraspExpert
from simenv.envs.transparent_grasp.glassware import (
    collision_pieces,
    mass_properties,
    revolve,
    sample_shape,
)
from simenv.rollout import run_episode

ID = "simenv/TransparentGrasp-v0"


@pytest.fixture(scope="module")
def gt_env():
    env = gym.make(ID, obs_mode="all", camera_size=(64, 64), randomization="none")
    yield env
    env.close()


def test_depth_failure_only_on_transparent_pixels(gt_env):
    changed_inside = []
    for seed in range(3):
        obs, _ = gt_env.reset(seed=seed)
        mask = obs["mask"][..., 0].astype(bool)
        assert mask.sum() > 20, "the camera should see glassware"
        band = cv2.dilate(mask.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
        raw, true = obs["depth"][..., 0], obs["true_depth"][..., 0]
        # no generic sensor noise at randomization="none": only glass (and its outline) fails
        np.testing.assert_array_equal(raw[~band], true[~band])
        changed_inside.append(np.mean(raw[mask] != true[mask]))
    # nominal model: 45 % missing + 35 % see-through + noisy surface, plus the edge holes
    assert min(changed_inside) > 0.7


@pytest.mark.parametrize("renderer", ["mujoco", "batch"])
def test_ground_truth_depth_is_the_depth_of_the_scene_with_opaque_glass(renderer):
    env = gym.make(ID, obs_mode="gt", camera_size=(64, 64), randomization="none", renderer=renderer)
    obs, _ = env.reset(seed=4)
    base = env.unwrapped
    model = base.model
    glass = model.geom_group == 2
    mats = np.unique(model.geom_matid[glass])
    alpha = model.mat_rgba[mats, 3].copy()
    model.mat_rgba[mats, 3] = 1.0  # the same scene with opaque glass, in MuJoCo's renderer
    try:
        frame = base.reference_renderer.render(
            base.data, base.camera("front"), (64, 64), depth=True, option=_obs_option()
        )
    finally:
        model.mat_rgba[mats, 3] = alpha
    env.close()
    true, expected = obs["true_depth"][..., 0], np.minimum(frame.depth, 5.0)
    assert obs["mask"].any()
    if renderer == "mujoco":  # up to depth-buffer resolution where glass meets the table
        np.testing.assert_allclose(true, expected, rtol=0, atol=5e-4)
    else:  # the batch renderer: the parity bar (1 cm on >= 99 % of the pixels)
        assert np.mean(np.abs(true - expected) < 0.01) >= 0.99


def _obs_option() -> mujoco.MjvOption:
    option = mujoco.MjvOption()
    option.geomgroup[:] = [1, 1, 1, 0, 0, 0]
    return option


def test_masks_agree_with_instances_and_boundaries(gt_env):
    obs, _ = gt_env.reset(seed=5)
    env = gt_env.unwrapped
    n_glass = len(env.episode.shapes)
    inst = obs["instances"][..., 0]
    glass = (inst >= 1) & (inst <= n_glass)
    mask = obs["mask"][..., 0].astype(bool)
    iou = (glass & mask).sum() / max((glass | mask).sum(), 1)
    assert iou > 0.9
    boundary = obs["boundary"][..., 0]
    assert set(np.unique(boundary)) <= {0, 1, 2}
    assert np.all(inst[boundary > 0] > 0)  # boundaries lie on objects
    normals = obs["normals"]
    norm = np.linalg.norm(normals, axis=-1)
    assert np.allclose(norm[norm > 0], 1.0, atol=1e-4)
    assert np.mean(norm > 0) > 0.5


def test_test_split_holds_out_styles_and_textures():
    env = gym.make(ID, obs_mode="rgb", camera_size=(32, 32), split="test")
    try:
        for seed in range(3):
            _, info = env.reset(seed=seed)
            assert {s.style for s in env.unwrapped.episode.shapes} == {2}
            assert info["randomization"]["texture.table"] in TEST_TEXTURES
    finally:
        env.close()


@pytest.mark.parametrize("mode", ["ee_delta", "topdown_grasp"])
def test_expert_lifts_glassware(mode):
    env = gym.make(ID, obs_mode="rgb", camera_size=(32, 32), action_mode=mode, split="test")
    try:
        results = [run_episode(env, TransparentGraspExpert().act, seed=s) for s in range(3)]
    finally:
        env.close()
    assert sum(r["success"] for r in results) >= 2
    for r in results:
        if r["success"]:
            assert r["lift"] >= 0.10 and r["time_to_grasp"] > 1.0 and r["attempts"] >= 1


def test_closing_on_nothing_is_not_a_grasp():
    env = gym.make(ID, obs_mode="rgb", camera_size=(32, 32))
    try:
        env.reset(seed=0)
        for _ in range(40):  # close in the air and go up
            _, _, terminated, _, info = env.step(np.array([0, 0, 1, 0, 1], np.float32))
        assert not terminated and not info["success"] and info["attempts"] == 1
        assert info["lift"] < 0.01
    finally:
        env.close()


def test_hostile_actions():
    env = gym.make(ID, obs_mode="rgbd", camera_size=(32, 32))
    try:
        env.reset(seed=1)
        for bad in ([np.nan, 0, 0, 0, 0], [0, np.inf, 0, 0, 0], [0, 0, 0]):
            with pytest.raises(ValueError):
                env.step(np.array(bad, np.float32))
        rng = np.random.default_rng(0)
        for _ in range(30):  # finite garbage is clipped: the grip stays in its box
            obs, reward, *_ = env.step(rng.uniform(-50, 50, 5).astype(np.float32))
            assert np.isfinite(reward) and np.all(np.isfinite(obs["depth"]))
        target = env.unwrapped.episode.target
        assert np.all(target >= GRIP_LIMITS[0] - 1e-9) and np.all(target <= GRIP_LIMITS[1] + 1e-9)
    finally:
        env.close()


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(ValueError, match="action_mode"):
        gym.make(ID, action_mode="joint")
    with pytest.raises(ValueError, match="teapot"):
        gym.make(ID, categories=["teapot"])
    with pytest.raises(ValueError, match="max_attempts"):
        gym.make(ID, max_attempts=0)


@pytest.mark.parametrize("category", CATEGORIES)
def test_glassware_geometry(category):
    rng = np.random.default_rng(3)
    for split in ("train", "test"):
        shape = sample_shape(category, rng, split)
        top = shape.outer(96)
        assert np.all(top[top[:, 1] > shape.height - 0.05, 0] <= MAX_GRASP_RADIUS + 1e-9)
        verts, faces = revolve(shape)
        assert np.hypot(verts[:, 0], verts[:, 1]).max() <= shape.max_radius + 1e-6
        edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), 1)
        _, counts = np.unique(edges, axis=0, return_counts=True)
        assert np.all(counts == 2), "the visual mesh is a closed surface"
        mass, com, inertia = mass_properties(shape)
        assert 0.02 < mass < 0.6 and 0 < com[2] < shape.height and np.all(inertia > 0)
        pieces = collision_pieces(shape)
        assert pieces and max(p[:, 2].max() for p in pieces) == pytest.approx(shape.height)


def test_scene_objects_have_real_mass_and_contacts():
    env = gym.make(ID, obs_mode="rgb", camera_size=(32, 32), randomization="none")
    try:
        env.reset(seed=2)
        base = env.unwrapped
        model, data = base.model, base.data
        bodies = base._obj_bodies[: len(base.episode.shapes)]
        assert np.all(model.body_mass[bodies] > 0.02)
        table = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_GEOM, "table_top")
        touching = {
            int(model.geom_bodyid[g])
            for c in data.contact[: data.ncon]
            for g in c.geom
            if table in c.geom
        }
        assert set(bodies.tolist()) <= touching, "every glass stands on the table"
    finally:
        env.close()
