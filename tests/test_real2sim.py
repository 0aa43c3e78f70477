"""Real-to-sim: camera sources, translators, CycleGAN losses, wrappers, pseudo-real pairing."""

from __future__ import annotations

import json

import cv2
import gymnasium as gym
import imageio
import numpy as np
import pytest
import torch

import simenv  # noqa: F401
from simenv.real2sim import (
    CameraError,
    CameraSource,
    FDATranslator,
    IdentityTranslator,
    RealToSimWrapper,
    RealWorldEnv,
    StatsTranslator,
    load_translator,
    make_pseudo_real,
    paired_episodes,
    pseudo_real_look,
    write_folder,
)
from simenv.real2sim.cyclegan import (
    CycleGANConfig,
    CycleGANTrainer,
    CycleGANTranslator,
    PatchDiscriminator,
    ResnetGenerator,
    lsgan_loss,
    shift_images,
    shift_loss,
    train_cyclegan,
)
from simenv.real2sim.pipeline import flicker, pixel_error, run_on_camera, train_translator
from simenv.sensors import SensorModel

NAV = "simenv/IndoorNav-v0"


@pytest.fixture(scope="module")
def sim_frames() -> np.ndarray:
    env = gym.make(NAV, obs_mode="rgb", randomization="none", camera_size=(32, 32))
    frames = []
    for seed in range(6):
        obs, _ = env.reset(seed=seed)
        frames.append(obs["rgb"])
        for _ in range(3):
            obs, *_ = env.step(env.action_space.sample())
            frames.append(obs["rgb"])
    env.close()
    return np.stack(frames)


def colour_shift(frames: np.ndarray) -> np.ndarray:
    """A strong global colour change: warm tint, darker, lower contrast, more saturation."""
    model = SensorModel(brightness=-0.08, contrast=0.75, saturation=1.4, hue=25.0, gamma=1.3)
    return model.apply_rgb(frames, np.random.default_rng(0))


# ----------------------------------------------------------------------------- translators
@pytest.mark.parametrize("mode", ["moments", "histogram"])
def test_stats_translator_undoes_a_colour_shift(sim_frames: np.ndarray, mode: str) -> None:
    shifted = colour_shift(sim_frames)
    before = np.abs(shifted.astype(float) - sim_frames).mean()
    t = StatsTranslator(mode).fit(real=shifted, sim=sim_frames)
    after = pixel_error(t, shifted, sim_frames)
    assert after < 0.35 * before, (before, after)
    assert t.translate(shifted[0]).shape == sim_frames[0].shape  # single frames too


def test_fda_moves_low_frequencies_to_the_simulator_mean(sim_frames: np.ndarray) -> None:
    shifted = colour_shift(sim_frames)
    t = FDATranslator(beta=0.1).fit(sim=sim_frames)
    out = t.translate(shifted)
    assert out.shape == shifted.shape and out.dtype == np.uint8
    # the global mean colour (the DC term) now matches the simulator's
    assert np.abs(out.mean((0, 1, 2)) - sim_frames.mean((0, 1, 2))).max() < 3.0
    assert np.abs(shifted.mean((0, 1, 2)) - sim_frames.mean((0, 1, 2))).max() > 10.0
    with pytest.raises(ValueError, match="fitted at 32x32"):
        t.translate(np.zeros((1, 16, 16, 3), np.uint8))


def test_unfitted_and_bad_input_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        StatsTranslator().translate(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="mode='median'"):
        StatsTranslator("median")
    with pytest.raises(ValueError, match="uint8 RGB"):
        IdentityTranslator().translate(np.zeros((2, 4, 4), np.float32))


def test_translators_round_trip_through_files(sim_frames: np.ndarray, tmp_path) -> None:
    shifted = colour_shift(sim_frames)
    made = [
        StatsTranslator().fit(shifted, sim_frames),
        FDATranslator().fit(sim_frames),
        IdentityTranslator(),
        CycleGANTranslator(ResnetGenerator(8, 1), {"ngf": 8, "blocks": 1}),
    ]
    for t in made:
        path = t.save(tmp_path / f"{t.method}.pt")
        back = load_translator(path)
        assert type(back) is type(t)
        np.testing.assert_array_equal(back.translate(shifted), t.translate(shifted))
    assert isinstance(load_translator("identity"), IdentityTranslator)


