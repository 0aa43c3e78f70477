"""Renderer scenes of a PyBullet world: the engine adapter for PyBullet families.

:class:`PybulletScene` reads every visual shape of the given bodies once
(``getVisualShapeData``: boxes, spheres, cylinders, capsules, planes, and meshes from OBJ or
STL files with their ``map_Kd`` textures; each shape's frame on its link). Per episode,
:meth:`PybulletScene.show` makes a :class:`~.scene.Scene` of the shapes drawn, with their
colours and textures; per frame, :meth:`~PybulletScene.update` copies the link poses of the
bodies that move and :meth:`~PybulletScene.set_view` sets the camera from an OpenGL view
matrix, a vertical field of view and clip planes, as ``getCameraImage`` takes them.

PyBullet cannot report a shape's colour reliably (after a per-shape colour change it reports
that colour for every shape of the body) nor hand back an in-memory mesh, so a family passes
the looks it set to :meth:`~PybulletScene.show` and builds its meshes from files. Segment
ids are indices into :attr:`PybulletScene.shapes` (body, link, shape), finer than PyBullet's
own mask (a body id).

Lighting follows TinyRenderer's model: ``albedo * (ambient + light colour * (diffuse *
max(n.l, 0) + specular term))`` with ``albedo`` the texture times the shape's rgba.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from . import primitives
from .scene import Camera, Instance, Light, Material, MeshData, Scene, Texture

GEOM_SPHERE, GEOM_BOX, GEOM_CYLINDER, GEOM_MESH, GEOM_PLANE, GEOM_CAPSULE = 2, 3, 4, 5, 6, 7
_TEXTURE_IDS = 1  # pybullet.VISUAL_SHAPE_DATA_TEXTURE_UNIQUE_IDS


def _rotation(quat: Sequence[float]) -> np.ndarray:
    """3×3 matrix of a PyBullet quaternion (x, y, z, w)."""
    x, y, z, w = quat
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


@lru_cache(maxsize=256)
def load_mesh(path: str) -> tuple[MeshData, str | None]:
    """A mesh file (OBJ, or binary/ASCII STL) as :class:`MeshData` with per-face normals
    where the file has none, and the path of its diffuse texture (an OBJ's ``map_Kd``)."""
    if path.lower().endswith(".stl"):
        return _stl(path), None
    return _obj(path)


def _flat(positions: np.ndarray, name: str) -> MeshData:
    """Triangles as consecutive vertex triples with their face normals."""
    tri = positions.reshape(-1, 3, 3)
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    return MeshData.indexed(positions.reshape(-1, 3), np.repeat(n, 3, axis=0), name=name)


def _stl(path: str) -> MeshData:
    data = Path(path).read_bytes()
    count = int.from_bytes(data[80:84], "little") if len(data) >= 84 else -1
    if count >= 0 and len(data) == 84 + 50 * count:  # binary
        rec = np.frombuffer(
            data[84:], np.dtype([("n", "<f4", 3), ("v", "<f4", (3, 3)), ("a", "<u2")]), count
        )
        return _flat(rec["v"].astype(np.float64), os.path.basename(path))
    verts = _ascii_vertices(data.decode("ascii", "replace").split())
    return _flat(np.array(verts, np.float64), os.path.basename(path))


def _ascii_vertices(words: list[str]) -> list[float]:
    out: list[float] = []
    for i, w in enumerate(words):
        if w == "vertex":
            out += [float(v) for v in words[i + 1 : i + 4]]
    return out


def _obj(path: str) -> tuple[MeshData, str | None]:
    v: list[list[float]] = []
    vt: list[list[float]] = []
    vn: list[list[float]] = []
    corners: list[tuple[int, int, int]] = []
    texture = None
    folder = os.path.dirname(path)
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if not parts:
            continue
        tag = parts[0]
        if tag == "v":
            v.append([float(x) for x in parts[1:4]])
        elif tag == "vt":
            vt.append([float(x) for x in parts[1:3]])
        elif tag == "vn":
            vn.append([float(x) for x in parts[1:4]])
        elif tag == "f":
            face = [_corner(p, len(v), len(vt), len(vn)) for p in parts[1:]]
            for k in range(1, len(face) - 1):  # a fan of triangles
                corners += [face[0], face[k], face[k + 1]]
        elif tag == "mtllib":
            texture = _mtl_texture(os.path.join(folder, " ".join(parts[1:])))
    pos = np.array(v, np.float64)[[c[0] for c in corners]]
    name = os.path.basename(path)
    if not vn or any(c[2] < 0 for c in corners):
        mesh = _flat(pos, name)
    else:
        normals = np.array(vn, np.float64)[[c[2] for c in corners]]
        uvs = None
        if vt and all(c[1] >= 0 for c in corners):
            uvs = np.array(vt, np.float64)[[c[1] for c in corners]]
        mesh = MeshData.indexed(pos, normals, uvs, name=name)
    return mesh, texture


def _corner(token: str, nv: int, nt: int, nn: int) -> tuple[int, int, int]:
    """``v``, ``v/vt``, ``v//vn`` or ``v/vt/vn`` (1-based, negative from the end) → 0-based
    (-1 where missing)."""
    fields = ([*token.split("/"), "", ""])[:3]

    def index(text: str, n: int) -> int:
        if not text:
            return -1
        i = int(text)
        return i - 1 if i > 0 else n + i

    return index(fields[0], nv), index(fields[1], nt), index(fields[2], nn)


def _mtl_texture(path: str) -> str | None:
    if not os.path.exists(path):
        return None
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if parts and parts[0] == "map_Kd":
            texture = os.path.join(os.path.dirname(path), parts[-1])
            return texture if os.path.exists(texture) else None
    return None


def _image(path: str) -> np.ndarray:
    import cv2

    bgr = cv2.imread(path, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot read the texture image {path}")
    rgb: np.ndarray = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return rgb


@dataclass(frozen=True)
class _Part:
    """One instance that draws (part of) a visual shape."""

    mesh: int
    scale: tuple[float, float, float]
    local: np.ndarray  # 4x4 pose in the shape's link frame
    link: int


Look = tuple[int, int, Sequence[float], "int | None"]  # body, shape index, rgba, texture id


class PybulletScene:
    """The visual shapes of a PyBullet world as renderer scenes.

    Reading a world's shapes (meshes from files, texture images) is done once, at
    construction; :meth:`show` then makes a :class:`~.scene.Scene` of the shapes an episode
    draws, with their colours and textures, and :meth:`update` copies the poses of the bodies
    that move. A scene holds only what is drawn, so a world with thousands of pooled, hidden
    bodies costs the renderer what its drawn shapes cost.

    Args:
        client: a PyBullet client (``BulletClient`` or the ``pybullet`` module).
        bodies: the bodies whose shapes may be shown (make a new adapter when the world gains
            bodies).
        textures: images of the PyBullet texture ids (``loadTexture``) that :meth:`show`
            may name; a mesh file's own ``map_Kd`` texture is read from its file.
        search_path: folder that relative mesh file names are resolved against (PyBullet's
            ``setAdditionalSearchPath``; default ``pybullet_data``).

    Attributes:
        scene: the :class:`~.scene.Scene` of the last :meth:`show` (empty before).
        shapes: ``(body, link, shape index)`` of every shape; a shape's position in this list
            is its segment id in rendered segmentation (-1: background).
    """

    def __init__(
        self,
        client: Any,
        bodies: Sequence[int],
        textures: Mapping[int, np.ndarray] | None = None,
        search_path: str | None = None,
    ) -> None:
        if search_path is None:
            import pybullet_data

            search_path = pybullet_data.getDataPath()
        self.client = client
        self.bodies = tuple(int(b) for b in bodies)
        self._search = search_path
        self._meshes: list[MeshData] = []
        self._mesh_ids: dict[Any, int] = {}
        self._images: list[np.ndarray] = []
        self._texture_ids: dict[Any, int] = {}
        for tex, image in (textures or {}).items():
            self._texture(("id", int(tex)), image)
        self.shapes: list[tuple[int, int, int]] = []
        self._parts: list[list[_Part]] = []
        self._own_texture: list[int] = []  # per shape: its file's texture (-1: none)
        made: dict[Any, tuple[list[_Part], int]] = {}  # equal shapes share their parts
        for body in self.bodies:
            for k, d in enumerate(client.getVisualShapeData(body, flags=_TEXTURE_IDS)):
                key = (d[1], d[2], d[3], d[4], d[5], d[6])
                if key not in made:
                    made[key] = self._read_shape(*key)
                parts, own = made[key]
                self.shapes.append((body, int(d[1]), k))
                self._parts.append(parts)
                self._own_texture.append(own)
        self.index = {(b, k): i for i, (b, _, k) in enumerate(self.shapes)}
        self._inertial = {b: self._inverse_inertial(b) for b in self.bodies}
        self.textures = [Texture(img) for img in self._images]
        self.show([])

    # ------------------------------------------------------------------ construction
    def _read_shape(
        self,
        link: int,
        geom: int,
        dims: Sequence[float],
        file: bytes,
        position: Sequence[float],
        orientation: Sequence[float],
    ) -> tuple[list[_Part], int]:
        """The instances of one visual shape and its mesh file's texture (-1: none)."""
        local = np.eye(4)
        local[:3, :3] = _rotation(orientation)
        local[:3, 3] = position
        parts, own = [], -1
        for mesh, scale, offset, texture in self._shape_parts(geom, dims, file.decode()):
            if texture is not None:
                own = self._texture(("file", texture), None, texture)
            frame = local.copy()
            frame[:3, 3] += frame[:3, :3] @ np.asarray(offset, np.float64)
            parts.append(_Part(mesh, scale, frame, int(link)))
        return parts, own

    def _shape_parts(
        self, geom: int, dims: Sequence[float], file: str
    ) -> list[tuple[int, tuple[float, float, float], tuple[float, float, float], str | None]]:
        """(mesh index, instance scale, offset along the shape frame, the mesh file's own
        texture) of the instances that draw one visual shape."""
        zero = (0.0, 0.0, 0.0)
        if geom == GEOM_MESH:
            path = file if os.path.isabs(file) else os.path.join(self._search, file)
            if not file or not os.path.exists(path):
                raise ValueError(
                    f"a mesh visual shape without a readable file ({file!r}); "
                    "give PyBullet meshes to the batch renderer as OBJ or STL files"
                )
            mesh, texture = load_mesh(path)
            return [(self._mesh(("file", path), mesh), (dims[0], dims[1], dims[2]), zero, texture)]
        if geom == GEOM_BOX:  # dims: full extents; the unit box spans [-1, 1]
            return [
                (
                    self._mesh("box", primitives.box(1)),
                    (dims[0] / 2, dims[1] / 2, dims[2] / 2),
                    zero,
                    None,
                )
            ]
        if geom == GEOM_SPHERE:  # dims: (radius, ...)
            r = dims[0]
            return [(self._mesh("sphere", primitives.sphere(16, 8)), (r, r, r), zero, None)]
        if geom == GEOM_CYLINDER:  # dims: (length, radius, ...)
            length, r = dims[0], dims[1]
            return [
                (self._mesh("cylinder", primitives.cylinder(16, 1)), (r, r, length / 2), zero, None)
            ]
        if geom == GEOM_CAPSULE:  # an open tube and two hemispheres, as MuJoCo draws one
            length, r = dims[0], dims[1]
            cap = length / 2 - r  # the unit hemisphere's centre is at z = +-1
            return [
                (
                    self._mesh("tube", primitives.cylinder(16, 1, closed=False)),
                    (r, r, length / 2),
                    zero,
                    None,
                ),
                (
                    self._mesh("cap+", primitives.hemisphere(1, 16, 4)),
                    (r, r, r),
                    (0.0, 0.0, cap),
                    None,
                ),
                (
                    self._mesh("cap-", primitives.hemisphere(-1, 16, 4)),
                    (r, r, r),
                    (0.0, 0.0, -cap),
                    None,
                ),
            ]
        if geom == GEOM_PLANE:  # drawn as a 200 m square
            return [(self._mesh("plane", primitives.plane(8)), (100.0, 100.0, 1.0), zero, None)]
        raise ValueError(
            f"unsupported PyBullet visual geometry type {geom}; valid: sphere "
            f"({GEOM_SPHERE}), box ({GEOM_BOX}), cylinder ({GEOM_CYLINDER}), mesh "
            f"({GEOM_MESH}), plane ({GEOM_PLANE}), capsule ({GEOM_CAPSULE})"
        )

    def _mesh(self, key: Any, mesh: MeshData) -> int:
        if key not in self._mesh_ids:
            self._mesh_ids[key] = len(self._meshes)
            self._meshes.append(mesh)
        return self._mesh_ids[key]

    def _texture(self, key: Any, image: np.ndarray | None, path: str | None = None) -> int:
        if key not in self._texture_ids:
            self._texture_ids[key] = len(self._images)
            self._images.append(
                np.ascontiguousarray(image if image is not None else _image(str(path)), np.uint8)
            )
        return self._texture_ids[key]

    def _inverse_inertial(self, body: int) -> np.ndarray | None:
        """The inverse of the base's inertial frame (``None``: the identity)."""
        info = self.client.getDynamicsInfo(body, -1)
        pos, orn = info[3], info[4]
        if tuple(pos) == (0.0, 0.0, 0.0) and tuple(orn) == (0.0, 0.0, 0.0, 1.0):
            return None
        local = np.eye(4)
        local[:3, :3] = _rotation(orn)
        local[:3, 3] = pos
        return np.linalg.inv(local)

    # ------------------------------------------------------------------ per episode
    def show(self, looks: Iterable[Look]) -> Scene:
        """A new :attr:`scene` drawing exactly the shapes in ``looks``: ``(body, shape
        index, rgba, texture)`` with a PyBullet texture id given at construction, or
        ``None`` for the shape's own (its mesh file's, else none). Poses are read now."""
        instances: list[Instance] = []
        links: list[int] = []
        frames: list[np.ndarray] = []
        owners: list[int] = []
        self._rows_of: dict[tuple[int, int], list[int]] = {}
        for body, shape, rgba, texture in looks:
            segment = self.index.get((int(body), int(shape)))
            if segment is None:
                raise KeyError(f"body {body} has no shape {shape} in this scene")
            tex = self._own_texture[segment] if texture is None else self._given(texture)
            rows = self._rows_of[(int(body), int(shape))] = []
            for part in self._parts[segment]:
                rows.append(len(instances))
                links.append(part.link)
                frames.append(part.local)
                owners.append(int(body))
                instances.append(
                    Instance(
                        part.mesh,
                        scale=part.scale,
                        material=Material(
                            rgba=(rgba[0], rgba[1], rgba[2], rgba[3]),
                            specular=0.3,
                            shininess=0.1,
                            texture=tex,
                        ),
                        segment=segment,
                        visible=rgba[3] > 0,
                    )
                )
        self._link_of = np.array(links, np.int64)
        self._local = np.array(frames, np.float64).reshape(-1, 4, 4)
        owner = np.array(owners, np.int64)
        self._rows = {int(b): np.flatnonzero(owner == b) for b in np.unique(owner)}
        sun = Light(
            "directional", direction=(0.0, 0.0, -1.0), diffuse=(0.35,) * 3, specular=(0.05,) * 3
        )
        self.scene = Scene(
            self._meshes, instances, [sun], Camera(), self.textures, ambient=(0.6,) * 3
        )
        self.update()
        return self.scene

    def _given(self, texture: int) -> int:
        known = self._texture_ids.get(("id", int(texture)))
        if known is None:
            raise ValueError(
                f"texture id {texture} was not given to the scene; given: "
                f"{sorted(k[1] for k in self._texture_ids if k[0] == 'id')}"
            )
        return known

    def set_look(
        self, body: int, shape: int, rgba: Sequence[float], texture: int | None = None
    ) -> None:
        """Colour (alpha 0 hides it) and texture (a PyBullet texture id given at
        construction; ``None`` keeps the current one) of a shape the scene shows."""
        rows = self._rows_of[(int(body), int(shape))]
        scene = self.scene
        scene.rgba[rows] = rgba
        scene.visible[rows] = rgba[3] > 0
        if texture is not None:
            scene.texture[rows] = self._given(texture)

    # ------------------------------------------------------------------ per frame
    def update(self, bodies: Iterable[int] | None = None) -> Scene:
        """Copy the link poses of ``bodies`` (default: every body the scene shows)."""
        scene = self.scene
        for body in self._rows if bodies is None else bodies:
            rows = self._rows.get(int(body))
            if rows is None:
                continue
            links = self._link_of[rows]
            if (links < 0).all():  # the common case: every shape on the base
                world = self._link_frame(body, -1) @ self._local[rows]
            else:
                frames = {int(k): self._link_frame(body, int(k)) for k in np.unique(links)}
                world = np.stack([frames[int(k)] for k in links]) @ self._local[rows]
            scene.position[rows] = world[:, :3, 3]
            scene.rotation[rows] = world[:, :3, :3]
        return scene

    def _link_frame(self, body: int, link: int) -> np.ndarray:
        """World pose of a link's frame (the frame its visual shapes are given in)."""
        c = self.client
        out = np.eye(4)
        if link < 0:  # the base: its centre of mass frame, less its inertial offset
            pos, orn = c.getBasePositionAndOrientation(body)
            out[:3, :3] = _rotation(orn)
            out[:3, 3] = pos
            inverse = self._inertial[body]
            return out if inverse is None else out @ inverse
        state = c.getLinkState(body, link, computeForwardKinematics=1)
        out[:3, :3] = _rotation(state[5])
        out[:3, 3] = state[4]
        return out

    def set_view(self, view: Sequence[float], fovy: float, near: float, far: float) -> None:
        """The camera of an OpenGL view matrix (column-major, 16 floats)."""
        m = np.asarray(view, np.float64).reshape(4, 4).T  # row-major world -> camera
        rotation = m[:3, :3].T  # columns: the camera's right, up and backward axes
        camera = self.scene.camera
        camera.position = -rotation @ m[:3, 3]
        camera.rotation = rotation
        camera.fovy, camera.near, camera.far = float(fovy), float(near), float(far)
        camera.check()

    def set_sun(
        self,
        direction: Sequence[float],
        color: Sequence[float],
        ambient: float,
        diffuse: float,
        specular: float,
    ) -> None:
        """PyBullet's camera lighting: ``direction`` points *to* the light (``getCameraImage``'s
        ``lightDirection``); the ambient term is not tinted by the light's colour."""
        scene = self.scene
        d = -np.asarray(direction, np.float64)
        scene.light_direction[0] = d / max(float(np.linalg.norm(d)), 1e-12)
        rgb = np.asarray(color, np.float64)
        scene.light_diffuse[0] = diffuse * rgb
        scene.light_specular[0] = specular * rgb
        scene.ambient[:] = ambient
