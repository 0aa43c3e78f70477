"""Baseline agents (importable as ``simenv.agents``): privileged experts and learners."""

from .indoor_nav_expert import IndoorNavExpert

__all__ = ["IndoorNavExpert"]