def test_corrupt_or_foreign_translator_files_are_clear_errors(tmp_path) -> None:
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_translator(bad)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(ValueError, match="not a simenv translator"):
        load_translator(other)
    with pytest.raises(ValueError, match="not found"):
        load_translator(tmp_path / "missing.pt")


# ------------------------------------------------------------------------------- CycleGAN
def test_generator_and_discriminator_shapes_any_size() -> None:
    g, d = ResnetGenerator(8, 2), PatchDiscriminator(8)
    for size in (32, 30):
        x = torch.rand(2, 3, size, size) * 2 - 1
        y = g(x)
        assert y.shape == x.shape and y.abs().max() <= 1.0
        assert d(x).shape[:2] == (2, 1)
    # gradients reach the first layer through both networks
    loss = d(g(torch.rand(1, 3, 32, 32))).mean()
    loss.backward()
    assert g.net[1].weight.grad is not None and g.net[1].weight.grad.abs().sum() > 0


def test_shift_loss_is_zero_for_shift_equivariant_maps_and_not_otherwise() -> None:
    x = torch.rand(2, 3, 24, 24)
    pointwise = torch.nn.Conv2d(3, 3, 1)  # commutes with shifts
    assert shift_loss(pointwise, x, 2, -1).item() < 1e-6
    coords = torch.linspace(0, 1, 24).view(1, 1, 1, 24)

    def position_dependent(img: torch.Tensor) -> torch.Tensor:
        return img * coords  # a vignette-like gain does not commute with shifts

    assert shift_loss(position_dependent, x, 0, 2).item() > 1e-3
    moved = shift_images(x, 0, 2)
    torch.testing.assert_close(moved[..., 2:], x[..., :-2])


def test_cyclegan_step_reduces_the_cycle_loss_and_checkpoints_round_trip(tmp_path) -> None:
    cfg = CycleGANConfig(
        iterations=40, batch_size=4, ngf=8, blocks=1, ndf=8, pool_size=4, lambda_identity=1.0
    )
    features = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, 2), torch.nn.Flatten())
    trainer = CycleGANTrainer(cfg, features=features)
    gen = torch.Generator().manual_seed(0)
    real = torch.rand(8, 3, 16, 16, generator=gen) * 2 - 1
    sim = (torch.rand(8, 3, 16, 16, generator=gen) * 2 - 1) * 0.5
    first = trainer.train_step(real[:4], sim[:4])
    assert set(first) == {"gan", "cycle", "identity", "shift", "policy", "disc"}
    for _ in range(30):
        last = trainer.train_step(real[:4], sim[:4])
    assert last["cycle"] < first["cycle"]
    path = tmp_path / "ckpt.pt"
    trainer.save(path)
    again = CycleGANTrainer(cfg)
    again.load(path)
    assert again.step == trainer.step
    x = real[:2]
    torch.testing.assert_close(again.G(x), trainer.G(x))
    path.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not readable"):
        again.load(path)


