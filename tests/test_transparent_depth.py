"""Behaviour tests for the transparent-object depth model and its ground-truth helpers."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from simenv.randomization import DomainRandomizer, dr_table
from simenv.sensors.transparent import (
    BOUNDARY_CONTACT,
    BOUNDARY_NONE,
    BOUNDARY_OCCLUSION,
    TRANSPARENT_DEPTH_PARAMS,
    TransparentDepthModel,
    boundary_map,
    camera_intrinsics,
    normals_from_depth,
    transparent_depth,
)

SURFACE_NOISE = 0.005


def glass_scene(
    size: int = 128, radius: float = 0.35, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A disc of glass at 0.6 m in front of a random background at 1.5-2.5 m.

    ``behind`` varies per pixel, so a pixel that equals it was certainly seen through.
    """
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1) - 0.5
    mask = xx**2 + yy**2 < radius**2
    behind = np.random.default_rng(seed).uniform(1.5, 2.5, (size, size)).astype(np.float32)
    surface = np.where(mask, np.float32(0.6), behind)
    return surface, behind, mask


def run(
    surface: np.ndarray,
    behind: np.ndarray,
    mask: np.ndarray,
    seed: int = 0,
    missing: float = 0.45,
    see_through: float = 0.35,
    surface_noise: float = SURFACE_NOISE,
    blob_size: float = 0.08,
    edge_width: int = 0,
) -> np.ndarray:
    return transparent_depth(
        surface, behind, mask, np.random.default_rng(seed),
        missing, see_through, surface_noise, blob_size, edge_width,
    )  # fmt: skip


def modes(out: np.ndarray, surface: np.ndarray, behind: np.ndarray) -> np.ndarray:
    """Per pixel: 0 = missing, 1 = see-through (== behind), 2 = near the surface, 3 = other."""
    labels = np.full(out.shape, 3, np.uint8)
    labels[np.abs(out - surface) < 6 * SURFACE_NOISE] = 2
    labels[out == behind] = 1
    labels[out == 0] = 0
    return labels


