"""Baseline agents (importable as ``simenv.agents``): privileged experts and learners."""

from .driving_expert import DrivingExpert
from .indoor_nav_expert import IndoorNavExpert
from .transparent_grasp_expert import TransparentGraspExpert

__all__ = ["DrivingExpert", "IndoorNavExpert", "TransparentGraspExpert"]
