"""CPU-side bookkeeping the renderer mirrors on the GPU: the shared mesh arena and texture
images prepared for texture-array layers. Nothing here calls OpenGL; the renderer writes the
bytes these classes hand it, so a renderer can rebuild its GPU state from them (e.g. in a
forked child process)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .scene import MeshData, Texture

VERTEX_FLOATS = 8  # position, normal, uv


@dataclass
class _Entry:
    mesh: MeshData
    refs: int
    base: int = 0  # first vertex
    first: int = 0  # first index


class MeshArena:
    """All meshes of all scenes in one vertex and one index array, shared by content.

    ``acquire`` returns a stable id; equal meshes (same :attr:`MeshData.key`) share it.
    Released meshes stay until unused vertices outnumber used ones, then the arena is
    compacted (ids keep their meaning, offsets change and :attr:`generation` increases).
    """

    def __init__(self) -> None:
        self._ids: dict[bytes, int] = {}
        self._entries: list[_Entry | None] = []
        self._free: list[int] = []
        self.vertices = 0  # vertices laid out
        self.indices = 0  # indices laid out
        self.generation = 0  # bumped whenever offsets change
        self.pending: list[int] = []  # laid out since the GPU copy was last written
        self.needs_rewrite = True  # the GPU copy must be written from scratch
        self.version = 0  # bumped whenever an id is laid out anew (see table())

    def acquire(self, mesh: MeshData) -> int:
        mid = self._ids.get(mesh.key)
        if mid is not None:
            entry = self._entries[mid]
            assert entry is not None
            entry.refs += 1
            return mid
        mid = self._free.pop() if self._free else len(self._entries)
        entry = _Entry(mesh, 1, self.vertices, self.indices)
        if mid == len(self._entries):
            self._entries.append(entry)
        else:
            self._entries[mid] = entry
        self._ids[mesh.key] = mid
        self.vertices += len(mesh.positions)
        self.indices += mesh.indices.size
        self.pending.append(mid)
        self.version += 1
        return mid

    def release(self, mid: int) -> None:
        entry = self._entries[mid]
        if entry is not None and entry.refs > 0:
            entry.refs -= 1

    def compact_if_wasteful(self) -> None:
        """Drop unreferenced meshes and lay the rest out again when they waste over half."""
        live = sum(len(e.mesh.positions) for e in self._entries if e is not None and e.refs)
        if self.vertices - live <= max(live, 4096):
            return
        for mid, e in enumerate(self._entries):
            if e is not None and e.refs == 0:
                del self._ids[e.mesh.key]
                self._entries[mid] = None
                self._free.append(mid)
        self.vertices = self.indices = 0
        for e in self._entries:
            if e is not None:
                e.base, e.first = self.vertices, self.indices
                self.vertices += len(e.mesh.positions)
                self.indices += e.mesh.indices.size
        self.generation += 1
        self.version += 1
        self.pending.clear()
        self.needs_rewrite = True

    def table(self) -> np.ndarray:
        """``(ids, 4)`` int64: index count, first index, base vertex and per-pixel lighting
        (0/1) of every id."""
        out = np.zeros((len(self._entries), 4), np.int64)
        for mid, e in enumerate(self._entries):
            if e is not None:
                out[mid] = (e.mesh.indices.size, e.first, e.base, e.mesh.lighting == "pixel")
        return out

    def blocks(self, ids: list[int] | None = None) -> list[tuple[int, int, bytes, bytes]]:
        """``(vertex offset, index offset, vertex bytes, index bytes)`` of ``ids`` (all live
        meshes when ``None``)."""
        chosen = range(len(self._entries)) if ids is None else ids
        out = []
        for mid in chosen:
            e = self._entries[mid]
            if e is None:
                continue
            m = e.mesh
            verts = np.concatenate([m.positions, m.normals, m.uvs], axis=1)
            out.append(
                (
                    e.base,
                    e.first,
                    verts.astype(np.float32).tobytes(),
                    m.indices.astype(np.uint32).tobytes(),
                )
            )
        return out


def texture_layers(texture: Texture, size: int) -> np.ndarray:
    """The texture as ``(layers, size, size, 4)`` RGBA uint8 (resampled if needed)."""
    faces = texture.image if texture.cube else texture.image[None]
    out = np.empty((len(faces), size, size, 4), np.uint8)
    for k, face in enumerate(faces):
        rgba = (
            face
            if face.shape[2] == 4
            else np.concatenate([face, np.full((*face.shape[:2], 1), 255, np.uint8)], axis=2)
        )
        out[k] = _resample(rgba, size)
    return out


def _resample(image: np.ndarray, size: int) -> np.ndarray:
    h, w = image.shape[:2]
    if (h, w) == (size, size):
        return image
    if size % h == 0 and size % w == 0:  # integer upscaling: exact, mip level k+1 = original
        return np.repeat(np.repeat(image, size // h, axis=0), size // w, axis=1)
    shrink = size < h or size < w
    return cv2.resize(
        image, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    )


def mip_chain(image: np.ndarray) -> list[np.ndarray]:
    """Mipmap levels of a power-of-two ``(S, S, 4)`` image by 2×2 box filtering, like
    ``glGenerateMipmap``."""
    levels = [np.ascontiguousarray(image)]
    while levels[-1].shape[0] > 1:
        x = levels[-1].astype(np.uint16)
        half = (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2] + 2) // 4
        levels.append(np.ascontiguousarray(half.astype(np.uint8)))
    return levels
