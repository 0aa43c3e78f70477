"""Camera sensor models: vectorised NumPy/OpenCV degradations that apply to any image.

Every environment passes its rendered frames through a :class:`SensorModel` built from the
``sensor.*`` part of its DR sample; the same functions degrade real frames for real-to-sim
tests. Images are ``uint8`` RGB, ``(H, W, 3)`` or batches ``(N, H, W, 3)``; depth maps are
``float32`` metres, ``(H, W)`` or ``(H, W, 1)``, with 0 meaning "no measurement".

Conventions:

* Pure functions; randomness only from the ``rng`` argument (the env's ``np_random``).
* Every "off" setting (noise 0, blur 0, contrast 1, gamma 1, JPEG quality 100, ...) returns
  the input array itself, so the nominal pipeline costs nothing.
* Outputs are always valid: ``uint8`` images, finite non-negative depth. Bad shapes, dtypes
  and parameter values raise a one-line ``ValueError`` naming the bad value.

The parameters (``SENSOR_PARAMS``, see ``dr_table(SENSOR_PARAMS)``):

* ``sensor.noise.gaussian``: read noise, standard deviation in intensity levels (0..255).
* ``sensor.noise.shot``: photon (shot) noise, variance ``shot * I`` for intensity ``I`` in
  levels, i.e. the sensor gain in levels per photo-electron; 0.5 gives a standard deviation of
  8 levels at mid-grey and 11 at white.
* ``sensor.blur``: Gaussian blur sigma in pixels (defocus / motion smear).
* ``sensor.color.*``: brightness offset (fraction of 255), contrast and saturation factors
  (Rec. 709 luminance), hue rotation in degrees (exact HSV hue shift).
* ``sensor.gamma``: ``out = 255 * (in / 255) ** gamma``; < 1 brightens.
* ``sensor.jpeg.quality``: JPEG compression quality (100 = no compression).
* ``sensor.vignetting``: gain ``1 - strength * (r / r_corner)**2``.
* ``sensor.lens.k1``, ``sensor.lens.k2``: Brown radial distortion (OpenCV sign convention:
  negative k1 is barrel) with radii normalised by the half-diagonal, so ``k1 = 0.1`` moves
  the corners by about 10% of their distance to the centre.
* ``sensor.depth.*``: structured-light style depth noise (std ``sigma * z**2``), holes at
  depth discontinuities, and random pixel dropout.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from simenv.randomization import Param

from .common import (
    Depth,
    Image,
    check_depth,
    check_image,
    number,
    standard_normal,
    uniform_u16,
)

__all__ = [
    "SENSOR_PARAMS",
    "SensorModel",
    "blur",
    "color_jitter",
    "depth_noise",
    "gamma",
    "gaussian_noise",
    "jpeg",
    "lens_distortion",
    "noise",
    "shot_noise",
    "vignetting",
]

# Rec. 709 luminance weights (as in the SVG/CSS ``saturate`` colour matrix); they sum to 1.
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float64)


def _rows(img: Image) -> Image:
    """A contiguous 3-D view (N*H, W, 3) of an image or batch, for pixel-wise cv2 calls."""
    return np.ascontiguousarray(img).reshape(-1, img.shape[-2], 3)


def _per_image(img: Image, fn: Callable[[Image], Image]) -> Image:
    """Apply a single-image function to an image or to every image of a batch."""
    if img.ndim == 3:
        return fn(np.ascontiguousarray(img))
    return np.stack([fn(np.ascontiguousarray(im)) for im in img])


# ----------------------------------------------------------------------------- noise
@lru_cache(maxsize=32)
def _noise_std_lut(sigma: float, shot: float) -> NDArray[np.float32]:
    """Per-intensity noise standard deviation ``sqrt(sigma**2 + shot * I)``, 256 entries."""
    lut = np.sqrt(sigma * sigma + shot * np.arange(256.0)).astype(np.float32)
    lut.setflags(write=False)
    return lut


def _noise(img: Image, sigma: float, shot: float, rng: np.random.Generator) -> Image:
    rows = _rows(img)
    z = standard_normal(rng, rows.shape)
    if shot > 0.0:
        z *= cv2.LUT(rows, _noise_std_lut(sigma, shot))
    else:
        z *= np.float32(sigma)
    return cv2.add(rows, z, dtype=cv2.CV_8U).reshape(img.shape)


def noise(img: Image, sigma: float, shot: float, rng: np.random.Generator) -> Image:
    """Gaussian read noise (std ``sigma`` levels) plus shot noise (variance ``shot * I``).

    One pass: a single standard-normal draw per value scaled by the per-pixel standard
    deviation ``sqrt(sigma**2 + shot * I)``, added, rounded and clipped back to uint8.
    """
    img = check_image(img)
    sigma = number("sigma", sigma, 0.0, 255.0)
    shot = number("shot", shot, 0.0, 255.0)
    if sigma == 0.0 and shot == 0.0:
        return img
    return _noise(img, sigma, shot, rng)


def gaussian_noise(img: Image, sigma: float, rng: np.random.Generator) -> Image:
    """Additive Gaussian noise with standard deviation ``sigma`` intensity levels (0 = off)."""
    return noise(img, sigma, 0.0, rng)


def shot_noise(img: Image, scale: float, rng: np.random.Generator) -> Image:
    """Signal-dependent (photon) noise: variance ``scale * I`` at intensity ``I`` (0 = off)."""
    return noise(img, 0.0, scale, rng)


# ----------------------------------------------------------------------------- optics
def _blur(img: Image, sigma: float) -> Image:
    return _per_image(
        img,
        lambda im: cv2.GaussianBlur(
            im, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101
        ),
    )


def blur(img: Image, sigma: float) -> Image:
    """Gaussian blur with standard deviation ``sigma`` pixels (0 = off)."""
    img = check_image(img)
    sigma = number("blur sigma", sigma, 0.0, 100.0)
    return img if sigma == 0.0 else _blur(img, sigma)


@lru_cache(maxsize=8)
def _radius2(h: int, w: int) -> NDArray[np.float32]:
    """Squared distance to the image centre, 1 at the corner pixel centres; shape (H, W)."""
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    ys = (np.arange(h, dtype=np.float64) - cy) ** 2
    xs = (np.arange(w, dtype=np.float64) - cx) ** 2
    r2 = ((ys[:, None] + xs[None, :]) / max(cx * cx + cy * cy, 1e-12)).astype(np.float32)
    r2.setflags(write=False)
    return r2


@lru_cache(maxsize=16)
def _vignette_gain(h: int, w: int, strength: float) -> NDArray[np.float32]:
    """Per-pixel gain ``1 - strength * r**2`` as an (H, W, 3) float32 array."""
    gain = np.repeat((1.0 - np.float32(strength) * _radius2(h, w))[..., None], 3, axis=2)
    gain.setflags(write=False)
    return gain


def _vignetting(img: Image, strength: float) -> Image:
    gain = _vignette_gain(img.shape[-3], img.shape[-2], round(strength, 4))
    return _per_image(img, lambda im: cv2.multiply(im, gain, dtype=cv2.CV_8U))


def vignetting(img: Image, strength: float) -> Image:
    """Radial darkening: gain ``1 - strength * (r / r_corner)**2`` (0 = off, 1 = black corners)."""
    img = check_image(img)
    strength = number("vignetting strength", strength, 0.0, 1.0)
    return img if strength == 0.0 else _vignetting(img, strength)


@lru_cache(maxsize=8)
def _distortion_maps(h: int, w: int, k1: float, k2: float) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-point ``cv2.remap`` maps that apply Brown radial distortion to an ideal image.

    For every output (distorted) pixel, the undistorted radius ``r_u`` solving
    ``r_u * (1 + k1 r_u^2 + k2 r_u^4) = r_d`` is found by Newton's method; radii are
    normalised by the half-diagonal.
    """
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    f = max(math.hypot(cx, cy), 1e-12)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    dx, dy = (xs - cx) / f, (ys - cy) / f
    rd = np.hypot(dx, dy)
    ru = rd.copy()
    for _ in range(20):
        r2 = ru * ru
        g = ru * (1.0 + k1 * r2 + k2 * r2 * r2) - rd
        if np.abs(g).max() < 1e-7:  # a thousandth of a pixel at 512 px
            break
        dg = 1.0 + 3.0 * k1 * r2 + 5.0 * k2 * r2 * r2
        ru = np.clip(ru - g / np.where(np.abs(dg) < 1e-3, 1e-3, dg), 0.0, 4.0)
    scale = np.divide(ru, rd, out=np.ones_like(rd), where=rd > 0)
    scale = np.nan_to_num(scale, nan=1.0, posinf=1.0, neginf=1.0)
    map_x = np.clip(cx + dx * scale * f, -2.0 * w, 3.0 * w).astype(np.float32)
    map_y = np.clip(cy + dy * scale * f, -2.0 * h, 3.0 * h).astype(np.float32)
    m1, m2 = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)
    m1.setflags(write=False)
    m2.setflags(write=False)
    return m1, m2


