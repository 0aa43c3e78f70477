"""Batch rendering: many scenes' cameras drawn in one OpenGL pass (moderngl on EGL)."""

from .mujoco_adapter import MujocoScene
from .renderer import BatchFrame, BatchRenderer, fitted
from .scene import Camera, Instance, Light, Material, MeshData, Scene, Texture

__all__ = [
    "BatchFrame",
    "BatchRenderer",
    "Camera",
    "Instance",
    "Light",
    "Material",
    "MeshData",
    "MujocoScene",
    "Scene",
    "Texture",
    "fitted",
]
