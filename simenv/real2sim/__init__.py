"""Real-to-sim translation: run a simulation-trained policy on real camera input.

The VR-Goggles recipe (Zhang et al. 2019): translate real frames into the simulator's look,
keep the policy as it is. Pieces (DESIGN.md §4):

* :class:`CameraSource`: frames from a device, video file, stream URL or image folder.
* Translators with one batched ``translate(frames) -> frames``: :class:`IdentityTranslator`,
  :class:`StatsTranslator` (CIELAB colour statistics), :class:`FDATranslator` (Fourier
  amplitude swap), :class:`CycleGANTranslator` (learned, with the VR-Goggles shift loss and
  an optional policy-consistency loss); :func:`load_translator` reads any of them.
* :class:`RealToSimWrapper` (translate an env's image keys) and :class:`RealWorldEnv` (a
  camera and an action callback behind the simulated env's spaces).
* A pseudo-real domain per family (:func:`make_pseudo_real`, :func:`paired_frames`) for
  scoring all of this without a robot; ``benchmarks/bench_real2sim.py`` reports it.
"""

from __future__ import annotations

from typing import Any

from .camera import CameraError, CameraFrame, CameraSource, crop_resize, write_folder
from .frames import Translator
from .pseudo_real import (
    look_frames,
    make_pseudo_real,
    paired_episodes,
    paired_frames,
    pseudo_real_look,
    record_video,
)
from .translators import FDATranslator, IdentityTranslator, StatsTranslator, load_translator
from .wrappers import RealToSimWrapper, RealWorldEnv

__all__ = [
    "CameraError",
    "CameraFrame",
    "CameraSource",
    "CycleGANTranslator",
    "FDATranslator",
    "IdentityTranslator",
    "RealToSimWrapper",
    "RealWorldEnv",
    "StatsTranslator",
    "Translator",
    "crop_resize",
    "flicker",
    "load_translator",
    "look_frames",
    "make_pseudo_real",
    "paired_episodes",
    "paired_frames",
    "pixel_error",
    "pseudo_real_look",
    "record_video",
    "run_on_camera",
    "train_translator",
    "write_folder",
]

_LAZY = {  # these import torch
    "CycleGANTranslator": ".cyclegan",
    "train_translator": ".pipeline",
    "run_on_camera": ".pipeline",
    "pixel_error": ".pipeline",
    "flicker": ".pipeline",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
