"""Policy checkpoints: plain dicts of tensors and lists, read with ``weights_only=True``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn


def save_checkpoint(
    path: str | os.PathLike[str],
    fmt: str,
    meta: dict[str, Any],
    net: nn.Module,
    history: list[dict[str, Any]] | None = None,
) -> Path:
    """A policy checkpoint: a plain dict of tensors and lists (``weights_only`` loadable)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {"format": fmt, "meta": meta, "history": history or [], "state_dict": net.state_dict()},
        path,
    )
    return path


def read_checkpoint(path: str | os.PathLike[str], kind: str) -> Any:
    """``torch.load(weights_only=True)``; a file that is not one is a one-line error."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated zip, pickle of other objects, not a file
        raise ValueError(
            f"{path}: not a readable {kind} checkpoint ({err})".splitlines()[0]
        ) from None


def checkpoint_meta(data: Any, fmt: str, kind: str, path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``meta`` of a checkpoint read by :func:`read_checkpoint`, if its format is ``fmt``."""
    if not isinstance(data, dict) or data.get("format") != fmt:
        raise ValueError(f"{path}: not a simenv {kind} checkpoint (format {fmt!r} expected)")
    meta: dict[str, Any] = data["meta"]
    return meta


def load_weights(net: nn.Module, data: dict[str, Any], path: str | os.PathLike[str]) -> Any:
    """``net`` with the checkpoint's weights (a one-line error if they do not fit)."""
    try:
        net.load_state_dict(data["state_dict"])
    except RuntimeError as err:
        raise ValueError(
            f"{path}: weights do not match the network ({err})".splitlines()[0]
        ) from None
    return net