def _lens_distortion(img: Image, k1: float, k2: float) -> Image:
    k1, k2 = round(k1, 4), round(k2, 4)
    if k1 == 0.0 and k2 == 0.0:
        return img
    m1, m2 = _distortion_maps(img.shape[-3], img.shape[-2], k1, k2)
    return _per_image(
        img,
        lambda im: cv2.remap(im, m1, m2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101),
    )


def lens_distortion(img: Image, k1: float, k2: float) -> Image:
    """Brown radial lens distortion (k1 < 0 barrel, k1 > 0 pincushion); k1 = k2 = 0 is off.

    Radii are normalised by the half-diagonal; content that would come from outside the
    frame is reflected. The remap tables are cached per (H, W, k1, k2) to 4 decimals.
    """
    img = check_image(img)
    return _lens_distortion(img, number("lens k1", k1, -1.0, 1.0), number("lens k2", k2, -1.0, 1.0))


# ----------------------------------------------------------------------------- colour
def _affine_color(img: Image, brightness: float, contrast: float, saturation: float) -> Image:
    """Brightness, contrast and saturation as one 3x4 colour transform per image."""
    sat = saturation * np.eye(3) + (1.0 - saturation) * _LUMA[None, :]
    mat = np.empty((3, 4), dtype=np.float32)
    mat[:, :3] = contrast * sat
    # Contrast blends with the image's mean luminance (after the brightness offset), and
    # saturation keeps grey grey, so the offset is 255 b + (1 - c) * mean_luma(img) per channel.

    def one(im: Image) -> Image:
        mat[:, 3] = 255.0 * brightness + (1.0 - contrast) * (_LUMA @ cv2.mean(im)[:3])
        return cv2.transform(im, mat)

    return _per_image(img, one)


