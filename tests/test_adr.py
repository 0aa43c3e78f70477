"""Automatic domain randomization: the state machine, the env wrapper and the SB3 callback."""

from __future__ import annotations

import csv
import json
import math
from typing import Any

import gymnasium as gym
import pytest

from simenv.agents.adr import (
    ADRCallback,
    ADRConfig,
    ADRState,
    ADRWrapper,
    make_adr_env,
)
from simenv.randomization import Param, load_spec

PARAMS = (
    Param("lighting.intensity", 0.5, 0.2, 1.0, limits=(0.0, 1.2)),
    Param("camera.fov", 60.0, 40.0, 90.0, dist="loguniform"),
    Param("dynamics.friction", 1.0, 0.5, 1.5, dist="normal", std=0.2),
    Param("texture.wall", "flat", dist="choice", choices=("flat", "checker")),
    Param("scene.count", 2, 0, 6, integer=True),
    Param("sensor.noise", 0.0, 0.0, 0.5, limits=(0.0, 0.6)),
)
BY_NAME = {p.name: p for p in PARAMS}
ENV_ID = "simenv/IndoorNav-v0"  # cheapest family with obs_mode="state" (~1 ms per step)
ENV_KW: dict[str, Any] = {"obs_mode": "state", "camera_size": (32, 32)}


def feed(state: ADRState, value: float, rounds: int) -> list[dict[str, tuple[float, float]]]:
    """``rounds`` results of ``value`` for every boundary; the ranges after each round."""
    history = []
    for _ in range(rounds):
        for name, side in state.boundaries():
            state.update(name, side, value, at=state.boundary_value(name, side))
        history.append(state.ranges())
    return history


# ---------------------------------------------------------------------- the state machine
def test_default_params_are_the_numeric_ones_with_a_movable_side() -> None:
    state = ADRState(PARAMS)
    assert state.names == [
        "lighting.intensity",
        "camera.fov",
        "dynamics.friction",
        "scene.count",
        "sensor.noise",
    ]
    assert ("sensor.noise", "low") not in state.boundaries()  # nominal 0 is its lower end
    assert len(state.boundaries()) == 9
    assert all(lo == hi == BY_NAME[n].nominal for n, (lo, hi) in state.ranges().items())


def test_expands_under_success_up_to_the_strong_range_and_no_further() -> None:
    state = ADRState(PARAMS, ADRConfig(queue_length=3, step=0.1))
    history = feed(state, 1.0, rounds=3 * 25)
    for ranges in history:
        for name, (lo, hi) in ranges.items():
            max_lo, max_hi = BY_NAME[name].scaled_range(2.0)
            assert max_lo <= lo <= BY_NAME[name].nominal <= hi <= max_hi
    widths = [sum(hi - lo for lo, hi in r.values()) for r in history]
    assert widths == sorted(widths) and widths[1] == 0 < widths[2]  # a decision per 3 results
    for name, (lo, hi) in state.ranges().items():
        assert (lo, hi) == pytest.approx(BY_NAME[name].scaled_range(2.0), abs=1e-12)
    assert state.ranges()["lighting.intensity"] == (0.0, 1.2)  # clipped to its limits
    # 20 steps per side; clipped by limits: intensity low 17, high 14, noise high 12
    assert state.updates == 6 * 20 + 17 + 14 + 12
    assert state.mean_scale() == pytest.approx((6 * 2.0 + 0.5 / 0.3 + 1.4 + 1.2) / 9)


def test_shrinks_under_failure_to_the_nominal_value_and_never_crosses_it() -> None:
    state = ADRState(PARAMS, ADRConfig(queue_length=2, step=0.3, initial_scale=1.0))
    assert state.ranges()["camera.fov"] == pytest.approx((40.0, 90.0))
    for ranges in feed(state, 0.0, rounds=2 * 5):
        for name, (lo, hi) in ranges.items():
            assert lo <= BY_NAME[name].nominal <= hi
    assert all(lo == hi == BY_NAME[n].nominal for n, (lo, hi) in state.ranges().items())
    assert state.npd() == pytest.approx(math.log(1e-3))


