"""The DR core: distributions, presets, dr_scale, overrides, validation, determinism."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simenv.randomization import DomainRandomizer, Param, dr_table

PARAMS = (
    Param("lighting.intensity", 0.5, 0.2, 1.0),
    Param("camera.fov", 60.0, 40.0, 90.0, dist="loguniform"),
    Param("dynamics.friction", 1.0, 0.5, 1.5, dist="normal", std=0.2),
    Param("texture.wall", "flat", dist="choice", choices=("flat", "checker", "noise")),
    Param("scene.count", 2, 0, 6, integer=True, rebuild=True),
    Param("sensor.noise", 0.0, 0.0, 0.5, limits=(0.0, 0.6)),
)


def draws(dr: DomainRandomizer, n: int = 400, seed: int = 0) -> dict[str, list]:
    rng = np.random.default_rng(seed)
    samples = [dr.sample(rng) for _ in range(n)]
    return {k: [s[k] for s in samples] for k in samples[0]}


def test_none_preset_is_nominal_and_default_covers_the_range() -> None:
    assert DomainRandomizer(PARAMS, "none").sample(np.random.default_rng(0)) == {
        p.name: p.nominal for p in PARAMS
    }
    d = draws(DomainRandomizer(PARAMS, "default"))
    assert 0.2 <= min(d["lighting.intensity"]) < 0.25 and 0.95 < max(d["lighting.intensity"]) <= 1
    assert set(d["texture.wall"]) == {"flat", "checker", "noise"}
    assert set(d["scene.count"]) == set(range(7))
    assert all(isinstance(v, int) for v in d["scene.count"])
    assert 40 <= min(d["camera.fov"]) and max(d["camera.fov"]) <= 90
    assert 0.5 <= min(d["dynamics.friction"]) and max(d["dynamics.friction"]) <= 1.5
    assert 0.1 < np.std(d["dynamics.friction"]) < 0.25


def test_dr_scale_scales_ranges_around_nominal_and_strong_is_clipped_to_limits() -> None:
    half = draws(DomainRandomizer(PARAMS, "default", dr_scale=0.5))
    assert 0.35 <= min(half["lighting.intensity"]) and max(half["lighting.intensity"]) <= 0.75
    assert DomainRandomizer(PARAMS, dr_scale=0.0).sample(np.random.default_rng(1)) == {
        p.name: p.nominal for p in PARAMS
    }
    strong = draws(DomainRandomizer(PARAMS, "strong"))
    assert max(strong["lighting.intensity"]) > 1.2  # twice the default range
    assert max(strong["sensor.noise"]) <= 0.6  # clipped to the physical limit
    # log-uniform scales in log space: half scale of [40, 90] around 60 is [~49, ~73.5]
    assert min(half["camera.fov"]) >= 60 * (40 / 60) ** 0.5 - 1e-9
    assert max(half["camera.fov"]) <= 60 * (90 / 60) ** 0.5 + 1e-9
    # choice at half scale keeps the nominal about half the time (plus its own draws)
    assert 0.55 < np.mean(np.array(half["texture.wall"]) == "flat") < 0.8


def test_sampling_is_deterministic_given_the_generator() -> None:
    dr = DomainRandomizer(PARAMS, "default")
    a = dr.sample(np.random.default_rng(7))
    assert a == dr.sample(np.random.default_rng(7))
    assert a != dr.sample(np.random.default_rng(8))
    json.dumps(a)  # plain Python scalars


def test_overrides_from_dict_and_yaml(tmp_path) -> None:
    spec = {
        "lighting.intensity": [0.9, 0.95],
        "texture.wall": "checker",
        "camera.*": None,
        "dynamics.friction": {"dist": "uniform", "low": 0.1, "high": 0.2},
        "scene.count": {"dist": "choice", "choices": [5], "p": [1.0]},
    }
    d = draws(DomainRandomizer(PARAMS, spec), n=100)
    assert all(0.9 <= v <= 0.95 for v in d["lighting.intensity"])
    assert set(d["texture.wall"]) == {"checker"}
    assert set(d["camera.fov"]) == {60.0}
    assert all(0.1 <= v <= 0.2 for v in d["dynamics.friction"])
    assert set(d["scene.count"]) == {5}
    path = tmp_path / "dr.yaml"
    path.write_text("preset: strong\nlighting.intensity: [0.3, 0.4]\n")
    dr = DomainRandomizer(PARAMS, str(path))
    assert dr.preset == "strong"
    # strong doubles the overridden range around the nominal too: [0.1, 0.3] ∪ ... clipped
    assert all(0.1 - 1e-9 <= v <= 0.5 for v in draws(dr, 50)["lighting.intensity"])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"lighting.intensty": [0, 1]}, "did you mean 'lighting.intensity'"),
        ({"nope.*": 1.0}, "valid names: camera.fov, dynamics.friction"),
        ({"lighting.intensity": [1.0, 0.5]}, "need finite low <= high"),
        ({"lighting.intensity": [0.1, 0.2, 0.3]}, "a range is [low, high]"),
        ({"lighting.intensity": "bright"}, "expected a number"),
        ({"lighting.intensity": float("nan")}, "must be finite"),
        ({"texture.wall": "wood"}, "not one of the valid values"),
        ({"texture.wall": [0.1, 0.2]}, "not one of"),
        ({"lighting.intensity": {"dist": "gamma"}}, "dist"),
        ({"lighting.intensity": {"dist": "uniform", "low": 0}}, "high"),
        ({"preset": "extreme"}, "valid presets: none, default, strong"),
        ("missing.yaml", "neither a preset"),
    ],
)
def test_bad_specs_are_one_line_value_errors(spec, message) -> None:
    with pytest.raises(ValueError) as err:
        DomainRandomizer(PARAMS, spec)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_declarations_and_scale() -> None:
    with pytest.raises(ValueError, match="outside range"):
        Param("a.b", 5.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="not one of the choices"):
        Param("a.b", "x", dist="choice", choices=("y",))
    with pytest.raises(ValueError, match="dr_scale"):
        DomainRandomizer(PARAMS, dr_scale=-1)
    with pytest.raises(ValueError, match="declared twice"):
        DomainRandomizer((*PARAMS, PARAMS[0]))


def test_set_range_ranges_and_table() -> None:
    dr = DomainRandomizer(PARAMS)
    dr.set_range("lighting.intensity", 0.45, 0.55)
    assert dr.ranges()["lighting.intensity"] == {"dist": "uniform", "low": 0.45, "high": 0.55}
    assert all(0.45 <= v <= 0.55 for v in draws(dr, 50)["lighting.intensity"])
    with pytest.raises(ValueError, match="valid names"):
        dr.set_range("lighting.nope", 0, 1)
    table = dr_table(PARAMS)
    assert "| `camera.fov` | 60.0 | logU(40, 90)" in table and table.count("\n") == len(PARAMS) + 1
    assert "| `scene.count` | 2 |" in table and "(rebuilds the model)" in table


def test_seed_parameters_are_nominal_at_scale_0_fresh_otherwise_and_fixable() -> None:
    seed = Param("texture.seed", 7, dist="seed", doc="procedural detail")
    rng = np.random.default_rng(0)
    assert DomainRandomizer([seed], "none").sample(rng) == {"texture.seed": 7}
    draws = {DomainRandomizer([seed], "default").sample(rng)["texture.seed"] for _ in range(20)}
    assert len(draws) == 20 and all(0 <= d < 2**31 for d in draws)
    fixed = DomainRandomizer([seed], {"texture.seed": 123})
    assert fixed.sample(rng) == {"texture.seed": 123} and fixed.ranges()["texture.seed"] == {
        "dist": "fixed",
        "value": 123,
    }
    for bad in ([1, 2], 1.5, -1, "x"):
        with pytest.raises(ValueError, match="a seed is fixed to an int"):
            DomainRandomizer([seed], {"texture.seed": bad})
    with pytest.raises(ValueError, match="nominal value is an int"):
        Param("texture.seed", 0.5, dist="seed")


@pytest.mark.parametrize("env_id", ["simenv/IndoorNav-v0", "simenv/TransparentGrasp-v0"])
def test_the_look_is_a_function_of_the_recorded_texture_seed(env_id: str) -> None:
    import gymnasium as gym

    import simenv  # noqa: F401

    def first(texture_seed: int) -> tuple[np.ndarray, dict]:
        env = gym.make(
            env_id,
            obs_mode="rgb",
            camera_size=(32, 32),
            randomization={"preset": "default", "texture.seed": texture_seed},
        )
        obs, info = env.reset(seed=5)
        env.close()
        return obs["rgb"], info

    a, info_a = first(11)
    again, _ = first(11)
    other, info_other = first(12)
    np.testing.assert_array_equal(a, again)
    assert info_a["randomization"]["texture.seed"] == 11
    assert info_other["randomization"] == {**info_a["randomization"], "texture.seed": 12}
    assert not np.array_equal(a, other)  # same scene and DR sample, another look
