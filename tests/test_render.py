"""The batch renderer (simenv.render): exact geometry on tiny synthetic scenes, batching,
transparency, lifecycle (leaks, fork, several contexts), errors, and parity with MuJoCo's
own renderer on both MuJoCo families' real scenes."""

from __future__ import annotations

import multiprocessing as mp
import os

import cv2
import gymnasium as gym
import mujoco
import numpy as np
import pytest

import simenv  # noqa: F401  (registers the environments)
from simenv.render import (
    BatchRenderer,
    Camera,
    Instance,
    Light,
    Material,
    MujocoScene,
    Scene,
    Texture,
    primitives,
)
from simenv.render.simplify import simplify
from simenv.rendering import MujocoRenderer, RenderingError

SIZE = (64, 64)
ALL = ("rgb", "depth", "segmentation", "transparent_depth")


def flat(rgba: tuple[float, float, float, float]) -> Material:
    """A material whose colour is exactly ``rgba`` (emission only, no lights)."""
    return Material(rgba=rgba, specular=0.0, emission=1.0)


def box_scene(distance: float = 3.0, *, x: float = 0.0, glass: bool = False) -> Scene:
    """A 1 m cube whose front face is ``distance`` m in front of a camera at the origin
    looking down -z; with ``glass``, a transparent green slab 1 m in front of it."""
    box = primitives.box(1, "pixel")
    instances = [
        Instance(
            0,
            position=(x, 0.0, -distance - 0.5),
            scale=(0.5, 0.5, 0.5),
            material=flat((1.0, 0.0, 0.0, 1.0)),
            segment=7,
        )
    ]
    if glass:
        instances.append(
            Instance(
                0,
                position=(x, 0.0, -distance + 1.0),
                scale=(0.3, 0.3, 0.05),
                material=flat((0.0, 1.0, 0.0, 0.5)),
                segment=9,
            )
        )
    return Scene([box], instances, camera=Camera(fovy=60.0, near=0.05, far=20.0))


def lit_scene(seed: int) -> Scene:
    """Random boxes and spheres under a spot light and a headlight, on a plane."""
    rng = np.random.default_rng(seed)
    meshes = [primitives.box(1, "pixel"), primitives.sphere(), primitives.plane(1, "pixel")]
    instances = [
        Instance(2, scale=(5.0, 5.0, 1.0), segment=0, material=Material(rgba=(0.6, 0.6, 0.6, 1.0)))
    ]
    for k in range(8):
        pos = (*rng.uniform(-2.0, 2.0, 2), 0.3)
        rgba = (*rng.uniform(0.2, 1.0, 3), 1.0)
        instances.append(
            Instance(
                k % 2,
                position=pos,
                scale=(0.3, 0.3, 0.3),
                segment=k + 1,
                material=Material(rgba=rgba, specular=0.5, shininess=0.3),
            )
        )
    lights = [
        Light(headlight=True, diffuse=(0.3,) * 3),
        Light(
            "spot",
            position=(0.0, 0.0, 4.0),
            direction=(0.0, 0.0, -1.0),
            cutoff=50.0,
            exponent=2.0,
            attenuation=(1.0, 0.05, 0.0),
        ),
    ]
    angle = rng.uniform(0.0, 2 * np.pi)
    eye = (4.0 * np.cos(angle), 4.0 * np.sin(angle), 2.5)
    return Scene(meshes, instances, lights, Camera.look_at(eye, (0.0, 0.0, 0.0), fovy=50.0))


@pytest.fixture(scope="module")
def renderer():
    with BatchRenderer(4, SIZE, texture_layers=0) as r:
        yield r


