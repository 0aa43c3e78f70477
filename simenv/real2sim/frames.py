"""What every real→sim translator shares: the frame type, the protocol, batching, saving."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

Frames = NDArray[Any]  # uint8 (N, H, W, 3) or one (H, W, 3) frame
FORMAT = "simenv-translator-1"


@runtime_checkable
class Translator(Protocol):
    """Anything with a batched ``translate``; uint8 RGB in, uint8 RGB of the same shape out."""

    def translate(self, frames: Frames) -> Frames: ...


def as_batch(frames: Any, name: str = "frames") -> tuple[Frames, bool]:
    """``(N, H, W, 3)`` uint8 and whether the input was a single frame; else a ``ValueError``."""
    arr = np.asarray(frames)
    single = arr.ndim == 3
    if single:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] != 3 or arr.dtype != np.uint8 or 0 in arr.shape:
        raise ValueError(
            f"{name} must be uint8 RGB of shape (H, W, 3) or (N, H, W, 3), got "
            f"{arr.dtype} {tuple(np.asarray(frames).shape)}"
        )
    return arr, single


class SavedTranslator:
    """Save/load through one ``torch.save`` dict of tensors and plain values."""

    method: ClassVar[str]

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Any:
        raise NotImplementedError

    def save(self, path: str | os.PathLike[str]) -> Path:
        import torch

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"format": FORMAT, "method": self.method, "state": self.state()}, path)
        return path