@pytest.mark.parametrize("grid", [False, True])
def test_feature_discriminator_trains_on_policy_features_and_checkpoints(
    tmp_path, grid: bool
) -> None:
    cfg = CycleGANConfig(
        iterations=10,
        batch_size=4,
        ngf=8,
        blocks=1,
        ndf=8,
        pool_size=0,
        lambda_policy=0.0,
        lambda_feature=1.0,
    )
    conv = torch.nn.Conv2d(3, 5, 3, 2)  # a grid of features (affordance trunk) or a vector (BC)
    features = conv if grid else torch.nn.Sequential(conv, torch.nn.Flatten())
    with pytest.raises(ValueError, match=r"lambda_feature=1\.0 needs a policy"):
        CycleGANTrainer(cfg)
    trainer = CycleGANTrainer(cfg, features=features, size=(16, 16))
    assert trainer.D_feat is not None and trainer.D_feat in trainer.discriminators
    before = [p.detach().clone() for p in trainer.D_feat.parameters()]
    gen = torch.Generator().manual_seed(0)
    real = torch.rand(4, 3, 16, 16, generator=gen) * 2 - 1
    sim = (torch.rand(4, 3, 16, 16, generator=gen) * 2 - 1) * 0.5
    row = trainer.train_step(real, sim)
    assert row["feature"] > 0 and "policy" not in row
    assert any(not torch.equal(a, b) for a, b in zip(before, trainer.D_feat.parameters()))
    # the generator is pushed by the feature critic: its loss has a gradient on G
    trainer.G.zero_grad()
    lsgan_loss(trainer.D_feat(features((trainer.G(real) + 1) / 2)), True).backward()
    assert trainer.G.net[1].weight.grad.abs().sum() > 0
    path = tmp_path / "ckpt.pt"
    trainer.save(path)
    again = CycleGANTrainer(cfg, features=features, size=(16, 16))
    again.load(path)
    f = features(sim)
    torch.testing.assert_close(again.D_feat(f), trainer.D_feat(f))
    without = CycleGANTrainer(CycleGANConfig(**{**cfg.__dict__, "lambda_feature": 0.0}))
    with pytest.raises(ValueError, match="trained with the feature discriminator"):
        without.load(path)


def test_train_cyclegan_writes_artefacts_and_resumes(sim_frames: np.ndarray, tmp_path) -> None:
    real = colour_shift(sim_frames)
    cfg = CycleGANConfig(
        iterations=6, batch_size=2, ngf=8, blocks=1, ndf=8, sample_every=3, checkpoint_every=3
    )
    t = train_cyclegan(real, sim_frames, tmp_path, cfg, progress=False)
    assert (tmp_path / "samples" / "step_000006.png").is_file()
    assert len(json.loads((tmp_path / "history.json").read_text())) == 6
    back = load_translator(tmp_path / "translator.pt")
    np.testing.assert_array_equal(back.translate(real[:3]), t.translate(real[:3]))
    more = CycleGANConfig(**{**cfg.__dict__, "iterations": 8})
    train_cyclegan(real, sim_frames, tmp_path, more, progress=False)  # resumes from step 6
    assert len(json.loads((tmp_path / "history.json").read_text())) == 8
    with pytest.raises(ValueError, match="architecture"):
        train_cyclegan(
            real,
            sim_frames,
            tmp_path,
            CycleGANConfig(**{**more.__dict__, "iterations": 9, "ngf": 4}),
            progress=False,
        )


# ------------------------------------------------------------------------------- cameras
def test_camera_reads_a_generated_video_file(tmp_path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for i in range(5):
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[..., 2] = 40 * i  # BGR: red grows
        writer.write(frame)
    writer.release()
    with CameraSource(path, (32, 32)) as cam:
        frames = list(cam)
    assert len(frames) == 5
    assert frames[0].image.shape == (32, 32, 3) and frames[0].image.dtype == np.uint8
    reds = [f.image[..., 0].mean() for f in frames]
    assert reds == sorted(reds) and reds[-1] > 120  # RGB order, in time order
    stamps = [f.timestamp for f in frames]
    assert stamps == sorted(stamps) and stamps[1] - stamps[0] == pytest.approx(0.1, abs=0.02)


def test_camera_reads_a_folder_with_crop_and_undistortion(tmp_path) -> None:
    images = np.zeros((3, 40, 80, 3), np.uint8)
    images[:, :, 20:60] = 200  # a bright centre square: survives the centre crop to 1:1
    write_folder(images, tmp_path / "frames")
    K = {"K": [[40, 0, 40], [0, 40, 20], [0, 0, 1]], "dist": [0.0, 0.0, 0.0, 0.0]}
    with CameraSource(tmp_path / "frames", (20, 20), intrinsics=K, fps=5) as cam:
        frames = cam.frames()
    assert frames.shape == (3, 20, 20, 3) and frames.mean() > 190
    with pytest.raises(ValueError, match="intrinsics"):
        CameraSource(tmp_path / "frames", (20, 20), intrinsics={"K": [1, 2]})


def test_missing_camera_sources_are_clear_errors(tmp_path) -> None:
    with pytest.raises(CameraError, match="not found"):
        CameraSource(tmp_path / "nothing.mp4")
    with pytest.raises(CameraError, match="cannot open camera device '97'"):
        CameraSource(97, retries=1, timeout_s=0.5)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CameraError, match="no images"):
        CameraSource(tmp_path / "empty")
    (tmp_path / "fake.mp4").write_bytes(b"\x00" * 100)
    with pytest.raises(CameraError, match="cannot open video file"):
        CameraSource(tmp_path / "fake.mp4")


