"""A neutral scene description: meshes, instances, materials, lights, textures, one camera.

Engine adapters (``simenv.render.mujoco_adapter``) fill a :class:`Scene` once per model and
update its arrays in place every frame; :class:`~simenv.render.renderer.BatchRenderer` draws
many scenes at once. Nothing here touches OpenGL.

Conventions:

- World units are metres. A rotation is a 3×3 matrix whose columns are the local axes in
  world coordinates (MuJoCo's ``xmat`` reshaped to 3×3).
- An instance places one mesh: ``world = position + rotation @ (scale * local)``.
- The camera looks along its local -z with +y up and +x to the right (OpenGL's and MuJoCo's
  camera frame); ``fovy`` is the vertical field of view in degrees.
- Lighting is MuJoCo's (OpenGL's fixed-function model): a material's ``rgba`` is its
  ambient and diffuse colour, ``specular`` a grey level, ``shininess`` in [0, 1] the Phong
  exponent / 128, ``emission`` a fraction of ``rgba`` added unlit. The lit colour is
  clamped to [0, 1], then multiplied by the texture. A mesh says where it is evaluated
  (:attr:`MeshData.lighting`): per vertex and interpolated, as MuJoCo does, or per pixel.
- An instance with ``rgba[3] < 0.995`` is transparent: it is blended after the opaque ones
  and does not hide what lies behind it in ``depth``. Alpha 0 hides it everywhere.
- Segment ids are any int32 >= 0 (engines use their own object ids); -1 is background.
- Background: a flat colour (``background``), or with ``zenith`` set a vertical gradient
  from ``zenith`` on the top row of the image to ``background`` (the horizon colour) on its
  bottom row, linear in between. Background colours are quantised to 8 bits. The background
  is not fogged.
- Fog: exponential distance fog on every drawn fragment, ``rgb = mix(rgb, fog_color, 1 -
  exp(-fog_density * depth))`` with ``depth`` along the camera's optical axis in metres (after
  lighting and texturing, before blending); ``fog_density`` 0 (the default) turns it off and
  costs nothing.

A :class:`Scene` stores instances and lights as NumPy arrays (struct of arrays) so that a
per-frame update is a few vectorised writes; the :class:`Instance`, :class:`Material` and
:class:`Light` dataclasses are the typed way to build one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np

TextureMapping = Literal["uv", "planar", "cube"]
LightKind = Literal["directional", "point", "spot"]
Lighting = Literal["vertex", "pixel"]
LIGHTINGS: tuple[Lighting, ...] = ("vertex", "pixel")
MAPPINGS: tuple[TextureMapping, ...] = ("uv", "planar", "cube")
LIGHT_KINDS: tuple[LightKind, ...] = ("directional", "point", "spot")
MAX_LIGHTS = 8  # lights evaluated per scene (OpenGL fixed function's GL_MAX_LIGHTS)
TRANSPARENT_ALPHA = 0.995  # below this an instance is blended (MuJoCo's threshold)


def _vec(value: Sequence[float] | np.ndarray, n: int, name: str) -> np.ndarray:
    arr = np.asarray(value, np.float64).reshape(-1)
    if arr.shape != (n,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be {n} finite numbers, got {value!r}")
    return arr


def _rows(values: Sequence[Any], m: int, n: int, name: str) -> np.ndarray:
    """``m`` rows of ``n`` finite numbers (one array conversion; the bad row named if not)."""
    try:
        arr = np.asarray(values, np.float64).reshape(m, n)
        ok = bool(np.isfinite(arr).all())
    except ValueError:
        ok = False
    if not ok:
        for value in values:
            _vec(value, n, name)  # raises, naming the first bad value
    return arr


class MeshData:
    """A triangle mesh in its local frame, uploaded once and shared by instances.

    Args:
        positions: ``(V, 3)`` vertex positions.
        normals: ``(V, 3)`` vertex normals (normalised by the renderer after transforming).
        uvs: ``(V, 2)`` texture coordinates, or ``None`` (zeros).
        indices: ``(F, 3)`` vertex indices per triangle, counter-clockwise seen from outside;
            ``None`` means consecutive vertex triples.
        name: for messages only.
        lighting: ``"vertex"`` evaluates lighting per vertex and interpolates (Gouraud, as
            MuJoCo does; right for finely tessellated meshes), ``"pixel"`` per fragment (for
            coarse meshes: a box's face as one quad looks like a subdivided one).
    """

    def __init__(
        self,
        positions: np.ndarray,
        normals: np.ndarray,
        uvs: np.ndarray | None = None,
        indices: np.ndarray | None = None,
        name: str = "",
        lighting: Lighting = "vertex",
    ) -> None:
        self.name = name
        self.positions = np.ascontiguousarray(positions, np.float32).reshape(-1, 3)
        self.normals = np.ascontiguousarray(normals, np.float32).reshape(-1, 3)
        n = len(self.positions)
        if self.normals.shape != (n, 3):
            raise ValueError(f"mesh {name!r}: {n} positions but {len(self.normals)} normals")
        self.uvs = np.ascontiguousarray(
            np.zeros((n, 2)) if uvs is None else uvs, np.float32
        ).reshape(-1, 2)
        if self.uvs.shape != (n, 2):
            raise ValueError(f"mesh {name!r}: {n} positions but {len(self.uvs)} uvs")
        idx = np.arange(n - n % 3) if indices is None else indices
        self.indices = np.ascontiguousarray(idx, np.uint32).reshape(-1, 3)
        if len(self.indices) and int(self.indices.max()) >= n:
            raise ValueError(f"mesh {name!r}: an index points past its {n} vertices")
        if lighting not in LIGHTINGS:
            raise ValueError(f"unknown lighting {lighting!r}; valid: {', '.join(LIGHTINGS)}")
        self.lighting: Lighting = lighting

    @classmethod
    def indexed(
        cls,
        positions: np.ndarray,
        normals: np.ndarray,
        uvs: np.ndarray | None = None,
        name: str = "",
        lighting: Lighting = "vertex",
    ) -> MeshData:
        """A mesh from consecutive vertex triples, equal vertices shared (fewer vertex
        shader runs; the triangles and their order stay the same)."""
        n = len(positions)
        uv = np.zeros((n, 2)) if uvs is None else uvs
        rows = np.concatenate(
            [
                np.asarray(positions).reshape(n, 3),
                np.asarray(normals).reshape(n, 3),
                np.asarray(uv).reshape(n, 2),
            ],
            axis=1,
        )
        unique, first, inverse = np.unique(
            rows.astype(np.float32), axis=0, return_index=True, return_inverse=True
        )
        order = np.argsort(first)  # vertices in order of first use
        rank = np.empty(len(order), np.int64)
        rank[order] = np.arange(len(order))
        verts = unique[order]
        return cls(
            verts[:, 0:3],
            verts[:, 3:6],
            None if uvs is None else verts[:, 6:8],
            rank[inverse.reshape(-1)].reshape(-1, 3),
            name,
            lighting,
        )

    @cached_property
    def key(self) -> bytes:
        """Content digest: equal meshes share one upload."""
        h = hashlib.blake2b(digest_size=16)
        for arr in (self.positions, self.normals, self.uvs, self.indices):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update(self.lighting.encode())
        return h.digest()

    @cached_property
    def radius(self) -> float:
        """Largest distance of a vertex from the local origin."""
        return float(np.linalg.norm(self.positions, axis=1).max()) if len(self.positions) else 0.0


@dataclass
class Material:
    """Surface appearance of an instance.

    ``texture`` indexes :attr:`Scene.textures` (-1: none). ``mapping`` says where texture
    coordinates come from: ``"uv"`` the mesh's uvs, ``"planar"`` the local x/y coordinates
    (OpenGL's object-linear generation), ``"cube"`` the local position as a direction into a
    cube texture. The coordinates are then ``coord * texture_repeat + texture_offset`` (the
    third repeat component scales z for ``"cube"``). Engines fold size-relative ("uniform")
    mappings into ``texture_repeat``.
    """

    rgba: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    specular: float = 0.5
    shininess: float = 0.5
    emission: float = 0.0
    texture: int = -1
    mapping: TextureMapping = "uv"
    texture_repeat: tuple[float, float, float] = (1.0, 1.0, 1.0)
    texture_offset: tuple[float, float] = (0.0, 0.0)


@dataclass
class Instance:
    """One mesh placed in the world with a material and a segment id."""

    mesh: int
    position: Sequence[float] = (0.0, 0.0, 0.0)
    rotation: Sequence[Sequence[float]] | np.ndarray = ((1, 0, 0), (0, 1, 0), (0, 0, 1))
    scale: Sequence[float] = (1.0, 1.0, 1.0)
    material: Material = field(default_factory=Material)
    segment: int = -1
    visible: bool = True
    radius: float | None = None  # bounding radius for transparency sorting; None: from mesh


@dataclass
class Light:
    """A light. ``cutoff`` is a spot's half angle in degrees, ``exponent`` its falloff;
    ``attenuation`` = (constant, linear, quadratic) for point and spot lights. A
    ``headlight`` sits at the camera and shines along its view direction (its position and
    direction are set by the renderer every frame)."""

    kind: LightKind = "directional"
    position: Sequence[float] = (0.0, 0.0, 0.0)
    direction: Sequence[float] = (0.0, 0.0, -1.0)
    ambient: Sequence[float] = (0.0, 0.0, 0.0)
    diffuse: Sequence[float] = (0.7, 0.7, 0.7)
    specular: Sequence[float] = (0.3, 0.3, 0.3)
    attenuation: Sequence[float] = (1.0, 0.0, 0.0)
    cutoff: float = 180.0
    exponent: float = 0.0
    headlight: bool = False


@dataclass
class Camera:
    """A pinhole camera: pose (columns of ``rotation`` = right, up, backward), vertical field
    of view in degrees, clip distances in metres."""

    position: np.ndarray = field(default_factory=lambda: np.zeros(3))
    rotation: np.ndarray = field(default_factory=lambda: np.eye(3))
    fovy: float = 45.0
    near: float = 0.01
    far: float = 50.0

    def __post_init__(self) -> None:
        self.position = _vec(self.position, 3, "camera position")
        self.rotation = np.asarray(self.rotation, np.float64).reshape(3, 3)
        self.check()

    def check(self) -> None:
        """Raise ``ValueError`` unless 0 < fovy < 180 and 0 < near < far."""
        if not (0.0 < self.fovy < 180.0) or not (0.0 < self.near < self.far):
            raise ValueError(
                f"camera needs 0 < fovy < 180 and 0 < near < far, got fovy="
                f"{self.fovy}, near={self.near}, far={self.far}"
            )

    @classmethod
    def look_at(
        cls,
        eye: Sequence[float],
        target: Sequence[float],
        up: Sequence[float] = (0.0, 0.0, 1.0),
        **kwargs: float,
    ) -> Camera:
        """A camera at ``eye`` looking at ``target`` (``fovy``, ``near``, ``far`` as kwargs)."""
        eye_, tgt = _vec(eye, 3, "eye"), _vec(target, 3, "target")
        back = eye_ - tgt
        back /= np.linalg.norm(back)
        right = np.cross(_vec(up, 3, "up"), back)
        right /= np.linalg.norm(right)
        return cls(eye_, np.stack([right, np.cross(back, right), back], axis=1), **kwargs)


@dataclass(eq=False)
class Texture:
    """An RGB(A) uint8 image: ``(H, W, C)`` for a 2D texture, ``(6, S, S, C)`` for a cube
    (faces +x, -x, +y, -y, +z, -z). Row 0 is texture coordinate t = 0. ``srgb`` marks
    sRGB-encoded colours (decoded to linear when sampled)."""

    image: np.ndarray
    srgb: bool = False

    def __post_init__(self) -> None:
        img = np.asarray(self.image)
        cube = img.ndim == 4
        if (
            img.dtype != np.uint8
            or img.ndim not in (3, 4)
            or img.shape[-1] not in (3, 4)
            or (cube and (img.shape[0] != 6 or img.shape[1] != img.shape[2]))
        ):
            raise ValueError(
                "a texture is a uint8 (H, W, 3|4) image or (6, S, S, 3|4) cube, "
                f"got {img.dtype} {img.shape}"
            )
        self.image = img

    @property
    def cube(self) -> bool:
        return self.image.ndim == 4

    @property
    def layers(self) -> int:
        """Texture-array layers it occupies (6 for a cube)."""
        return 6 if self.cube else 1


class Scene:
    """Everything one camera sees: shared meshes, instances, lights, textures and the camera.

    The per-instance and per-light fields are NumPy arrays that callers update in place
    (e.g. ``scene.position[:] = ...``) between renders; so are ``background``, ``zenith``
    (``None``: a flat background) and ``fog_color``, and ``fog_density`` is a float to
    assign (see the module docstring for the background and fog). The number of instances and lights
    is fixed at construction; hide instances with :attr:`visible`. Change a texture with
    :meth:`set_texture` so the renderer knows to upload it again.
    """

    def __init__(
        self,
        meshes: Sequence[MeshData],
        instances: Sequence[Instance],
        lights: Sequence[Light] = (),
        camera: Camera | None = None,
        textures: Sequence[Texture] = (),
        ambient: Sequence[float] = (0.0, 0.0, 0.0),
        background: Sequence[float] = (0.0, 0.0, 0.0),
        zenith: Sequence[float] | None = None,
        fog_color: Sequence[float] = (0.0, 0.0, 0.0),
        fog_density: float = 0.0,
    ) -> None:
        if len(lights) > MAX_LIGHTS:
            raise ValueError(f"a scene has at most {MAX_LIGHTS} lights, got {len(lights)}")
        self.meshes = list(meshes)
        self.mesh_radius = np.array([m.radius for m in self.meshes], np.float64)
        self.textures = list(textures)
        self.texture_versions = np.zeros(len(self.textures), np.int64)
        self.texture_stamp = 0  # bumped by every set_texture
        self._texture_layout()
        self.camera = camera if camera is not None else Camera()
        self.ambient = _vec(ambient, 3, "ambient")
        self.background = _vec(background, 3, "background")
        # set to three numbers for a gradient from zenith (top row) to background (bottom)
        self.zenith: np.ndarray | None = None if zenith is None else _vec(zenith, 3, "zenith")
        self.fog_color = _vec(fog_color, 3, "fog_color")
        self.fog_density = float(fog_density)
        if not (np.isfinite(self.fog_density) and self.fog_density >= 0.0):
            raise ValueError(f"fog_density must be finite and >= 0, got {fog_density!r}")
        self._init_instances(instances)
        self._init_lights(lights)

    # ------------------------------------------------------------------ construction
    def _init_instances(self, instances: Sequence[Instance]) -> None:
        m = len(instances)
        self.mesh = np.array([i.mesh for i in instances], np.int32).reshape(m)
        if m and (self.mesh.min() < 0 or self.mesh.max() >= len(self.meshes)):
            raise ValueError(f"an instance names a mesh outside 0..{len(self.meshes) - 1}")
        self.position = _rows([i.position for i in instances], m, 3, "position")
        self.rotation = _rows(
            [np.asarray(i.rotation, np.float64).reshape(9) for i in instances], m, 9, "rotation"
        ).reshape(m, 3, 3)
        self.scale = _rows([i.scale for i in instances], m, 3, "scale")
        mats = [i.material for i in instances]
        self.rgba = _rows([t.rgba for t in mats], m, 4, "rgba")
        self.specular = np.array([t.specular for t in mats], np.float64).reshape(m)
        self.shininess = np.array([t.shininess for t in mats], np.float64).reshape(m)
        self.emission = np.array([t.emission for t in mats], np.float64).reshape(m)
        self.texture = np.array([t.texture for t in mats], np.int32).reshape(m)
        if m and self.texture.max() >= len(self.textures):
            raise ValueError(f"a material names a texture outside 0..{len(self.textures) - 1}")
        for t in mats:
            if t.mapping not in MAPPINGS:
                raise ValueError(
                    f"unknown texture mapping {t.mapping!r}; valid: {', '.join(MAPPINGS)}"
                )
        self.mapping = np.array([MAPPINGS.index(t.mapping) for t in mats], np.int32).reshape(m)
        self.texture_repeat = _rows([t.texture_repeat for t in mats], m, 3, "texture_repeat")
        self.texture_offset = _rows([t.texture_offset for t in mats], m, 2, "texture_offset")
        self.segment = np.array([i.segment for i in instances], np.int32).reshape(m)
        self.visible = np.array([i.visible for i in instances], bool).reshape(m)
        mesh_radius = self.mesh_radius[self.mesh]
        self.radius = np.array(
            [
                r
                if (r := i.radius) is not None
                else mesh_radius[k] * float(np.max(np.abs(i.scale)))
                for k, i in enumerate(instances)
            ],
            np.float64,
        ).reshape(m)

    def _init_lights(self, lights: Sequence[Light]) -> None:
        n = len(lights)
        for light in lights:
            if light.kind not in LIGHT_KINDS:
                raise ValueError(
                    f"unknown light kind {light.kind!r}; valid: {', '.join(LIGHT_KINDS)}"
                )
        self.light_kind = np.array([LIGHT_KINDS.index(li.kind) for li in lights], np.int32)
        self.light_position = np.array(
            [_vec(li.position, 3, "light position") for li in lights]
        ).reshape(n, 3)
        self.light_direction = np.array(
            [_vec(li.direction, 3, "light direction") for li in lights]
        ).reshape(n, 3)
        self.light_ambient = np.array([_vec(li.ambient, 3, "ambient") for li in lights]).reshape(
            n, 3
        )
        self.light_diffuse = np.array([_vec(li.diffuse, 3, "diffuse") for li in lights]).reshape(
            n, 3
        )
        self.light_specular = np.array([_vec(li.specular, 3, "specular") for li in lights]).reshape(
            n, 3
        )
        self.light_attenuation = np.array(
            [_vec(li.attenuation, 3, "attenuation") for li in lights]
        ).reshape(n, 3)
        self.light_cutoff = np.array([li.cutoff for li in lights], np.float64).reshape(n)
        self.light_exponent = np.array([li.exponent for li in lights], np.float64).reshape(n)
        self.light_headlight = np.array([li.headlight for li in lights], bool).reshape(n)

    # ------------------------------------------------------------------ updates
    @property
    def num_instances(self) -> int:
        return len(self.mesh)

    @property
    def num_lights(self) -> int:
        return len(self.light_kind)

    @property
    def texture_layers(self) -> int:
        """Texture-array layers this scene's textures need."""
        return sum(t.layers for t in self.textures)

    def _texture_layout(self) -> None:
        sizes = [t.layers for t in self.textures]
        self.texture_layer_offsets = np.cumsum([0, *sizes])[:-1].astype(np.int64)
        self.texture_srgb = np.array([t.srgb for t in self.textures], bool)
        self.texture_cube = np.array([t.cube for t in self.textures], bool)

    def set_texture(self, index: int, texture: Texture | np.ndarray) -> None:
        """Replace texture ``index`` (same kind: 2D or cube); the next render uploads it."""
        new = (
            texture if isinstance(texture, Texture) else Texture(texture, self.textures[index].srgb)
        )
        if new.cube != self.textures[index].cube:
            raise ValueError(
                f"texture {index} is a {'cube' if new.cube else '2D'} texture "
                "now; a scene's texture kinds are fixed"
            )
        self.textures[index] = new
        self.texture_versions[index] += 1
        self.texture_stamp += 1
        self._texture_layout()
