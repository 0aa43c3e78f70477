"""IndoorNav-v0: a differential-drive robot in procedurally generated apartments (MuJoCo)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

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

from . import constants as C
from .layout import Floorplan, Item, OccupancyGrid, furnish, generate_floorplan, layout_id_range
from .randomize import PARAMS, Look, Refs, apply_appearance, sample_look
from .scene import LOOK_GROUPS, OVERVIEW_CAMERA, build_spec

OBS_PARTS = ("rgb", "depth", "seg", "state")
OBS_ALIASES = {"rgbd": "rgb+depth"}
TASKS = ("pointgoal", "objectgoal")
_BEAMS = np.linspace(0, 2 * np.pi, C.N_RANGES, endpoint=False)  # range beams, robot frame
ACTION_MODES = ("continuous", "discrete")
OUTPUT_OF = {"rgb": "rgb", "depth": "depth", "seg": "segmentation"}  # camera outputs
EGO_VIEW = View(C.EGO_CAMERA, (1, 0, 1, 1, 0, 0))  # the robot (group 1) is not drawn
OVERVIEW_VIEW = View(OVERVIEW_CAMERA, (1, 1, 1, 0, 1, 0))  # no ceiling, the goal marker


@lru_cache(maxsize=64)
def _floorplan(layout_id: int) -> Floorplan:
    return generate_floorplan(layout_id)


@dataclass(frozen=True)
class Rewards:
    """Reward weights (keyword arguments of the env)."""

    success: float = 2.5
    slack: float = -0.01
    collision: float = -0.05


@dataclass
class IndoorNavEpisode:
    """Privileged state of one episode: the apartment, the task and the running metrics."""

    layout: int
    plan: Floorplan
    items: tuple[Item, ...]
    grid: OccupancyGrid
    distance_field: np.ndarray  # geodesic distance (m) to the goal region, per grid cell
    goal: np.ndarray | None  # pointgoal: the goal (x, y)
    category: str | None  # objectgoal: the category to reach
    start: np.ndarray
    yaw: float
    light_rooms: tuple[int, ...]
    look: Look
    shortest: float  # geodesic start distance (m)
    distance: float  # current geodesic distance (m)
    noise: float  # relative wheel-speed noise
    latency: deque[np.ndarray] = field(default_factory=deque)
    path: float = 0.0
    collisions: int = 0
    success: bool = False
    steps: int = 0


def _point_to_item(xy: np.ndarray, item: Item) -> float:
    """Euclidean distance from a point to an item's footprint rectangle."""
    c, s = np.cos(item.yaw), np.sin(item.yaw)
    d = np.asarray(xy) - (item.x, item.y)
    local = np.array([c * d[0] + s * d[1], -s * d[0] + c * d[1]])
    out = np.maximum(np.abs(local) - (item.sx, item.sy), 0.0)
    return float(np.hypot(*out))