# ------------------------------------------------------------------------------- wrappers
def test_wrapper_keeps_spaces_and_translates_rgb(sim_frames: np.ndarray) -> None:
    env = gym.make(NAV, obs_mode="rgbd", randomization="none", camera_size=(32, 32))

    class Invert:
        def translate(self, frames: np.ndarray) -> np.ndarray:
            return 255 - frames

    wrapped = RealToSimWrapper(env, Invert())
    assert wrapped.observation_space == env.observation_space
    obs, _ = wrapped.reset(seed=3)
    raw = wrapped.last_raw["rgb"]
    np.testing.assert_array_equal(obs["rgb"], 255 - raw)
    assert obs["depth"].dtype == np.float32 and wrapped.observation_space.contains(obs)
    with pytest.raises(ValueError, match="not uint8 RGB image keys"):
        RealToSimWrapper(env, Invert(), keys=["depth"])
    wrapped.close()


def test_real_world_env_runs_a_policy_on_a_folder(sim_frames: np.ndarray, tmp_path) -> None:
    folder = write_folder(sim_frames[:5], tmp_path / "cam")
    sent = []
    env = RealWorldEnv.like(
        NAV,
        CameraSource(folder, (32, 32)),
        {"obs_mode": "rgb", "camera_size": (32, 32)},
        act=sent.append,
        vectors=lambda: {"goal": [2.0, 0.0, 1.0], "proprio": [0.0, 0.0]},
    )
    obs, info = env.reset()
    assert env.observation_space.contains(obs) and info["index"] == 0
    steps = 0
    done = False
    while not done:
        obs, reward, term, trunc, info = env.step(env.action_space.sample())
        assert reward == 0.0 and env.observation_space.contains(obs)
        steps += 1
        done = term or trunc
    assert steps == 5 and trunc and len(sent) == 5  # the recording ended
    bad = RealWorldEnv.like(
        NAV,
        CameraSource(folder, (32, 32)),
        {"obs_mode": "rgb", "camera_size": (32, 32)},
        vectors=lambda: {"goal": [1.0, 0.0, 1.0]},
    )
    with pytest.raises(ValueError, match="did not return"):
        bad.reset()
    with pytest.raises(ValueError, match="camera size"):
        RealWorldEnv.like(
            NAV,
            CameraSource(folder, (16, 16)),
            {"obs_mode": "rgb", "camera_size": (32, 32)},
            vectors=dict,
        )
    with pytest.raises(ValueError, match="RGB only"):
        RealWorldEnv.like(
            NAV,
            CameraSource(folder, (32, 32)),
            {"obs_mode": "rgbd", "camera_size": (32, 32)},
            vectors=dict,
        )


