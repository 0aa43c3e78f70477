"""Baseline agents (importable as ``simenv.agents``): privileged experts and learners."""

from .driving_expert import DrivingExpert
from .indoor_nav_expert import IndoorNavExpert

__all__ = ["DrivingExpert", "IndoorNavExpert"]
