"""TransparentGrasp: a Panda arm picks procedurally generated glassware (MuJoCo)."""

from .constants import CATEGORIES
from .env import TransparentGraspEnv

__all__ = ["CATEGORIES", "TransparentGraspEnv"]