# ---------------------------------------------------------------------------- pseudo-real
@pytest.mark.parametrize(
    "env_id", ["simenv/IndoorNav-v0", "simenv/Driving-v0", "simenv/TransparentGrasp-v0"]
)
def test_pseudo_real_pairs_share_states_but_not_looks(env_id: str) -> None:
    kwargs = {"camera_size": (32, 32)}
    if env_id == "simenv/Driving-v0":
        kwargs["max_episode_steps"] = 25
    nominal, real = next(paired_episodes(env_id, 1, seed=5, every=5, env_kwargs=kwargs))
    assert nominal.shape == real.shape and len(nominal) >= 2
    diff = np.abs(nominal.astype(float) - real).mean()
    assert diff > 20  # a hard look ...
    look = pseudo_real_look(env_id)
    assert look["preset"] == "none" and "sensor.jpeg.quality" in look  # ... from fixed values
    env = make_pseudo_real(env_id, **kwargs)
    _, info = env.reset(seed=0)
    assert info["randomization"]["sensor.vignetting"] == look["sensor.vignetting"]
    env.close()


def test_two_mujoco_envs_in_one_process_render_their_own_scene() -> None:
    """Each renderer makes its GL context current: no textures from the other env."""
    alone = gym.make(NAV, obs_mode="rgb", randomization="none", camera_size=(32, 32))
    expected = alone.reset(seed=1)[0]["rgb"]
    alone.close()
    a = gym.make(NAV, obs_mode="rgb", randomization="none", camera_size=(32, 32))
    b = make_pseudo_real(NAV, obs_mode="rgb", camera_size=(32, 32))
    a.reset(seed=1)
    b.reset(seed=1)  # the last context created/used is b's
    np.testing.assert_array_equal(a.unwrapped.capture().rgb, expected)  # no sensor noise
    a.close()
    b.close()


# ---------------------------------------------------------------------------- pipeline
def test_train_stats_and_run_a_policy_through_it(tmp_path) -> None:
    from simenv.agents.bc import BCConfig, train_bc

    kwargs = {"obs_mode": "rgb", "camera_size": (32, 32), "randomization": "none"}
    run = train_bc(NAV, kwargs, BCConfig(episodes=2, epochs=1), tmp_path / "bc", progress=False)
    video = tmp_path / "real.mp4"
    from simenv.real2sim import record_video

    record_video(NAV, video, episodes=1, seed=50, env_kwargs={"camera_size": (32, 32)})
    result = train_translator(
        NAV, video, tmp_path / "stats", method="stats", sim_frames=40, policy=run, progress=False
    )
    assert result.path.is_file() and (tmp_path / "stats" / "samples.png").is_file()
    out = run_on_camera(
        run,
        result.path,
        video,
        video=tmp_path / "side.mp4",
        max_steps=6,
        vectors={"goal": [1.0, 0.0, 1.0]},
    )
    assert out.steps == 6 and out.actions.shape == (6, 2) and out.video.is_file()
    frames = imageio.v3.imread(out.video)
    assert len(frames) == 6 and frames.shape[2] > frames.shape[1]  # camera | translated
    with pytest.raises(ValueError, match="unknown vector key"):
        run_on_camera(run, result.path, video, vectors={"speed": [1.0]})