# ----------------------------------------------------------------------------- locality
def test_only_masked_and_edge_pixels_change() -> None:
    surface, behind, mask = glass_scene()
    out = run(surface, behind, mask, edge_width=2)
    assert out.dtype == np.float32 and out.shape == surface.shape
    changed = out != surface
    assert changed[mask].mean() > 0.7  # almost every glass pixel is corrupted
    # Distance of every pixel to the other side of the outline.
    outside = cv2.distanceTransform((~mask).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    inside = cv2.distanceTransform(mask.view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    assert np.all(out[~mask & (outside <= 2.0)] == 0.0)  # the band outside the outline
    assert np.all(out[mask & (inside <= 2.0)] == 0.0)  # and inside it
    far = ~mask & (outside > 2.3)
    assert np.array_equal(out[far], surface[far])  # everything else is exactly the surface
    no_band = run(surface, behind, mask, edge_width=0)
    assert np.array_equal(no_band[~mask], surface[~mask])


def test_edge_width_controls_band_thickness() -> None:
    surface, behind, mask = glass_scene()
    zeros_outside = [
        int((run(surface, behind, mask, edge_width=w)[~mask] == 0).sum()) for w in (0, 1, 3)
    ]
    assert zeros_outside[0] == 0
    assert 0 < zeros_outside[1] < zeros_outside[2]


# ----------------------------------------------------------------------------- modes
@pytest.mark.parametrize("blob_size", [0.0, 0.1])
@pytest.mark.parametrize(
    ("missing", "see_through"), [(0.45, 0.35), (0.1, 0.8), (0.0, 0.3), (1.0, 0.0)]
)
def test_mode_fractions_match_settings(
    blob_size: float, missing: float, see_through: float
) -> None:
    surface, behind, mask = glass_scene(256, radius=0.45)
    out = run(surface, behind, mask, missing=missing, see_through=see_through, blob_size=blob_size)
    labels = modes(out, surface, behind)[mask]
    assert np.all(labels != 3)  # every glass pixel is one of the three modes
    fractions = np.bincount(labels, minlength=3)[:3] / labels.size
    expected = [missing, see_through, 1.0 - missing - see_through]
    assert np.allclose(fractions, expected, atol=0.01), fractions


def test_fractions_hold_on_a_small_mask() -> None:
    surface, behind, mask = glass_scene(84, radius=0.08)  # a glass of ~140 pixels
    labels = modes(run(surface, behind, mask), surface, behind)[mask]
    fractions = np.bincount(labels, minlength=3) / labels.size
    assert np.allclose(fractions, [0.45, 0.35, 0.20], atol=1.0 / labels.size)


def test_fractions_summing_over_one_are_normalised() -> None:
    surface, behind, mask = glass_scene(200)
    out = run(surface, behind, mask, missing=0.8, see_through=0.6)
    labels = modes(out, surface, behind)[mask]
    fractions = np.bincount(labels, minlength=3) / labels.size
    assert np.allclose(fractions, [0.8 / 1.4, 0.6 / 1.4, 0.0], atol=0.01)


def test_see_through_reads_behind_and_surface_reads_are_noisy() -> None:
    surface, behind, mask = glass_scene(256, radius=0.45)
    out = run(surface, behind, mask, surface_noise=SURFACE_NOISE)
    labels = modes(out, surface, behind)
    see = mask & (labels == 1)
    assert see.sum() > 1000 and np.array_equal(out[see], behind[see])
    surf = mask & (labels == 2)
    error = out[surf] - surface[surf]
    assert abs(error.std() - SURFACE_NOISE) < 0.1 * SURFACE_NOISE
    assert abs(error.mean()) < 0.1 * SURFACE_NOISE


def neighbour_agreement(labels: np.ndarray, mask: np.ndarray) -> float:
    """Fraction of horizontally adjacent glass pixel pairs that share a mode."""
    both = mask[:, 1:] & mask[:, :-1]
    return float((labels[:, 1:] == labels[:, :-1])[both].mean())


def test_blob_size_makes_failures_coherent() -> None:
    surface, behind, mask = glass_scene(256, radius=0.45)
    agreement = {}
    for blob_size in (0.0, 0.05, 0.2):
        out = run(surface, behind, mask, blob_size=blob_size)
        agreement[blob_size] = neighbour_agreement(modes(out, surface, behind), mask)
    # Independent pixels agree by chance: 0.45² + 0.35² + 0.2² = 0.365.
    assert abs(agreement[0.0] - 0.365) < 0.02
    assert agreement[0.05] > 0.9
    assert agreement[0.2] > agreement[0.05]


# ----------------------------------------------------------------------------- randomness
def test_same_seed_same_output_different_seed_different_output() -> None:
    surface, behind, mask = glass_scene()
    a, b, c = (run(surface, behind, mask, seed=s, edge_width=1) for s in (3, 3, 4))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_randomness_only_from_rng_argument() -> None:
    surface, behind, mask = glass_scene()
    np.random.seed(0)  # noqa: NPY002 - the legacy global state must not matter
    a = run(surface, behind, mask)
    np.random.seed(1)  # noqa: NPY002
    assert np.array_equal(a, run(surface, behind, mask))


# ----------------------------------------------------------------------------- identity
def test_off_settings_return_input() -> None:
    surface, behind, mask = glass_scene()
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    for blob in (0.0, 0.3):
        assert transparent_depth(surface, behind, mask, rng, 0.0, 0.0, 0.0, blob, 0) is surface
    assert rng.bit_generator.state == state  # nothing drawn
    model = TransparentDepthModel(missing=0.0, see_through=0.0, surface_noise=0.0, edge_width=0)
    assert model.is_identity
    assert model.apply(surface, behind, mask, rng) is surface


def test_empty_mask_returns_surface() -> None:
    surface, behind, mask = glass_scene()
    empty = np.zeros_like(mask)
    assert run(surface, behind, empty, edge_width=3) is surface
    out = run(surface.astype(np.float64), behind, empty)
    assert out.dtype == np.float32 and np.array_equal(out, surface)


def test_surface_noise_alone_changes_only_the_glass() -> None:
    surface, behind, mask = glass_scene()
    out = run(surface, behind, mask, missing=0.0, see_through=0.0, edge_width=0)
    assert np.array_equal(out[~mask], surface[~mask])
    assert np.all(out[mask] != surface[mask])
    assert np.all(np.abs(out[mask] - surface[mask]) < 6 * SURFACE_NOISE)


def test_accepts_hw1_arrays_and_keeps_the_shape() -> None:
    surface, behind, mask = glass_scene()
    out = run(surface[..., None], behind[..., None], mask[..., None], edge_width=2)
    assert out.shape == (*surface.shape, 1)
    assert np.array_equal(out[..., 0], run(surface, behind, mask, edge_width=2))


def test_non_finite_inputs_count_as_missing() -> None:
    surface, behind, mask = glass_scene()
    surface[0, :5] = [np.nan, np.inf, -np.inf, -1.0, 2.0]
    behind[mask] = np.nan
    out = run(surface, behind, mask, missing=0.0, see_through=0.5)
    assert np.isfinite(out).all() and (out >= 0).all()
    assert np.array_equal(out[0, :5], [0, 0, 0, 0, 2.0])
    labels = modes(out, surface, behind)[mask]
    assert abs((labels == 0).mean() - 0.5) < 0.01  # see-through of a NaN reads nothing


# ----------------------------------------------------------------------------- validation
GOOD = dict(missing=0.4, see_through=0.3, surface_noise=0.01, blob_size=0.1, edge_width=2)


@pytest.mark.parametrize(
    ("change", "name"),
    [
        ({"surface": np.zeros((8, 8), np.uint8)}, "surface"),
        ({"surface": np.zeros((8, 8, 3), np.float32)}, "surface"),
        ({"behind": np.zeros((8, 9), np.float32)}, "behind"),
        ({"behind": [[1.0]]}, "behind"),
        ({"mask": np.zeros((8, 8), np.float32)}, "mask"),
        ({"mask": np.zeros((8, 9), bool)}, "mask"),
        ({"missing": 1.5}, "missing"),
        ({"missing": "0.5"}, "missing"),
        ({"see_through": math.nan}, "see_through"),
        ({"surface_noise": -0.01}, "surface_noise"),
        ({"blob_size": 2.0}, "blob_size"),
        ({"edge_width": 1.5}, "edge_width"),
        ({"edge_width": -1}, "edge_width"),
    ],
)
def test_bad_inputs_raise_one_line_value_error(change: dict, name: str) -> None:
    args = {
        "surface": np.ones((8, 8), np.float32),
        "behind": np.ones((8, 8), np.float32),
        "mask": np.ones((8, 8), bool),
        "rng": np.random.default_rng(0),
        **GOOD,
        **change,
    }
    with pytest.raises(ValueError, match=name) as err:
        transparent_depth(**args)
    assert "\n" not in str(err.value)


def test_model_rejects_bad_fields() -> None:
    for name, value in [("missing", -0.1), ("blob_size", math.inf), ("edge_width", 2.5)]:
        with pytest.raises(ValueError, match=name):
            TransparentDepthModel(**{name: value})


# ----------------------------------------------------------------------------- DR params
def test_params_are_the_transparent_family_with_realistic_nominals() -> None:
    names = [p.name for p in TRANSPARENT_DEPTH_PARAMS]
    assert all(n.startswith("sensor.depth.transparent.") for n in names)
    assert len(set(names)) == len(names) == 5
    assert all(p.doc for p in TRANSPARENT_DEPTH_PARAMS)
    nominal = DomainRandomizer(TRANSPARENT_DEPTH_PARAMS, "none").sample(np.random.default_rng(0))
    model = TransparentDepthModel.from_sample(nominal)
    assert model == TransparentDepthModel()  # the dataclass defaults are the nominal values
    assert not model.is_identity  # glass fails at dr_scale 0: a real sensor, not a perfect one
    assert "sensor.depth.transparent.missing" in dr_table(TRANSPARENT_DEPTH_PARAMS)


def test_strong_samples_stay_valid() -> None:
    rng = np.random.default_rng(0)
    dr = DomainRandomizer(TRANSPARENT_DEPTH_PARAMS, "strong", dr_scale=3.0)
    surface, behind, mask = glass_scene(64)
    for _ in range(100):
        sample = dr.sample(rng)
        model = TransparentDepthModel.from_sample(sample)  # limits keep every value valid
        assert isinstance(sample["sensor.depth.transparent.edge_width"], int)
        out = model.apply(surface, behind, mask, rng)
        assert np.isfinite(out).all() and (out >= 0).all()


def test_from_sample_round_trips_and_ignores_other_keys() -> None:
    model = TransparentDepthModel(
        missing=0.2, see_through=0.3, surface_noise=0.004, blob_size=0.05, edge_width=1
    )
    sample = model.to_sample()
    assert set(sample) == {p.name for p in TRANSPARENT_DEPTH_PARAMS}
    assert TransparentDepthModel.from_sample(sample) == model
    extra = {**sample, "sensor.blur": 1.0, "sensor.depth.transparent.unknown": 3, "x": "y"}
    assert TransparentDepthModel.from_sample(extra) == model
    assert TransparentDepthModel.from_sample({}) == TransparentDepthModel()
    partial = TransparentDepthModel.from_sample({"sensor.depth.transparent.missing": 0.1})
    assert partial.missing == 0.1 and partial.see_through == TransparentDepthModel().see_through
    with pytest.raises(ValueError, match="missing"):
        TransparentDepthModel.from_sample({"sensor.depth.transparent.missing": 2.0})


def test_model_apply_matches_function() -> None:
    surface, behind, mask = glass_scene()
    model = TransparentDepthModel()
    a = model.apply(surface, behind, mask, np.random.default_rng(5))
    b = transparent_depth(
        surface, behind, mask, np.random.default_rng(5), 0.45, 0.35, 0.01, 0.08, 1
    )
    assert np.array_equal(a, b)


# ----------------------------------------------------------------------------- intrinsics
def test_camera_intrinsics_mujoco_pinhole() -> None:
    K = camera_intrinsics(480, 640, 60.0)
    f = 240.0 / math.tan(math.radians(30.0))
    assert np.allclose(K, [[f, 0, 319.5], [0, f, 239.5], [0, 0, 1]])
    # A ray at fovy/2 above the optical axis lands on the top edge of the image (v = -0.5).
    u, v, w = K @ [0.0, -math.tan(math.radians(30.0)), 1.0]
    assert math.isclose(v / w, -0.5) and math.isclose(u / w, 319.5)
    for bad in [(0, 64, 45), (64, 64, 0), (64, 64, 180), (64, 64, math.nan), (64.5, 64, 45)]:
        with pytest.raises(ValueError):
            camera_intrinsics(*bad)


# ----------------------------------------------------------------------------- normals
def rays(K: np.ndarray, h: int, w: int) -> np.ndarray:
    """Unit-z viewing rays (H, W, 3) of every pixel centre."""
    u, v = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    return np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones_like(u)], -1)


def angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arccos(np.clip(np.sum(a * b, axis=-1), -1.0, 1.0)))


@pytest.mark.parametrize("tilt", [(0.0, 0.0), (0.3, -0.5), (-0.9, 0.2), (1.0, 0.3)])
def test_normals_of_a_tilted_plane(tilt: tuple[float, float]) -> None:
    h, w = 96, 128
    K = camera_intrinsics(h, w, 45.0)
    n = np.array([tilt[0], tilt[1], -1.0])
    n /= np.linalg.norm(n)
    r = rays(K, h, w)
    depth = (-1.0 / (r @ n)).astype(np.float32)  # the plane n · p = -1 (1 m from the camera)
    assert (depth > 0).all()
    normals = normals_from_depth(depth, K)
    assert normals.shape == (h, w, 3) and normals.dtype == np.float32
    assert np.allclose(np.linalg.norm(normals, axis=-1), 1.0, atol=1e-5)
    assert angle_deg(normals, n).max() < 0.5
    assert np.all(np.sum(normals * r * depth[..., None], axis=-1) < 0)  # facing the camera


def test_max_jump_decides_how_steep_a_surface_keeps_its_normals() -> None:
    h, w = 96, 128
    K = camera_intrinsics(h, w, 45.0)
    n = np.array([1.5, 0.4, -1.0])
    n /= np.linalg.norm(n)
    r = rays(K, h, w)
    depth = (-1.0 / (r @ n)).astype(np.float32)  # up to 86° from the viewing rays
    # The largest relative jump from each pixel to a 4-neighbour.
    jump = np.zeros_like(depth)
    for axis in (0, 1):
        d = np.abs(np.diff(depth, axis=axis)) / np.minimum(
            np.delete(depth, 0, axis), np.delete(depth, -1, axis)
        )
        lo = [slice(None), slice(None)]
        hi = [slice(None), slice(None)]
        lo[axis], hi[axis] = slice(None, -1), slice(1, None)
        jump[tuple(lo)] = np.maximum(jump[tuple(lo)], d)
        jump[tuple(hi)] = np.maximum(jump[tuple(hi)], d)
    defined = np.linalg.norm(normals_from_depth(depth, K), axis=-1) > 0
    assert (jump > 0.051).sum() > 100 and (jump < 0.049).sum() > 100
    assert defined[jump < 0.049].all() and not defined[jump > 0.051].any()
    loose = normals_from_depth(depth, K, max_jump=jump.max() + 0.01)
    assert angle_deg(loose, n).max() < 0.5  # every pixel, even at 86° incidence


