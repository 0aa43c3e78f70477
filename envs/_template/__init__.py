"""The template family: copy this folder to start a new one (``docs/adding_a_family.md``)."""

from .env import TemplateEnv

__all__ = ["TemplateEnv"]