def test_cyclegan_policy_consistency_through_a_grasp_affordance_policy(tmp_path) -> None:
    """An RGB affordance-map policy's trunk is the frozen encoder; an RGB-D one is refused."""
    from simenv.agents.train import train

    grasp = "simenv/TransparentGrasp-v0"
    tiny = {
        "action_mode": "topdown_grasp",
        "camera_size": [32, 32],
        "max_attempts": 1,
        "randomization": "none",
    }
    settings = {"affordance.episodes": 2, "affordance.epochs": 1, "affordance.dagger_rounds": 0}
    rgb = train(
        grasp,
        "affordance",
        tmp_path / "rgb",
        env_kwargs={**tiny, "obs_mode": "rgb"},
        overrides=settings,
        progress=False,
    )
    frames = np.random.default_rng(0).integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)
    result = train_translator(
        grasp,
        frames,
        tmp_path / "gan",
        sim_frames=8,
        policy=rgb,
        config={"iterations": 2, "batch_size": 2},
        progress=False,
    )
    assert result.info["policy_consistency"] and result.path.is_file()
    history = json.loads((tmp_path / "gan" / "history.json").read_text())
    assert all(row["policy"] > 0 for row in history)
    # the feature discriminator runs through the same trunk (a grid of features)
    feat = train_translator(
        grasp,
        frames,
        tmp_path / "gan3",
        sim_frames=8,
        policy=rgb,
        config={"iterations": 2, "batch_size": 2, "lambda_policy": 0, "lambda_feature": 1},
        progress=False,
    )
    assert feat.info["feature_discriminator"] and not feat.info["policy_consistency"]
    history = json.loads((tmp_path / "gan3" / "history.json").read_text())
    assert all(row["feature"] > 0 and "policy" not in row for row in history)
    with pytest.raises(ValueError, match="lambda_feature=1 needs a policy"):
        train_translator(
            grasp,
            frames,
            tmp_path / "gan4",
            sim_frames=8,
            config={"iterations": 1, "lambda_feature": 1},
            progress=False,
        )
    rgbd = train(
        grasp,
        "affordance",
        tmp_path / "rgbd",
        env_kwargs={**tiny, "obs_mode": "rgbd"},
        overrides=settings,
        progress=False,
    )
    with pytest.raises(ValueError, match="over 'rgb' images only"):
        train_translator(
            grasp,
            frames,
            tmp_path / "gan2",
            sim_frames=8,
            policy=rgbd,
            config={"iterations": 1},
            progress=False,
        )


def test_flicker_is_zero_for_global_maps_and_positive_for_local_ones(sim_frames) -> None:
    shifted = colour_shift(sim_frames)
    stats = StatsTranslator().fit(shifted, sim_frames)
    assert flicker(stats, shifted) == 0.0

    class Vignette:
        def translate(self, frames: np.ndarray) -> np.ndarray:
            return SensorModel(vignetting=0.6).apply_rgb(frames, np.random.default_rng(0))

    assert flicker(Vignette(), shifted) > 0.5


# ------------------------------------------------------------------------------------ CLI
def test_cli_record_train_run_and_errors(tmp_path) -> None:
    from typer.testing import CliRunner

    from simenv.cli import app

    runner = CliRunner()
    feed = tmp_path / "feed.mp4"
    result = runner.invoke(app, ["real2sim", "record", NAV, "--out", str(feed), "--size", "32"])
    assert result.exit_code == 0, result.output
    assert feed.is_file() and (tmp_path / "feed.mp4.vectors.npz").is_file()
    result = runner.invoke(
        app,
        [
            "real2sim",
            "train",
            "--env",
            NAV,
            "--real",
            str(feed),
            "--method",
            "fda",
            "--size",
            "32",
            "--sim-frames",
            "20",
            "--out",
            str(tmp_path / "fda"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fda" / "translator.pt").is_file()
    for args, message in (
        (
            ["train", "--env", NAV, "--real", str(feed), "--method", "pix2pix"],
            "method='pix2pix' is not valid",
        ),
        (
            ["train", "--env", NAV, "--real", str(tmp_path / "none.mp4"), "--method", "stats"],
            "not found",
        ),
        (["run", "--policy", "expert.pt", "--camera", str(feed)], "expert.pt"),
    ):
        result = runner.invoke(app, ["real2sim", *args])
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output


def test_simulator_frames_do_not_depend_on_the_number_of_envs() -> None:
    from simenv.real2sim.pseudo_real import look_frames

    kwargs = {"camera_size": (24, 24), "max_episode_steps": 12}
    one = look_frames(
        "simenv/IndoorNav-v0",
        "nominal",
        14,
        seed=5,
        every=3,
        env_kwargs=kwargs,
        progress=False,
        num_envs=1,
    )
    three = look_frames(
        "simenv/IndoorNav-v0",
        "nominal",
        14,
        seed=5,
        every=3,
        env_kwargs=kwargs,
        progress=False,
        num_envs=3,
    )
    assert one.shape == (14, 24, 24, 3) and np.array_equal(one, three)
    assert len({frame.tobytes() for frame in one}) == 14  # distinct states
