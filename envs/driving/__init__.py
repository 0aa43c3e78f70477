"""Driving: a 1:10 racecar follows its lane on procedurally generated roads (PyBullet)."""

from .constants import SEG_CLASSES
from .env import DrivingEnv

__all__ = ["SEG_CLASSES", "DrivingEnv"]