class IndoorNavEnv(MujocoEnv[IndoorNavEpisode], EzPickle):
    """Navigate a wheeled robot to a goal in a procedurally generated apartment.

    ## Description
    Every episode draws an apartment (3–6 rooms, doors, sometimes a corridor, chairs, tables,
    sofas, beds and shelves built from primitives) from one million seeded layouts — 900,000
    for ``split="train"`` and 100,000 held out for ``split="test"`` — and places a
    differential-drive robot (two motorised wheels, two casters; real contacts with walls and
    furniture) at a random reachable start. ``task="pointgoal"`` asks it to reach a point
    given as distance and heading (Habitat's GPS+compass); ``task="objectgoal"`` to come
    within 1 m of any instance of a named category (one-hot over chair, table, sofa, bed,
    shelf).

    ## Action Space
    ``action_mode="continuous"`` (default): ``Box(-1, 1, (2,))`` = (linear, angular) velocity
    as a fraction of 0.8 m/s and 2 rad/s, held for one 0.2 s step; finite values outside
    [-1, 1] are clipped, NaN/inf or wrong shapes raise ``ValueError``. The wheel motors track
    the matching wheel speeds with limited torque. ``action_mode="discrete"``:
    ``Discrete(4)`` = stop, forward (0.8 m/s for 0.2 s), turn left, turn right (15° nominal).

    ## Observation Space
    A ``Dict`` chosen by ``obs_mode`` (parts joined with ``+``): ``rgb`` (H×W×3 uint8),
    ``depth`` (H×W×1 float32 metres, 0 = missing, ≤ 10), ``seg`` (H×W×1 uint8 semantic class,
    see ``SEG_CLASSES``), ``rgbd`` = ``rgb+depth``, ``state`` adds ``ranges`` (16 range
    readings in metres around the robot, ≤ 5). Always present: ``goal`` (pointgoal:
    [distance m, cos, sin] of the goal in the robot frame; objectgoal: one-hot category) and
    ``proprio`` ([forward speed m/s, yaw rate rad/s]). Images use ``camera_size`` (84×84).

    ## Rewards
    ``reward_progress`` (decrease of geodesic distance to the goal, m) + ``reward_success``
    (``success_reward``, 2.5, on success) + ``reward_slack`` (``slack_reward``, -0.01 per
    step) + ``reward_collision`` (``collision_reward``, -0.05 per step in contact with walls
    or furniture); each term is in ``info`` and they sum to the reward.

    ## Starting State
    A random reachable pose (uniform yaw) at least 1.5 m geodesic from the goal.

    ## Episode End
    Continuous actions: terminated on success (the robot stops itself). Discrete actions:
    terminated by ``stop`` (success if within the goal distance then). Truncated by the
    ``TimeLimit`` wrapper (500 steps from ``gym.make``). ``info`` always holds ``success``,
    ``spl`` (Anderson et al. 2018, with the geodesic shortest path), ``distance_to_goal``
    (geodesic, m), ``collisions`` (steps in contact), ``path_length`` (m), ``layout``.

    ## Arguments
    ``task``, ``obs_mode``, ``camera_size``, ``action_mode``, ``randomization`` (``none``,
    ``default``, ``strong``, dict or YAML path), ``dr_scale``, ``split`` (``train``/``test``),
    ``layout`` (fix one layout id), ``object_category`` (fix the objectgoal category),
    ``success_distance`` (pointgoal, 0.3 m), ``object_success_distance`` (1.0 m),
    ``success_reward``, ``slack_reward``, ``collision_reward`` (see Rewards),
    ``render_mode``, ``render_size`` (overview image, 256×256), ``renderer`` (``batch``:
    ``simenv.render``, default; ``mujoco``: MuJoCo's ``mjr_render``, the reference). Privileged
    state for experts:
    ``env.unwrapped.episode`` (an :class:`IndoorNavEpisode`), ``robot_pose()``,
    ``within_goal(xy)``.

    ## Version History
    * v0: initial release.

    ## Domain Randomization
    Sampled once per ``reset`` from the env's generator (``info["randomization"]``); sensor
    noise is drawn per step from the same generator.

    """

    metadata: dict[str, Any] = {
        **MujocoEnv.metadata,
        "episode_metrics": ("success", "spl", "distance_to_goal", "collisions", "path_length"),
    }
    # walls and floors lit per vertex on quads of up to 2 m (MuJoCo's renderer: ~0.5 m): half
    # the vertices, 5.4x mjr_render's frames/s at N = 16 instead of 4.7x, RGB within 1.4 levels
    scene_options: ClassVar[Mapping[str, Any]] = {"vertex_spacing": 2.0}

    def __init__(
        self,
        task: str = "pointgoal",
        obs_mode: str = "rgb",
        camera_size: tuple[int, int] = (84, 84),
        action_mode: str = "continuous",
        randomization: Any = "default",
        dr_scale: float = 1.0,
        split: str = "train",
        layout: int | None = None,
        object_category: str | None = None,
        success_distance: float = 0.3,
        object_success_distance: float = 1.0,
        success_reward: float = 2.5,
        slack_reward: float = -0.01,
        collision_reward: float = -0.05,
        render_mode: str | None = None,
        render_size: tuple[int, int] = (256, 256),
        renderer: str = "batch",
    ) -> None:
        EzPickle.__init__(
            self,
            task,
            obs_mode,
            camera_size,
            action_mode,
            randomization,
            dr_scale,
            split,
            layout,
            object_category,
            success_distance,
            object_success_distance,
            success_reward,
            slack_reward,
            collision_reward,
            render_mode,
            render_size,
            renderer,
        )
        super().__init__(
            PARAMS,
            randomization,
            dr_scale,
            render_mode,
            camera_size,
            render_size,
            C.CONTROL_DT,
            renderer,
        )
        self.task = check_choice("task", task, TASKS)
        self.action_mode = check_choice("action_mode", action_mode, ACTION_MODES)
        self.obs_parts = parse_obs_mode(obs_mode, OBS_PARTS, OBS_ALIASES)
        self.layouts = layout_id_range(split)
        if layout is not None and (
            not isinstance(layout, (int, np.integer)) or layout < 0 or layout >= 1_000_000
        ):
            raise ValueError(f"layout must be an integer id in [0, 1000000), got {layout!r}")
        self.fixed_layout = layout
        if object_category is not None:
            check_choice("object_category", object_category, C.CATEGORIES)
        self.object_category = object_category
        self.success_distance = float(success_distance)
        self.object_success_distance = float(object_success_distance)
        self.rewards = Rewards(float(success_reward), float(slack_reward), float(collision_reward))

        if action_mode == "continuous":
            self.action_space: spaces.Space[Any] = spaces.Box(-1.0, 1.0, (2,), np.float32)
        else:
            self.action_space = spaces.Discrete(len(C.DISCRETE_ACTIONS))
        h, w = self.camera_size
        obs: dict[str, spaces.Space[Any]] = {}
        if "rgb" in self.obs_parts:
            obs["rgb"] = spaces.Box(0, 255, (h, w, 3), np.uint8)
        if "depth" in self.obs_parts:
            obs["depth"] = spaces.Box(0.0, C.MAX_DEPTH, (h, w, 1), np.float32)
        if "seg" in self.obs_parts:
            obs["seg"] = spaces.Box(0, len(C.SEG_CLASSES) - 1, (h, w, 1), np.uint8)
        if task == "pointgoal":  # distance (m), cos, sin of the heading to the goal
            obs["goal"] = spaces.Box(
                np.array([0, -1, -1], np.float32), np.array([50, 1, 1], np.float32)
            )
        else:
            obs["goal"] = spaces.Box(0.0, 1.0, (len(C.CATEGORIES),), np.float32)
        obs["proprio"] = spaces.Box(-10.0, 10.0, (2,), np.float32)
        if "state" in self.obs_parts:
            obs["ranges"] = spaces.Box(0.0, C.MAX_RANGE, (C.N_RANGES,), np.float32)
        self.observation_space = spaces.Dict(obs)

        self._structure: tuple[Any, ...] | None = None

    # ------------------------------------------------------------------ reset pieces
    def _sample_episode(
        self, sample: Mapping[str, Value], rng: np.random.Generator
    ) -> IndoorNavEpisode:
        layout = self.fixed_layout
        if layout is None:
            layout = int(rng.integers(self.layouts.start, self.layouts.stop))
        plan = _floorplan(layout)
        items = furnish(
            plan,
            int(sample["scene.furniture_per_room"]),
            float(sample["scene.furniture_jitter"]),
            int(sample["scene.distractors"]),
            rng,
        )
        grid = OccupancyGrid(plan, items, C.CLEARANCE)
        goal, field, category = self._sample_goal(plan, items, grid, rng)
        start_xy, start_d = self._sample_start(grid, field, rng)
        yaw = float(rng.uniform(-np.pi, np.pi))
        order = np.argsort([-(r.w * r.h) for r in plan.rooms], kind="stable")
        light_rooms = tuple(int(r) for r in order[: int(sample["lighting.count"])])
        return IndoorNavEpisode(
            layout=layout,
            plan=plan,
            items=tuple(items),
            grid=grid,
            distance_field=field,
            goal=goal,
            category=category,
            start=start_xy,
            yaw=yaw,
            light_rooms=light_rooms,
            look=sample_look(sample, len(light_rooms)),
            shortest=start_d,
            distance=start_d,
            noise=float(sample["dynamics.actuation_noise"]),
            latency=deque([np.zeros(2)] * int(sample["dynamics.action_latency"])),
        )

    def _build(self, episode: IndoorNavEpisode, sample: Mapping[str, Value]) -> None:
        structure = (episode.layout, episode.items, episode.light_rooms)
        if structure == self._structure:
            return
        spec = build_spec(
            episode.plan,
            list(episode.items),
            list(episode.light_rooms),
            self.camera_size,
            self.render_size,
        )
        self.set_model(spec.compile())
        self._refs = self._lookup_refs(episode.plan, list(episode.light_rooms))
        self._seg_lut = self._segmentation_lut()
        self._root_qpos = int(self.model.jnt_qposadr[self.joint("robot/root")])  # type: ignore[union-attr]
        self._root_dof = int(self.model.jnt_dofadr[self.joint("robot/root")])  # type: ignore[union-attr]
        self._lidar = self.site(C.RANGEFINDER_SITE)
        self._structure = structure

    def _apply(self, episode: IndoorNavEpisode, sample: Mapping[str, Value]) -> None:
        assert self.model is not None
        self.upload_textures(apply_appearance(self.model, self._refs, sample, episode.look))

    def _settle(self, episode: IndoorNavEpisode, sample: Mapping[str, Value]) -> None:
        model, data = self.model, self.data
        assert model is not None and data is not None
        mujoco.mj_resetData(model, data)
        root, yaw, goal = self._root_qpos, episode.yaw, episode.goal
        data.qpos[root : root + 7] = [*episode.start, 0.001, np.cos(yaw / 2), 0, 0, np.sin(yaw / 2)]
        data.mocap_pos[0] = [*goal, 0.0] if goal is not None else [0, 0, -1.0]
        mujoco.mj_forward(model, data)
        self._sensor = SensorModel.from_sample(sample)

    def _sample_goal(
        self, plan: Floorplan, items: list[Item], grid: OccupancyGrid, rng: np.random.Generator
    ) -> tuple[np.ndarray | None, np.ndarray, str | None]:
        if self.task == "pointgoal":
            cells = np.argwhere(grid.reachable)
            rc = cells[int(rng.integers(len(cells)))]
            sources = np.zeros(grid.shape, bool)
            sources[rc[0], rc[1]] = True
            return grid.center((int(rc[0]), int(rc[1]))), grid.distance_field(sources), None
        # objectgoal: a category with at least one instance whose 1 m vicinity is reachable
        rr, cc = np.mgrid[0 : grid.shape[0], 0 : grid.shape[1]]
        centres = grid.origin + (np.stack([cc, rr], -1) + 0.5) * grid.res
        regions = {}
        for cat in C.CATEGORIES:
            mask = np.zeros(grid.shape, bool)
            for it in items:
                if it.category == cat:
                    mask |= _near_item(centres, it, self.object_success_distance - grid.res)
            mask &= grid.reachable
            if mask.any():
                regions[cat] = mask
        if self.object_category is not None:
            if self.object_category not in regions:
                cats = sorted(regions)
                raise RuntimeError(
                    f"layout {plan.layout_id} has no reachable {self.object_category!r}; "
                    f"it has {cats}; pass layout=None or another object_category"
                )
            category = self.object_category
        else:
            cats = sorted(regions)
            category = cats[int(rng.integers(len(cats)))]
        return None, grid.distance_field(regions[category]), category

    def _sample_start(
        self, grid: OccupancyGrid, field: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, float]:
        ok = grid.reachable & np.isfinite(field) & (field >= 1.5)
        if not ok.any():  # tiny reachable area: take the farthest cell
            ok = grid.reachable & (field == field[np.isfinite(field)].max())
        cells = np.argwhere(ok)
        rc = cells[int(rng.integers(len(cells)))]
        return grid.center((int(rc[0]), int(rc[1]))), float(field[rc[0], rc[1]])

    def _lookup_refs(self, plan: Floorplan, light_rooms: list[int]) -> Refs:
        model = self.model
        assert model is not None
        lights = np.array([self.light(f"light/{k}") for k in range(len(light_rooms))], int)
        span = np.array(
            [[plan.rooms[r].w / 2 - 0.3, plan.rooms[r].h / 2 - 0.3] for r in light_rooms]
        ).reshape(-1, 2)
        chassis = self.body("robot")
        acts = np.array([self.actuator(a) for a in C.WHEEL_ACTUATORS])
        return Refs(
            textures={g: self.texture(f"tex/{g}") for g in LOOK_GROUPS},
            materials={g: self.material(f"mat/{g}") for g in LOOK_GROUPS},
            lights=lights,
            light_pos=model.light_pos[lights].copy(),
            light_span=span,
            camera=self.camera(C.EGO_CAMERA),
            chassis_body=chassis,
            chassis_mass=float(model.body_mass[chassis]),
            chassis_inertia=model.body_inertia[chassis].copy(),
            wheel_geoms=np.array([self.geom(g) for g in C.WHEELS]),
            actuators=acts,
            kv=float(model.actuator_gainprm[acts[0], 0]),
            force=model.actuator_forcerange[acts].copy(),
        )

    def _segmentation_lut(self) -> np.ndarray:
        """Geom id → semantic class (index into SEG_CLASSES); last entry is the background."""
        model = self.model
        assert model is not None
        lut = np.zeros(model.ngeom + 1, np.uint8)
        classes = {c: i for i, c in enumerate(C.SEG_CLASSES)}
        for g in range(model.ngeom):
            name = mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_GEOM, g) or ""
            head = name.split("/")[0]
            lut[g] = classes.get(head, 0)
        self._robot_geoms = np.array(
            [
                (mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_GEOM, g) or "").startswith("robot/")
                for g in range(model.ngeom)
            ]
        )
        self._obstacle_geoms = lut[:-1] != classes["floor"]
        self._obstacle_geoms &= ~self._robot_geoms
        return lut

    # ------------------------------------------------------------------ step
    def _act(self, action: Any) -> tuple[dict[str, float], bool, bool]:
        ep, stop = self.episode, False
        if self.action_mode == "discrete":
            name = C.DISCRETE_ACTIONS[int(action)]
            stop = name == "stop"
            command = np.array(C.DISCRETE_COMMANDS[name])
        else:
            command = np.asarray(action) * (C.MAX_LINEAR, C.MAX_ANGULAR)
        ep.latency.append(command)
        v, w = ep.latency.popleft()
        wheel = np.array([v - w * C.WHEEL_BASE / 2, v + w * C.WHEEL_BASE / 2]) / C.WHEEL_RADIUS
        if ep.noise > 0:
            wheel = wheel * (1.0 + ep.noise * self.np_random.standard_normal(2))
        model, data = self.model, self.data
        assert model is not None and data is not None
        before = data.xpos[self._refs.chassis_body, :2].copy()
        data.ctrl[self._refs.actuators] = wheel
        mujoco.mj_step(model, data, nstep=round(C.CONTROL_DT / C.PHYSICS_DT))
        xy = data.xpos[self._refs.chassis_body, :2]
        ep.path += float(np.linalg.norm(xy - before))
        ep.steps += 1
        contact = data.contact.geom[: data.ncon]
        robot, obstacle = self._robot_geoms[contact], self._obstacle_geoms[contact]
        collided = bool(np.any((robot[:, 0] & obstacle[:, 1]) | (robot[:, 1] & obstacle[:, 0])))
        ep.collisions += int(collided)

        previous = ep.distance
        ep.distance = ep.grid.lookup(ep.distance_field, xy)
        within = self.within_goal(xy)
        terminated = stop or (self.action_mode == "continuous" and within)
        ep.success = bool(terminated and within)
        r = self.rewards
        terms = {
            "reward_progress": float(previous - ep.distance if np.isfinite(ep.distance) else 0.0),
            "reward_success": r.success if ep.success else 0.0,
            "reward_slack": r.slack,
            "reward_collision": r.collision if collided else 0.0,
        }
        return terms, terminated, False

    def within_goal(self, xy: np.ndarray) -> bool:
        """Whether the robot at ``xy`` would succeed by stopping there."""
        ep = self.episode
        if self.task == "pointgoal":
            return bool(np.linalg.norm(xy - ep.goal) < self.success_distance)
        return any(
            _point_to_item(xy, it) <= self.object_success_distance
            for it in ep.items
            if it.category == ep.category
        )

    def _info(self) -> dict[str, Any]:
        ep = self.episode
        spl = float(ep.success) * ep.shortest / max(ep.path, ep.shortest, 1e-9)
        return {
            "success": ep.success,
            "spl": spl,
            "distance_to_goal": ep.distance,
            "collisions": ep.collisions,
            "path_length": ep.path,
            "layout": ep.layout,
            "geodesic_start_distance": ep.shortest,
            "object_category": ep.category,
        }

    # ------------------------------------------------------------------ observations
    def robot_pose(self) -> tuple[np.ndarray, float]:
        """Planar pose (x, y) and yaw of the robot's base."""
        data = self.data
        assert data is not None
        b = self._refs.chassis_body
        mat = data.xmat[b].reshape(3, 3)
        return data.xpos[b, :2].copy(), float(np.arctan2(mat[1, 0], mat[0, 0]))

    def _camera_request(self) -> CameraRequest | None:
        outputs = tuple(OUTPUT_OF[p] for p in OBS_PARTS if p in self.obs_parts and p in OUTPUT_OF)
        return CameraRequest(EGO_VIEW, self.camera_size, outputs) if outputs else None

    def _observe(self, frame: Frame | None) -> dict[str, np.ndarray]:
        ep, data = self.episode, self.data
        assert data is not None
        xy, yaw = self.robot_pose()
        obs: dict[str, np.ndarray] = {}
        if frame is not None:
            rng = self.np_random
            if frame.rgb is not None:
                obs["rgb"] = self._sensor.apply_rgb(frame.rgb, rng)
            if frame.depth is not None:
                depth = np.minimum(frame.depth, C.MAX_DEPTH)[..., None]
                obs["depth"] = np.clip(self._sensor.apply_depth(depth, rng), 0.0, C.MAX_DEPTH)
            if frame.segmentation is not None:
                obs["seg"] = self._seg_lut[frame.segmentation][..., None]
        if self.task == "pointgoal":
            d = ep.goal - xy
            heading = np.arctan2(d[1], d[0]) - yaw
            obs["goal"] = np.array(
                [np.linalg.norm(d), np.cos(heading), np.sin(heading)], np.float32
            )
        else:
            obs["goal"] = np.zeros(len(C.CATEGORIES), np.float32)
            obs["goal"][C.CATEGORIES.index(ep.category)] = 1.0
        vel = data.qvel[self._root_dof : self._root_dof + 6]
        forward = vel[0] * np.cos(yaw) + vel[1] * np.sin(yaw)
        obs["proprio"] = np.clip(np.array([forward, vel[5]], np.float32), -10.0, 10.0)
        if "state" in self.obs_parts:
            obs["ranges"] = self._ranges(yaw)
        return obs

    def _ranges(self, yaw: float) -> np.ndarray:
        model, data = self.model, self.data
        angles = yaw + _BEAMS
        vec = np.stack([np.cos(angles), np.sin(angles), np.zeros_like(angles)], 1).ravel()
        site = self._lidar
        geomid = np.zeros(C.N_RANGES, np.int32)
        dist = np.zeros(C.N_RANGES)
        group = np.array([1, 0, 0, 0, 0, 0], np.uint8)
        assert model is not None and data is not None
        mujoco.mj_multiRay(
            model,
            data,
            data.site_xpos[site].copy(),
            vec,
            group,
            1,
            -1,
            geomid,
            dist,
            None,
            C.N_RANGES,
            C.MAX_RANGE,
        )
        dist[dist < 0] = C.MAX_RANGE
        return np.minimum(dist, C.MAX_RANGE).astype(np.float32)

    def _render_frame(self) -> np.ndarray:
        frame = self.draw(OVERVIEW_VIEW, self.render_size)
        assert frame.rgb is not None
        return frame.rgb


def _near_item(centres: np.ndarray, item: Item, radius: float) -> np.ndarray:
    c, s = np.cos(item.yaw), np.sin(item.yaw)
    d = centres - (item.x, item.y)
    lx = np.abs(c * d[..., 0] + s * d[..., 1]) - item.sx
    ly = np.abs(-s * d[..., 0] + c * d[..., 1]) - item.sy
    return np.hypot(np.maximum(lx, 0), np.maximum(ly, 0)) <= radius


IndoorNavEnv.__doc__ = (IndoorNavEnv.__doc__ or "") + dr_table(PARAMS) + "\n"
