"""Behaviour tests for the camera sensor models (simenv.sensors)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from simenv.randomization import DomainRandomizer, dr_table
from simenv.sensors import (
    SENSOR_PARAMS,
    SensorModel,
    blur,
    color_jitter,
    depth_noise,
    gamma,
    gaussian_noise,
    jpeg,
    lens_distortion,
    noise,
    shot_noise,
    vignetting,
)

# A model with every RGB and depth stage on, at typical "default" strengths.
ALL_ON = SensorModel(
    noise_gaussian=3.0,
    noise_shot=0.25,
    blur=0.5,
    brightness=0.05,
    contrast=1.1,
    saturation=0.9,
    hue=4.0,
    gamma=0.9,
    jpeg_quality=75,
    vignetting=0.15,
    lens_k1=0.05,
    lens_k2=0.01,
    depth_noise=0.005,
    depth_edge_holes=0.25,
    depth_dropout=0.01,
)


def rand_img(seed: int = 0, shape: tuple[int, ...] = (84, 84, 3)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def smooth_img(seed: int = 0, shape: tuple[int, ...] = (84, 84, 3)) -> np.ndarray:
    """A natural-looking image: random values blurred, so colour ops have room to move."""
    return cv2.GaussianBlur(rand_img(seed, shape), (0, 0), 3)


def scene_img(size: int = 84) -> np.ndarray:
    """A structured test scene: colour gradients and a bright disc."""
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1)
    img = np.stack([40 + 180 * xx, 40 + 180 * yy, 120 + 60 * np.sin(6 * xx)], axis=-1)
    img[(yy - 0.6) ** 2 + (xx - 0.4) ** 2 < 0.04] = 230
    return img.astype(np.uint8)


def grey(value: int, size: int = 64) -> np.ndarray:
    return np.full((size, size, 3), value, dtype=np.uint8)


def luma_std(img: np.ndarray) -> float:
    return float((img.astype(np.float64) @ [0.2126, 0.7152, 0.0722]).std())


# ----------------------------------------------------------------------------- identity
def test_nominal_model_is_identity() -> None:
    rng = np.random.default_rng(0)
    img = rand_img()
    depth = np.random.default_rng(1).uniform(0.5, 5, (84, 84, 1)).astype(np.float32)
    nominal = DomainRandomizer(SENSOR_PARAMS, "none").sample(rng)
    for model in (SensorModel(), SensorModel.from_sample({}), SensorModel.from_sample(nominal)):
        assert model.is_identity
        assert model.apply_rgb(img, rng) is img
        assert model.apply_depth(depth, rng) is depth
    state = rng.bit_generator.state
    SensorModel().apply_rgb(img, rng)
    assert rng.bit_generator.state == state  # the nominal model draws nothing


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, rng: gaussian_noise(x, 0.0, rng),
        lambda x, rng: shot_noise(x, 0.0, rng),
        lambda x, rng: noise(x, 0, 0, rng),
        lambda x, rng: blur(x, 0.0),
        lambda x, rng: color_jitter(x, 0.0, 1.0, 1.0, 0.0),
        lambda x, rng: color_jitter(x, 0.0, 1.0, 1.0, 360.0),
        lambda x, rng: gamma(x, 1.0),
        lambda x, rng: jpeg(x, 100),
        lambda x, rng: vignetting(x, 0.0),
        lambda x, rng: lens_distortion(x, 0.0, 0.0),
    ],
)
def test_off_settings_return_input(fn) -> None:
    rng = np.random.default_rng(0)
    for img in (rand_img(), rand_img(1, (3, 20, 30, 3))):
        assert fn(img, rng) is img


def test_depth_off_returns_input() -> None:
    depth = np.full((8, 8), 2.0, np.float32)
    assert depth_noise(depth, np.random.default_rng(0), 0.0, 0.0, 0.0) is depth


def test_any_active_stage_breaks_identity() -> None:
    assert not ALL_ON.is_identity
    assert not SensorModel(jpeg_quality=99).rgb_is_identity
    assert SensorModel(jpeg_quality=99).depth_is_identity
    assert not SensorModel(depth_dropout=0.1).is_identity


# ----------------------------------------------------------------------------- noise
def test_gaussian_noise_has_requested_std() -> None:
    img = grey(128, 128)
    out = gaussian_noise(img, 5.0, np.random.default_rng(0))
    diff = out.astype(np.float64) - img
    assert out.dtype == np.uint8 and out.shape == img.shape
    assert abs(diff.std() - 5.0) < 0.15
    assert abs(diff.mean()) < 0.1


def test_shot_noise_grows_with_intensity() -> None:
    rng = np.random.default_rng(0)
    stds = {}
    for level in (0, 50, 200):
        img = grey(level, 128)
        stds[level] = (shot_noise(img, 0.5, rng).astype(np.float64) - img).std()
    assert stds[0] == 0.0  # no light, no photon noise
    assert stds[50] < stds[200]
    assert abs(stds[200] - np.sqrt(0.5 * 200)) < 0.5  # variance = scale * intensity


def test_noise_combines_read_and_shot_noise() -> None:
    img = grey(100, 128)
    out = noise(img, 4.0, 0.5, np.random.default_rng(0))
    assert abs((out.astype(np.float64) - img).std() - np.sqrt(16 + 50)) < 0.3


def test_extreme_noise_stays_in_range() -> None:
    out = noise(rand_img(), 255.0, 255.0, np.random.default_rng(0))
    assert out.dtype == np.uint8
    assert out.min() == 0 and out.max() == 255  # clipped, not wrapped


def test_noise_on_other_bit_generator() -> None:
    rng = np.random.Generator(np.random.MT19937(0))  # 32-bit raw output: the fallback path
    diff = gaussian_noise(grey(128, 128), 5.0, rng).astype(np.float64) - 128
    assert abs(diff.std() - 5.0) < 0.15


# ----------------------------------------------------------------------------- optics
def test_blur_reduces_high_frequencies() -> None:
    board = ((np.indices((64, 64)).sum(axis=0) // 2) % 2 * 255).astype(np.uint8)
    img = np.repeat(board[..., None], 3, axis=2)

    def hf(x: np.ndarray) -> float:
        return float(np.abs(np.diff(x.astype(np.float64), axis=1)).mean())

    soft, softer = blur(img, 0.8), blur(img, 2.0)
    assert hf(softer) < hf(soft) < 0.8 * hf(img)
    assert abs(soft.mean() - img.mean()) < 1.0  # blur keeps the mean


def test_vignetting_darkens_corners_not_centre() -> None:
    img = grey(200, 65)
    out = vignetting(img, 0.3)
    assert np.array_equal(out[32, 32], img[32, 32])
    assert abs(int(out[0, 0, 0]) - 140) <= 1  # corner gain is 1 - strength
    assert out[0, 0, 0] < out[0, 32, 0] < out[16, 32, 0] < out[32, 32, 0]


def test_lens_distortion_moves_off_centre_content() -> None:
    img = np.zeros((65, 65, 3), np.uint8)
    img[32, 32] = 255  # centre dot
    img[8:12, 48:52] = 255  # off-centre square

    def square_radius(x: np.ndarray) -> float:
        x = x.copy()
        x[30:35, 30:35] = 0
        ys, xs = np.nonzero(x[..., 0] > 60)
        return float(np.hypot(ys.mean() - 32, xs.mean() - 32))

    barrel, pincushion = lens_distortion(img, -0.2, 0.0), lens_distortion(img, 0.2, 0.0)
    for out in (barrel, pincushion):
        assert np.array_equal(out[32, 32], img[32, 32])  # the centre stays put
        assert out.shape == img.shape and out.dtype == np.uint8
    assert square_radius(barrel) < square_radius(img) - 1.0 < square_radius(pincushion) - 2.0


# ----------------------------------------------------------------------------- colour
def test_gamma_below_one_brightens() -> None:
    img = grey(128)
    assert gamma(img, 0.8)[0, 0, 0] > 128 > gamma(img, 1.25)[0, 0, 0]
    ends = np.array([[[0, 255, 0]]], np.uint8)
    assert np.array_equal(gamma(ends, 0.5), ends)  # black and white stay fixed


def test_brightness_is_an_offset() -> None:
    assert color_jitter(grey(100), 0.1, 1.0, 1.0, 0.0)[0, 0, 0] in (125, 126)
    assert color_jitter(grey(250), 0.1, 1.0, 1.0, 0.0)[0, 0, 0] == 255  # clipped


def test_contrast_scales_spread_around_mean() -> None:
    img = rand_img()
    out = color_jitter(img, 0.0, 0.5, 1.0, 0.0)
    assert abs(luma_std(out) / luma_std(img) - 0.5) < 0.02
    assert abs(out.mean() - img.mean()) < 1.0


def test_saturation_zero_gives_grey_of_same_luminance() -> None:
    img = smooth_img()
    out = color_jitter(img, 0.0, 1.0, 0.0, 0.0).astype(int)
    assert np.abs(out[..., 0] - out[..., 1]).max() <= 1
    assert np.abs(out[..., 1] - out[..., 2]).max() <= 1
    luma = img.astype(np.float64) @ [0.2126, 0.7152, 0.0722]
    assert np.abs(out[..., 0] - luma).max() <= 1.0


def hsv_hue(img: np.ndarray) -> float:
    return float(cv2.cvtColor(img.astype(np.float32), cv2.COLOR_RGB2HSV)[..., 0].mean())


def test_hue_shift_rotates_hue() -> None:
    red = np.zeros((8, 8, 3), np.uint8)
    red[...] = (200, 60, 40)
    h0 = hsv_hue(red)
    assert abs(hsv_hue(color_jitter(red, 0.0, 1.0, 1.0, 20.0)) - (h0 + 20)) < 1.0
    assert np.array_equal(
        color_jitter(red, 0.0, 1.0, 1.0, -10.0), color_jitter(red, 0.0, 1.0, 1.0, 350.0)
    )
    shifted = color_jitter(red, 0.0, 1.0, 1.0, -10.0)
    assert abs(hsv_hue(shifted) - (h0 - 10 + 360)) < 1.0  # wraps below 0 degrees
    assert shifted.max() == 200  # hue leaves the value (max channel) alone


# ----------------------------------------------------------------------------- JPEG
def test_jpeg_compresses_more_at_low_quality() -> None:
    img = rand_img()
    err = {q: np.abs(jpeg(img, q).astype(int) - img).mean() for q in (10, 50, 95)}
    assert err[10] > err[50] > err[95] > 0
    assert jpeg(img, 10).shape == img.shape and jpeg(img, 10).dtype == np.uint8


def test_jpeg_keeps_channel_order() -> None:
    img = smooth_img()
    img[..., 2] //= 4  # a clearly non-grey, red-green image
    out = jpeg(img, 90).astype(int)
    assert np.abs(out - img).mean(axis=(0, 1)).max() < 3


# ----------------------------------------------------------------------------- depth
def step_depth() -> np.ndarray:
    depth = np.full((60, 80, 1), 1.0, np.float32)
    depth[:, 40:] = 2.0  # a step between columns 39 and 40
    return depth


def test_depth_edge_holes_only_at_discontinuities() -> None:
    depth = step_depth()
    out = depth_noise(depth, np.random.default_rng(0), 0.0, 1.0, 0.0)
    hole_columns = np.unique(np.nonzero(out[..., 0] == 0)[1])
    assert hole_columns.tolist() == [38, 39, 40, 41]  # both sides of the step, dilated by 1 px
    assert (out[:, 38:42] == 0).all()
    half = depth_noise(depth, np.random.default_rng(0), 0.0, 0.5, 0.0)
    assert 0.4 < (half[:, 38:42] == 0).mean() < 0.6
    assert np.array_equal(half[:, :38], depth[:, :38])
    assert np.array_equal(half[:, 42:], depth[:, 42:])


def test_depth_dropout_fraction() -> None:
    depth = np.full((200, 200), 3.0, np.float32)
    out = depth_noise(depth, np.random.default_rng(0), 0.0, 0.0, 0.1)
    assert out.shape == depth.shape and out.dtype == np.float32
    assert abs((out == 0).mean() - 0.1) < 0.01
    assert np.array_equal(out[out != 0], depth[out != 0])


def test_depth_noise_scales_with_distance_squared() -> None:
    rng = np.random.default_rng(0)
    near = depth_noise(np.full((100, 100), 1.0, np.float32), rng, 0.01, 0.0, 0.0)
    far = depth_noise(np.full((100, 100), 3.0, np.float32), rng, 0.01, 0.0, 0.0)
    assert abs(near.std() - 0.01) < 0.001
    assert abs(far.std() - 0.09) < 0.005


def test_depth_zeros_stay_zero_and_no_nan() -> None:
    depth = step_depth()
    depth[:10] = 0.0
    depth[10, 5] = np.nan
    depth[11, 5] = np.inf
    out = depth_noise(depth, np.random.default_rng(0), 0.5, 0.5, 0.05)
    assert np.isfinite(out).all() and (out >= 0).all()
    assert (out[:10] == 0).all()
    assert out[10, 5] == 0 and out[11, 5] == 0  # invalid input counts as missing
    clean = depth_noise(depth, np.random.default_rng(0), 0.0, 0.0, 0.0)
    assert np.isfinite(clean).all()


def test_depth_accepts_2d_and_float64() -> None:
    depth = step_depth()[..., 0].astype(np.float64)
    out = depth_noise(depth, np.random.default_rng(0), 0.01, 0.3, 0.01)
    assert out.shape == depth.shape and out.dtype == np.float32


# ----------------------------------------------------------------------------- pipeline
def test_pipeline_is_deterministic_given_seed() -> None:
    img, depth = rand_img(), step_depth()
    a = ALL_ON.apply_rgb(img, np.random.default_rng(7))
    b = ALL_ON.apply_rgb(img, np.random.default_rng(7))
    c = ALL_ON.apply_rgb(img, np.random.default_rng(8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    da = ALL_ON.apply_depth(depth, np.random.default_rng(7))
    db = ALL_ON.apply_depth(depth, np.random.default_rng(7))
    assert np.array_equal(da, db)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: blur(x, 1.0),
        lambda x: color_jitter(x, 0.05, 1.2, 0.8, 5.0),
        lambda x: gamma(x, 0.7),
        lambda x: jpeg(x, 60),
        lambda x: vignetting(x, 0.4),
        lambda x: lens_distortion(x, -0.1, 0.02),
    ],
)
def test_batch_equals_per_image(fn) -> None:
    batch = np.stack([smooth_img(i, (30, 40, 3)) for i in range(3)])
    out = fn(batch)
    assert out.shape == batch.shape and out.dtype == np.uint8
    for i in range(3):
        assert np.array_equal(out[i], fn(batch[i]))


def test_pipeline_accepts_batches_and_views() -> None:
    batch = rand_img(0, (4, 48, 64, 3))
    out = ALL_ON.apply_rgb(batch, np.random.default_rng(0))
    assert out.shape == batch.shape and out.dtype == np.uint8
    view = rand_img(1, (96, 128, 3))[::2, ::2]  # non-contiguous input
    assert ALL_ON.apply_rgb(view, np.random.default_rng(0)).shape == (48, 64, 3)


def test_from_sample_reads_sensor_keys_only() -> None:
    model = SensorModel.from_sample(
        {"sensor.blur": 0.5, "sensor.jpeg.quality": 80.0, "lighting.intensity": 3.0}
    )
    assert model.blur == 0.5 and model.jpeg_quality == 80
    assert model.gamma == 1.0 and model.depth_is_identity


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("bad", "text"),
    [
        (np.zeros((84, 84)), "got float64 (84, 84)"),
        (np.zeros((84, 84, 3), np.float32), "got float32 (84, 84, 3)"),
        (np.zeros((84, 84, 4), np.uint8), "got uint8 (84, 84, 4)"),
        (np.zeros((0, 84, 3), np.uint8), "got uint8 (0, 84, 3)"),
        ([[[0, 0, 0]]], "got list"),
    ],
)
def test_bad_images_raise_clear_errors(bad, text) -> None:
    rng = np.random.default_rng(0)
    for fn in (
        lambda x: gaussian_noise(x, 1.0, rng),
        lambda x: blur(x, 1.0),
        lambda x: jpeg(x, 50),
        lambda x: SensorModel().apply_rgb(x, rng),
    ):
        with pytest.raises(ValueError, match=r"expected uint8 image of shape") as err:
            fn(bad)
        assert text in str(err.value)
        assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda img, rng: gaussian_noise(img, -1.0, rng), "sigma"),
        (lambda img, rng: gaussian_noise(img, float("nan"), rng), "sigma"),
        (lambda img, rng: blur(img, float("inf")), "blur sigma"),
        (lambda img, rng: gamma(img, 0.0), "gamma"),
        (lambda img, rng: jpeg(img, 50.5), "jpeg quality"),
        (lambda img, rng: jpeg(img, 101), "jpeg quality"),
        (lambda img, rng: vignetting(img, 1.5), "vignetting strength"),
        (lambda img, rng: color_jitter(img, 0.0, -1.0, 1.0, 0.0), "contrast"),
        (lambda img, rng: SensorModel(noise_gaussian="a"), "noise_gaussian"),
        (lambda img, rng: SensorModel.from_sample({"sensor.gamma": None}), "gamma"),
    ],
)
def test_bad_parameters_raise_clear_errors(call, name) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must be "):
        call(rand_img(), np.random.default_rng(0))


def test_bad_depth_raises_clear_error() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"got uint16 \(8, 8\)"):
        depth_noise(np.zeros((8, 8), np.uint16), rng, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"got float32 \(8, 8, 3\)"):
        SensorModel().apply_depth(np.zeros((8, 8, 3), np.float32), rng)


# ----------------------------------------------------------------------------- DR params
def test_sensor_params_declare_the_documented_names() -> None:
    expected = {
        "sensor.noise.gaussian",
        "sensor.noise.shot",
        "sensor.blur",
        "sensor.color.brightness",
        "sensor.color.contrast",
        "sensor.color.saturation",
        "sensor.color.hue",
        "sensor.gamma",
        "sensor.jpeg.quality",
        "sensor.vignetting",
        "sensor.lens.k1",
        "sensor.lens.k2",
        "sensor.depth.noise",
        "sensor.depth.edge_holes",
        "sensor.depth.dropout",
    }
    names = [p.name for p in SENSOR_PARAMS]
    assert len(names) == len(expected) and set(names) == expected
    assert all(p.doc for p in SENSOR_PARAMS)
    table = dr_table(SENSOR_PARAMS)
    assert all(f"`{n}`" in table for n in names)
    # Nominal values are the identity sensor, and every name maps onto a model field.
    nominal = {p.name: p.nominal for p in SENSOR_PARAMS}
    assert SensorModel.from_sample(nominal) == SensorModel()
    assert SensorModel.from_sample({n: 0.5 for n in names}) != SensorModel()


@pytest.mark.parametrize("preset", ["default", "strong"])
def test_randomized_samples_apply_cleanly(preset: str) -> None:
    dr = DomainRandomizer(SENSOR_PARAMS, preset)
    rng = np.random.default_rng(0)
    img, depth = rand_img(), step_depth()
    for _ in range(10):
        model = SensorModel.from_sample(dr.sample(rng))
        assert not model.is_identity
        out = model.apply_rgb(img, rng)
        assert out.dtype == np.uint8 and out.shape == img.shape
        d = model.apply_depth(depth, rng)
        assert d.dtype == np.float32 and d.shape == depth.shape
        assert np.isfinite(d).all() and (d >= 0).all()


def test_default_ranges_are_visible_but_not_destructive() -> None:
    """At the edge of the default ranges a scene changes visibly but stays recognisable."""
    img = scene_img()
    edge = SensorModel(
        noise_gaussian=6.0,
        noise_shot=0.5,
        blur=0.8,
        brightness=0.1,
        contrast=0.8,
        saturation=0.7,
        hue=8.0,
        gamma=1.25,
        jpeg_quality=50,
        vignetting=0.3,
        lens_k1=0.1,
        lens_k2=0.02,
    )
    out = edge.apply_rgb(img, np.random.default_rng(0)).astype(np.float64)
    err = np.abs(out - img).mean()
    corr = np.corrcoef(out.ravel(), img.astype(np.float64).ravel())[0, 1]
    assert err > 3.0 and corr > 0.8
