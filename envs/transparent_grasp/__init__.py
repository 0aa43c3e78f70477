"""TransparentGrasp: a Panda arm picks procedurally generated glassware (MuJoCo)."""

from .env import TransparentGraspEnv
from .glassware import CATEGORIES

__all__ = ["CATEGORIES", "TransparentGraspEnv"]