def test_steps_are_fractions_of_the_default_half_range_in_the_params_own_space() -> None:
    state = ADRState(PARAMS, ADRConfig(queue_length=1, step=0.25, initial_scale=0.5))
    for p in PARAMS[:3]:
        assert state.ranges()[p.name] == pytest.approx(p.scaled_range(0.5))
    feed(state, 1.0, rounds=2)  # 0.5 -> 1.0: exactly the default ranges
    for p in PARAMS[:3]:
        assert state.ranges()[p.name] == pytest.approx(p.scaled_range(1.0))
    lo, hi = state.ranges()["camera.fov"]  # loguniform: symmetric in log space at scale 1
    assert (lo, hi) == pytest.approx((40.0, 90.0))


def test_queue_waits_until_full_clears_after_a_decision_and_drops_stale_results() -> None:
    state = ADRState(PARAMS, ADRConfig(queue_length=3, step=0.5))
    name = "lighting.intensity"
    assert not state.update(name, "high", 1.0) and not state.update(name, "high", 1.0)
    assert state.update(name, "high", 1.0)
    assert state.ranges()[name] == pytest.approx((0.5, 0.75))
    assert len(state.queues[(name, "high")]) == 0
    assert not state.update(name, "high", 1.0, at=0.5)  # pinned at the old boundary: stale
    assert len(state.queues[(name, "high")]) == 0
    for _ in range(3):  # 0.6 is between the thresholds: no move, queue cleared
        assert not state.update(name, "high", 0.6, at=0.75)
    assert state.ranges()[name] == pytest.approx((0.5, 0.75))
    assert len(state.queues[(name, "high")]) == 0


def test_integer_boundaries_pin_the_outermost_integer_inside_the_range() -> None:
    state = ADRState(PARAMS, ADRConfig(params=["scene.count"], queue_length=1, step=0.3))
    feed(state, 1.0, rounds=1)
    assert state.ranges()["scene.count"] == pytest.approx((1.4, 3.2))
    assert state.boundary_value("scene.count", "low") == 2.0
    assert state.boundary_value("scene.count", "high") == 3.0


def test_state_round_trips_through_json_and_files(tmp_path: Any) -> None:
    state = ADRState(PARAMS, ADRConfig(queue_length=4, step=0.2, initial_scale=0.3))
    feed(state, 1.0, rounds=5)
    state.update("camera.fov", "low", 0.5)  # a queue in progress survives the round trip
    data = json.loads(json.dumps(state.to_dict()))
    again = ADRState.from_dict(data)
    assert again.to_dict() == state.to_dict()
    assert again.config == state.config and again.updates == state.updates
    loaded = ADRState.load(state.save(tmp_path / "sub" / "adr_state.json"))
    assert loaded.to_dict() == state.to_dict()
    spec = state.as_randomization()
    assert spec["preset"] == "default"
    assert {k: tuple(v) for k, v in spec.items() if k != "preset"} == state.ranges()
    with pytest.raises(ValueError, match="not an ADR state"):
        ADRState.from_dict({"params": {}})


# ---------------------------------------------------------------------- settings
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold_low": 0.8, "threshold_high": 0.4}, "threshold_low < threshold_high"),
        ({"threshold_high": 1.5}, "threshold_high <= 1"),
        ({"threshold_low": -0.1}, "0 <= threshold_low"),
        ({"queue_length": 0}, "queue_length=0 must be an integer >= 1"),
        ({"queue_length": 2.5}, "queue_length=2.5"),
        ({"boundary_prob": 1.5}, r"boundary_prob=1.5 must be in \[0, 1\]"),
        ({"step": 0.0}, r"step=0.0 must be in \(0, max_scale=2.0\]"),
        ({"initial_scale": 3.0}, r"initial_scale=3.0 must be in \[0, max_scale=2.0\]"),
        ({"max_scale": -1.0}, "max_scale=-1.0 must be > 0"),
        ({"step": float("nan")}, "step must be a finite number"),
        ({"metric": ""}, "metric must be a non-empty info key"),
        ({"params": "lighting.*"}, "must be a list of parameter names"),
        ({"params": []}, "params is empty"),
    ],
)
def test_bad_settings_are_one_line_value_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ADRConfig(**kwargs)