def test_normals_of_a_sphere_in_front_of_a_wall() -> None:
    h = w = 160
    K = camera_intrinsics(h, w, 45.0)
    r = rays(K, h, w)
    centre, radius = np.array([0.05, -0.03, 1.0]), 0.25
    # Ray-sphere intersection: |t r - c|² = R², nearest root.
    a, b = np.sum(r * r, -1), -2 * (r @ centre)
    disc = b * b - 4 * a * (centre @ centre - radius**2)
    hit = disc > 0
    t = (-b - np.sqrt(np.where(hit, disc, 0))) / (2 * a)
    depth = np.where(hit, t, 3.0).astype(np.float32)  # wall at 3 m
    normals = normals_from_depth(depth, K)
    truth = (t[..., None] * r - centre) / radius
    defined = np.linalg.norm(normals, axis=-1) > 0
    inner = hit & (angle_deg(truth, -r / np.linalg.norm(r, axis=-1, keepdims=True)) < 70)
    error = angle_deg(normals, truth)
    assert defined[inner].all() and error[inner].max() < 1.0
    assert error[hit & defined].max() < 10.0  # grazing pixels next to the silhouette
    assert np.allclose(normals[~hit & defined], [0, 0, -1], atol=1e-4)  # the wall
    # The silhouette, where the depth jumps from sphere to wall, has no normal on either side.
    assert not defined[outline(hit)].any()
    assert not defined[outline(~hit)].any()