def _hue_shift(img: Image, degrees: float) -> Image:
    """Rotate the HSV hue by ``degrees``, in float32 HSV (no quantisation of the angle)."""
    shift = (degrees % 360.0, 0.0, 0.0, 0.0)  # OpenCV's HSV2RGB wraps hues in [0, 720)

    def one(im: Image) -> Image:
        hsv = cv2.add(cv2.cvtColor(im.astype(np.float32), cv2.COLOR_RGB2HSV), shift)
        return cv2.convertScaleAbs(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))  # values are >= 0

    return _per_image(img, one)


def _color_jitter(
    img: Image, brightness: float, contrast: float, saturation: float, hue: float
) -> Image:
    if brightness != 0.0 or contrast != 1.0 or saturation != 1.0:
        img = _affine_color(img, brightness, contrast, saturation)
    if hue % 360.0 != 0.0:
        img = _hue_shift(img, hue)
    return img


def color_jitter(
    img: Image, brightness: float, contrast: float, saturation: float, hue: float
) -> Image:
    """Colour jitter, in this order: ``brightness`` offset as a fraction of 255 (0 = off),
    ``contrast`` factor around the image's mean luminance (1 = off), ``saturation`` factor
    (Rec. 709 luminance kept; 1 = off, 0 = grey), ``hue`` rotation in degrees (0 = off)."""
    img = check_image(img)
    return _color_jitter(
        img,
        number("brightness", brightness, -1.0, 1.0),
        number("contrast", contrast, 0.0, 100.0),
        number("saturation", saturation, 0.0, 100.0),
        number("hue", hue, -360.0, 360.0),
    )


@lru_cache(maxsize=32)
def _gamma_lut(g: float) -> Image:
    lut = np.clip(np.rint(255.0 * (np.arange(256) / 255.0) ** g), 0, 255).astype(np.uint8)
    lut.setflags(write=False)
    return lut


def _gamma(img: Image, g: float) -> Image:
    return cv2.LUT(_rows(img), _gamma_lut(g)).reshape(img.shape)


