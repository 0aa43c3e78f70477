"""Sensor models (DESIGN.md §3): vectorised NumPy/OpenCV degradations that apply to any
image, so the same pipeline degrades simulated frames and real frames for real-to-sim tests.

* :mod:`.camera`: colour camera and generic depth-camera effects (noise, blur, colour,
  gamma, JPEG, vignetting, lens distortion, depth noise and holes), ``SENSOR_PARAMS`` and
  :class:`SensorModel`.
* :mod:`.transparent`: how depth sensors fail on glass (ClearGrasp's failure modes),
  ``TRANSPARENT_DEPTH_PARAMS`` and :class:`TransparentDepthModel`, plus the ground truth
  for depth completion (intrinsics, normals, boundaries).
* :mod:`.common`: input checks and fast seeded noise draws both use.
"""

from .camera import (
    CHEAP_CAMERA,
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
from .common import Depth, Image
from .transparent import (
    TRANSPARENT_DEPTH_PARAMS,
    TransparentDepthModel,
    boundary_map,
    camera_intrinsics,
    normals_from_depth,
    transparent_depth,
)

__all__ = [
    "CHEAP_CAMERA",
    "SENSOR_PARAMS",
    "TRANSPARENT_DEPTH_PARAMS",
    "Depth",
    "Image",
    "SensorModel",
    "TransparentDepthModel",
    "blur",
    "boundary_map",
    "camera_intrinsics",
    "color_jitter",
    "depth_noise",
    "gamma",
    "gaussian_noise",
    "jpeg",
    "lens_distortion",
    "noise",
    "normals_from_depth",
    "shot_noise",
    "transparent_depth",
    "vignetting",
]