def test_normals_are_zero_at_missing_depth_and_steps() -> None:
    K = camera_intrinsics(40, 40, 60.0)
    depth = np.full((40, 40), 1.0, np.float32)
    depth[:, 20:] = 1.5  # a step between columns 19 and 20
    depth[5, 5] = 0.0
    depth[30, 8] = np.nan
    normals = normals_from_depth(depth, K)
    zero = np.linalg.norm(normals, axis=-1) == 0
    expected = np.zeros((40, 40), bool)
    expected[:, 19:21] = True
    for y, x in [(5, 5), (30, 8)]:
        expected[y, x] = True
        expected[y - 1 : y + 2, x] = expected[y, x - 1 : x + 2] = True
    assert np.array_equal(zero, expected)
    assert np.isfinite(normals).all()


def test_normals_validate_inputs() -> None:
    K = camera_intrinsics(8, 8, 45.0)
    with pytest.raises(ValueError, match="depth"):
        normals_from_depth(np.ones((8, 8), np.int32), K)
    with pytest.raises(ValueError, match="K"):
        normals_from_depth(np.ones((8, 8), np.float32), np.eye(2))
    with pytest.raises(ValueError, match="max_jump"):
        normals_from_depth(np.ones((8, 8), np.float32), K, max_jump=-1)