def gamma(img: Image, g: float) -> Image:
    """Gamma curve ``255 * (in / 255) ** g`` through a 256-entry LUT; g < 1 brightens, 1 = off."""
    img = check_image(img)
    g = number("gamma", g, 0.01, 100.0)
    return img if g == 1.0 else _gamma(img, g)


def _jpeg(img: Image, quality: int) -> Image:
    params = [cv2.IMWRITE_JPEG_QUALITY, quality]

    def one(im: Image) -> Image:
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(im, cv2.COLOR_RGB2BGR), params)
        if not ok:  # pragma: no cover - OpenCV only fails on unsupported input
            raise ValueError(f"JPEG encoding failed for an image of shape {im.shape}")
        decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
        assert decoded is not None
        return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)

    return _per_image(img, one)


def jpeg(img: Image, quality: int) -> Image:
    """JPEG encode/decode at integer ``quality`` in [0, 100] (100 = off, returned unchanged)."""
    img = check_image(img)
    q = number("jpeg quality", quality, 0.0, 100.0)
    if q != int(q):
        raise ValueError(f"jpeg quality must be an integer in [0, 100], got {quality!r}")
    return img if q >= 100 else _jpeg(img, int(q))


# ----------------------------------------------------------------------------- depth
def depth_noise(
    depth: NDArray[np.floating[Any]],
    rng: np.random.Generator,
    sigma: float,
    edge_holes: float,
    dropout: float,
    edge_threshold: float = 0.1,
) -> Depth:
    """Structured-light style depth degradation (metres; 0 = missing, and stays missing).

    * noise: Gaussian with std ``sigma * z**2`` (``sigma`` in 1/m), clipped at 0;
    * edge holes: pixels at discontinuities (a jump > ``edge_threshold`` m to a 4-neighbour,
      dilated by 1 px) become 0 with probability ``edge_holes``;
    * dropout: any pixel becomes 0 with probability ``dropout``.

    Edges are found on the input depth; probabilities are resolved to 1/65536. Non-finite or
    negative inputs count as missing (0).
    Returns float32 of the input's shape (the input itself when every stage is off).
    """
    depth = check_depth(depth)
    sigma = number("depth noise sigma", sigma, 0.0, 100.0)
    edge_holes = number("edge_holes", edge_holes, 0.0, 1.0)
    dropout = number("dropout", dropout, 0.0, 1.0)
    edge_threshold = number("edge_threshold", edge_threshold, 0.0)
    z = depth.astype(np.float32, copy=False)
    valid = np.isfinite(z) & (z >= 0.0)
    if not valid.all():
        z = np.where(valid, z, np.float32(0.0))
    elif sigma == 0.0 and edge_holes == 0.0 and dropout == 0.0:
        return z
    out: Depth = z.copy()
    if sigma > 0.0:
        n = standard_normal(rng, z.shape)
        n *= np.float32(sigma) * z * z  # zero where z == 0: missing stays missing
        out += n
        np.maximum(out, 0.0, out=out)
    if edge_holes > 0.0:
        z2 = z.reshape(z.shape[0], z.shape[1])
        jump_x = np.abs(np.diff(z2, axis=1)) > edge_threshold
        jump_y = np.abs(np.diff(z2, axis=0)) > edge_threshold
        edge: np.ndarray = np.zeros(z2.shape, dtype=np.uint8)
        edge[:, :-1] |= jump_x
        edge[:, 1:] |= jump_x
        edge[:-1, :] |= jump_y
        edge[1:, :] |= jump_y
        edge = cv2.dilate(edge, np.ones((3, 3), np.uint8)).view(bool).reshape(z.shape)
        out[edge & (uniform_u16(rng, z.shape) < round(edge_holes * 65536))] = 0.0
    if dropout > 0.0:
        out[uniform_u16(rng, z.shape) < round(dropout * 65536)] = 0.0
    return out


# ----------------------------------------------------------------------------- DR params
# The sensor settings of the families' pseudo-real looks (``PSEUDO_REAL``): a cheap colour
# camera's response and lens, strong but inside every family's ranges.
CHEAP_CAMERA: dict[str, object] = {
    "sensor.gamma": 0.8,
    "sensor.color.saturation": 1.25,
    "sensor.color.contrast": 1.15,
    "sensor.vignetting": 0.4,
    "sensor.lens.k1": -0.05,
    "sensor.blur": 0.5,
    "sensor.noise.gaussian": 4.0,
    "sensor.noise.shot": 0.3,
    "sensor.jpeg.quality": 55,
}