def test_bad_parameter_names_list_the_valid_ones() -> None:
    with pytest.raises(
        ValueError,
        match=r"'lighting.intensty' \(did you mean "
        r"'lighting.intensity'\?\); valid names: lighting.intensity, camera.fov",
    ):
        ADRState(PARAMS, ADRConfig(params=["lighting.intensty"]))
    with pytest.raises(ValueError, match="matches only choice or seed parameters"):
        ADRState(PARAMS, ADRConfig(params=["texture.*"]))
    assert ADRState(PARAMS, ADRConfig(params=["*.friction", "camera.*"])).names == [
        "dynamics.friction",
        "camera.fov",
    ]
    with pytest.raises(ValueError, match="valid settings: params, boundary_prob"):
        ADRConfig.from_dict({"queue": 3})
    state = ADRState(PARAMS)
    with pytest.raises(ValueError, match=r"ADR parameters: lighting\.intensity"):
        state.update("texture.wall", "low", 1.0)
    with pytest.raises(ValueError, match="'low' or 'high'"):
        state.update("camera.fov", "up", 1.0)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the env wrapper
def test_boundary_episodes_are_seeded_and_pin_the_boundary_value() -> None:
    config = ADRConfig(boundary_prob=1.0, initial_scale=1.0)
    a, b = make_adr_env(ENV_ID, config, **ENV_KW), make_adr_env(ENV_ID, config, **ENV_KW)
    seen = set()
    for seed in range(6):
        _, info_a = a.reset(seed=seed)
        _, info_b = b.reset(seed=seed)
        assert info_a["adr"] == info_b["adr"]
        assert info_a["randomization"] == info_b["randomization"]
        adr = info_a["adr"]
        assert adr["value"] == a.state.boundary_value(adr["param"], adr["side"])
        assert info_a["randomization"][adr["param"]] == pytest.approx(adr["value"])
        seen.add((adr["param"], adr["side"]))
        for name, (lo, hi) in a.get_adr_ranges().items():  # the others stay in their range
            assert lo - 1e-9 <= info_a["randomization"][name] <= hi + 1e-9
    assert len(seen) > 1
    _, again = a.reset(seed=3)
    _, first = b.reset(seed=3)
    assert again["adr"] == first["adr"] and again["randomization"] == first["randomization"]
    a.close()
    b.close()


def test_final_step_reports_the_boundary_and_the_metric() -> None:
    env = make_adr_env(
        ENV_ID, ADRConfig(boundary_prob=1.0, initial_scale=0.5), **ENV_KW, max_episode_steps=3
    )
    _, info = env.reset(seed=1)
    done = False
    while not done:
        _, _, terminated, truncated, step_info = env.step(env.action_space.sample())
        done = terminated or truncated
        assert done or "adr" not in step_info
    assert step_info["adr"] == {**info["adr"], "metric": float(step_info["success"])}
    env.close()
    env = make_adr_env(ENV_ID, ADRConfig(metric="score"), **ENV_KW, max_episode_steps=1)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"ADR metric 'score' .* one of: collisions"):
        env.step(env.action_space.sample())
    env.close()


def test_frozen_ranges_round_trip_into_a_fresh_env(tmp_path: Any) -> None:
    env = make_adr_env(ENV_ID, ADRConfig(queue_length=1, step=0.4), **ENV_KW)
    for name, side in env.state.boundaries()[::3]:
        env.state.update(name, side, 1.0)
    env.set_adr_state(env.state.to_dict())
    spec = env.state.as_randomization()
    path = env.state.write_randomization(tmp_path / "adr.yaml")
    assert load_spec(path) == spec
    fresh = gym.make(ENV_ID, randomization=str(path), **ENV_KW)
    ranges = fresh.unwrapped.randomizer.ranges()  # type: ignore[attr-defined]
    for name, (lo, hi) in env.get_adr_ranges().items():
        assert (ranges[name]["low"], ranges[name]["high"]) == pytest.approx((lo, hi))
    env.freeze()  # a frozen wrapper samples exactly like the plain env with frozen ranges
    for seed in (0, 1):
        _, frozen_info = env.reset(seed=seed)
        _, plain_info = fresh.reset(seed=seed)
        assert frozen_info["adr"]["param"] is None
        assert frozen_info["randomization"] == plain_info["randomization"]
    with pytest.raises(RuntimeError, match="frozen"):
        env.set_adr_state(env.state.to_dict())
    env.close()
    fresh.close()


