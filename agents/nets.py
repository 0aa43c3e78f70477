"""Network pieces shared by the learners: CoordConv channels and DrQ's random shifts."""

from __future__ import annotations

import torch
from torch.nn import functional as F


def with_coords(image: torch.Tensor) -> torch.Tensor:
    """``image`` (NCHW) with two more channels: the row and column coordinates in [-1, 1]
    (CoordConv), so convolutions can tell where in the frame they are."""
    b, _, h, w = image.shape
    ys = torch.linspace(-1, 1, h).view(1, 1, h, 1).expand(b, 1, h, w)
    xs = torch.linspace(-1, 1, w).view(1, 1, 1, w).expand(b, 1, h, w)
    return torch.cat([image, ys, xs], 1)


def random_shift(images: torch.Tensor, pad: int, generator: torch.Generator) -> torch.Tensor:
    """Shift each image by a random integer offset in [-pad, pad] (edge pixels repeat)."""
    if pad <= 0:
        return images
    b, c, h, w = images.shape
    padded = F.pad(images, (pad, pad, pad, pad), mode="replicate")
    dx = torch.randint(0, 2 * pad + 1, (b, 1), generator=generator)
    dy = torch.randint(0, 2 * pad + 1, (b, 1), generator=generator)
    cols = (dx + torch.arange(w))[:, None, None, :].expand(b, c, h + 2 * pad, w)
    rows = (dy + torch.arange(h))[:, None, :, None].expand(b, c, h, w)
    return padded.gather(3, cols).gather(2, rows)
