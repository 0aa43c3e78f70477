"""Fill a :class:`~simenv.render.scene.Scene` from a compiled ``mujoco.MjModel`` and keep it
in step with ``MjData``.

Built once per compiled model, :class:`MujocoScene` maps every geom of a drawable type
(plane, sphere, capsule, ellipsoid, cylinder, box, mesh) to one instance (a capsule to three:
an open cylinder and two hemispheres), with segment id = geom id, and reproduces what MuJoCo's
classic renderer (``mjr_render``) draws by default:

- materials: ``geom_rgba`` unless the geom has a material and the default grey rgba; the
  material's specular, shininess and emission; its RGB texture with ``texrepeat`` and
  ``texuniform`` (explicit uvs on primitives and on meshes with texture coordinates, object-
  linear coordinates on other meshes, the local position into a cube texture);
- lights: the headlight (``model.vis.headlight``) then the active model lights, at most 8 in
  all (OpenGL's fixed-function limit, which ``mjr_render`` inherits); point and image lights
  are skipped like ``mjr_render`` skips them (``point_lights=True`` keeps point lights);
  a global ambient of 0.3 only when no light is left;
- geom groups filtered like ``MjvOption.geomgroup``; geoms whose alpha is 0 are not drawn;
- shapes and meshes tessellated like MuJoCo's and lit per vertex; boxes and planes
  subdivided into quads of at most ``vertex_spacing`` metres and lit per vertex
  (``tessellation="adaptive"``, the default: MuJoCo's look in a fraction of the vertices),
  exactly like MuJoCo (``"mujoco"``: images equal to ``mjr_render``'s up to rounding) or as
  one quad per face lit per pixel (``"minimal"``); infinite planes re-centred in whole grid
  steps under the camera position of the previous update (``mjv_updateScene`` adds geoms
  before it moves its camera, so MuJoCo lags one frame the same way);
- the camera: a fixed model camera (name or id; ``cam_fovy`` read every frame) or a free
  :class:`~simenv.render.scene.Camera`; near and far are ``vis.map.znear/zfar * stat.extent``.

Not reproduced: shadows, reflections, skybox, fog, haze, height fields, flex and skin
geoms, orthographic cameras and cameras with ``sensorsize`` intrinsics (a ``ValueError``),
the classic renderer's 30 % alpha on a plane seen from below.

Per frame, :meth:`MujocoScene.update` reads ``geom_xpos``/``geom_xmat``, ``cam_xpos``/
``cam_xmat``, ``light_xpos``/``light_xdir`` and the model fields domain randomization writes in
place (``geom_rgba``, ``mat_rgba``, ``mat_specular``, ``mat_shininess``, ``mat_emission``,
``mat_texrepeat``, ``light_*`` colours and cone, ``cam_fovy``, ``vis.headlight``). After writing
``model.tex_data`` call :meth:`MujocoScene.upload_texture`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import mujoco
import numpy as np

from . import primitives
from .scene import TRANSPARENT_ALPHA, Camera, Instance, Light, MeshData, Scene, Texture
from .simplify import simplify

_G = mujoco.mjtGeom
Tessellation = Literal["adaptive", "mujoco", "minimal"]
TESSELLATIONS: tuple[Tessellation, ...] = ("adaptive", "mujoco", "minimal")
_MAX_PLANE_CELLS = 64
_GL_MAX_LIGHTS = 8
_MAX_PLANE_GRID = 200
_DEFAULT_RGBA = np.array([0.5, 0.5, 0.5, 1.0], np.float32)
_RGB_ROLE = int(mujoco.mjtTextureRole.mjTEXROLE_RGB)
# part kinds: how a geom's size becomes an instance's scale and offset
_PLANE, _SPHERE, _ELLIPSOID, _BOX, _CYLINDER, _TUBE, _CAP_TOP, _CAP_BOTTOM, _MESH = range(9)
_UV_TYPES = {
    int(_G.mjGEOM_PLANE),
    int(_G.mjGEOM_SPHERE),
    int(_G.mjGEOM_ELLIPSOID),
    int(_G.mjGEOM_BOX),
    int(_G.mjGEOM_CYLINDER),
    int(_G.mjGEOM_CAPSULE),
}


@dataclass
class _Static:
    """Per-instance facts fixed by the compiled model (arrays over instances)."""

    geom: np.ndarray  # geom id
    kind: np.ndarray  # part kind
    uv: np.ndarray  # explicit texture coordinates (primitive or textured mesh)
    scale_cols: np.ndarray  # (n, 3) geom_size columns giving the instance scale
    unit_scale: np.ndarray  # planes and meshes: scale 1
    cap_sign: np.ndarray  # +1 / -1 for capsule caps, else 0
    visual_cols: np.ndarray  # (n, 3) geom_size columns giving mjvGeom.size
    material: np.ndarray  # material id, 0 where none
    has_material: np.ndarray
    group: np.ndarray  # geom group clipped to 0..5
    plane: np.ndarray

    @classmethod
    def of(cls, model: Any, geom: np.ndarray, kind: np.ndarray, uv: np.ndarray) -> _Static:
        cols = {
            _SPHERE: (0, 0, 0),
            _CYLINDER: (0, 0, 1),
            _TUBE: (0, 0, 1),
            _CAP_TOP: (0, 0, 0),
            _CAP_BOTTOM: (0, 0, 0),
        }
        gtype = model.geom_type[geom]
        visual = {
            int(_G.mjGEOM_SPHERE): (0, 0, 0),
            int(_G.mjGEOM_CAPSULE): (0, 0, 1),
            int(_G.mjGEOM_CYLINDER): (0, 0, 1),
        }
        mat = model.geom_matid[geom]
        return cls(
            geom,
            kind,
            uv,
            np.array([cols.get(int(k), (0, 1, 2)) for k in kind], np.int64).reshape(-1, 3),
            np.isin(kind, (_PLANE, _MESH)),
            np.select([kind == _CAP_TOP, kind == _CAP_BOTTOM], [1.0, -1.0], 0.0),
            np.array([visual.get(int(t), (0, 1, 2)) for t in gtype], np.int64).reshape(-1, 3),
            np.maximum(mat, 0),
            mat >= 0,
            np.clip(model.geom_group[geom], 0, 5),
            kind == _PLANE,
        )


def _triangles(name: str, value: Any) -> int | None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1
    ):
        raise ValueError(f"{name} must be None or an integer >= 1, got {value!r}")
    return None if value is None else int(value)


def _transparent(model: Any, g: int) -> bool:
    """Whether geom ``g`` is drawn transparent (its material's or its own alpha)."""
    mat = int(model.geom_matid[g])
    alpha = model.mat_rgba[mat, 3] if mat >= 0 else model.geom_rgba[g, 3]
    return bool(alpha < TRANSPARENT_ALPHA)


class MujocoScene:
    """A renderer scene for one compiled MuJoCo model.

    Args:
        model: the compiled model. Rebuilt models (``MjSpec``) need a new ``MujocoScene``.
        camera: a fixed camera's name or id, or a :class:`Camera` (a free camera; change it
            with :meth:`set_camera`).
        geomgroup: six 0/1 flags, which geom groups are drawn (``MjvOption.geomgroup``).
        point_lights: draw point lights (``mjr_render`` ignores them).
        tessellation: ``"adaptive"`` (default): boxes and finite planes subdivided into
            quads of at most ``vertex_spacing`` metres (boxes at most like MuJoCo's), lit per
            vertex like MuJoCo's: its look in a fraction of the vertices;
            ``"minimal"``: one quad per box face and per plane, lit per pixel; ``"mujoco"``:
            boxes and planes subdivided like MuJoCo's and lit per vertex: images identical to
            ``mjr_render``'s up to rounding. Other shapes and meshes are tessellated like
            MuJoCo's in every mode.
        vertex_spacing: the quad size of ``"adaptive"`` tessellation, in metres.
        mesh_triangles: opaque mesh geoms with more triangles are simplified to about this
            many (level of detail for small cameras: see :mod:`.simplify`); ``None`` keeps
            them. Transparent ones (glass) are drawn as they are: their look is their
            specular highlights, which fall between a simplified mesh's vertices, and a
            family's glass changes every episode (simplifying it took ~30 ms per object).

    Attributes:
        scene: the :class:`Scene` to hand to :meth:`BatchRenderer.set_scene`.
    """

    def __init__(
        self,
        model: Any,
        camera: int | str | Camera = 0,
        *,
        geomgroup: Sequence[int] = (1, 1, 1, 0, 0, 0),
        point_lights: bool = False,
        tessellation: Tessellation = "adaptive",
        vertex_spacing: float = 1.0,
        mesh_triangles: int | None = 120,
    ) -> None:
        if tessellation not in TESSELLATIONS:
            raise ValueError(
                f"unknown tessellation {tessellation!r}; valid: {', '.join(TESSELLATIONS)}"
            )
        if not vertex_spacing > 0:
            raise ValueError(f"vertex_spacing must be > 0 metres, got {vertex_spacing!r}")
        self.tessellation = tessellation
        self.vertex_spacing = float(vertex_spacing)
        self.mesh_triangles = _triangles("mesh_triangles", mesh_triangles)
        self.model = model
        self.geomgroup = _check_geomgroup(geomgroup)
        self.point_lights = bool(point_lights)
        self._near = float(model.vis.map.znear * model.stat.extent)
        self._far = float(model.vis.map.zfar * model.stat.extent)
        self._camera_id, free = self._resolve_camera(camera)
        meshes, instances, self._static = self._instances()
        self._textures, self._tex_index = _textures(model)
        self._tex_cube = np.array([t is not None and t.cube for t in self._textures] + [False])
        self._light_ids = self._light_list()
        ids = np.array(self._light_ids, np.int64)
        self._head_slot = int(np.flatnonzero(ids < 0)[0]) if np.any(ids < 0) else -1
        self._model_slots = np.flatnonzero(ids >= 0)
        self._model_lights = ids[self._model_slots]
        camera = free or Camera(near=self._near, far=self._far)
        ambient = (0.0,) * 3 if self._light_ids else (0.3,) * 3  # mjr_render's fallback
        self.scene = Scene(
            meshes,
            instances,
            self._lights(),
            camera,
            [t for t in self._textures if t is not None],
            ambient,
        )
        self._infinite = self._infinite_planes()
        self._infinite_head = bool(len(self._infinite))
        self._head = np.zeros(3)  # camera position of the previous update
        self._caps = np.flatnonzero(self._static.cap_sign != 0)
        self._cap_offset = np.zeros(len(self._caps))
        self._rotation_rows = self.scene.rotation.reshape(-1, 9)  # a view
        self._model_key = b""
        # the model fields domain randomization writes in place (views of the model's memory)
        self._watched = (
            model.geom_size,
            model.geom_rgba,
            model.mat_rgba,
            model.mat_specular,
            model.mat_shininess,
            model.mat_emission,
            model.mat_texid,
            model.mat_texrepeat,
            model.mat_texuniform,
            model.light_active,
            model.light_ambient,
            model.light_diffuse,
            model.light_specular,
            model.light_attenuation,
            model.light_cutoff,
            model.light_exponent,
            model.vis.headlight.ambient,
            model.vis.headlight.diffuse,
            model.vis.headlight.specular,
        )
        # model lights' slots: a slice when contiguous (np.take writes into it in place)
        j = self._model_slots
        contiguous = len(j) and np.array_equal(j, np.arange(j[0], j[0] + len(j)))
        self._light_slots: Any = slice(int(j[0]), int(j[0]) + len(j)) if contiguous else j
        self.scene.visible[:] = np.asarray(self.geomgroup, bool)[self._static.group]

    # ------------------------------------------------------------------ construction
    def _resolve_camera(self, camera: int | str | Camera) -> tuple[int, Camera | None]:
        model = self.model
        if isinstance(camera, Camera):
            return -1, camera
        if isinstance(camera, str):
            cid = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, camera)
            if cid < 0:
                raise ValueError(f"no camera named {camera!r} in the model")
        elif (
            isinstance(camera, (int, np.integer))
            and not isinstance(camera, bool)
            and 0 <= camera < model.ncam
        ):
            cid = int(camera)
        else:
            raise ValueError(
                f"camera must be a camera name, an id in 0..{model.ncam - 1} or a "
                f"Camera, got {camera!r}"
            )
        if (
            model.cam_projection[cid] != mujoco.mjtProjection.mjPROJ_PERSPECTIVE
            or model.cam_sensorsize[cid, 1] > 0
        ):
            raise ValueError(
                f"camera {camera!r}: only perspective cameras given by fovy are supported"
            )
        return cid, None

    def _instances(self) -> tuple[list[MeshData], list[Instance], _Static]:
        model, q = self.model, self.model.vis.quality
        slices, stacks, quads = int(q.numslices), int(q.numstacks), int(q.numquads)
        if self.tessellation == "minimal":
            quads = 1
        meshes: list[MeshData] = []
        index: dict[int, int] = {}

        def mesh_id(mesh: MeshData) -> int:
            if id(mesh) not in index:
                index[id(mesh)] = len(meshes)
                meshes.append(mesh)
            return index[id(mesh)]

        shared = {
            _SPHERE: primitives.sphere(slices, stacks),
            _ELLIPSOID: primitives.sphere(slices, stacks),
            _BOX: primitives.box(quads, "pixel" if self.tessellation == "minimal" else "vertex"),
            _CYLINDER: primitives.cylinder(slices, stacks),
            _TUBE: primitives.cylinder(slices, stacks, closed=False),
            _CAP_TOP: primitives.hemisphere(1, slices, stacks // 2),
            _CAP_BOTTOM: primitives.hemisphere(-1, slices, stacks // 2),
        }
        kinds = {
            int(_G.mjGEOM_SPHERE): [_SPHERE],
            int(_G.mjGEOM_ELLIPSOID): [_ELLIPSOID],
            int(_G.mjGEOM_BOX): [_BOX],
            int(_G.mjGEOM_CYLINDER): [_CYLINDER],
            int(_G.mjGEOM_CAPSULE): [_TUBE, _CAP_TOP, _CAP_BOTTOM],
            int(_G.mjGEOM_PLANE): [_PLANE],
            int(_G.mjGEOM_MESH): [_MESH],
        }
        instances, geom, kind, uv = [], [], [], []
        for g in range(model.ngeom):
            gtype = int(model.geom_type[g])
            if gtype not in kinds or (gtype == _G.mjGEOM_MESH and model.geom_dataid[g] < 0):
                continue
            for k in kinds[gtype]:
                if k == _PLANE:
                    mesh = self._plane_mesh(g)
                elif k in (_SPHERE, _ELLIPSOID, _CYLINDER) and self.tessellation == "adaptive":
                    mesh = self._round_mesh(k, g, slices, stacks)
                elif k == _BOX and self.tessellation == "adaptive":
                    q = np.clip(
                        np.ceil(2 * model.geom_size[g] / self.vertex_spacing), 1, max(quads, 1)
                    ).astype(int)
                    mesh = primitives.box_grid(int(q[0]), int(q[1]), int(q[2]))
                elif k == _MESH:
                    mesh = _model_mesh(model, int(model.geom_dataid[g]))
                    if self.mesh_triangles is not None and not _transparent(model, g):
                        mesh = simplify(mesh, self.mesh_triangles)
                else:
                    mesh = shared[k]
                instances.append(
                    Instance(mesh_id(mesh), segment=g, radius=float(model.geom_rbound[g]))
                )
                geom.append(g)
                kind.append(k)
                has_uv = gtype in _UV_TYPES or (
                    gtype == _G.mjGEOM_MESH and model.mesh_texcoordadr[model.geom_dataid[g]] >= 0
                )
                uv.append(has_uv)
        static = _Static.of(
            self.model, np.array(geom, np.int64), np.array(kind, np.int64), np.array(uv, bool)
        )
        return meshes, instances, static

    def _round_mesh(self, kind: int, g: int, slices: int, stacks: int) -> MeshData:
        """Adaptive tessellation of a sphere, ellipsoid or cylinder: small ones (under a
        tenth of ``vertex_spacing`` across) get half MuJoCo's slices and stacks; a cylinder's
        tube gets a stack per ``vertex_spacing`` of height and its disks a ring per
        ``vertex_spacing`` of radius (at most MuJoCo's)."""
        size = self.model.geom_size[g]
        if float(np.max(size[:3] if kind == _ELLIPSOID else size[:1])) < 0.1 * self.vertex_spacing:
            slices, stacks = max(8, slices // 2), max(4, stacks // 2)
        if kind != _CYLINDER:
            return primitives.sphere(slices, stacks)
        tube = int(np.clip(np.ceil(2 * size[1] / self.vertex_spacing), 1, stacks))
        rings = int(np.clip(np.ceil(size[0] / self.vertex_spacing), 1, max(1, stacks // 2)))
        return primitives.cylinder(slices, tube, rings=rings)

    def _plane_mesh(self, g: int) -> MeshData:
        model = self.model
        size = model.geom_size[g]
        mat = model.geom_matid[g]
        repeat = tuple(float(r) for r in model.mat_texrepeat[mat]) if mat >= 0 else (0.0, 0.0)
        if self.tessellation == "adaptive" and size[0] > 0 and size[1] > 0:
            q = np.clip(np.ceil(2 * size[:2] / self.vertex_spacing), 1, _MAX_PLANE_CELLS)
            return primitives.grid_plane(
                float(size[0]),
                float(size[1]),
                float(size[2]),
                self._far,
                (repeat[0], repeat[1]),
                (int(q[0]), int(q[1])),
                "vertex",
            )
        return primitives.grid_plane(
            float(size[0]),
            float(size[1]),
            float(size[2]),
            self._far,
            (repeat[0], repeat[1]),
            None if self.tessellation == "mujoco" else 1,
        )

    def _light_list(self) -> list[int]:
        """Model light ids in MuJoCo's scene order (-1: the headlight), kept if drawable."""
        model = self.model
        order = ([-1] if model.vis.headlight.active else []) + [
            i for i in range(model.nlight) if model.light_active[i]
        ]
        drawable = {
            int(mujoco.mjtLightType.mjLIGHT_SPOT),
            int(mujoco.mjtLightType.mjLIGHT_DIRECTIONAL),
        }
        if self.point_lights:
            drawable.add(int(mujoco.mjtLightType.mjLIGHT_POINT))
        return [i for i in order[:_GL_MAX_LIGHTS] if i < 0 or int(model.light_type[i]) in drawable]

    def _lights(self) -> list[Light]:
        kinds = {
            int(mujoco.mjtLightType.mjLIGHT_SPOT): "spot",
            int(mujoco.mjtLightType.mjLIGHT_DIRECTIONAL): "directional",
            int(mujoco.mjtLightType.mjLIGHT_POINT): "point",
        }
        return [
            Light("directional", headlight=True)
            if i < 0
            else Light(kinds[int(self.model.light_type[i])])  # type: ignore[arg-type]
            for i in self._light_ids
        ]

    def _infinite_planes(self) -> np.ndarray:
        st, size = self._static, self.model.geom_size
        return np.flatnonzero(st.plane & ((size[st.geom, 0] <= 0) | (size[st.geom, 1] <= 0)))

    # ------------------------------------------------------------------ per frame
    @property
    def texture_layers(self) -> int:
        """Texture-array layers the scene needs (``BatchRenderer(texture_layers=...)``)."""
        return self.scene.texture_layers

    @property
    def texture_size(self) -> int:
        """The largest texture edge in the model, rounded up to a power of two."""
        edges = [int(max(t.image.shape[-3:-1])) for t in self.scene.textures] or [1]
        return 1 << (max(edges) - 1).bit_length()

    def set_camera(self, camera: int | str | Camera) -> None:
        """Switch to another fixed camera, or to a free camera pose."""
        self._camera_id, free = self._resolve_camera(camera)
        if free is not None:
            self.scene.camera = free

    def upload_texture(self, texid: int) -> None:
        """Re-read texture ``texid`` from ``model.tex_data`` (after writing it in place)."""
        if not 0 <= texid < self.model.ntex:
            raise ValueError(f"texid must be in 0..{self.model.ntex - 1}, got {texid!r}")
        k = self._tex_index[texid]
        if k >= 0:
            self.scene.set_texture(k, _texture(self.model, texid))

    def update(self, data: Any) -> Scene:
        """Copy poses from ``data``, and appearance from the model where it changed, into
        :attr:`scene`.

        Per frame this is a few array copies: the model fields that set materials, sizes,
        texture mapping and light colours are compared as bytes with the last update's, and
        the scene's copies are recomputed only when one differs (domain randomization writes
        them in place between episodes)."""
        model, scene = self.model, self.scene
        key = b"".join(map(np.ndarray.tobytes, self._watched))
        if key != self._model_key:
            self._update_model()
            self._model_key = key
        st = self._static
        data.geom_xpos.take(st.geom, axis=0, out=scene.position)
        data.geom_xmat.take(st.geom, axis=0, out=self._rotation_rows)
        if len(self._caps):  # capsule caps: +-(half-length - radius) along the axis
            i = self._caps
            scene.position[i] += self._cap_offset[:, None] * scene.rotation[i, :, 2]
        if len(self._infinite):
            self._recentre_planes(data)
        cam = scene.camera
        if self._infinite_head:
            self._head[:] = cam.position
        if self._camera_id >= 0:
            c = self._camera_id
            cam.position[:] = data.cam_xpos[c]
            cam.rotation.reshape(9)[:] = data.cam_xmat[c]
            cam.fovy = float(model.cam_fovy[c])
            cam.near, cam.far = self._near, self._far
        if len(self._model_lights):
            i, j = self._model_lights, self._light_slots
            if isinstance(j, slice):
                data.light_xpos.take(i, axis=0, out=scene.light_position[j])
                data.light_xdir.take(i, axis=0, out=scene.light_direction[j])
            else:
                scene.light_position[j] = data.light_xpos[i]
                scene.light_direction[j] = data.light_xdir[i]
        return scene

    def _update_model(self) -> None:
        """Sizes, materials, texture mapping and light colours from the model."""
        st, scene = self._static, self.scene
        size = self.model.geom_size[st.geom]
        scale = np.take_along_axis(size, st.scale_cols, axis=1)
        scale[st.unit_scale] = 1.0
        scene.scale[:] = scale
        caps = self._caps
        self._cap_offset = st.cap_sign[caps] * (size[caps, 1] - size[caps, 0])
        self._update_materials()
        self._update_texture_mapping()
        self._update_light_colours()

    def _recentre_planes(self, data: Any) -> None:
        """Move infinite planes under the camera in whole grid steps, as MuJoCo does."""
        model, scene = self.model, self.scene
        for i in self._infinite:
            g = self._static.geom[i]
            axes = data.geom_xmat[g].reshape(3, 3)
            to_camera = self._head - data.geom_xpos[g]
            mat = model.geom_matid[g]
            for k in range(2):
                if model.geom_size[g, k] > 0:
                    continue
                rep = model.mat_texrepeat[mat, k] if mat >= 0 else 0.0
                step = 2.0 / rep if rep > 0 else 2.1 * self._far / (_MAX_PLANE_GRID - 2)
                shift = 2 * step * np.floor(0.5 * (to_camera @ axes[:, k]) / step + 0.5)
                scene.position[i] = scene.position[i] + shift * axes[:, k]

    def _material(
        self, values: np.ndarray, default: Any, use: np.ndarray | None = None
    ) -> np.ndarray:
        """A material field per instance where it has a material (``use``), else
        ``default``."""
        st = self._static
        use = st.has_material if use is None else use
        if not self.model.nmat:
            return np.broadcast_to(np.asarray(default), (len(st.geom), *values.shape[1:]))
        picked = values[st.material]
        out: np.ndarray = np.where(use.reshape(-1, *[1] * (picked.ndim - 1)), picked, default)
        return out

    def _update_materials(self) -> None:
        model, st, scene = self.model, self._static, self.scene
        geom_rgba = model.geom_rgba[st.geom]
        use_mat = st.has_material & np.all(geom_rgba == _DEFAULT_RGBA, axis=1)
        scene.rgba[:] = self._material(model.mat_rgba, geom_rgba, use_mat)
        scene.specular[:] = self._material(model.mat_specular, 0.5)
        scene.shininess[:] = self._material(model.mat_shininess, 0.5)
        scene.emission[:] = self._material(model.mat_emission, 0.0)

    def _update_texture_mapping(self) -> None:
        model, st, scene = self.model, self._static, self.scene
        if not model.nmat or not len(self._textures):
            scene.texture[:] = -1
            return
        m = st.material
        texid = np.where(st.has_material, model.mat_texid[m, _RGB_ROLE], -1)
        index = np.where(texid >= 0, self._tex_index[np.maximum(texid, 0)], -1)
        scene.texture[:] = index
        cube = (index >= 0) & self._tex_cube[np.maximum(texid, 0)]
        size = np.take_along_axis(model.geom_size[st.geom], st.visual_cols, axis=1)
        repeat = model.mat_texrepeat[m].astype(np.float64)
        uniform = model.mat_texuniform[m].astype(bool)[:, None]
        positive = size[:, :2] > 0
        # explicit uvs: scale by texrepeat (1 where unset), times size when uniform
        uv_scale = np.where(repeat > 0, repeat, 1.0)
        uv_scale = np.where(uniform & positive, uv_scale * size[:, :2], uv_scale)
        infinite = st.plane & ~np.all(positive, axis=1)
        # object-linear on meshes without uvs: texrepeat / size, times size when uniform
        lin = np.where(positive, repeat / np.maximum(size[:, :2], mujoco.mjMINVAL), repeat)
        lin = np.where(uniform & positive, lin * size[:, :2], lin)
        planar = ~st.uv & ~cube
        scene.mapping[:] = np.where(cube, 2, np.where(planar, 1, 0))
        scene.texture_repeat[:] = 1.0
        scene.texture_repeat[:, :2] = np.where(planar[:, None], lin * [0.5, -0.5], uv_scale)
        scene.texture_repeat[cube] = np.where(uniform[cube], size[cube], 1.0)
        scene.texture_offset[:] = np.where((planar | infinite)[:, None], -0.5, 0.0)

    def _update_light_colours(self) -> None:
        model, scene = self.model, self.scene
        if self._head_slot >= 0:
            head, h = model.vis.headlight, self._head_slot
            scene.light_ambient[h] = head.ambient
            scene.light_diffuse[h] = head.diffuse
            scene.light_specular[h] = head.specular
        i, j = self._model_lights, self._model_slots
        if not len(i):
            return
        on = model.light_active[i].astype(np.float64)[:, None]
        scene.light_ambient[j] = on * model.light_ambient[i]
        scene.light_diffuse[j] = on * model.light_diffuse[i]
        scene.light_specular[j] = on * model.light_specular[i]
        spot = model.light_type[i] == mujoco.mjtLightType.mjLIGHT_SPOT
        scene.light_attenuation[j] = np.where(
            spot[:, None], model.light_attenuation[i], [1.0, 0.0, 0.0]
        )
        scene.light_cutoff[j] = np.where(spot, model.light_cutoff[i], 180.0)
        scene.light_exponent[j] = np.where(spot, model.light_exponent[i], 0.0)


def _check_geomgroup(geomgroup: Sequence[int]) -> tuple[int, ...]:
    flags = tuple(int(v) for v in np.asarray(geomgroup).reshape(-1))
    if len(flags) != 6 or any(v not in (0, 1) for v in flags):
        raise ValueError(f"geomgroup must be six 0/1 flags, got {geomgroup!r}")
    return flags


def _textures(model: Any) -> tuple[list[Texture | None], np.ndarray]:
    """Scene textures for the model's 2D and cube textures (skyboxes and textures the
    classic renderer cannot upload become ``None``) and texid → scene index (-1)."""
    out: list[Texture | None] = []
    index = np.full(model.ntex, -1, np.int64)
    count = 0
    for t in range(model.ntex):
        tex = _texture(model, t) if _drawable_texture(model, t) else None
        out.append(tex)
        if tex is not None:
            index[t] = count
            count += 1
    return out, index


def _drawable_texture(model: Any, t: int) -> bool:
    return int(model.tex_type[t]) != mujoco.mjtTexture.mjTEXTURE_SKYBOX and int(
        model.tex_nchannel[t]
    ) in (3, 4)


def _texture(model: Any, t: int) -> Texture:
    w, h, nc = int(model.tex_width[t]), int(model.tex_height[t]), int(model.tex_nchannel[t])
    adr = int(model.tex_adr[t])
    data = np.asarray(model.tex_data[adr : adr + w * h * nc], np.uint8)
    srgb = int(model.tex_colorspace[t]) == mujoco.mjtColorSpace.mjCOLORSPACE_SRGB
    if int(model.tex_type[t]) == mujoco.mjtTexture.mjTEXTURE_2D:
        return Texture(data.reshape(h, w, nc).copy(), srgb)
    if w == h:  # one image on all six faces
        face = data.reshape(w, w, nc)
        return Texture(np.repeat(face[None], 6, axis=0), srgb)
    return Texture(data.reshape(6, w, w, nc).copy(), srgb)


_MESHES: OrderedDict[bytes, MeshData] = OrderedDict()  # model meshes by content
_MESH_CACHE_SIZE = 512


def _model_mesh(model: Any, m: int) -> MeshData:
    """Mesh ``m`` as ``mjr_uploadMesh`` draws it: per-face vertices; the vertex normal unless
    the mesh has no texture coordinates and it deviates from the face normal (dot < 0.8).
    Cached by the mesh's content (rebuilt models keep most of their meshes)."""
    faces = model.mesh_face[model.mesh_faceadr[m] : model.mesh_faceadr[m] + model.mesh_facenum[m]]
    fn = model.mesh_facenormal[
        model.mesh_faceadr[m] : model.mesh_faceadr[m] + model.mesh_facenum[m]
    ]
    pos = model.mesh_vert[model.mesh_vertadr[m] + faces]  # (F, 3, 3)
    nrm = model.mesh_normal[model.mesh_normaladr[m] + fn]
    tadr = model.mesh_texcoordadr[m]
    ft = None
    if tadr >= 0:
        ft = model.mesh_facetexcoord[
            model.mesh_faceadr[m] : model.mesh_faceadr[m] + model.mesh_facenum[m]
        ]
    h = hashlib.blake2b(digest_size=16)
    for part in (pos, nrm, None if ft is None else model.mesh_texcoord[tadr + ft]):
        h.update(b"-" if part is None else np.ascontiguousarray(part).tobytes())
    key = h.digest()
    hit = _MESHES.get(key)
    if hit is not None:
        _MESHES.move_to_end(key)
        return hit
    face_n = np.cross(pos[:, 1] - pos[:, 0], pos[:, 2] - pos[:, 0])
    face_n /= np.maximum(np.linalg.norm(face_n, axis=1, keepdims=True), 1e-30)
    uvs = None
    if ft is not None:
        uvs = model.mesh_texcoord[tadr + ft].reshape(-1, 2)
    else:
        off = np.einsum("fvk,fk->fv", nrm, face_n) < 0.8
        nrm = np.where(off[:, :, None], face_n[:, None, :], nrm)
    mesh = MeshData.indexed(
        pos.reshape(-1, 3),
        nrm.reshape(-1, 3),
        uvs,
        mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_MESH, m) or f"mesh{m}",
    )
    _MESHES[key] = mesh
    if len(_MESHES) > _MESH_CACHE_SIZE:
        _MESHES.popitem(last=False)
    return mesh