# ------------------------------------------------------------------ exact geometry
def test_box_depth_and_segmentation_are_exact(renderer: BatchRenderer) -> None:
    renderer.set_scene(0, box_scene(3.0))
    frame = renderer.render(ALL)
    depth, seg = frame.depth[0], frame.segmentation[0]
    h, w = SIZE
    centre = (slice(h // 2 - 4, h // 2 + 4), slice(w // 2 - 4, w // 2 + 4))
    assert np.all(np.abs(depth[centre] - 3.0) < 1e-3)  # metres along the optical axis
    assert np.all(seg[centre] == 7) and seg[0, 0] == -1
    assert depth[0, 0] == pytest.approx(20.0)  # background: the camera's far distance
    assert np.all(frame.rgb[0][centre] == (255, 0, 0))
    # the cube spans +-0.5 m at 3 m: tan(30 deg) * 3 m is half the image height
    half = 0.5 / (3.0 * np.tan(np.radians(30.0))) * h / 2
    rows = np.flatnonzero(seg[:, w // 2] == 7)
    assert abs(len(rows) - 2 * half) <= 1.5
    assert np.all(np.isinf(frame.transparent_depth[0]))
    renderer.set_scene(0, None)


def assert_same_frames(a, i: int, b, j: int, outputs=ALL) -> None:
    """Scene ``i`` of frame ``a`` and scene ``j`` of frame ``b`` are equal bit for bit."""
    for name in outputs:
        x, y = getattr(a, name)[i], getattr(b, name)[j]
        assert np.array_equal(x, y), (name, int(np.sum(x != y)))


@pytest.mark.parametrize("scene_data", ["uniform", "texture", "storage"])
def test_a_scene_renders_the_same_alone_and_in_a_batch(scene_data: str) -> None:
    renderer = BatchRenderer(4, SIZE, texture_layers=0, scene_data=scene_data)  # type: ignore[arg-type]
    scenes = [lit_scene(seed) for seed in range(4)]
    renderer.set_scene(0, scenes[2])
    alone = renderer.render(ALL)
    for slot, scene in enumerate(scenes):
        renderer.set_scene(slot, scene)
    batch = renderer.render(ALL)
    assert_same_frames(alone, 0, batch, 2)  # every scene is drawn into its own layer
    assert len({batch.rgb[i].tobytes() for i in range(4)}) == 4  # four different views
    assert renderer.scene_data == scene_data
    renderer.close()


def real_scenes(family: str, count: int, size: tuple[int, int]) -> list[MujocoScene]:
    """``count`` scenes of a MuJoCo family at default DR (different seeds, a few steps in)."""
    env_id, kwargs, camera, groups = FAMILIES[family]
    scenes = []
    for seed in range(count):
        env = gym.make(env_id, camera_size=size, **kwargs)
        env.reset(seed=seed)
        for _ in range(2):
            env.step(env.action_space.sample())
        u = env.unwrapped
        scene = MujocoScene(u.model, camera, geomgroup=groups, **u.scene_options)
        scene.update(u.data)
        scenes.append(scene)
        env.close()
    return scenes


@pytest.mark.parametrize("scene_data", ["uniform", "storage"])
@pytest.mark.parametrize("family", ["IndoorNav", "TransparentGrasp"])
def test_real_scenes_are_bit_identical_in_any_slot_of_any_batch(
    family: str, scene_data: str
) -> None:
    """A vector env's env i must see exactly what a single env sees: every output of a scene
    drawn alone equals, bit for bit, the same scene drawn in any slot of 3 or 16."""
    size = (36, 36)
    scenes = real_scenes(family, 3, size)
    options = {
        "texture_size": max(s.texture_size for s in scenes),
        "texture_layers": max(s.texture_layers for s in scenes),
        "scene_data": scene_data,
    }
    alone = []
    for scene in scenes:
        with BatchRenderer(1, size, **options) as r:  # type: ignore[arg-type]
            r.set_scene(0, scene.scene)
            alone.append(r.render(ALL))
    for n in (3, 16):
        which = [(2 * slot + 1) % len(scenes) for slot in range(n)]
        with BatchRenderer(n, size, **options) as r:  # type: ignore[arg-type]
            for slot, k in enumerate(which):
                r.set_scene(slot, scenes[k].scene)
            batch = r.render(ALL)
        for slot, k in enumerate(which):
            assert_same_frames(alone[k], 0, batch, slot)


@pytest.mark.parametrize("scene_data", ["uniform", "storage"])
def test_a_slot_does_not_depend_on_what_the_other_slots_hold(scene_data: str) -> None:
    """The scene in slot 2 gives the same bytes whether its neighbours are empty, hold
    scenes with other meshes, lights, textures, backgrounds, gradients and fog, or hold
    copies of it."""
    model = mujoco.MjModel.from_xml_string(SYNTHETIC)
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    subject = MujocoScene(model, "c").update(data)
    others = [lit_scene(seed) for seed in range(3)]
    others[0].background[:] = (0.2, 0.3, 0.4)
    others[1].zenith = np.array([0.1, 0.2, 0.9])
    others[1].fog_density, others[1].fog_color[:] = 0.3, (0.8, 0.8, 0.8)
    others[2] = Scene(
        [primitives.sphere(36, 20)],
        [  # a mesh no other scene has
            Instance(0, position=(0.0, 0.0, -3.0), segment=3, material=Material((0.2, 0.9, 0.3, 1)))
        ],
        [Light(headlight=True)],
        Camera(fovy=60.0),
    )
    layouts = [
        [None, None, subject, None, None],
        [others[0], others[1], subject, others[2], None],
        [subject, subject, subject, subject, subject],
        [others[2], others[0], subject, None, others[1]],
    ]
    frames = []
    with BatchRenderer(
        5, SIZE, texture_size=64, texture_layers=subject.texture_layers, scene_data=scene_data
    ) as r:  # type: ignore[arg-type]
        for layout in layouts:
            for slot, scene in enumerate(layout):
                r.set_scene(slot, scene)
            frames.append(r.render(ALL))
    for f in frames[1:]:
        assert_same_frames(frames[0], 2, f, 2)
    assert_same_frames(frames[1], 1, frames[3], 4)  # the gradient and fog scene too
    assert tuple(frames[1].rgb[1][0, 0]) == (26, 51, 230)  # its zenith (top left) drawn


def test_no_scene_spills_into_another_slot(renderer: BatchRenderer) -> None:
    # a huge box right in front of scene 0's camera covers its whole view and beyond
    near = box_scene(0.2)
    near.scale[0] = (50.0, 50.0, 0.5)
    renderer.set_scene(0, near)
    renderer.set_scene(3, box_scene(3.0, x=1.5))  # scene 3 sits diagonally from scene 0
    frame = renderer.render(ALL)
    assert np.all(frame.segmentation[0] == 7)
    for empty in (1, 2):
        assert np.all(frame.rgb[empty] == 0) and np.all(frame.segmentation[empty] == -1)
        assert np.all(np.isinf(frame.depth[empty]))
    assert (frame.segmentation[3] == 7).mean() < 0.2
    renderer.set_scene(0, None)
    renderer.set_scene(3, None)


# ------------------------------------------------------------------ sky and haze
def plane_scene(distance: float, rgba, lighting: str = "pixel", **kwargs) -> Scene:
    """A plane filling the view ``distance`` m in front of a camera looking down -z."""
    plane = primitives.plane(1 if lighting == "pixel" else 4, lighting)  # type: ignore[arg-type]
    return Scene(
        [plane],
        [
            Instance(
                0,
                position=(0.0, 0.0, -distance),
                scale=(50.0, 50.0, 1.0),
                material=flat(rgba),
                segment=1,
            )
        ],
        camera=Camera(fovy=60.0, near=0.05, far=100.0),
        **kwargs,
    )


@pytest.mark.parametrize("lighting", ["pixel", "vertex"])
@pytest.mark.parametrize("density", [0.05, 0.4])
def test_fog_follows_the_exponential_formula(lighting: str, density: float) -> None:
    distance, colour, fog = 4.0, np.array([0.9, 0.2, 0.1]), np.array([0.5, 0.6, 0.7])
    scenes = [
        plane_scene(distance, (*colour, 1.0), lighting),
        plane_scene(distance, (*colour, 1.0), lighting, fog_color=fog, fog_density=density),
        plane_scene(distance, (*colour, 1.0), lighting, fog_color=fog, fog_density=0.0),
    ]
    with BatchRenderer(3, SIZE, texture_layers=0) as r:
        for slot, scene in enumerate(scenes):
            r.set_scene(slot, scene)
        frame = r.render(("rgb", "depth", "segmentation"))
    f = 1.0 - np.exp(-density * distance)
    want = (colour * (1 - f) + fog * f) * 255
    assert np.abs(frame.rgb[1].astype(float) - want).max() <= 1.0  # within 1/255
    assert np.all(frame.rgb[0] == np.rint(colour * 255))  # no fog
    assert_same_frames(frame, 0, frame, 2, ("rgb", "depth", "segmentation"))  # density 0: off
    np.testing.assert_allclose(frame.depth[1], distance, atol=1e-3)  # fog changes colour only
    assert np.all(frame.segmentation[1] == 1)


def test_background_gradient_runs_from_zenith_to_horizon() -> None:
    zenith, horizon = np.array([10, 40, 200]) / 255, np.array([220, 180, 90]) / 255
    sky = Scene(
        [primitives.box(1, "pixel")],
        [
            Instance(
                0,
                position=(0.0, 0.0, -3.0),
                scale=(0.3, 0.3, 0.3),
                material=flat((1.0, 0.0, 0.0, 1.0)),
            )
        ],
        camera=Camera(fovy=60.0),
        background=horizon,
        zenith=zenith,
        fog_color=(1.0, 1.0, 1.0),
        fog_density=0.2,
    )
    flat_bg = Scene([], [], camera=Camera(), background=horizon)
    h = SIZE[0]
    with BatchRenderer(3, SIZE, texture_layers=0) as r:
        r.set_scene(0, flat_bg)
        r.set_scene(2, sky)
        frame = r.render(("rgb", "segmentation"))
    img = frame.rgb[2].astype(int)
    assert np.all(img[0] == np.rint(zenith * 255))  # the top row: zenith
    assert np.all(img[h - 1] == np.rint(horizon * 255))  # the bottom row: horizon
    column = img[:, 0, 2]  # blue falls from 200 to 90 down the image, linearly
    want = np.rint(200 + (90 - 200) * np.arange(h) / (h - 1))
    assert np.abs(column - want).max() <= 1
    assert np.all(np.diff(column) <= 0)
    assert np.all(frame.segmentation[2][0] == -1)  # the background has no segment
    assert np.all(frame.rgb[0] == np.rint(horizon * 255))  # a flat background in slot 0
    assert np.all(frame.rgb[1] == np.rint(horizon * 255))  # empty slots: the first flat one
    c = h // 2  # the box is fogged: mix(red, white, 1 - exp(-0.2 * 2.7))
    fogged = 1.0 - np.exp(-0.2 * 2.7)
    assert np.abs(img[c, c] - np.array([255, fogged * 255, fogged * 255])).max() <= 1


# ------------------------------------------------------------------ transparency
@pytest.mark.parametrize("transparency, green, red", [("sorted", 0.5, 0.5), ("mujoco", 0.75, 0.25)])
def test_transparent_instances_blend_over_opaque_ones(
    transparency: str, green: float, red: float
) -> None:
    with BatchRenderer(1, SIZE, texture_layers=0, transparency=transparency) as r:
        r.set_scene(0, box_scene(3.0, glass=True))
        frame = r.render(ALL)
    c = SIZE[0] // 2
    # "mujoco" blends front to back and then back to front, as mjr_render does
    np.testing.assert_allclose(frame.rgb[0, c, c] / 255.0, (red, green, 0.0), atol=1 / 255)
    assert frame.depth[0, c, c] == pytest.approx(3.0, abs=1e-3)  # glass writes no depth
    assert frame.transparent_depth[0, c, c] == pytest.approx(1.95, abs=1e-3)
    assert frame.segmentation[0, c, c] == 9  # the nearest surface, transparent or not
    assert frame.surface_depth()[0, c, c] == pytest.approx(1.95, abs=1e-3)
    outside = frame.segmentation[0] == 7
    assert np.all(np.isinf(frame.transparent_depth[0][outside]))


# ------------------------------------------------------------------ lifecycle
def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def test_create_close_cycles_leak_nothing() -> None:
    scene = box_scene()
    with BatchRenderer(1, (16, 16), texture_layers=0) as r:  # warm libraries up
        r.set_scene(0, scene)
        r.render(ALL)
    fds, threads = _open_fds(), _threads()
    for i in range(100):
        r = BatchRenderer(1, (16, 16), texture_layers=1)
        if i % 10 == 0:
            r.set_scene(0, scene)
            r.render(ALL)
        r.close()
        r.close()  # idempotent
    assert _open_fds() == fds
    assert _threads() == threads
    with pytest.raises(RuntimeError, match="closed"):
        r.render()


def _render_in_child(renderer: BatchRenderer, queue: mp.Queue) -> None:
    queue.put(renderer.render(ALL).rgb)


def test_a_renderer_made_before_fork_renders_in_the_child() -> None:
    with BatchRenderer(1, SIZE, texture_layers=0) as r:
        r.set_scene(0, lit_scene(1))
        before = r.render(ALL).rgb
        ctx = mp.get_context("fork")
        queue = ctx.Queue()
        child = ctx.Process(target=_render_in_child, args=(r, queue))
        child.start()
        in_child = queue.get(timeout=60)
        child.join(timeout=60)
        assert child.exitcode == 0
        np.testing.assert_array_equal(in_child, before)
        np.testing.assert_array_equal(r.render(ALL).rgb, before)  # the parent's still works


def test_renderers_and_mujoco_renderer_share_a_thread() -> None:
    model = mujoco.MjModel.from_xml_string(
        '<mujoco><worldbody><light pos="0 0 3"/><geom type="box" size=".3 .3 .3" '
        'rgba="0 .5 1 1"/><camera name="c" pos="0 -2 0" xyaxes="1 0 0 0 0 1"/>'
        "</worldbody></mujoco>"
    )
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    ref = MujocoRenderer(model)
    first = ref.render(data, 0, SIZE).rgb
    scene = MujocoScene(model, "c")
    with (
        BatchRenderer(1, SIZE, texture_layers=0) as a,
        BatchRenderer(2, SIZE, texture_layers=0) as b,
    ):
        a.set_scene(0, scene.update(data))
        b.set_scene(1, scene.scene)
        np.testing.assert_array_equal(a.render().rgb[0], b.render().rgb[1])
        # MuJoCo's context is current again after each batch render
        np.testing.assert_array_equal(ref.render(data, 0, SIZE).rgb, first)
    ref.close()


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("size", [(0, 64), (64, 513), (64.0, 64), (64,), "64x64"])
def test_bad_sizes_are_one_line_errors(size: object) -> None:
    with pytest.raises(ValueError, match=r"^size must be .*got") as err:
        BatchRenderer(1, size)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_scenes": 0}, "num_scenes"),
        ({"texture_size": 48}, "power of two"),
        ({"transparency": "weighted"}, "unknown transparency"),
        ({"scene_data": "ubo"}, "unknown scene_data"),
        ({"device": -1}, "device"),
        ({"texture_filter": "anisotropic"}, "unknown texture_filter"),
    ],
)
def test_bad_options_are_one_line_errors(kwargs: dict[str, object], match: str) -> None:
    args = {"num_scenes": 1, "size": SIZE, **kwargs}
    with pytest.raises(ValueError, match=match) as err:
        BatchRenderer(**args)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)


def test_bad_render_calls_are_one_line_errors(renderer: BatchRenderer) -> None:
    for outputs in (("rgb", "normals"), ()):
        with pytest.raises(ValueError, match="unknown render outputs") as err:
            renderer.render(outputs)
        assert "\n" not in str(err.value) and "segmentation" in str(err.value)
    with pytest.raises(ValueError, match="slot must be"):
        renderer.set_scene(4, box_scene())
    textured = Scene(
        [primitives.box()], [Instance(0)], textures=[Texture(np.zeros((4, 4, 3), np.uint8))]
    )
    with pytest.raises(ValueError, match="textures need 1 layers"):
        renderer.set_scene(0, textured)  # the fixture gives scenes no texture layers


def test_more_scenes_than_framebuffer_layers_is_a_one_line_error() -> None:
    with pytest.raises(
        ValueError,
        match=r"num_scenes=100000 exceeds the device's \d+ "
        "framebuffer layers",
    ) as err:
        BatchRenderer(100_000, (8, 8), texture_layers=0)
    assert "\n" not in str(err.value)


def test_more_texture_layers_than_the_device_has_is_a_one_line_error() -> None:
    with pytest.raises(
        ValueError, match=r"texture_layers=100000 exceeds the device's \d+ texture layers"
    ) as err:
        BatchRenderer(1, (8, 8), texture_size=4, texture_layers=100_000)
    assert "\n" not in str(err.value)
    limit = int(str(err.value).split("device's ")[1].split()[0])
    with pytest.raises(ValueError, match=f"texture_layers={limit + 1} exceeds"):
        BatchRenderer(1, (8, 8), texture_size=4, texture_layers=limit + 1)  # layer 0 is white


def test_a_missing_egl_device_is_one_clear_error() -> None:
    with pytest.raises(RenderingError) as err:
        BatchRenderer(1, SIZE, device=99)
    message = str(err.value)
    assert "\n" not in message and "EGL device 99" in message and "libEGL" in message


# ------------------------------------------------------------------ MuJoCo parity
SYNTHETIC = """
<mujoco>
  <visual><quality offsamples="0"/><headlight ambient=".2 .2 .2" diffuse=".3 .3 .3"/></visual>
  <asset>
    <texture name="grid" type="2d" builtin="checker" rgb1=".9 .2 .2" rgb2=".2 .2 .9"
             width="64" height="64"/>
    <texture name="cube" type="cube" builtin="checker" rgb1=".9 .9 .1" rgb2=".1 .5 .9"
             width="32" height="192"/>
    <material name="grid" texture="grid" texrepeat="3 2" texuniform="true" specular=".6"/>
    <material name="grid2" texture="grid" texrepeat="2 2"/>
    <material name="cube" texture="cube"/>
    <material name="glow" rgba=".2 .8 .3 1" emission=".5"/>
    <material name="glass" rgba=".6 .8 1 .4" specular=".9" shininess=".9"/>
    <mesh name="tet" vertex="0 0 0  .3 0 0  0 .3 0  0 0 .3"/>
  </asset>
  <worldbody>
    <light pos="0 0 3" dir="0 0 -1" cutoff="60" exponent="5" attenuation="1 .1 .05"/>
    <light directional="true" pos="0 0 3" dir="-1 -1 -1" diffuse=".3 .3 .3"/>
    <geom type="plane" size="3 3 .2" material="grid"/>
    <geom type="box" pos="-1 0 .3" size=".3 .2 .3" material="grid"/>
    <geom type="sphere" pos="0 0 .4" size=".35" material="grid2"/>
    <geom type="capsule" pos="1 0 .4" size=".15 .25" euler="30 0 0" material="grid2"/>
    <geom type="ellipsoid" pos="0 1 .4" size=".4 .2 .3" material="cube"/>
    <geom type="cylinder" pos="0 -1 .3" size=".25 .3" material="glow"/>
    <geom type="mesh" mesh="tet" pos="-1 1 .1" material="grid2"/>
    <geom type="box" pos=".5 -.6 .3" size=".15 .15 .3" material="glass"/>
    <geom type="sphere" pos="0 0 2" size=".2" rgba="1 1 0 0"/>
    <camera name="c" pos="2.6 -2.6 2.2" xyaxes="1 1 0 -.4 .4 1" fovy="50"/>
  </worldbody>
</mujoco>"""


def agreement(ours, theirs) -> tuple[float, float, float]:
    """Segmentation agreement, depth within 1 cm away from object edges (background
    excluded), RGB mean absolute difference (0-255)."""
    seg = float(np.mean(ours.segmentation == theirs.segmentation))
    labels = theirs.segmentation.astype(np.float32)
    edges = (
        cv2.dilate(
            (cv2.Laplacian(labels, cv2.CV_32F) != 0).astype(np.uint8), np.ones((3, 3), np.uint8)
        )
        > 0
    )
    inner = ~edges & (theirs.segmentation >= 0)
    depth = float(np.mean(np.abs(ours.depth - theirs.depth)[inner] < 0.01))
    mae = float(np.mean(np.abs(ours.rgb.astype(int) - theirs.rgb.astype(int))))
    return seg, depth, mae


@pytest.mark.parametrize(
    "tessellation, max_mae, scene_data, texture_filter",
    [
        ("mujoco", 0.5, "auto", "trilinear"),
        ("mujoco", 1.5, "auto", "bilinear"),
        ("adaptive", 3.0, "auto", "bilinear"),
        ("adaptive", 3.0, "texture", "trilinear"),
        ("minimal", 3.0, "auto", "bilinear"),
        ("minimal", 3.0, "storage", "bilinear"),
    ],
)
def test_every_geom_type_matches_mjr_render(
    tessellation: str, max_mae: float, scene_data: str, texture_filter: str
) -> None:
    """Every geom type, 2D and cube textures, spot and directional lights, emission, glass;
    ``scene_data="storage"``/``"texture"``: one draw call for all scenes (GPUs);
    ``texture_filter="trilinear"``: mipmaps sampled as MuJoCo does."""
    model = mujoco.MjModel.from_xml_string(SYNTHETIC)
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    ref = MujocoRenderer(model)
    theirs = ref.render(data, 0, SIZE, rgb=True, depth=True, segmentation=True)
    ref.close()
    scene = MujocoScene(model, "c", tessellation=tessellation)  # type: ignore[arg-type]
    with BatchRenderer(
        3,
        SIZE,
        texture_size=scene.texture_size,
        texture_layers=scene.texture_layers,
        scene_data=scene_data,
        texture_filter=texture_filter,
    ) as r:  # type: ignore[arg-type]
        r.set_scene(1, scene.update(data))
        frame = r.render(ALL)
    assert np.all(frame.segmentation[[0, 2]] == -1)
    ours = type("Frame", (), {k: getattr(frame, k)[1] for k in ("rgb", "depth", "segmentation")})
    seg, depth, mae = agreement(ours, theirs)
    assert seg > 0.99 and depth > 0.99 and mae < max_mae, (seg, depth, mae)
    assert not np.any(frame.segmentation[1] == model.ngeom - 1)  # alpha 0: not drawn


FAMILIES = {
    "IndoorNav": (
        "simenv/IndoorNav-v0",
        {"obs_mode": "rgbd+seg"},
        "robot/camera",
        (1, 0, 1, 1, 0, 0),
    ),
    "TransparentGrasp": (
        "simenv/TransparentGrasp-v0",
        {"obs_mode": "all"},
        "front",
        (1, 1, 1, 0, 0, 0),
    ),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_parity_with_mujoco_on_the_real_scenes(family: str) -> None:
    env_id, kwargs, camera, groups = FAMILIES[family]
    env = gym.make(env_id, randomization="none", camera_size=SIZE, **kwargs)
    option = mujoco.MjvOption()
    option.geomgroup[:] = groups
    results = []
    for seed in (0, 1):
        obs, _ = env.reset(seed=seed)
        u = env.unwrapped
        ref = MujocoRenderer(u.model)
        scene = MujocoScene(u.model, camera, geomgroup=groups, **u.scene_options)
        with BatchRenderer(
            1, SIZE, texture_size=scene.texture_size, texture_layers=scene.texture_layers
        ) as r:
            r.set_scene(0, scene.scene)
            for step in range(2):
                if step:
                    obs = env.step(env.action_space.sample())[0]
                theirs = ref.render(
                    u.data,
                    u.camera(camera),
                    SIZE,
                    rgb=True,
                    depth=True,
                    segmentation=True,
                    option=option,
                )
                scene.update(u.data)
                frame = r.render(ALL)
                ours = type(
                    "F", (), {k: getattr(frame, k)[0] for k in ("rgb", "depth", "segmentation")}
                )
                results.append(agreement(ours, theirs))
                if family == "TransparentGrasp":
                    check_grasp_ground_truth(obs, frame, u.model, u.data)
        ref.close()
    env.close()
    seg, depth, mae = np.array(results).T
    assert seg.min() >= 0.98, seg
    assert depth.min() >= 0.99, depth
    assert mae.max() <= 8.0, mae


def check_grasp_ground_truth(obs, frame, model, data) -> None:
    """The env's true depth, transparent mask and instance map, from one render."""
    behind = np.minimum(frame.depth[0], 5.0)
    mask = frame.transparent_depth[0] < behind - 1e-4
    surface = np.where(mask, frame.transparent_depth[0], behind)
    assert np.mean(mask == obs["mask"][..., 0].astype(bool)) > 0.98
    assert np.mean(np.abs(surface - obs["true_depth"][..., 0]) < 0.01) > 0.98
    # instance k = object k-1 (bodies named object0, object1, ...), 0 background
    body = model.geom_bodyid[np.maximum(frame.segmentation[0], 0)]
    names = [mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_BODY, b) or "" for b in body.flat]
    index = np.array(
        [int(n[6:]) + 1 if n.startswith("object") and n[6:].isdigit() else 0 for n in names]
    ).reshape(body.shape)
    index[frame.segmentation[0] < 0] = 0
    assert np.mean(index == obs["instances"][..., 0]) > 0.98


def test_texture_uploads_follow_the_model() -> None:
    env = gym.make("simenv/IndoorNav-v0", randomization="none", camera_size=SIZE)
    env.reset(seed=3)
    u = env.unwrapped
    model, data = u.model, u.data
    option = mujoco.MjvOption()
    option.geomgroup[:] = (1, 0, 1, 1, 0, 0)
    scene = MujocoScene(model, "robot/camera", geomgroup=option.geomgroup)
    ref = MujocoRenderer(model)
    with BatchRenderer(
        1, SIZE, texture_size=scene.texture_size, texture_layers=scene.texture_layers
    ) as r:
        r.set_scene(0, scene.update(data))
        before = r.render().rgb[0]
        for texid in range(model.ntex):  # paint every texture mid grey, then upload it
            adr, n = model.tex_adr[texid], model.tex_width[texid] * model.tex_height[texid] * 3
            model.tex_data[adr : adr + n] = 128
            scene.upload_texture(texid)
            ref.upload_texture(texid)
        after = r.render().rgb[0]
        theirs = ref.render(data, u.camera("robot/camera"), SIZE, option=option).rgb
    ref.close()
    env.close()
    assert np.abs(after.astype(int) - before).mean() > 2
    assert np.abs(after.astype(int) - theirs).mean() < 3


def test_scenes_can_be_replaced_every_episode(renderer: BatchRenderer) -> None:
    """New meshes per episode (as TransparentGrasp rebuilds its model) upload, and the
    meshes no scene uses any more are dropped without disturbing the others."""
    keep = box_scene(3.0, x=-0.8)
    renderer.set_scene(1, keep)
    reference = renderer.render(ALL).segmentation[1]
    for episode in range(8):
        sphere = primitives.sphere(40 + 4 * episode, 24)  # ~1000 new vertices each time
        scene = Scene(
            [sphere],
            [Instance(0, position=(0.0, 0.0, -3.0), segment=episode)],
            camera=Camera(fovy=60.0),
        )
        renderer.set_scene(0, scene)
        frame = renderer.render(ALL)
        assert np.mean(frame.segmentation[0] == episode) > 0.05
        np.testing.assert_array_equal(frame.segmentation[1], reference)
    assert renderer._arena.generation > 0  # compacted at least once
    renderer.set_scene(0, None)
    renderer.set_scene(1, None)


def test_simplified_meshes_keep_their_shape() -> None:
    sphere = primitives.sphere(40, 24)
    small = simplify(sphere, 200)
    assert len(small.indices) <= 300 < len(sphere.indices) // 4
    radius = np.linalg.norm(small.positions, axis=1)
    assert np.all(np.abs(radius - 1.0) < 1e-5)  # kept vertices are original ones

    # no cracks: the edges (between positions) bordering one triangle only are the same
    # as before (the sphere's seam, where sin(2 pi) != sin(0))
    def open_edges(mesh):
        _, pid = np.unique(mesh.positions, axis=0, return_inverse=True)
        f = pid.reshape(-1)[mesh.indices]
        edges = np.sort(np.stack([f, np.roll(f, -1, axis=1)], axis=2).reshape(-1, 2), axis=1)
        _, count = np.unique(edges, axis=0, return_counts=True)
        return int(np.sum(count == 1)), int(np.max(count))

    assert open_edges(small) == open_edges(sphere) == (48, 2)
    assert simplify(sphere, 200) is small  # cached
    assert simplify(small, 10_000) is small