# ----------------------------------------------------------------------------- boundaries
def outline(region: np.ndarray) -> np.ndarray:
    """Pixels of ``region`` with a 4-neighbour outside it (image borders do not count)."""
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    return region & ~cv2.erode(region.view(np.uint8), cross).view(bool)


def test_boundary_map_occlusion_around_a_floating_box() -> None:
    depth = np.full((60, 80), 3.0, np.float32)
    instances = np.zeros((60, 80), np.int32)
    box = np.zeros((60, 80), bool)
    box[20:40, 30:60] = True
    depth[box], instances[box] = 1.0, 1
    labels = boundary_map(depth, instances)
    assert labels.dtype == np.uint8 and labels.shape == depth.shape
    expected = np.where(outline(box), BOUNDARY_OCCLUSION, BOUNDARY_NONE)
    assert np.array_equal(labels, expected)


def test_boundary_map_contact_where_an_object_meets_the_floor() -> None:
    h, w = 60, 60
    rows = np.arange(h, dtype=np.float32)[:, None]
    # A wall at 3 m above row 40, a floor below whose depth falls from 1.0 m towards the camera.
    depth = np.where(rows < 40, 3.0, 1.0 - 0.01 * (rows - 40)) * np.ones((1, w), np.float32)
    depth = depth.astype(np.float32)
    instances = np.zeros((h, w), np.int32)
    obj = np.zeros((h, w), bool)
    obj[10:40, 20:40] = True  # stands on the floor: its bottom row continues into row 40
    depth[obj], instances[obj] = 1.0, 7
    labels = boundary_map(depth, instances)
    contact = np.zeros((h, w), bool)
    contact[39, 21:39] = True  # the bottom row, except the corners that also border the wall
    assert np.array_equal(labels == BOUNDARY_CONTACT, contact)
    assert np.array_equal(labels == BOUNDARY_OCCLUSION, outline(obj) & ~contact)
    assert not labels[~obj].any()  # the wall-floor seam is background: no label


def test_boundary_map_occluded_object_and_missing_depth() -> None:
    depth = np.full((40, 40), 3.0, np.float32)
    instances = np.zeros((40, 40), np.int32)
    depth[10:30, 5:20], instances[10:30, 5:20] = 2.0, 1  # behind
    depth[10:30, 20:35], instances[10:30, 20:35] = 1.0, 2  # in front, sharing column 19|20
    labels = boundary_map(depth, instances)
    assert not labels[10:30, 19][1:-1].any()  # the occluded object's shared edge: no label
    assert (labels[11:29, 20] == BOUNDARY_OCCLUSION).all()  # the occluder's edge
    depth[:, :3] = 0.0  # missing depth next to an object counts as far away
    instances[10:30, 3:5], depth[10:30, 3:5] = 3, 2.5
    assert (boundary_map(depth, instances)[11:29, 3] == BOUNDARY_OCCLUSION).all()


def test_boundary_map_dilation_and_validation() -> None:
    depth = np.full((40, 40), 3.0, np.float32)
    instances = np.zeros((40, 40), np.int32)
    depth[10:30, 10:30], instances[10:30, 10:30] = 1.0, 1
    thin = boundary_map(depth, instances) == BOUNDARY_OCCLUSION
    thick = boundary_map(depth, instances, dilate=1) == BOUNDARY_OCCLUSION
    # Grown onto every pixel within 1 px (Euclidean) of the outline, inside and outside.
    dist = cv2.distanceTransform((~thin).view(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    assert np.array_equal(thick, dist <= 1.0)
    with pytest.raises(ValueError, match="instances"):
        boundary_map(depth, instances.astype(np.float32))
    with pytest.raises(ValueError, match="instances"):
        boundary_map(depth, instances[:-1])
    with pytest.raises(ValueError, match="threshold"):
        boundary_map(depth, instances, threshold=-0.1)