SENSOR_PARAMS: tuple[Param, ...] = (
    Param("sensor.noise.gaussian", 0.0, 0.0, 6.0, limits=(0.0, 255.0),
          doc="additive Gaussian read noise, std in intensity levels (0..255)"),
    Param("sensor.noise.shot", 0.0, 0.0, 0.5, limits=(0.0, 255.0),
          doc="shot noise gain: variance = gain * intensity (0.5: std 8 levels at mid-grey)"),
    Param("sensor.blur", 0.0, 0.0, 0.8, limits=(0.0, 10.0),
          doc="Gaussian blur sigma in pixels (defocus)"),
    Param("sensor.color.brightness", 0.0, -0.1, 0.1, limits=(-1.0, 1.0),
          doc="brightness offset, fraction of full scale"),
    Param("sensor.color.contrast", 1.0, 0.8, 1.2, limits=(0.0, 5.0),
          doc="contrast factor around the mean luminance"),
    Param("sensor.color.saturation", 1.0, 0.7, 1.3, limits=(0.0, 5.0),
          doc="saturation factor (0 = greyscale)"),
    Param("sensor.color.hue", 0.0, -8.0, 8.0, limits=(-180.0, 180.0),
          doc="hue rotation in degrees (HSV)"),
    Param("sensor.gamma", 1.0, 0.8, 1.25, dist="loguniform", limits=(0.1, 10.0),
          doc="gamma exponent, out = in**gamma (< 1 brightens)"),
    Param("sensor.jpeg.quality", 100, 50.0, 100.0, integer=True, limits=(5.0, 100.0),
          doc="JPEG compression quality (100 = none)"),
    Param("sensor.vignetting", 0.0, 0.0, 0.3, limits=(0.0, 1.0),
          doc="vignetting: corner gain is 1 - strength"),
    Param("sensor.lens.k1", 0.0, -0.1, 0.1, limits=(-1.0, 1.0),
          doc="radial distortion k1 (< 0 barrel), radius normalised by the half-diagonal"),
    Param("sensor.lens.k2", 0.0, -0.02, 0.02, limits=(-1.0, 1.0),
          doc="radial distortion k2 (r^4 term)"),
    Param("sensor.depth.noise", 0.0, 0.0, 0.01, limits=(0.0, 1.0),
          doc="depth noise: std = noise * z^2 (1/m), as in structured-light sensors"),
    Param("sensor.depth.edge_holes", 0.0, 0.0, 0.5, limits=(0.0, 1.0),
          doc="probability that a pixel at a depth discontinuity is missing"),
    Param("sensor.depth.dropout", 0.0, 0.0, 0.02, limits=(0.0, 1.0),
          doc="probability that any depth pixel is missing"),
)  # fmt: skip


# ----------------------------------------------------------------------------- pipeline
_FIELD_OF: dict[str, str] = {
    "sensor.noise.gaussian": "noise_gaussian",
    "sensor.noise.shot": "noise_shot",
    "sensor.blur": "blur",
    "sensor.color.brightness": "brightness",
    "sensor.color.contrast": "contrast",
    "sensor.color.saturation": "saturation",
    "sensor.color.hue": "hue",
    "sensor.gamma": "gamma",
    "sensor.jpeg.quality": "jpeg_quality",
    "sensor.vignetting": "vignetting",
    "sensor.lens.k1": "lens_k1",
    "sensor.lens.k2": "lens_k2",
    "sensor.depth.noise": "depth_noise",
    "sensor.depth.edge_holes": "depth_edge_holes",
    "sensor.depth.dropout": "depth_dropout",
}


