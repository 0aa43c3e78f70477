"""Package data: models, meshes and textures (no code; see README.md here)."""
