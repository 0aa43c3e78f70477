"""Seeded network initialisation (torch), shared by the learners and the CycleGAN.

Every network initialises from an explicit ``torch.Generator`` derived from its run's seed,
so a sweep's seeds vary initialisation and nothing seeds torch's global generator. Networks
are built inside :func:`global_rng_kept` (torch's layers draw a default initialisation from
the global generator when constructed), so building one leaves that generator untouched.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


@contextmanager
def global_rng_kept() -> Iterator[None]:
    """Restore torch's global CPU generator after the block (build networks in here)."""
    with torch.random.fork_rng(devices=[]):
        yield


def seeded(seed: int) -> torch.Generator:
    """A CPU generator for network initialisation and training of run ``seed``."""
    return torch.Generator().manual_seed(int(seed))


def init_weights(
    net: nn.Module, generator: torch.Generator, normal_std: float | None = None
) -> nn.Module:
    """Re-initialise the layers of ``net`` from ``generator``; returns ``net``.

    Linear and convolution layers get PyTorch's default scheme (Kaiming-uniform weights with
    ``a = sqrt(5)``, biases uniform in ±1/sqrt(fan_in)), or N(0, ``normal_std``) weights and
    zero biases when given; recurrent layers uniform in ±1/sqrt(hidden); normalisation
    layers ones and zeros. Parameters a custom module declares itself are left as its
    constructor set them (constants, e.g. a nominal homography).
    """
    for module in net.modules():
        with torch.no_grad():
            if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                _init_affine(module, generator, normal_std)
            elif isinstance(module, nn.RNNBase):
                bound = 1.0 / math.sqrt(module.hidden_size)
                for p in module.parameters(recurse=False):
                    p.uniform_(-bound, bound, generator=generator)
            elif (
                isinstance(module, (nn.BatchNorm2d, nn.InstanceNorm2d, nn.GroupNorm, nn.LayerNorm))
                and module.weight is not None
            ):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
    return net


def _init_affine(module: nn.Module, generator: torch.Generator, std: float | None) -> None:
    weight: torch.Tensor = module.weight  # type: ignore[assignment]
    bias: torch.Tensor | None = module.bias  # type: ignore[assignment]
    if std is not None:
        weight.normal_(0.0, std, generator=generator)
        if bias is not None:
            bias.zero_()
        return
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if bias is not None:
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(weight)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        bias.uniform_(-bound, bound, generator=generator)