def test_wrapper_checks_the_env() -> None:
    with pytest.raises(ValueError, match=r"dr_scale=0\.5"):
        make_adr_env(ENV_ID, **ENV_KW, dr_scale=0.5)
    with pytest.raises(ValueError, match=r"unknown parameter 'lighting\.brightness'"):
        make_adr_env(ENV_ID, ADRConfig(params=["lighting.brightness"]), **ENV_KW)
    env = make_adr_env(ENV_ID, ADRConfig(params=["lighting.*"]), **ENV_KW)
    other = ADRState(PARAMS, ADRConfig(params=["camera.fov"]))
    with pytest.raises(ValueError, match=r"nominal 60\.0, the env's is 79\.0"):
        env.set_adr_state(other.to_dict())
    env.close()


# ---------------------------------------------------------------------- the SB3 callback
class ForcedMetric(gym.Wrapper[Any, Any, Any, Any]):
    """A synthetic ADR signal: every episode succeeds."""

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        info["forced"] = 1.0
        return obs, reward, terminated, truncated, info


def test_callback_grows_ranges_in_a_ppo_run_and_saves_a_resumable_state(tmp_path: Any) -> None:
    torch = pytest.importorskip("torch")
    from stable_baselines3 import PPO
    from stable_baselines3.common.logger import configure
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv

    torch.set_num_threads(1)
    names = ["lighting.intensity", "dynamics.mass_scale"]
    config = ADRConfig(params=names, boundary_prob=1.0, queue_length=2, step=0.25, metric="forced")

    def make() -> gym.Env[Any, Any]:  # ADRWrapper under Monitor: reached via env_method
        env = gym.make(ENV_ID, max_episode_steps=4, **ENV_KW)
        return Monitor(ADRWrapper(ForcedMetric(env), config))

    venv = DummyVecEnv([make, make])
    callback = ADRCallback(save_path=tmp_path)
    model = PPO(
        "MultiInputPolicy",
        venv,
        n_steps=32,
        batch_size=64,
        n_epochs=1,
        seed=0,
        policy_kwargs={"net_arch": [8]},
        device="cpu",
    )
    model.set_logger(configure(str(tmp_path / "log"), ["csv"]))
    model.learn(320, callback=callback)

    state = callback.state
    assert state is not None and state.updates >= 8
    plain = gym.make(ENV_ID, **ENV_KW)
    params = plain.unwrapped.randomizer.params  # type: ignore[attr-defined]
    plain.close()
    for name in names:
        lo, hi = state.ranges()[name]
        nominal = params[name].nominal
        max_lo, max_hi = params[name].scaled_range(2.0)
        assert max_lo <= lo < nominal < hi <= max_hi
    assert all(r == state.ranges() for r in venv.env_method("get_adr_ranges"))
    with open(tmp_path / "log" / "progress.csv") as f:
        rows = list(csv.DictReader(f))
    assert {"adr/npd", "adr/mean_scale", "adr/lighting.intensity_high"} <= set(rows[0])
    npd = [float(r["adr/npd"]) for r in rows]
    assert npd[-1] > npd[0] >= math.log(1e-3)

    saved = ADRState.load(tmp_path / "adr_state.json")
    assert saved.to_dict() == state.to_dict()
    resumed = ADRCallback().load(tmp_path / "adr_state.json")
    venv.env_method("set_adr_state", ADRState(params, config).to_dict())  # back to nominal
    model.learn(64, callback=resumed, reset_num_timesteps=False)
    assert resumed.state is not None
    assert all(r == resumed.state.ranges() for r in venv.env_method("get_adr_ranges"))
    assert resumed.state.ranges()["lighting.intensity"] != (0.5, 0.5)
    venv.close()


def test_callback_freeze_stops_boundary_episodes_in_every_env() -> None:
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import DummyVecEnv

    venv = DummyVecEnv([lambda: make_adr_env(ENV_ID, ADRConfig(boundary_prob=1.0), **ENV_KW)])
    callback = ADRCallback()
    callback.freeze()
    callback.init_callback(PPO("MultiInputPolicy", venv, n_steps=8, batch_size=8, device="cpu"))
    assert venv.get_attr("frozen") == [True]
    for seed in range(3):
        venv.seed(seed)
        venv.reset()
        assert venv.reset_infos[0]["adr"]["param"] is None
    venv.close()
