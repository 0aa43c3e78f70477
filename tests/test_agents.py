"""Agents: BC, SB3 training on every family, evaluation, configs, checkpoints and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium import spaces
from typer.testing import CliRunner

import simenv
from simenv.agents import load_policy
from simenv.agents.bc import BCConfig, BCPolicy, fit, new_policy
from simenv.agents.evaluate import evaluate, summarize, wilson
from simenv.agents.nets import random_shift
from simenv.agents.train import load_config, train
from simenv.cli import app
from simenv.registration import FAMILIES

GRASP = "simenv/TransparentGrasp-v0"
TINY_GRASP = {"action_mode": "topdown_grasp", "camera_size": [32, 32], "max_attempts": 1}
TINY_BC = {"bc.episodes": 3, "bc.epochs": 1}
# small but real SB3 runs: two envs, 32-step rollouts each, 16-unit networks
TINY_PPO = {
    "num_envs": 2,
    "hyperparams": {"n_steps": 32, "batch_size": 32, "n_epochs": 1},
    "policy_kwargs": {"net_arch": [16], "features_extractor_kwargs": {"cnn_output_dim": 16}},
}
TINY_ENV = {f.env_id: {"obs_mode": "rgb", **f.test_kwargs} for f in FAMILIES}


class _Spaces:
    def __init__(self, obs: spaces.Dict, act: spaces.Space[Any]) -> None:
        self.observation_space, self.action_space = obs, act


def _toy(n: int = 256, discrete: bool = False) -> tuple[BCPolicy, dict[str, np.ndarray], Any]:
    """A dataset whose action is a fixed function of a bright square's position and a vector."""
    rng = np.random.default_rng(0)
    obs_space = spaces.Dict(
        {
            "rgb": spaces.Box(0, 255, (16, 16, 3), np.uint8),
            "goal": spaces.Box(-1, 1, (2,), np.float32),
        }
    )
    act_space = spaces.Discrete(3) if discrete else spaces.Box(-1, 1, (2,), np.float32)
    rgb = np.zeros((n, 16, 16, 3), np.uint8)
    pos = rng.integers(2, 14, (n, 2))
    for i, (r, c) in enumerate(pos):
        rgb[i, r - 1 : r + 2, c - 1 : c + 2] = 255
    goal = rng.uniform(-1, 1, (n, 2)).astype(np.float32)
    if discrete:
        actions = (pos[:, 1] // 6).astype(np.int64)
    else:
        actions = np.stack([(pos[:, 1] - 8) / 8.0, 0.5 * goal[:, 0]], 1).astype(np.float32)
    obs = {"rgb": rgb, "goal": goal}
    policy = new_policy(_Spaces(obs_space, act_space), "toy", {}, obs, features=64)  # type: ignore[arg-type]
    return policy, obs, actions


@pytest.mark.parametrize("discrete", [False, True])
def test_bc_learns_a_toy_dataset(discrete: bool) -> None:
    policy, obs, actions = _toy(discrete=discrete)
    losses = fit(policy, obs, actions, BCConfig(epochs=40, batch_size=64, lr=2e-3, augment=0))
    assert losses[-1] < 0.02 * losses[0] and losses[-1] < 0.01
    pred, _ = policy.predict(obs)
    if discrete:
        assert (pred == actions).mean() > 0.98
    else:
        assert np.abs(pred - actions).max() < 0.15
    single, _ = policy.predict({k: v[0] for k, v in obs.items()})
    assert np.allclose(single, pred[0])


def _cue_episodes(
    episodes: int, length: int = 6
) -> tuple[dict[str, np.ndarray], np.ndarray, list[int]]:
    """Episodes whose first observation shows a cue (±1) and later ones show 0; the action at
    every step is the cue, so only a policy with memory can act right after the first step."""
    rng = np.random.default_rng(1)
    cue = rng.choice([-1.0, 1.0], episodes)
    goal = np.zeros((episodes, length, 1), np.float32)
    goal[:, 0, 0] = cue
    actions = np.repeat(0.8 * cue, length).reshape(-1, 1).astype(np.float32)
    return {"goal": goal.reshape(-1, 1)}, actions, [length] * episodes


@pytest.mark.parametrize("memory", [0, 16])
def test_bc_with_memory_acts_on_what_it_saw_earlier(memory: int) -> None:
    obs, actions, lengths = _cue_episodes(64)
    space = spaces.Dict({"goal": spaces.Box(-1, 1, (1,), np.float32)})
    policy = new_policy(
        _Spaces(space, spaces.Box(-1, 1, (1,), np.float32)),
        "toy",
        {},
        obs,  # type: ignore[arg-type]
        features=32,
        memory=memory,
    )
    fit(
        policy,
        obs,
        actions,
        BCConfig(epochs=60, batch_size=48, lr=3e-3, memory=memory),
        lengths=lengths,
    )
    # roll the first 8 episodes out step by step, as evaluate() does
    state, errors = None, []
    for e in range(8):
        for t in range(lengths[e]):
            i = e * lengths[e] + t
            action, state = policy.predict({"goal": obs["goal"][i]}, state, np.array([t == 0]))
            errors.append(abs(float(action[0]) - float(actions[i, 0])))
    if memory:
        assert max(errors) < 0.1 and state.shape == (1, memory)
    else:  # without memory the later steps are a coin flip: the mean action, 0
        assert np.mean(errors) > 0.5 and state is None


def test_bc_checkpoint_round_trip_and_corrupt(tmp_path: Path) -> None:
    policy, obs, actions = _toy(64)
    fit(policy, obs, actions, BCConfig(epochs=1))
    path = policy.save(tmp_path / "policy.pt")
    again = BCPolicy.load(path)
    assert np.array_equal(again.predict(obs)[0], policy.predict(obs)[0])
    data = path.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable BC checkpoint"):
        BCPolicy.load(tmp_path / "cut.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a simenv BC checkpoint"):
        BCPolicy.load(tmp_path / "other.pt")


def test_random_shift_moves_content_by_at_most_pad() -> None:
    img = torch.zeros(8, 1, 12, 12)
    img[:, :, 6, 6] = 1.0
    out = random_shift(img, 2, torch.Generator().manual_seed(0))
    peaks = [divmod(int(o.argmax()), 12) for o in out[:, 0]]
    assert all(abs(r - 6) <= 2 and abs(c - 6) <= 2 for r, c in peaks)
    assert len(set(peaks)) > 1 and float(out.sum()) == 8.0


def test_bc_end_to_end_with_the_expert(tmp_path: Path) -> None:
    run = train(
        GRASP, "bc", tmp_path / "run", overrides=TINY_BC, env_kwargs=TINY_GRASP, progress=False
    )
    assert {"policy.pt", "config.yaml", "history.json", "learning_curve.png"} <= {
        p.name for p in run.iterdir()
    }
    policy = load_policy(run)
    assert policy.env_id == GRASP and policy.env_kwargs["camera_size"] == [32, 32]
    result = evaluate(run, episodes=2, progress=False, video_dir=tmp_path / "v", video_episodes=1)
    assert len(result.episodes) == 2 and (tmp_path / "v" / "episode_00000.mp4").is_file()
    assert {"success", "attempts", "return", "length"} <= set(result.metrics)


def test_bc_with_memory_end_to_end_with_dagger(tmp_path: Path) -> None:
    run = train(
        "simenv/IndoorNav-v0",
        "bc",
        tmp_path / "run",
        overrides={**TINY_BC, "bc.memory": 8, "bc.dagger_rounds": 1, "bc.dagger_episodes": 1},
        env_kwargs={"obs_mode": "depth+state", "camera_size": [24, 24], "max_episode_steps": 30},
        progress=False,
    )
    policy = load_policy(run)
    assert isinstance(policy, BCPolicy) and policy.memory == 8
    history = (run / "history.json").read_text()
    assert '"round": 1' in history
    env = gym.make("simenv/IndoorNav-v0", **policy.env_kwargs)
    obs, _ = env.reset(seed=0)
    again = BCPolicy.load(run / "policy.pt")
    state_a = state_b = None
    for t in range(5):  # the reloaded policy steps through the same states
        act_a, state_a = policy.predict(obs, state_a, np.array([t == 0]))
        act_b, state_b = again.predict(obs, state_b, np.array([t == 0]))
        assert np.array_equal(act_a, act_b) and np.array_equal(state_a, state_b)
        obs = env.step(act_a)[0]
    env.close()
    assert np.abs(state_a).sum() > 0
    result = evaluate(run, episodes=1, progress=False)
    assert result.episodes[0]["length"] <= 30


def test_expert_evaluation_is_reproducible_and_independent_of_num_envs() -> None:
    a = evaluate("expert", GRASP, episodes=3, env_kwargs=TINY_GRASP, progress=False)
    b = evaluate("expert", GRASP, episodes=3, env_kwargs=TINY_GRASP, progress=False)
    assert a.episodes == b.episodes
    assert a.summary()["success"]["mean"] >= 2 / 3
    kwargs = {"obs_mode": "state", "max_episode_steps": 40}
    one = evaluate(
        "expert", "simenv/IndoorNav-v0", episodes=5, env_kwargs=kwargs, num_envs=1, progress=False
    )
    three = evaluate(
        "expert", "simenv/IndoorNav-v0", episodes=5, env_kwargs=kwargs, num_envs=3, progress=False
    )
    assert one.episodes == three.episodes  # episode k: seed k, in any env of the batch


class _Turner:
    """A deterministic stand-in policy for DAgger mixtures: turn left, remember the step."""

    def predict(
        self, obs: Any, state: Any = None, episode_start: Any = None, deterministic: bool = True
    ) -> tuple[Any, Any]:
        step = 0 if state is None or episode_start[0] else state + 1
        return np.array([0.2, 0.8 if step % 2 else -0.8], np.float32), step


def test_dagger_rollouts_are_the_same_in_a_vector_env() -> None:
    from simenv.agents.data import Buffer, collect
    from simenv.agents.experts import make_expert

    env_id, kwargs = "simenv/IndoorNav-v0", {"obs_mode": "state", "max_episode_steps": 25}
    seeds = list(range(40, 45))
    runs = []
    for env in (gym.make(env_id, **kwargs), gym.make_vec(env_id, num_envs=3, **kwargs)):
        buffer = Buffer()
        stats = collect(
            env,
            make_expert(env_id),
            buffer,
            5,
            seeds,
            policy=_Turner(),
            beta=0.5,
            noise=0.1,
            rng=np.random.default_rng(3),
            progress=False,
        )
        env.close()
        runs.append((buffer, stats))
    (a, stats_a), (b, stats_b) = runs
    assert stats_a == stats_b and len(a) == stats_a["steps"] > 5 * 10
    assert a.lengths() == b.lengths() and len(a.lengths()) == 5
    obs_a, act_a = a.arrays()
    obs_b, act_b = b.arrays()
    assert np.array_equal(act_a, act_b) and obs_a.keys() == obs_b.keys()
    assert all(np.array_equal(obs_a[k], obs_b[k]) for k in obs_a)


@pytest.mark.parametrize("env_id", list(TINY_ENV))
def test_ppo_smoke_trains_saves_and_evaluates(env_id: str, tmp_path: Path) -> None:
    run = train(
        env_id,
        "ppo",
        tmp_path / "ppo",
        steps=128,
        overrides=TINY_PPO,
        env_kwargs=TINY_ENV[env_id],
        progress=False,
    )
    assert (run / "model.zip").is_file() and (run / "learning_curve.png").is_file()
    assert any(run.glob("events.out.tfevents.*")) and (run / "progress.csv").is_file()
    checkpoint = next((run / "checkpoints").glob("model_*_steps.zip"))
    assert load_policy(checkpoint).env_id == env_id  # finds the run's config.yaml
    result = evaluate(run, episodes=1, progress=False)
    assert result.episodes == evaluate(run, episodes=1, progress=False).episodes  # seeded
    episode = result.episodes[0]
    assert 1 <= episode["length"] <= TINY_ENV[env_id]["max_episode_steps"]
    assert np.isfinite(episode["return"]) and episode["success"] in (0.0, 1.0)


def test_sac_smoke_with_warm_start(tmp_path: Path) -> None:
    overrides = {
        "num_envs": 1,
        "hyperparams": {"learning_starts": 16, "batch_size": 16, "buffer_size": 200},
        "policy_kwargs": {"net_arch": [16]},
        "warm_start": {"episodes": 2, "epochs": 3},
    }
    env_kwargs = {"obs_mode": "state", "max_episode_steps": 30}
    run = train(
        "simenv/Driving-v0",
        "sac",
        tmp_path / "sac",
        steps=48,
        overrides=overrides,
        env_kwargs=env_kwargs,
        progress=False,
    )
    policy = load_policy(run / "model.zip")
    env = gym.make("simenv/Driving-v0", **env_kwargs)
    obs, _ = env.reset(seed=0)
    action, _ = policy.predict(obs)
    assert env.action_space.contains(action)
    env.close()


def test_ppo_with_an_adr_section_writes_the_adr_state(tmp_path: Path) -> None:
    overrides = {
        **TINY_PPO,
        "adr": {"params": ["dynamics.*"], "queue_length": 1, "boundary_prob": 1.0},
    }
    run = train(
        GRASP,
        "ppo",
        tmp_path / "adr",
        steps=32,
        overrides=overrides,
        env_kwargs={**TINY_GRASP, "obs_mode": "state"},
        progress=False,
    )
    assert {"adr_state.json", "adr_randomization.yaml", "adr_ranges.png"} <= {
        p.name for p in run.iterdir()
    }
    env = gym.make(GRASP, **TINY_GRASP, randomization=run / "adr_randomization.yaml")
    assert set(env.unwrapped.randomizer.ranges()) >= {"dynamics.object_mass"}
    env.close()


def test_warm_start_raises_the_expert_likelihood(tmp_path: Path) -> None:
    from stable_baselines3 import PPO

    from simenv.agents.sb3 import warm_start

    env = gym.make(GRASP, **{**TINY_GRASP, "obs_mode": "state"})
    model = PPO(
        "MultiInputPolicy",
        env,
        n_steps=16,
        batch_size=16,
        device="cpu",
        policy_kwargs={"net_arch": [32]},
        seed=0,
    )
    losses = warm_start(model, GRASP, {**TINY_GRASP, "obs_mode": "state"}, episodes=8, epochs=300)
    env.close()
    assert losses[-1] < losses[0] - 0.5


def test_configs_resolve_for_every_family_and_fall_back_to_default() -> None:
    for algo in ("bc", "affordance", "ppo", "sac"):
        for env_id in simenv.ENV_IDS:
            cfg = load_config(env_id, algo)
            assert isinstance(cfg["env_kwargs"], dict)
    assert load_config("simenv/NotYet-v0", "ppo")["policy"] == "MultiInputPolicy"
    cfg = load_config(GRASP, "bc", overrides={"bc.episodes": 7, "env_kwargs.dr_scale": 0.5})
    assert cfg["bc"]["episodes"] == 7 and cfg["env_kwargs"]["dr_scale"] == 0.5


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda p: load_config(GRASP, "dqn"),
            "unknown algorithm 'dqn'; valid: bc, affordance, ppo, sac",
        ),
        (lambda p: load_config(GRASP, "bc", p / "missing.yaml"), "does not exist"),
        (
            lambda p: train(GRASP, "bc", p, overrides={"bc.episode": 3}),
            "unknown bc setting 'episode'",
        ),
        (
            lambda p: train(GRASP, "bc", p, overrides={"bc.memory": -8}),
            "bc setting memory must be >= 0",
        ),
        (lambda p: train(GRASP, "bc", p, steps=100), "--set bc.episodes=N"),
        (lambda p: train("simenv/Nope-v0", "ppo", p), "unknown environment 'simenv/Nope-v0'"),
        (lambda p: load_policy(p / "x.zip"), "does not exist"),
        (
            lambda p: train(
                "simenv/IndoorNav-v0",
                "sac",
                p,
                steps=10,
                env_kwargs={"action_mode": "discrete", "obs_mode": "state"},
            ),
            "sac needs continuous actions",
        ),
        (lambda p: evaluate("expert", episodes=1), "give env_id"),
    ],
)
def test_bad_input_is_a_clear_error(tmp_path: Path, call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call(tmp_path)


def test_wilson_and_mean_intervals() -> None:
    low, high = wilson(8, 10)
    assert low == pytest.approx(0.490, abs=1e-3) and high == pytest.approx(0.943, abs=1e-3)
    s = summarize([1.0, 2.0, 3.0])
    assert s["mean"] == 2.0 and s["low"] < 2.0 < s["high"]


def test_cli_train_and_eval_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["train", GRASP, "--algo", "dqn", "--out", str(tmp_path)])
    assert res.exit_code == 2 and "unknown algorithm 'dqn'" in res.output
    res = runner.invoke(app, ["eval", GRASP, "--policy", str(tmp_path / "none")])
    assert res.exit_code == 2 and "does not exist" in res.output
    assert "Traceback" not in res.output


