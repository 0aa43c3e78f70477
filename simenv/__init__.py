"""simenv: Gymnasium environments for robot learning with domain randomization.

``import simenv`` registers every environment id (``simenv.registration.ENV_IDS``); the
environments live in ``simenv.envs``, the baseline agents in ``simenv.agents`` and the models
and textures in the package data ``simenv.assets``.
"""

from __future__ import annotations

from .rendering import configure_gl

configure_gl()  # choose the headless GL backend before anything imports MuJoCo

from .registration import ENV_IDS, register_envs  # noqa: E402

register_envs()

__version__ = "0.1.0"
__all__ = ["ENV_IDS", "__version__"]