@dataclass(frozen=True)
class SensorModel:
    """One camera's sensor settings; the defaults are the nominal (identity) sensor.

    Build it from a DR sample with :meth:`from_sample`, then call :meth:`apply_rgb` /
    :meth:`apply_depth` on every frame with the env's generator (per-step noise draws).
    RGB order: lens distortion → blur → vignetting → colour jitter → gamma → noise → JPEG.
    """

    noise_gaussian: float = 0.0
    noise_shot: float = 0.0
    blur: float = 0.0
    brightness: float = 0.0
    contrast: float = 1.0
    saturation: float = 1.0
    hue: float = 0.0
    gamma: float = 1.0
    jpeg_quality: int = 100
    vignetting: float = 0.0
    lens_k1: float = 0.0
    lens_k2: float = 0.0
    depth_noise: float = 0.0
    depth_edge_holes: float = 0.0
    depth_dropout: float = 0.0
    depth_edge_threshold: float = 0.1

    def __post_init__(self) -> None:
        bounds: dict[str, tuple[float, float]] = {
            "noise_gaussian": (0.0, 255.0),
            "noise_shot": (0.0, 255.0),
            "blur": (0.0, 100.0),
            "brightness": (-1.0, 1.0),
            "contrast": (0.0, 100.0),
            "saturation": (0.0, 100.0),
            "hue": (-360.0, 360.0),
            "gamma": (0.01, 100.0),
            "jpeg_quality": (0.0, 100.0),
            "vignetting": (0.0, 1.0),
            "lens_k1": (-1.0, 1.0),
            "lens_k2": (-1.0, 1.0),
            "depth_noise": (0.0, 100.0),
            "depth_edge_holes": (0.0, 1.0),
            "depth_dropout": (0.0, 1.0),
            "depth_edge_threshold": (0.0, math.inf),
        }
        for f in fields(self):
            value = number(f.name, getattr(self, f.name), *bounds[f.name])
            object.__setattr__(self, f.name, value)
        object.__setattr__(self, "jpeg_quality", round(self.jpeg_quality))

    @classmethod
    def from_sample(cls, sample: Mapping[str, Any]) -> SensorModel:
        """Read the ``sensor.*`` keys of a DR sample; missing keys are nominal (off).

        Other keys (and ``sensor.*`` keys this model does not know) are left to their owners.
        """
        return cls(**{f: sample[k] for k, f in _FIELD_OF.items() if k in sample})

    @property
    def rgb_is_identity(self) -> bool:
        """True when :meth:`apply_rgb` returns its input unchanged."""
        return (
            round(self.lens_k1, 4) == 0.0
            and round(self.lens_k2, 4) == 0.0
            and self.blur == 0.0
            and self.vignetting == 0.0
            and self.brightness == 0.0
            and self.contrast == 1.0
            and self.saturation == 1.0
            and self.hue % 360.0 == 0.0
            and self.gamma == 1.0
            and self.noise_gaussian == 0.0
            and self.noise_shot == 0.0
            and self.jpeg_quality >= 100
        )

    @property
    def depth_is_identity(self) -> bool:
        """True when :meth:`apply_depth` returns valid depth unchanged."""
        return (
            self.depth_noise == 0.0 and self.depth_edge_holes == 0.0 and self.depth_dropout == 0.0
        )

    @property
    def is_identity(self) -> bool:
        """True when both pipelines return their input unchanged."""
        return self.rgb_is_identity and self.depth_is_identity

    def apply_rgb(self, img: Image, rng: np.random.Generator) -> Image:
        """Degrade a uint8 RGB image or batch; returns the input itself when nominal."""
        out = check_image(img)
        if self.rgb_is_identity:
            return out
        out = _lens_distortion(out, self.lens_k1, self.lens_k2)
        if self.blur > 0.0:
            out = _blur(out, self.blur)
        if self.vignetting > 0.0:
            out = _vignetting(out, self.vignetting)
        out = _color_jitter(out, self.brightness, self.contrast, self.saturation, self.hue)
        if self.gamma != 1.0:
            out = _gamma(out, self.gamma)
        if self.noise_gaussian > 0.0 or self.noise_shot > 0.0:
            out = _noise(out, self.noise_gaussian, self.noise_shot, rng)
        if self.jpeg_quality < 100:
            out = _jpeg(out, self.jpeg_quality)
        return out

    def apply_depth(self, depth: NDArray[np.floating[Any]], rng: np.random.Generator) -> Depth:
        """Degrade a float depth map in metres (0 = missing); see :func:`depth_noise`."""
        return depth_noise(
            depth,
            rng,
            self.depth_noise,
            self.depth_edge_holes,
            self.depth_dropout,
            self.depth_edge_threshold,
        )
