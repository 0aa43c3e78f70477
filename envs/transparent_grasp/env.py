"""TransparentGrasp-v0: a Panda arm picks glassware whose depth fails like a real sensor's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import mujoco
import numpy as np
from gymnasium import spaces
from gymnasium.utils import EzPickle

from simenv.core import check_choice, parse_obs_mode
from simenv.env import CameraRequest
from simenv.mujoco_env import MujocoEnv, View
from simenv.randomization import Value, dr_table
from simenv.rendering import Frame
from simenv.sensors import SensorModel
from simenv.sensors.transparent import (
    TransparentDepthModel,
    boundary_map,
    camera_intrinsics,
    normals_from_depth,
)

from .constants import (
    CAMERA,
    CATEGORIES,
    CONTROL_DT,
    FINGER_BODIES,
    GRIP_LIMITS,
    GRIPPER_ACTUATOR,
    HAND_BODY,
    HOLD_TIME,
    HOME_GRIP,
    HOME_QPOS,
    LIFT_HEIGHT,
    LOOK_GROUPS,
    MAX_DEPTH,
    MAX_OBJECTS,
    MAX_STEP,
    MAX_TURN,
    N_LIGHTS,
    OVERVIEW_CAMERA,
    PHYSICS_DT,
    PROPRIO,
    STYLES,
    TABLE_TOP,
    UP,
    WORKSPACE,
)
from .control import ArmController
from .glassware import Shape, grasp_height, sample_shape
from .randomize import PARAMS, Look, Refs, apply_appearance, params_for_split, sample_look
from .scene import Distractor, build_spec, object_name

OBS_PARTS = ("rgb", "depth", "true_depth", "mask", "instances", "normals", "boundary", "state")
GT_PARTS = "true_depth+mask+instances+normals+boundary"
OBS_ALIASES = {"rgbd": "rgb+depth", "gt": GT_PARTS, "all": f"rgb+depth+{GT_PARTS}+state"}
ACTION_MODES = ("ee_delta", "topdown_grasp")
OBS_VIEW = View(CAMERA, (1, 1, 1, 0, 0, 0))  # scene, robot, glassware
OVERVIEW_VIEW = View(OVERVIEW_CAMERA, (1, 1, 1, 0, 0, 0))
GLASS_ONLY = (0, 0, 1, 0, 0, 0)  # the geom group of the glassware
DEPTH_PARTS = frozenset({"depth", "true_depth", "mask", "normals", "boundary"})


@dataclass(frozen=True)
class Rewards:
    """Reward weights (keyword arguments of the env)."""

    reach: float = 0.1
    grasp: float = 0.25
    lift: float = 0.5
    success: float = 5.0
    attempt: float = 1.0  # topdown_grasp: a successful attempt


@dataclass
class GraspEpisode:
    """Privileged state of one episode: the objects, the grip target, grasp progress."""

    shapes: tuple[Shape, ...]  # glassware, in object order
    distractors: tuple[Distractor, ...]
    look: Look
    poses: tuple[tuple[float, float, float], ...]  # initial (x, y, yaw) of every object
    rest_z: np.ndarray = field(default_factory=lambda: np.zeros(0))  # settled heights
    target: np.ndarray = field(default_factory=lambda: np.zeros(3))  # grip target (m)
    theta: float = 0.0  # finger-axis angle target (rad)
    close: bool = False  # gripper command
    attempts: int = 0
    hold: float = 0.0  # s held at the lift height
    success: bool = False
    time_to_grasp: float | None = None
    lifted: int = -1  # the lifted object (success)
    max_lift: float = 0.0  # the highest any glassware got above its rest height (m)
    held: int = -1  # the object held by both fingers now
    steps: int = 0
    unstable: bool = False  # MuJoCo reported a diverging simulation


class TransparentGraspEnv(MujocoEnv[GraspEpisode], EzPickle):
    """Pick up glassware with a Franka Panda from a randomized tabletop.

    ## Description
    Every episode rebuilds the scene with ``mujoco.MjSpec``: 1–4 glassware objects (drinking
    glasses, wine glasses, bottles, cups, bowls, vases; surfaces of revolution with
    randomized profiles, thin glass walls, physical mass and inertia) and 0–3 opaque
    distractors stand upright on a table in front of the Panda arm from ``pybullet_data``
    (real joint servos, a force-limited parallel gripper, contacts with friction; no
    attachment tricks). ``split="test"`` draws held-out profile styles and textures.
    The task is to lift any glassware object at least 10 cm above its rest height and hold
    it there for 1 s. The camera sees the glass rendered with transparency; the ``depth``
    observation is what an RGB-D sensor reports: on glass it is missing, sees through to the
    surface behind, or reads the glass surface noisily, with holes along the outline
    (``sensor.depth.transparent.*``, ClearGrasp's failure modes).

    ## Action Space
    ``action_mode="ee_delta"`` (default): ``Box(-1, 1, (5,))`` = (dx, dy, dz, dθ, gripper):
    grip motion of up to 2.5 cm and 0.15 rad per 0.05 s step (20 Hz), in the table frame,
    solved by damped least-squares IK onto the joint servos; gripper > 0 closes, ≤ 0 opens.
    ``action_mode="topdown_grasp"``: ``Box(-1, 1, (3,))`` = (x, y, θ), one top-down grasp
    attempt per step (like pybullet's KukaDiverseObjectEnv, but seeded): move above (x, y)
    in the workspace with the finger axis at θ·90°, descend until the hand touches
    something or the fingertips reach the table, close, lift 20 cm and hold 1 s.
    Finite values outside [-1, 1] are clipped; NaN/inf or wrong shapes raise ``ValueError``.

    ## Observation Space
    A ``Dict`` chosen by ``obs_mode`` (parts joined with ``+``; ``rgbd`` = ``rgb+depth``
    (default), ``gt`` = every ground-truth part, ``all`` = everything): ``rgb`` (H×W×3
    uint8), ``depth`` (H×W×1 float32 m, the sensor's reading, 0 = missing), and the
    ground truth for perception training: ``true_depth`` (H×W×1 float32, the renderer's
    depth with glass opaque), ``mask`` (H×W×1 uint8, 1 on transparent objects),
    ``instances`` (H×W×1 uint8, 0 background, k = object k-1: glassware first, then
    distractors), ``normals`` (H×W×3 float32, camera frame x right y down z forward, from
    the true depth; 0 where undefined), ``boundary`` (H×W×1 uint8: 0 none, 1 occlusion,
    2 contact; ClearGrasp's classes); ``state`` adds ``objects`` (7×4: position relative to
    the grip and a present flag, glassware first). Always present: ``proprio`` (15: 7 joint
    angles, finger opening, grip position relative to the table centre, cos/sin of 2θ,
    gripper command, grasp flag). Camera intrinsics: ``info["intrinsics"]``.

    ## Rewards
    ``ee_delta``: ``reward_reach`` (``reach_reward``·(1 − tanh(10·d)), 0.1, d = grip to the
    nearest glassware grasp point) + ``reward_grasp`` (``grasp_reward``, 0.25, while a glass
    is held by both fingers) + ``reward_lift`` (``lift_reward``·min(lift / 10 cm, 1), 0.5,
    while held) + ``reward_success`` (``success_reward``, 5, on success);
    ``topdown_grasp``: ``reward_success`` (``attempt_reward``, 1, for a successful attempt).
    Each term is in ``info`` and they sum to the reward.

    ## Starting State
    The arm at its home pose (grip 30 cm above the table centre, open), objects settled.

    ## Episode End
    Terminated on success or when every glassware object has left the table; topdown mode
    is truncated after ``max_attempts`` attempts, and any episode is truncated (with
    ``info["physics_unstable"]``) if MuJoCo reports a diverging simulation. ``ee_delta`` is
    truncated by the ``TimeLimit`` wrapper (200 steps = 10 s from ``gym.make``). ``info``
    always holds ``success``, ``attempts`` (gripper closings), ``object_category`` (the
    lifted object's, else the nearest glassware's), ``time_to_grasp`` (s, None until
    success), ``lift`` (the highest any glassware got above its rest height during the
    episode, m) and ``objects``.

    ## Arguments
    ``obs_mode``, ``camera_size`` (84×84), ``action_mode``, ``randomization`` (``none``,
    ``default``, ``strong``, dict or YAML path), ``dr_scale``, ``split`` (``train``/``test``),
    ``categories`` (restrict the glassware categories), ``max_attempts`` (topdown, 3),
    ``render_mode``, ``render_size`` (overview image, 256×256), ``renderer`` (``batch``:
    ``simenv.render``, one pass for RGB, depth, glass depth and segmentation, default;
    ``mujoco``: MuJoCo's ``mjr_render``, the reference, three passes).

    ## Version History
    * v0: initial release.

    ## Domain Randomization
    Sampled once per ``reset`` from the env's generator (``info["randomization"]``); sensor
    noise is drawn per step from the same generator.

    """

    metadata: dict[str, Any] = {
        **MujocoEnv.metadata,
        "render_fps": 20,
        "episode_metrics": ("success", "attempts", "lift", "time_to_grasp"),
    }

    def __init__(
        self,
        obs_mode: str = "rgbd",
        camera_size: tuple[int, int] = (84, 84),
        action_mode: str = "ee_delta",
        randomization: Any = "default",
        dr_scale: float = 1.0,
        split: str = "train",
        categories: tuple[str, ...] | list[str] | None = None,
        max_attempts: int = 3,
        reach_reward: float = 0.1,
        grasp_reward: float = 0.25,
        lift_reward: float = 0.5,
        success_reward: float = 5.0,
        attempt_reward: float = 1.0,
        render_mode: str | None = None,
        render_size: tuple[int, int] = (256, 256),
        renderer: str = "batch",
    ) -> None:
        EzPickle.__init__(
            self,
            obs_mode,
            camera_size,
            action_mode,
            randomization,
            dr_scale,
            split,
            categories,
            max_attempts,
            reach_reward,
            grasp_reward,
            lift_reward,
            success_reward,
            attempt_reward,
            render_mode,
            render_size,
            renderer,
        )
        self.split = check_choice("split", split, tuple(STYLES))
        super().__init__(
            params_for_split(self.split),
            randomization,
            dr_scale,
            render_mode,
            camera_size,
            render_size,
            CONTROL_DT,
            renderer,
        )
        self.action_mode = check_choice("action_mode", action_mode, ACTION_MODES)
        self.obs_parts = parse_obs_mode(obs_mode, OBS_PARTS, OBS_ALIASES)
        cats = tuple(CATEGORIES if categories is None else categories)
        if not cats:
            raise ValueError(f"categories must name at least one of {', '.join(CATEGORIES)}")
        for c in cats:
            check_choice("category", c, CATEGORIES)
        self.categories = cats
        if not isinstance(max_attempts, (int, np.integer)) or max_attempts < 1:
            raise ValueError(f"max_attempts must be a positive integer, got {max_attempts!r}")
        self.max_attempts = int(max_attempts)
        self.rewards = Rewards(
            float(reach_reward),
            float(grasp_reward),
            float(lift_reward),
            float(success_reward),
            float(attempt_reward),
        )

        if self.action_mode == "ee_delta":
            self.action_space: spaces.Space[Any] = spaces.Box(-1.0, 1.0, (5,), np.float32)
        else:
            self.action_space = spaces.Box(-1.0, 1.0, (3,), np.float32)
        self.observation_space = spaces.Dict(self._obs_spaces())
        self._substeps = round(CONTROL_DT / PHYSICS_DT)

    def _obs_spaces(self) -> dict[str, spaces.Space[Any]]:
        h, w = self.camera_size
        parts = self.obs_parts
        obs: dict[str, spaces.Space[Any]] = {}
        if "rgb" in parts:
            obs["rgb"] = spaces.Box(0, 255, (h, w, 3), np.uint8)
        for key in ("depth", "true_depth"):
            if key in parts:
                obs[key] = spaces.Box(0.0, MAX_DEPTH, (h, w, 1), np.float32)
        if "mask" in parts:
            obs["mask"] = spaces.Box(0, 1, (h, w, 1), np.uint8)
        if "instances" in parts:
            obs["instances"] = spaces.Box(0, MAX_OBJECTS, (h, w, 1), np.uint8)
        if "normals" in parts:
            obs["normals"] = spaces.Box(-1.0, 1.0, (h, w, 3), np.float32)
        if "boundary" in parts:
            obs["boundary"] = spaces.Box(0, 2, (h, w, 1), np.uint8)
        if "state" in parts:
            obs["objects"] = spaces.Box(-2.0, 2.0, (MAX_OBJECTS, 4), np.float32)
        obs["proprio"] = spaces.Box(-4.0, 4.0, (PROPRIO,), np.float32)
        return obs

    # ------------------------------------------------------------------ reset pieces
    def _sample_episode(
        self, sample: Mapping[str, Value], rng: np.random.Generator
    ) -> GraspEpisode:
        scale = float(sample["scene.object_scale"])
        shapes = tuple(
            sample_shape(
                self.categories[int(rng.integers(len(self.categories)))], rng, self.split, scale
            )
            for _ in range(int(sample["scene.objects"]))
        )
        distractors = tuple(
            _sample_distractor(rng) for _ in range(int(sample["scene.distractors"]))
        )
        look = sample_look(sample, len(shapes), len(distractors))
        footprints = [s.max_radius for s in shapes] + [d.footprint for d in distractors]
        poses = tuple((x, y, float(rng.uniform(-np.pi, np.pi))) for x, y in _place(footprints, rng))
        return GraspEpisode(shapes, distractors, look, poses)

    def _build(self, episode: GraspEpisode, sample: Mapping[str, Value]) -> None:
        n_glass, n_dist = len(episode.shapes), len(episode.distractors)
        self.set_model(
            build_spec(
                list(episode.shapes), list(episode.distractors), self.camera_size, self.render_size
            ).compile()
        )
        self._refs = self._lookup_refs(n_glass, n_dist)
        self._lookup_ids(n_glass, n_dist)
        assert self.model is not None
        self.arm = ArmController(self.model)

    def _apply(self, episode: GraspEpisode, sample: Mapping[str, Value]) -> None:
        assert self.model is not None
        apply_appearance(self.model, self._refs, sample, episode.look)
        self.upload_textures(list(self._refs.textures.values()))

    def _settle(self, episode: GraspEpisode, sample: Mapping[str, Value]) -> None:
        model, data = self.model, self.data
        assert model is not None and data is not None
        self.arm.set_arm(data, _home_qpos(self.arm))
        data.ctrl[self.arm.gripper] = model.actuator_ctrlrange[self.arm.gripper, 1]
        data.qpos[self.arm.finger_qadr] = model.actuator_ctrlrange[self.arm.gripper, 1]
        for adr, (x, y, yaw) in zip(self._obj_qadr, episode.poses):
            data.qpos[adr : adr + 7] = [
                x,
                y,
                TABLE_TOP + 0.002,
                np.cos(yaw / 2),
                0,
                0,
                np.sin(yaw / 2),
            ]
        mujoco.mj_forward(model, data)
        mujoco.mj_step(model, data, nstep=100)  # let the objects settle (0.2 s)
        data.time = 0.0
        self._sensor = SensorModel.from_sample(sample)
        self._transparent = TransparentDepthModel.from_sample(sample)
        self._K = camera_intrinsics(*self.camera_size, float(model.cam_fovy[self._camera]))
        episode.rest_z = data.xpos[self._obj_bodies, 2].copy()
        episode.target, episode.theta = self.arm.grip_pose(data)

    def _lookup_refs(self, n_glass: int, n_dist: int) -> Refs:
        model = self.model
        assert model is not None
        objs = [object_name(i) for i in range(n_glass + n_dist)]
        bodies = np.array([self.body(o) for o in objs], int)
        geoms = np.flatnonzero(np.isin(model.geom_bodyid, bodies) & (model.geom_contype > 0))
        lights = np.array([self.light(f"light{k}") for k in range(N_LIGHTS)], int)
        return Refs(
            textures={g: self.texture(f"tex/{g}") for g in LOOK_GROUPS},
            lights=lights,
            light_pos=model.light_pos[lights].copy(),
            camera=self.camera(CAMERA),
            glass_materials=np.array([self.material(f"mat/{o}") for o in objs[:n_glass]], int),
            distractor_materials=np.array([self.material(f"mat/{o}") for o in objs[n_glass:]], int),
            object_geoms=geoms,
            object_bodies=bodies,
            object_masses=model.body_mass[bodies].copy(),
            object_inertias=model.body_inertia[bodies].copy(),
            gripper_actuator=self.actuator(GRIPPER_ACTUATOR),
        )

    def _lookup_ids(self, n_glass: int, n_dist: int) -> None:
        model = self.model
        assert model is not None
        n = n_glass + n_dist
        self._n_glass = n_glass
        self._camera = self.camera(CAMERA)
        self._obj_bodies = np.array([self.body(object_name(i)) for i in range(n)], int)
        self._obj_qadr = np.array(
            [model.jnt_qposadr[self.joint(f"{object_name(i)}/joint")] for i in range(n)], int
        )
        self._fingers = np.array([self.body(b) for b in FINGER_BODIES])
        self._hand_bodies = np.array([self.body(HAND_BODY), *self._fingers])
        glass_mats = self._refs.glass_materials
        self._glass_mats = glass_mats
        lut = np.zeros(model.ngeom + 1, np.uint8)  # geom id -> instance (0 = background)
        for k, b in enumerate(self._obj_bodies):
            lut[:-1][model.geom_bodyid == b] = k + 1
        self._instance_lut = lut

    # ------------------------------------------------------------------ step
    def _act(self, action: Any) -> tuple[dict[str, float], bool, bool]:
        act = np.asarray(action, np.float64)
        ep, data = self.episode, self.data
        assert data is not None
        ep.steps += 1
        if self.action_mode == "ee_delta":
            terms = self._ee_step(act)
        else:
            terms = self._topdown_step(act)
        fallen = bool(np.all(data.xpos[self._obj_bodies[: self._n_glass], 2] < TABLE_TOP - 0.05))
        terminated = ep.success or fallen
        truncated = ep.unstable or (
            self.action_mode == "topdown_grasp"
            and not terminated
            and ep.attempts >= self.max_attempts
        )
        return terms, terminated, truncated

    def _ee_step(self, act: np.ndarray) -> dict[str, float]:
        ep, data = self.episode, self.data
        assert data is not None
        close = bool(act[4] > 0)
        if close and not ep.close:
            ep.attempts += 1
        ep.close = close
        ep.target = np.clip(ep.target + act[:3] * MAX_STEP, *GRIP_LIMITS)
        ep.theta = float(np.clip(ep.theta + act[3] * MAX_TURN, -np.pi / 2, np.pi / 2))
        self._advance(ep.target, ep.theta, close, 1)
        held = ep.held
        r = self.rewards
        terms = {
            "reward_reach": r.reach * (1.0 - np.tanh(10.0 * self._reach_distance())),
            "reward_grasp": r.grasp if held >= 0 else 0.0,
            "reward_lift": r.lift * min(max(self._lift(held), 0.0) / LIFT_HEIGHT, 1.0)
            if held >= 0
            else 0.0,
            "reward_success": r.success if ep.success else 0.0,
        }
        return {k: float(v) for k, v in terms.items()}

    def _advance(self, target: np.ndarray, theta: float, close: bool, steps: int) -> None:
        """Run ``steps`` control periods towards a grip pose, tracking grasp success."""
        model, data = self.model, self.data
        assert model is not None and data is not None
        ep = self.episode
        for _ in range(steps):
            self.arm.command(data, target, theta, close)
            mujoco.mj_step(model, data, nstep=self._substeps)
            if data.warning[mujoco.mjtWarning.mjWARN_BADQACC].number:
                ep.unstable = True  # MuJoCo reset the state: end the episode, say so
                return
            held = self._held_glass()
            ep.held = held
            ep.max_lift = max(ep.max_lift, *(self._lift(i) for i in range(self._n_glass)))
            if held >= 0 and self._lift(held) >= LIFT_HEIGHT:
                ep.hold += self.dt
            else:
                ep.hold = 0.0
            if not ep.success and ep.hold >= HOLD_TIME - 1e-9:
                ep.success, ep.lifted = True, held
                ep.time_to_grasp = float(data.time)

    def _topdown_step(self, act: np.ndarray) -> dict[str, float]:
        """One scripted top-down grasp attempt at the commanded (x, y, θ)."""
        ep, data = self.episode, self.data
        assert data is not None
        (x0, x1), (y0, y1) = WORKSPACE
        x = x0 + (act[0] + 1) / 2 * (x1 - x0)
        y = y0 + (act[1] + 1) / 2 * (y1 - y0)
        theta = float(act[2] * np.pi / 2)
        ep.attempts += 1
        above = np.array([x, y, TABLE_TOP + 0.3])
        self._move(above, theta, close=False, speed=0.8)
        self._guarded_descent(x, y, theta)
        pos, _ = self.arm.grip_pose(data)
        self._advance(pos, theta, True, 10)  # close (0.5 s)
        lift = pos + 0.2 * UP
        self._move(lift, theta, close=True, speed=0.3)
        self._advance(lift, theta, True, round(HOLD_TIME / self.dt) + 2)
        success = ep.success
        if not success:  # release and go back up for the next attempt
            self._advance(lift, theta, False, 6)
            self._move(HOME_GRIP, 0.0, close=False, speed=0.8)
        ep.target, ep.theta, ep.close = self.arm.grip_pose(data)[0], theta, False
        return {"reward_success": self.rewards.attempt if success else 0.0}

    def _move(self, goal: np.ndarray, theta: float, close: bool, speed: float) -> None:
        """Interpolate the grip target to ``goal`` at ``speed`` m/s, then settle briefly."""
        start, theta0 = self.arm.grip_pose(self.data)
        dist = float(np.linalg.norm(goal - start))
        n = max(int(np.ceil(dist / (speed * self.dt))), 1)
        for k in range(1, n + 1):
            t = k / n
            self._advance(start + (goal - start) * t, theta0 + (theta - theta0) * t, close, 1)
        self._advance(goal, theta, close, 4)

    def _guarded_descent(self, x: float, y: float, theta: float) -> None:
        """Lower the open hand until it touches an object or the fingertips near the table."""
        data = self.data
        assert data is not None
        z = TABLE_TOP + 0.3
        floor = TABLE_TOP + 0.012
        while z > floor:
            z = max(z - 0.25 * self.dt, floor)
            self._advance(np.array([x, y, z]), theta, False, 1)
            if self._hand_touches_object():
                pos, _ = self.arm.grip_pose(data)
                self._advance(pos + 0.004 * UP, theta, False, 3)
                return
        self._advance(np.array([x, y, floor]), theta, False, 4)

    # ------------------------------------------------------------------ contacts
    def _contact_bodies(self) -> np.ndarray:
        data, model = self.data, self.model
        assert data is not None and model is not None
        return model.geom_bodyid[data.contact.geom[: data.ncon]]

    def _held_glass(self) -> int:
        """Index of a glassware object touched by both fingers, else -1."""
        pairs = self._contact_bodies()
        if not len(pairs):
            return -1
        glass = self._obj_bodies[: self._n_glass]
        for i, b in enumerate(glass):
            touching = [
                np.any(
                    ((pairs[:, 0] == f) & (pairs[:, 1] == b))
                    | ((pairs[:, 1] == f) & (pairs[:, 0] == b))
                )
                for f in self._fingers
            ]
            if all(touching):
                return i
        return -1

    def _hand_touches_object(self) -> bool:
        pairs = self._contact_bodies()
        hand = np.isin(pairs, self._hand_bodies)
        obj = np.isin(pairs, self._obj_bodies)
        return bool(np.any((hand[:, 0] & obj[:, 1]) | (hand[:, 1] & obj[:, 0])))

    def _lift(self, i: int) -> float:
        data = self.data
        assert data is not None
        return float(data.xpos[self._obj_bodies[i], 2] - self.episode.rest_z[i])

    def grasp_points(self) -> np.ndarray:
        """World grasp point (grip-site target) of every glassware object, ``(n, 3)``."""
        data = self.data
        assert data is not None
        pts = []
        for i, shape in enumerate(self.episode.shapes):
            b = self._obj_bodies[i]
            local = np.array([0.0, 0.0, grasp_height(shape)])
            pts.append(data.xpos[b] + data.xmat[b].reshape(3, 3) @ local)
        return np.array(pts).reshape(-1, 3)

    def _reach_distance(self) -> float:
        pos, _ = self.arm.grip_pose(self.data)
        pts = self.grasp_points()
        return float(np.min(np.linalg.norm(pts - pos, axis=1))) if len(pts) else 0.0

    def _info(self) -> dict[str, Any]:
        ep, data = self.episode, self.data
        assert data is not None
        if ep.lifted >= 0:
            category = ep.shapes[ep.lifted].category
        else:
            pos, _ = self.arm.grip_pose(data)
            nearest = int(np.argmin(np.linalg.norm(self.grasp_points() - pos, axis=1)))
            category = ep.shapes[nearest].category
        return {
            "success": ep.success,
            "attempts": ep.attempts,
            "object_category": category,
            "time_to_grasp": ep.time_to_grasp,
            "lift": ep.max_lift,
            "objects": [s.category for s in ep.shapes],
            "physics_unstable": ep.unstable,
            "intrinsics": self._K.copy(),
        }

    # ------------------------------------------------------------------ observations
    def _camera_request(self) -> CameraRequest | None:
        parts = self.obs_parts
        outputs = ["rgb"] if "rgb" in parts else []
        if parts & DEPTH_PARTS:  # depth behind the glass and the glass's own
            outputs += ["depth", "transparent_depth"]
        if parts & {"instances", "boundary"}:
            outputs.append("segmentation")
        return CameraRequest(OBS_VIEW, self.camera_size, tuple(outputs)) if outputs else None

    def _observe(self, frame: Frame | None) -> dict[str, np.ndarray]:
        parts = self.obs_parts
        obs: dict[str, np.ndarray] = {}
        rng = self.np_random
        if frame is not None:
            if frame.rgb is not None:
                obs["rgb"] = self._sensor.apply_rgb(frame.rgb, rng)
            if frame.depth is not None:
                # glass does not occlude the depth buffer: this is what lies behind it
                behind = np.minimum(frame.depth, MAX_DEPTH)
                assert frame.transparent_depth is not None
                mask = frame.transparent_depth < behind - 1e-4
                surface = np.where(mask, frame.transparent_depth, behind).astype(np.float32)
                if "depth" in parts:
                    raw = self._transparent.apply(surface, behind, mask, rng)
                    raw = self._sensor.apply_depth(raw, rng)
                    obs["depth"] = np.clip(raw, 0.0, MAX_DEPTH)[..., None].astype(np.float32)
                if "true_depth" in parts:
                    obs["true_depth"] = surface[..., None]
                if "mask" in parts:
                    obs["mask"] = mask.astype(np.uint8)[..., None]
                if "normals" in parts:
                    obs["normals"] = normals_from_depth(surface, self._K)
        if frame is not None and frame.segmentation is not None:
            inst = self._instance_lut[frame.segmentation]
            if "instances" in parts:
                obs["instances"] = inst[..., None]
            if "boundary" in parts:
                obs["boundary"] = boundary_map(surface, inst.astype(np.int32))[..., None]
        if "state" in parts:
            obs["objects"] = self._object_state()
        obs["proprio"] = self._proprio()
        return obs

    def _reference_transparent_depth(self, view: View, size: tuple[int, int]) -> np.ndarray:
        """MuJoCo's renderer draws no depth for glass: a glass-only pass, glass made opaque."""
        model = self.model
        assert model is not None
        alpha = model.mat_rgba[self._glass_mats, 3].copy()
        model.mat_rgba[self._glass_mats, 3] = 1.0
        try:
            depth = self.draw(View(view.camera, GLASS_ONLY), size, ["depth"]).depth
        finally:
            model.mat_rgba[self._glass_mats, 3] = alpha
        assert depth is not None
        return depth

    def instances(self) -> np.ndarray:
        """Per-pixel object index (0 background, k = object k-1), ``(H, W)`` uint8."""
        seg = self.draw(OBS_VIEW, self.camera_size, ["segmentation"]).segmentation
        assert seg is not None
        return self._instance_lut[seg]

    def _object_state(self) -> np.ndarray:
        data = self.data
        assert data is not None
        out = np.zeros((MAX_OBJECTS, 4), np.float32)
        pos, _ = self.arm.grip_pose(data)
        rel = data.xpos[self._obj_bodies] - pos
        out[: len(rel), :3] = np.clip(rel, -2.0, 2.0)
        out[: len(rel), 3] = 1.0
        return out

    def _proprio(self) -> np.ndarray:
        data = self.data
        assert data is not None
        pos, theta = self.arm.grip_pose(data)
        ep = self.episode
        vec = np.concatenate(
            [
                data.qpos[self.arm.qadr],
                [self.arm.finger_width(data)],
                pos - [0.0, 0.0, TABLE_TOP],
                [np.cos(2 * theta), np.sin(2 * theta)],
                [1.0 if ep.close else 0.0, 1.0 if ep.held >= 0 else 0.0],
            ]
        )
        return np.clip(vec, -4.0, 4.0).astype(np.float32)

    def _render_frame(self) -> np.ndarray:
        frame = self.draw(OVERVIEW_VIEW, self.render_size)
        assert frame.rgb is not None
        return frame.rgb

    def project(self, points: np.ndarray) -> np.ndarray:
        """Pixel coordinates ``(n, 2)`` (column, row; float) of world points ``(n, 3)`` in the
        observation camera this episode (its randomized pose and field of view)."""
        data = self.data
        assert data is not None
        pts = np.asarray(points, np.float64).reshape(-1, 3)
        rot = data.cam_xmat[self._camera].reshape(3, 3)
        cam = (pts - data.cam_xpos[self._camera]) @ rot * np.array([1.0, -1.0, -1.0])
        uvw = cam @ self._K.T  # MuJoCo camera frame (y up, looking along -z) -> OpenCV
        return uvw[:, :2] / uvw[:, 2:]

    def action_pixel(self, action: np.ndarray) -> np.ndarray:
        """Where a ``topdown_grasp`` action aims in the camera image: the pixel ``(u, v)`` of
        its grasp column 5 cm above the table (labels for image-space grasp policies)."""
        (x0, x1), (y0, y1) = WORKSPACE
        a = np.clip(np.asarray(action, np.float64)[:2], -1.0, 1.0)
        point = [x0 + (a[0] + 1) / 2 * (x1 - x0), y0 + (a[1] + 1) / 2 * (y1 - y0), TABLE_TOP + 0.05]
        return self.project(np.array(point))[0]

    def pixel_action(self, pixels: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`action_pixel`: the (x, y) action units ``(n, 2)`` of the
        point 5 cm above the table seen at each pixel ``(n, 2)``; NaN where the pixel's ray
        does not come down to that height."""
        data = self.data
        assert data is not None
        uv = np.asarray(pixels, np.float64).reshape(-1, 2)
        rays = np.linalg.solve(self._K, np.c_[uv, np.ones(len(uv))].T).T  # OpenCV frame
        rays = rays * np.array([1.0, -1.0, -1.0]) @ data.cam_xmat[self._camera].reshape(3, 3).T
        origin = data.cam_xpos[self._camera]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (TABLE_TOP + 0.05 - origin[2]) / rays[:, 2]
        t[~(t > 0)] = np.nan
        xy = origin[:2] + t[:, None] * rays[:, :2]
        (x0, x1), (y0, y1) = WORKSPACE
        return np.c_[2 * (xy[:, 0] - x0) / (x1 - x0) - 1, 2 * (xy[:, 1] - y0) / (y1 - y0) - 1]

    def object_poses(self) -> tuple[np.ndarray, np.ndarray]:
        """World positions ``(n, 3)`` and rotation matrices ``(n, 3, 3)`` of all objects."""
        data = self.data
        assert data is not None
        b = self._obj_bodies
        return data.xpos[b].copy(), data.xmat[b].reshape(-1, 3, 3).copy()


def _home_qpos(arm: ArmController) -> np.ndarray:
    return arm.solve(HOME_GRIP, 0.0, HOME_QPOS, iters=60, tol=1e-6)


def _sample_distractor(rng: np.random.Generator) -> Distractor:
    kind = ("box", "cylinder", "ellipsoid")[int(rng.integers(3))]
    if kind == "cylinder":
        return Distractor(kind, (float(rng.uniform(0.015, 0.03)), float(rng.uniform(0.02, 0.05))))
    high = (0.03, 0.03, 0.04) if kind == "box" else (0.035, 0.03, 0.015)
    return Distractor(kind, tuple(float(v) for v in rng.uniform(0.015, high)))


def _place(radii: list[float], rng: np.random.Generator) -> list[tuple[float, float]]:
    """Non-overlapping positions in the workspace with room for fingers between objects."""
    (x0, x1), (y0, y1) = WORKSPACE
    placed: list[tuple[float, float, float]] = []
    for r in radii:
        for _ in range(200):
            x, y = rng.uniform(x0, x1), rng.uniform(y0, y1)
            if all(np.hypot(x - px, y - py) > r + pr + 0.045 for px, py, pr in placed):
                break
        placed.append((float(x), float(y), r))
    return [(x, y) for x, y, _ in placed]


TransparentGraspEnv.__doc__ = (TransparentGraspEnv.__doc__ or "") + dr_table(PARAMS) + "\n"
