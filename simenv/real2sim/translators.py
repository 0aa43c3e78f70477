"""Real→sim image translators: one batched ``translate(frames) -> frames`` protocol.

All translators map uint8 RGB frames ``(N, H, W, 3)`` (or one ``(H, W, 3)`` frame) to frames of
the same shape and dtype in the simulator's nominal look:

* :class:`IdentityTranslator`: the frames themselves (the "no translation" baseline).
* :class:`StatsTranslator`: training-free colour transfer in CIELAB, a perceptual colour space
  (Reinhard et al. 2001): ``mode="moments"`` matches each channel's mean and standard
  deviation, ``mode="histogram"`` matches each channel's whole histogram through a 256-entry
  lookup table. Fitted from a few hundred frames of each domain in well under a second.
* :class:`FDATranslator`: Fourier domain adaptation (Yang & Soatto, CVPR 2020): the low-frequency
  amplitude spectrum of every frame is replaced by the simulator's mean amplitude; phase
  (edges, layout) is kept. Fitted from simulator frames only.
* :class:`~simenv.real2sim.cyclegan.CycleGANTranslator`: a learned real→sim generator.

Every translator saves to one ``.pt`` file (``save``) that :func:`load_translator` reads back
with ``torch.load(weights_only=True)``: tensors and plain values only, never pickled code.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from .frames import FORMAT, Frames, SavedTranslator, as_batch

METHODS = ("identity", "stats", "fda", "cyclegan")


class IdentityTranslator(SavedTranslator):
    """Returns the frames unchanged (the no-translation baseline)."""

    method = "identity"

    def translate(self, frames: Frames) -> Frames:
        arr, single = as_batch(frames)
        return arr[0] if single else arr

    def state(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> IdentityTranslator:
        return cls()


# --------------------------------------------------------------------------------- colour stats
def _lab(frames: Frames) -> Frames:
    n, h, w, _ = frames.shape
    return cv2.cvtColor(frames.reshape(n * h, w, 3), cv2.COLOR_RGB2LAB).reshape(frames.shape)


def _rgb(lab: Frames) -> Frames:
    n, h, w, _ = lab.shape
    return cv2.cvtColor(lab.reshape(n * h, w, 3), cv2.COLOR_LAB2RGB).reshape(lab.shape)


def _cdf(lab: Frames) -> NDArray[np.float64]:
    """Per-channel cumulative histograms, shape (3, 256)."""
    hist = np.stack([np.bincount(lab[..., c].ravel(), minlength=256) for c in range(3)])
    return np.cumsum(hist, 1) / hist.sum(1, keepdims=True)


class StatsTranslator(SavedTranslator):
    """Colour statistics matching in CIELAB (Reinhard-style), fitted on unpaired frames.

    Args:
        mode: ``"moments"`` (per-channel mean and std) or ``"histogram"`` (whole histograms).

    Fit with :meth:`fit` (real frames, simulator frames); a translator that was not fitted
    refuses to translate.
    """

    method = "stats"
    MODES = ("moments", "histogram")

    def __init__(self, mode: str = "histogram") -> None:
        if mode not in self.MODES:
            raise ValueError(f"mode={mode!r} is not valid; valid: {', '.join(self.MODES)}")
        self.mode = mode
        self.lut: NDArray[np.uint8] | None = None  # (256, 3): real Lab level -> sim Lab level

    def fit(self, real: Frames, sim: Frames) -> StatsTranslator:
        real_lab, sim_lab = _lab(as_batch(real, "real")[0]), _lab(as_batch(sim, "sim")[0])
        levels = np.arange(256, dtype=np.float64)
        if self.mode == "moments":
            r = real_lab.reshape(-1, 3).astype(np.float64)
            s = sim_lab.reshape(-1, 3).astype(np.float64)
            gain = s.std(0) / np.maximum(r.std(0), 1e-3)
            lut = (levels[:, None] - r.mean(0)) * gain + s.mean(0)
        else:
            cdf_r, cdf_s = _cdf(real_lab), _cdf(sim_lab)
            lut = np.stack([np.interp(cdf_r[c], cdf_s[c], levels) for c in range(3)], 1)
        self.lut = np.clip(np.rint(lut), 0, 255).astype(np.uint8)
        return self

    def translate(self, frames: Frames) -> Frames:
        if self.lut is None:
            raise ValueError("StatsTranslator is not fitted: call fit(real, sim) or load one")
        arr, single = as_batch(frames)
        lab = _lab(arr)
        n, h, w, _ = lab.shape
        out = _rgb(cv2.LUT(lab.reshape(n * h, w, 3), self.lut[None]).reshape(lab.shape))
        return out[0] if single else out

    def state(self) -> dict[str, Any]:
        import torch

        assert self.lut is not None
        return {"mode": self.mode, "lut": torch.from_numpy(self.lut.copy())}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> StatsTranslator:
        out = cls(state["mode"])
        out.lut = state["lut"].numpy().astype(np.uint8)
        return out


# ------------------------------------------------------------------------------------------ FDA
@lru_cache(maxsize=8)
def _low_band(h: int, w: int, beta: float) -> NDArray[np.bool_]:
    """The square of frequencies within ``beta * min(h, w)`` of DC (unshifted spectrum)."""
    band = max(1, int(np.floor(min(h, w) * beta)))
    fy = np.abs(np.fft.fftfreq(h) * h)[:, None]
    fx = np.abs(np.fft.fftfreq(w) * w)[None, :]
    return (fy <= band) & (fx <= band)


class FDATranslator(SavedTranslator):
    """Fourier domain adaptation: swap the low-frequency amplitude for the simulator's mean.

    Args:
        beta: half-width of the swapped square of frequencies, as a fraction of the shorter
            image side (FDA's β; 0.05 swaps the 9×9 lowest frequencies at 84×84).

    Frames must have the size the translator was fitted at.
    """

    method = "fda"

    def __init__(self, beta: float = 0.05) -> None:
        if not 0.0 < beta <= 0.5:
            raise ValueError(f"beta must be in (0, 0.5], got {beta!r}")
        self.beta = float(beta)
        self.amplitude: NDArray[np.float32] | None = None  # (H, W, 3), unshifted spectrum

    def fit(self, sim: Frames, real: Frames | None = None) -> FDATranslator:
        """Mean amplitude spectrum of the simulator frames (``real`` is not needed)."""
        arr = as_batch(sim, "sim")[0].astype(np.float32) / 255.0
        self.amplitude = np.abs(np.fft.fft2(arr, axes=(1, 2))).mean(0).astype(np.float32)
        return self

    def translate(self, frames: Frames) -> Frames:
        if self.amplitude is None:
            raise ValueError("FDATranslator is not fitted: call fit(sim) or load one")
        arr, single = as_batch(frames)
        h, w = self.amplitude.shape[:2]
        if arr.shape[1:3] != (h, w):
            raise ValueError(
                f"FDATranslator was fitted at {h}x{w}; got frames of {arr.shape[1]}x{arr.shape[2]}"
            )
        spec = np.fft.fft2(arr.astype(np.float32) / 255.0, axes=(1, 2))
        mask = _low_band(h, w, self.beta)[None, :, :, None]
        amp = np.where(mask, self.amplitude[None], np.abs(spec))
        out = np.fft.ifft2(amp * np.exp(1j * np.angle(spec)), axes=(1, 2)).real
        out = np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return out[0] if single else out

    def state(self) -> dict[str, Any]:
        import torch

        assert self.amplitude is not None
        return {"beta": self.beta, "amplitude": torch.from_numpy(self.amplitude.copy())}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FDATranslator:
        out = cls(state["beta"])
        out.amplitude = state["amplitude"].numpy()
        return out


# ------------------------------------------------------------------------------------- loading
def _classes() -> dict[str, Any]:
    from .cyclegan import CycleGANTranslator  # imports torch: only when a file needs it

    return {
        "identity": IdentityTranslator,
        "stats": StatsTranslator,
        "fda": FDATranslator,
        "cyclegan": CycleGANTranslator,
    }


def load_translator(path: str | os.PathLike[str]) -> Any:
    """Read a translator saved with ``save`` (``torch.load(weights_only=True)``).

    ``"identity"`` gives the identity translator. A missing, corrupt or foreign file is a
    one-line ``ValueError`` naming it.
    """
    import pickle
    import zipfile

    import torch

    if os.fspath(path) == "identity":
        return IdentityTranslator()
    path = Path(path)
    if path.is_dir():
        path = path / "translator.pt"
    if not path.is_file():
        raise ValueError(
            f"translator {str(path)!r} not found (a .pt file written by "
            "`simenv real2sim train`, a run folder, or 'identity')"
        )
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError, OSError) as err:
        raise ValueError(
            f"translator {str(path)!r} is not a readable checkpoint ({type(err).__name__})"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(
            f"translator {str(path)!r} is not a simenv translator (expected format {FORMAT!r})"
        )
    classes = _classes()
    method = data.get("method")
    if method not in classes:
        raise ValueError(
            f"translator {str(path)!r} has unknown method {method!r}; valid: {', '.join(classes)}"
        )
    try:
        return classes[method].from_state(data["state"])
    except (KeyError, TypeError, RuntimeError, AttributeError) as err:
        raise ValueError(
            f"translator {str(path)!r} is damaged ({type(err).__name__}: {err})"
        ) from None
