"""IndoorNav: a differential-drive robot in procedurally generated apartments (MuJoCo)."""

from .constants import CATEGORIES, SEG_CLASSES
from .env import IndoorNavEnv

__all__ = ["CATEGORIES", "SEG_CLASSES", "IndoorNavEnv"]
