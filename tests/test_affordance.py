"""Grasp affordance maps: labels from the camera projection, two-mode learning, the env end
to end, checkpoints and errors."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

import simenv  # noqa: F401
from simenv.agents import TransparentGraspExpert, load_policy
from simenv.agents.affordance import (
    AffordanceConfig,
    AffordanceNet,
    AffordancePolicy,
    fit,
    fit_homography,
    homography_map,
    new_policy_from_meta,
    targets,
)
from simenv.agents.evaluate import evaluate
from simenv.agents.train import train

GRASP = "simenv/TransparentGrasp-v0"
TINY = {"action_mode": "topdown_grasp", "camera_size": [32, 32], "max_attempts": 1}


def test_the_geometry_map_is_a_homography_of_the_cell_grid() -> None:
    """The net models the (x, y) action aiming at each cell as a homography of the cell grid:
    true for the env's randomized pinhole camera, and the least-squares fit recovers it."""
    env = gym.make(GRASP, obs_mode="rgb", action_mode="topdown_grasp", camera_size=(84, 84))
    rows = cols = 84 // AffordanceNet.STRIDE
    r, c = np.mgrid[:rows, :cols]
    centres = (np.c_[c.ravel(), r.ravel()] + 0.5) * AffordanceNet.STRIDE - 0.5
    fits = []
    for seed in range(3):
        env.reset(seed=seed)
        truth = env.unwrapped.pixel_action(centres).T.reshape(2, rows, cols)
        truth = np.where(np.abs(truth) <= 3.0, truth, np.nan)  # rays near the horizon
        h = fit_homography(truth)
        model = homography_map(torch.as_tensor(h, dtype=torch.float32)[None], rows, cols)[0]
        ok = np.isfinite(truth)
        assert ok.mean() > 0.5 and np.abs(model.numpy()[ok] - truth[ok]).max() < 1e-3
        fits.append(h)
    env.close()
    assert np.ptp(np.array(fits), 0).max() > 1e-3  # the randomized camera moves the map


def test_action_pixel_lands_on_the_expert_target_and_inverts() -> None:
    env = gym.make(GRASP, obs_mode="rgb+instances", action_mode="topdown_grasp")
    hits = 0
    for seed in range(8):
        obs, _ = env.reset(seed=seed)
        expert = TransparentGraspExpert()
        action = expert.act(env)
        pixel = env.unwrapped.action_pixel(action)
        assert np.allclose(env.unwrapped.pixel_action(pixel[None])[0], action[:2])
        u, v = np.round(pixel).astype(int)
        patch = obs["instances"][max(v - 1, 0) : v + 2, max(u - 1, 0) : u + 2, 0]
        hits += int(np.any(patch == expert._target + 1))
    env.close()
    assert hits >= 7  # a glass may hide behind another one


