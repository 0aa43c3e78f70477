"""Driving: a 1:10 racecar follows its lane on procedurally generated roads (PyBullet)."""

from .env import DrivingEnv

__all__ = ["DrivingEnv"]
