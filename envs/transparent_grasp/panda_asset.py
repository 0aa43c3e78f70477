"""Rebuild ``assets/panda/`` from the Franka Panda that ships in ``pybullet_data``.

Run ``python -m simenv.envs.transparent_grasp.panda_asset`` (needs the ``assets`` extra:
``fast-simplification``). It copies ``panda.urdf`` and the Apache-2.0 licence, and writes
``panda_meshes.npz``: for every link, its visual mesh split by material colour (the OBJ
``usemtl`` groups, merged by diffuse colour) and quadric-decimated to at most
``--faces`` triangles per part, plus the original collision mesh. Software rendering pays per
triangle: the 100k-triangle visual meshes cost 4.9 ms per 84×84 frame, the decimated set
about 1 ms (measured on llvmpipe; see benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from .panda import ASSET_DIR


def _mtl_colours(path: Path) -> dict[str, tuple[float, float, float]]:
    colours: dict[str, tuple[float, float, float]] = {}
    if not path.exists():
        return colours
    name = None
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "newmtl":
            name = parts[1]
        elif parts and parts[0] == "Kd" and name is not None:
            colours[name] = (float(parts[1]), float(parts[2]), float(parts[3]))
    return colours


def read_obj(path: Path) -> list[tuple[tuple[float, float, float], np.ndarray, np.ndarray]]:
    """An OBJ as ``[(rgb, vertices (N, 3), triangles (M, 3))]``, one entry per colour."""
    colours = _mtl_colours(path.with_suffix(".mtl"))
    white = (1.0, 1.0, 1.0)
    verts: list[list[float]] = []
    groups: dict[tuple[float, float, float], list[tuple[int, int, int]]] = {}
    colour = white
    for line in path.read_text().splitlines():
        if line.startswith("v "):
            verts.append([float(x) for x in line.split()[1:4]])
        elif line.startswith("usemtl"):
            colour = colours.get(line.split()[1], white)
        elif line.startswith("f "):
            idx = [int(tok.split("/")[0]) - 1 for tok in line.split()[1:]]
            tris = groups.setdefault(colour, [])
            tris.extend((idx[0], idx[k], idx[k + 1]) for k in range(1, len(idx) - 1))
    vertices = np.asarray(verts, np.float64)
    out = []
    for rgb, tris in groups.items():
        faces = np.asarray(tris, np.int64)
        used, inverse = np.unique(faces, return_inverse=True)
        out.append((rgb, vertices[used], inverse.reshape(-1, 3)))
    return out


def build(max_faces: int, out: Path = ASSET_DIR) -> dict[str, np.ndarray]:
    import fast_simplification
    import pybullet_data

    src = Path(pybullet_data.getDataPath()) / "franka_panda"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "panda.urdf", out / "panda.urdf")
    shutil.copy(src / "LICENSE.txt", out / "LICENSE.txt")
    arrays: dict[str, np.ndarray] = {}
    for link in ET.parse(src / "panda.urdf").getroot().findall("link"):
        name = link.get("name", "")
        for kind in ("visual", "collision"):
            el = link.find(f"{kind}/geometry/mesh")
            if el is None:
                continue
            path = src / el.get("filename", "").replace("package://", "")
            parts = read_obj(path)
            if kind == "collision":  # one convex-ish part: keep as is
                parts = [
                    (
                        parts[0][0],
                        np.concatenate([p[1] for p in parts]),
                        np.concatenate(
                            [p[2] + sum(len(q[1]) for q in parts[:i]) for i, p in enumerate(parts)]
                        ),
                    )
                ]
            for i, (rgb, v, f) in enumerate(parts):
                if kind == "visual" and len(f) > max_faces:
                    v, f = fast_simplification.simplify(v, f, 1.0 - max_faces / len(f))
                key = f"{name}/{kind}/{i}"
                arrays[f"{key}/vertices"] = np.asarray(v, np.float32)
                arrays[f"{key}/faces"] = np.asarray(f, np.int32)
                arrays[f"{key}/rgb"] = np.asarray(rgb, np.float32)
    np.savez_compressed(out / "panda_meshes.npz", **arrays)  # type: ignore[arg-type]
    return arrays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=1500, help="max triangles per part")
    args = parser.parse_args()
    arrays = build(args.faces)
    faces = sum(len(v) for k, v in arrays.items() if k.endswith("/faces") and "/visual/" in k)
    size = (ASSET_DIR / "panda_meshes.npz").stat().st_size
    print(f"wrote {ASSET_DIR}: {faces} visual triangles, {size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