def _two_squares(
    n: int = 160, size: int = 32
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """Two bright squares per image; the label grasps either one at random (two modes). The
    action's (x, y) is the pixel position scaled to [-1, 1] (the geometry map)."""
    rng = np.random.default_rng(0)
    rgb = np.zeros((n, size, size, 3), np.uint8)
    pixels, actions = np.zeros((n, 2)), np.zeros((n, 3), np.float32)
    for i in range(n):
        centres = rng.integers(3, size - 3, (2, 2))
        while np.abs(centres[0] - centres[1]).max() < 8:
            centres = rng.integers(3, size - 3, (2, 2))
        for r, c in centres:
            rgb[i, r - 2 : r + 3, c - 2 : c + 3] = 255
        r, c = centres[rng.integers(2)]
        pixels[i] = c, r
        actions[i] = 2 * c / size - 1, 2 * r / size - 1, 0.3
    centres = (np.arange(size // 4) + 0.5) * 4 - 0.5
    grid = np.stack(np.meshgrid(2 * centres / size - 1, 2 * centres / size - 1))
    return {"rgb": rgb}, pixels, actions, np.repeat(grid[None], n, 0).astype(np.float32)


def _policy(size: int = 32) -> AffordancePolicy:
    return new_policy_from_meta(
        {
            "env_id": "toy",
            "env_kwargs": {},
            "bins": 4,
            "width": 32,
            "image_keys": ["rgb"],
            "obs_shapes": {"rgb": [size, size, 3]},
            "image_scales": {"rgb": 255.0},
        }
    )


def test_affordance_learns_two_modes_where_a_regressor_would_average() -> None:
    obs, pixels, actions, geometry = _two_squares()
    policy = _policy()
    losses = fit(
        policy, obs, actions, pixels, geometry, AffordanceConfig(epochs=25, lr=3e-3), progress=False
    )
    assert losses[-1] < 0.25 * losses[0]
    pred, _ = policy.predict(obs)
    rows = np.round((pred[:, 1] + 1) / 2 * 32).astype(int).clip(0, 31)
    cols = np.round((pred[:, 0] + 1) / 2 * 32).astype(int).clip(0, 31)
    on_a_square = obs["rgb"][np.arange(len(pred)), rows, cols, 0] == 255
    assert on_a_square.mean() > 0.9  # the mean of the two modes is almost never on one
    assert np.allclose(pred[:, 2], 0.25)  # the bin centre of θ = 0.3 with 4 bins
    single, _ = policy.predict({"rgb": obs["rgb"][0]})
    assert np.allclose(single, pred[0])


def test_targets_and_decode_invert_each_other() -> None:
    policy = _policy()
    actions = np.array([[0.5, -0.25, -0.9], [-1.0, 1.0, 0.99]], np.float32)
    pixels = np.array([[20.0, 9.0], [0.0, 31.9]])
    index, cell = targets(actions, pixels, (32, 32), policy.bins)
    assert cell.tolist() == [[2, 5], [7, 0]]
    logits = torch.full((2, 4 * 64), -10.0)
    logits[torch.arange(2), index] = 10.0
    xy = torch.zeros(2, 2, 8, 8)
    xy[torch.arange(2), :, cell[:, 0], cell[:, 1]] = torch.as_tensor(actions[:, :2])
    out = policy.decode(logits.reshape(2, 4, 8, 8), xy)
    assert np.allclose(out[:, :2], actions[:, :2]) and np.allclose(out[:, 2], [-0.75, 0.75])


def test_affordance_end_to_end_with_the_expert(tmp_path: Path) -> None:
    run = train(
        GRASP,
        "affordance",
        tmp_path / "run",
        env_kwargs=TINY,
        overrides={
            "affordance.episodes": 3,
            "affordance.epochs": 1,
            "affordance.dagger_episodes": 2,
            "affordance.dagger_rounds": 1,
        },
        progress=False,
    )
    assert [h["round"] for h in json.loads((run / "history.json").read_text())] == [0, 1]
    policy = load_policy(run)
    assert isinstance(policy, AffordancePolicy) and policy.env_kwargs["camera_size"] == [32, 32]
    result = evaluate(run, episodes=2, progress=False)
    assert len(result.episodes) == 2 and "attempts" in result.metrics
    data = (run / "policy.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable BC checkpoint"):
        load_policy(tmp_path / "cut.pt")
    with pytest.raises(ValueError, match="not a readable affordance checkpoint"):
        AffordancePolicy.load(tmp_path / "cut.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a simenv affordance checkpoint"):
        AffordancePolicy.load(tmp_path / "other.pt")


def test_affordance_needs_a_top_down_grasp_env(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="action_mode=topdown_grasp"):
        train(
            GRASP,
            "affordance",
            tmp_path,
            env_kwargs={"action_mode": "ee_delta"},
            overrides={"affordance.episodes": 1},
            progress=False,
        )
    with pytest.raises(ValueError, match="unknown affordance setting 'episode'"):
        train(GRASP, "affordance", tmp_path, overrides={"affordance.episode": 1})