def test_cli_eval_expert_prints_a_table(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        [
            "eval",
            GRASP,
            "--policy",
            "expert",
            "--episodes",
            "2",
            "--kw",
            "action_mode=topdown_grasp",
            "--kw",
            "camera_size=[32, 32]",
            "--json",
            str(tmp_path / "r.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "| success |" in res.output and (tmp_path / "r.json").is_file()


def test_native_vec_env_matches_sb3_dummy_vec_env(tmp_path: Path) -> None:
    from simenv.agents.sb3 import build_vec_env

    kwargs = {"obs_mode": "state", "max_episode_steps": 5}
    native = build_vec_env("simenv/Template-v0", kwargs, 2, 3, tmp_path)
    dummy = build_vec_env("simenv/Template-v0", kwargs, 2, 3, None, vec_env="dummy")
    a, b = native.reset(), dummy.reset()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    rng = np.random.default_rng(0)
    ends = 0
    for _ in range(12):
        actions = rng.uniform(-1, 1, (2, 2)).astype(np.float32)
        (o1, r1, d1, i1), (o2, r2, d2, i2) = native.step(actions), dummy.step(actions)
        assert all(np.array_equal(o1[k], o2[k]) for k in o1)
        assert np.array_equal(r1, r2) and np.array_equal(d1, d2)
        for j in np.flatnonzero(d1):  # same-step autoreset, SB3's convention
            ends += 1
            assert i1[j]["TimeLimit.truncated"] == i2[j]["TimeLimit.truncated"]
            assert all(
                np.array_equal(i1[j]["terminal_observation"][k], i2[j]["terminal_observation"][k])
                for k in o1
            )
    assert ends == 4
    native.close()
    dummy.close()
    assert (tmp_path / "vector.monitor.csv").is_file()


def test_network_initialisation_follows_the_run_seed_and_leaves_torch_alone() -> None:
    """Two seeds give different initial weights, one seed the same; torch's global generator
    is never touched (a sweep's seeds vary initialisation, and nothing else moves)."""
    obs_space = spaces.Dict(
        {
            "rgb": spaces.Box(0, 255, (16, 16, 3), np.uint8),
            "goal": spaces.Box(-1, 1, (2,), np.float32),
        }
    )
    env = _Spaces(obs_space, spaces.Box(-1, 1, (2,), np.float32))
    state = torch.get_rng_state()

    def weights(seed: int) -> list[torch.Tensor]:
        policy = new_policy(env, "toy", {}, None, features=32, seed=seed)  # type: ignore[arg-type]
        return [p.detach().clone() for p in policy.net.parameters()]

    a, b, c = weights(0), weights(0), weights(1)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert any(not torch.equal(x, y) for x, y in zip(a, c))
    assert torch.equal(torch.get_rng_state(), state)
