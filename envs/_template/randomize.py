"""The template's domain randomization: two parameters and their in-place apply function.

Every range is readable in one screen (STYLE.md); :func:`apply_appearance` is a function of
(model, references, sample) that draws nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import mujoco
import numpy as np

from simenv.randomization import Param, Value
from simenv.textures import hsv_shift

from .constants import NOMINAL_PUCK_RGB

PARAMS: tuple[Param, ...] = (
    Param("lighting.intensity", 0.6, 0.3, 0.9, limits=(0.0, 2.0), doc="light diffuse level"),
    Param("material.puck.hue", 0.0, -0.3, 0.3, doc="puck hue shift (turns)"),
)

# The pseudo-real look (simenv.real2sim): fixed values far from the nominal scene.
PSEUDO_REAL: dict[str, object] = {
    "preset": "none",
    "lighting.intensity": 0.25,
    "material.puck.hue": 0.45,
}


@dataclass(frozen=True)
class Refs:
    """Ids of what appearance DR writes, looked up by name once per build."""

    light: int
    puck_material: int


def apply_appearance(model: mujoco.MjModel, refs: Refs, sample: Mapping[str, Value]) -> None:
    """Write the sampled light level and puck colour into the compiled model."""
    level = float(sample["lighting.intensity"])
    model.light_diffuse[refs.light] = [level, level, level]
    rgb = hsv_shift(np.array(NOMINAL_PUCK_RGB), float(sample["material.puck.hue"]), 1.0, 1.0)
    model.mat_rgba[refs.puck_material, :3] = rgb
