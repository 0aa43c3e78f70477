"""Driving-v0: a 1:10 racecar follows its lane on procedurally generated roads (PyBullet)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import EzPickle

from simenv.core import check_choice, parse_obs_mode
from simenv.env import CameraRequest
from simenv.pybullet_env import PybulletEnv, PybulletView
from simenv.randomization import Value, dr_table
from simenv.render.pybullet_adapter import Look
from simenv.rendering import Frame
from simenv.sensors import SensorModel

from . import constants as C
from .bounds import SCENE_PARAMS, pool_bounds
from .randomize import (
    BUILDING_JITTER,
    MARKING,
    PARAMS,
    VEHICLE_COLORS,
    apply_dynamics,
    color,
    light_args,
    sky_colors,
)
from .roads import (
    BUILDINGS,
    Placement,
    Road,
    Vehicle,
    generate_road,
    lane_centre,
    pieces,
    place_obstacles,
    place_scenery,
    place_traffic,
    road_id_range,
)
from .world import GARAGE, Z_LINE, Z_ROAD, Z_SIDEWALK, World

OBS_PARTS = ("rgb", "depth", "seg", "lidar", "state")
OBS_ALIASES = {"rgbd": "rgb+depth"}
OUTPUT_OF = {"rgb": "rgb", "depth": "depth", "seg": "segmentation"}  # camera outputs
ACTION_MODES = ("continuous", "discrete")


@dataclass(frozen=True)
class Rewards:
    """Reward weights (keyword arguments of the env)."""

    progress: float = 1.0
    lane: float = -0.05
    success: float = 1.0
    failure: float = -1.0


@dataclass
class DrivingEpisode:
    """Privileged state of one episode: the route, what stands and drives on it, metrics."""

    road: Road
    lanes: int
    lane_width: float
    scenery: list[tuple[Placement, np.ndarray | None]]  # with each item's colour jitter
    obstacles: list[tuple[Placement, float]]  # and their route position s
    traffic: list[Vehicle]
    paints: list[int]  # each vehicle's colour (VEHICLE_COLORS index)
    vehicle_bodies: list[int] = field(default_factory=list)
    latency: deque[np.ndarray] = field(default_factory=deque)
    steps: int = 0
    s: float = 0.0  # route position (m)
    index: int = 0  # the nearest centreline sample
    lateral: float = 0.0  # offset from the centreline (m, left +)
    best_s: float = 0.0
    path: float = 0.0
    lane_dev_sum: float = 0.0
    lane_invasions: int = 0
    collisions: int = 0
    off_road: bool = False
    success: bool = False
    termination: str = ""
    steer: float = 0.0  # centre-wheel angle (rad)

    @property
    def half(self) -> float:
        """Half the asphalt's width (m)."""
        return self.lanes * self.lane_width / 2

    @property
    def lane_centre(self) -> float:
        """Lateral offset of the ego lane's centre (m)."""
        return lane_centre(self.lanes, self.lane_width)


class DrivingEnv(PybulletEnv[DrivingEpisode], EzPickle):
    """Drive a 1:10 racecar along a generated route, keeping its lane, to the goal line.

    ## Description
    Every episode draws a route from one million seeded road ids (900,000 for
    ``split="train"``, 100,000 held out for ``split="test"``): straights, curves of 2–8 m
    radius and T/X junctions where the route goes straight or turns, with side roads, 28–40 m
    to the goal line. Roads have one lane (one-way) or two (right-hand traffic), textured lane
    markings, kerbs, sidewalks and verges; buildings, trees and street lamps line them. Static
    obstacles (cones, barrels, parked cars) stand at the right edge of the ego lane, reaching
    6–8 cm into it; scripted vehicles drive ahead in the ego lane (slower than 1.5 m/s) and
    oncoming in the other lane. The vehicle is the MIT RACECAR model from ``pybullet_data``
    (real wheel and Ackermann steering joints, tyre contacts), scale 1:10.

    ## Action Space
    ``action_mode="continuous"`` (default): ``Box(-1, 1, (2,))`` = (steering, throttle).
    Steering times 0.5 rad (times ``dynamics.steering_gain``) is the angle of a virtual
    centre wheel; each front wheel gets its Ackermann angle. Throttle > 0 drives all four
    wheels with that fraction of the motor torque (top speed 3 m/s); throttle < 0 brakes.
    Finite values outside [-1, 1] are clipped; NaN/inf or wrong shapes raise ``ValueError``.
    ``action_mode="discrete"``: ``Discrete(5)`` = coast, gas, brake, left, right (see
    ``DISCRETE_ACTIONS``). Control runs at 20 Hz, physics at 200 Hz.

    ## Observation Space
    A ``Dict`` chosen by ``obs_mode`` (parts joined with ``+``): ``rgb`` (H×W×3 uint8, front
    camera), ``depth`` (H×W×1 float32 metres, 0 = missing, ≤ 30), ``seg`` (H×W×1 uint8
    semantic class: 0 sky, 1 ground (grass verges), 2 road, 3 lane marking, 4 sidewalk (with
    its kerb), 5 ego car, 6 vehicle (moving and parked), 7 obstacle (cones, barrels),
    8 building, 9 vegetation, 10 pole (street lamps); ``SEG_CLASSES``; with
    ``renderer="tiny"``/``"egl"``, whose masks hold body ids, a junction's verge counts as
    sidewalk), ``rgbd`` = ``rgb+depth``,
    ``lidar`` (32 ranges in metres over 360°, ≤ 5), ``state`` (10 floats: speed m/s, lane
    offset m (left +), heading error rad, steering rad, route curvature 1/m at 0.5/1/2/3 m
    ahead, gap to the vehicle ahead in the lane m (≤ 5), its speed minus ours m/s). Always
    present: ``proprio`` ([speed m/s, yaw rate rad/s, steering rad]). Images use
    ``camera_size`` (84×84).

    ## Rewards
    ``reward_progress`` (``progress_reward``, 1, per metre gained along the route) +
    ``reward_lane`` (``lane_reward``, -0.05, × (lane offset / half lane width)²) +
    ``reward_success`` (``success_reward``, +1, at the goal line) + ``reward_failure``
    (``failure_reward``, -1, on collision or leaving the road); the terms are in ``info`` and
    sum to the reward.

    ## Starting State
    At rest in the centre of the ego lane, 0.5 m along the route.

    ## Episode End
    Terminated at the goal line (success), on any collision (obstacles, vehicles, buildings)
    or when the car's centre leaves the asphalt by 5 cm (``termination`` says which).
    Truncated by the ``TimeLimit`` wrapper (1200 steps = 60 s from ``gym.make``). ``info``
    always holds ``success``, ``route_completion`` (0–1), ``mean_lane_deviation`` (m),
    ``collisions``, ``lane_invasions`` (steps with a wheel over a lane line),
    ``infractions`` (lane invasions + collisions + off-road), ``average_speed`` (m/s),
    ``termination``, ``road`` (id) and ``lanes``.

    ## Arguments
    ``obs_mode``, ``camera_size``, ``action_mode``, ``randomization`` (``none``,
    ``default``, ``strong``, dict or YAML path), ``dr_scale``, ``split`` (``train``/``test``),
    ``road`` (fix one road id), ``progress_reward``, ``lane_reward``, ``success_reward``,
    ``failure_reward`` (see Rewards), ``render_mode``, ``render_size`` (chase camera,
    256×256), ``renderer`` (``batch``: ``simenv.render``, default; ``tiny``: PyBullet's
    TinyRenderer, the reference; ``egl``: PyBullet's EGL plugin). Privileged state for
    experts: ``env.unwrapped.episode`` (a :class:`DrivingEpisode`), ``car_pose()``,
    ``speed()``, ``lead_vehicle()``.

    ## Version History
    * v0: initial release.

    ## Domain Randomization
    Sampled once per ``reset`` from the env's generator (``info["randomization"]``); sensor
    noise is drawn per step from the same generator.

    The world holds a fixed number of bodies, made with it (``world.py``): per kind, the most
    an episode can need. For the road kit that is exact over every road id; for scenery,
    obstacles and traffic it follows the maxima of the ``scene.*`` ranges in effect (after
    ``randomization`` and ``dr_scale``) and covers all but 1e-9 of episodes (an episode
    beyond grows its pool up to the cap below; items beyond the cap are left out). A range
    whose maximum needs more than a hard cap — 32 vehicles (``scene.traffic_density``), 48
    buildings of one size (``scene.buildings``) — is a ``ValueError`` at construction that
    names the largest maximum that fits; a range widened later (automatic DR) grows the
    pools at the next ``reset``, or fails there. Step time and memory stay flat however long
    the env runs (``benchmarks/bench_soak.py``).

    """

    metadata: dict[str, Any] = {
        **PybulletEnv.metadata,
        "render_fps": 20,
        "episode_metrics": (
            "success",
            "route_completion",
            "mean_lane_deviation",
            "collisions",
            "infractions",
            "average_speed",
        ),
    }

    def __init__(
        self,
        obs_mode: str = "rgb",
        camera_size: tuple[int, int] = (84, 84),
        action_mode: str = "continuous",
        randomization: Any = "default",
        dr_scale: float = 1.0,
        split: str = "train",
        road: int | None = None,
        progress_reward: float = 1.0,
        lane_reward: float = -0.05,
        success_reward: float = 1.0,
        failure_reward: float = -1.0,
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
            road,
            progress_reward,
            lane_reward,
            success_reward,
            failure_reward,
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
        self.action_mode = check_choice("action_mode", action_mode, ACTION_MODES)
        self.obs_parts = parse_obs_mode(obs_mode, OBS_PARTS, OBS_ALIASES)
        self.roads = road_id_range(split)
        if road is not None and (
            not isinstance(road, (int, np.integer)) or not 0 <= road < 1_000_000
        ):
            raise ValueError(f"road must be an integer id in [0, 1000000), got {road!r}")
        self.fixed_road = road
        self.rewards = Rewards(
            float(progress_reward), float(lane_reward), float(success_reward), float(failure_reward)
        )
        self._pool_key: tuple[str, ...] = ()
        self._pool_sizes: tuple[dict[str, int], dict[str, int | None]] = ({}, {})
        self._pool_bounds()  # a scene.* range beyond a pool's hard cap fails here
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
        if "lidar" in self.obs_parts:
            obs["lidar"] = spaces.Box(0.0, C.LIDAR_RANGE, (C.LIDAR_BEAMS,), np.float32)
        if "state" in self.obs_parts:
            obs["state"] = spaces.Box(-10.0, 10.0, (C.STATE_SIZE,), np.float32)
        obs["proprio"] = spaces.Box(-10.0, 10.0, (3,), np.float32)
        self.observation_space = spaces.Dict(obs)
        self.world: World | None = None
        self._seg_lut: tuple[tuple[Any, int], np.ndarray] | None = None  # (key, table)
        angles = np.linspace(0, 2 * np.pi, C.LIDAR_BEAMS, endpoint=False)
        self._beams = np.stack([np.cos(angles), np.sin(angles), np.zeros_like(angles)], 1)

    def _on_connect(self, client: Any) -> None:
        self.world = World(client, *self._pool_bounds())

    def _pool_bounds(self) -> tuple[dict[str, int], dict[str, int | None]]:
        """Bodies per pool kind and hard caps for the DR ranges in effect (recomputed when a
        ``scene.*`` range changes, e.g. under automatic DR; ``ValueError`` beyond a cap)."""
        ranges = self.randomizer.ranges()
        key = tuple(repr(ranges[name]) for name in SCENE_PARAMS)
        if key != self._pool_key:
            self._pool_sizes = pool_bounds(ranges)
            self._pool_key = key
        return self._pool_sizes

    def _world(self) -> World:
        self.client  # noqa: B018  (connects and builds the world on first use)
        assert self.world is not None
        return self.world

    # ------------------------------------------------------------------ reset pieces
    def _sample_episode(
        self, sample: Mapping[str, Value], rng: np.random.Generator
    ) -> DrivingEpisode:
        road_id = self.fixed_road
        if road_id is None:
            road_id = int(rng.integers(self.roads.start, self.roads.stop))
        road = generate_road(road_id)
        lanes = int(sample["road.lanes"])
        lane_w = C.LANE_WIDTH[lanes]
        items = place_scenery(
            road,
            rng,
            float(sample["scene.buildings"]),
            float(sample["scene.trees"]),
            float(sample["scene.lamps"]),
        )
        obstacles = place_obstacles(
            road, rng, float(sample["scene.obstacle_density"]), lanes, lane_w
        )
        traffic = place_traffic(road, rng, float(sample["scene.traffic_density"]), lanes, lane_w)
        scatter = np.random.default_rng(int(sample["texture.seed"]))  # the recorded seed's
        scenery: list[tuple[Placement, np.ndarray | None]] = []
        for p in items:  # each building's and tree's colour scatter
            jitter = None
            if p.kind == "building":
                jitter = scatter.uniform(1 - BUILDING_JITTER, 1 + BUILDING_JITTER, 3)
            elif p.kind == "tree":
                jitter = scatter.uniform(0.75, 1.25, 3)
            scenery.append((p, jitter))
        paints = [int(scatter.integers(len(VEHICLE_COLORS))) for _ in traffic]
        return DrivingEpisode(
            road,
            lanes,
            lane_w,
            scenery,
            obstacles,
            traffic,
            paints,
            latency=deque([np.zeros(2)] * int(sample["dynamics.action_latency"])),
        )

    def _build(self, episode: DrivingEpisode, sample: Mapping[str, Value]) -> None:
        """Place the pooled bodies: the road kit, scenery, obstacles and traffic, each with
        its look (the pools' bodies take their colour and texture as they are placed)."""
        world = self._world()
        world.ensure(*self._pool_bounds())
        world.begin()
        self._dress_road(episode, sample)
        self._dress_scenery(episode, sample)
        placed = []  # obstacles beyond a pool's hard cap (p < 1e-9) are left out
        for placement, s in episode.obstacles:
            tint = None if placement.kind == "cone" else VEHICLE_COLORS[placement.variant]
            if (
                world.place(placement.kind, placement.x, placement.y, 0.0, placement.yaw, tint)
                is not None
            ):
                placed.append((placement, s))
        episode.obstacles = placed
        moving, paints = [], []
        for vehicle, paint in zip(episode.traffic, episode.paints):
            body = world.place("vehicle", *GARAGE, 0.0)
            if body is None:  # beyond the vehicle pool's hard cap (p < 1e-9): left out
                continue
            world.color(body, VEHICLE_COLORS[paint], 0)
            world.color(body, (0.1, 0.12, 0.15), 1)
            episode.vehicle_bodies.append(body)
            moving.append(vehicle)
            paints.append(paint)
        episode.traffic, episode.paints = moving, paints
        world.end()
        centre = episode.road.xy.mean(0)
        world.dress_ground(
            float(centre[0]),
            float(centre[1]),
            color(sample, "ground"),
            str(sample["texture.ground"]),
        )

    def _dress_road(self, episode: DrivingEpisode, sample: Mapping[str, Value]) -> None:
        """Asphalt, sidewalks and lines on every tile; asphalt, corners and sides of junctions."""
        world, road, half = self._world(), episode.road, episode.half
        asphalt = (color(sample, "road"), world.patterns[str(sample["texture.road"])])
        walk = (color(sample, "sidewalk"), world.sidewalk_texture)
        verge = (color(sample, "ground"), world.patterns[str(sample["texture.ground"])])
        width, dash = float(sample["road.marking_width"]), float(sample["road.dash_fraction"])
        centre = MARKING[str(sample["road.centre_color"])] if half > 0.5 else None
        h = f"{half:.3f}"  # road-kit variant names (World: HALVES, WIDTHS, DASHES)
        lines = {f"edge/{h}/{width}": (MARKING["white"], None)}
        if centre is not None:
            lines[f"centre/{dash}/{width}"] = (centre, None)
        for (x, y, yaw), k in pieces(road):
            world.place(f"asphalt/{k:+.4f}", x, y, Z_ROAD, yaw, show={h: asphalt})
            world.place(f"sidewalk/{k:+.4f}", x, y, Z_SIDEWALK, yaw, show={h: walk})
            world.place(f"lines/{k:+.4f}", x, y, Z_LINE, yaw, show=lines)
        edge = {f"walk/{h}": walk, f"verge/{h}": verge}  # junction sidewalk and verge
        for j in road.junctions:
            yaw = j.yaw
            tee = len(j.exits) == 3
            if tee:  # rotate the patch so its closed side (local +y) faces the missing road
                dirs = j.yaw + np.arange(4) * np.pi / 2
                gap = [min(abs(np.angle(np.exp(1j * (d - e)))) for e in j.exits) for d in dirs]
                yaw = float(dirs[int(np.argmax(gap))]) - np.pi / 2
                world.place("jside", j.x, j.y, Z_SIDEWALK, yaw, show=edge)
            world.place("jasphalt", j.x, j.y, Z_ROAD, yaw, *asphalt)
            cs, sn = np.cos(yaw), np.sin(yaw)
            for sx, sy, turn in ((-1, -1, 0), (1, -1, 1), (1, 1, 2), (-1, 1, 3)):
                if tee and sy > 0:
                    continue
                x, y = (
                    j.x + C.JUNCTION_HALF * (cs * sx - sn * sy),
                    j.y + C.JUNCTION_HALF * (sn * sx + cs * sy),
                )
                world.place("jcorner", x, y, Z_SIDEWALK, yaw + turn * np.pi / 2, show=edge)

    def _dress_scenery(self, episode: DrivingEpisode, sample: Mapping[str, Value]) -> None:
        """Buildings, trees and lamps with their colours."""
        world = self._world()
        base = color(sample, "building")
        leaves = color(sample, "vegetation")
        for p, jitter in episode.scenery:
            if p.kind == "building":
                world.place(
                    f"building/{p.variant}",
                    p.x,
                    p.y,
                    BUILDINGS[p.variant][2] / 2,
                    p.yaw,
                    np.clip(base * jitter, 0, 1),
                    world.facade_texture,
                )
            elif p.kind == "tree":
                world.place("trunk", p.x, p.y, 0.25, 0.0)
                world.place(
                    "crown",
                    p.x,
                    p.y,
                    0.0,
                    p.yaw,
                    show={str(p.variant): (np.clip(leaves * jitter, 0, 1), None)},
                )
            else:
                world.place("lamp", p.x, p.y, 0.0, p.yaw)

    def _apply(self, episode: DrivingEpisode, sample: Mapping[str, Value]) -> None:
        apply_dynamics(self._world(), sample)
        self._steering_gain = float(sample["dynamics.steering_gain"])
        self._motor = float(sample["dynamics.motor_strength"])
        self._camera = (
            float(sample["camera.height"]),
            np.deg2rad(sample["camera.pitch"]),
            np.deg2rad(sample["camera.yaw"]),
            float(sample["camera.fov"]),
        )
        horizon, zenith = sky_colors(sample)
        fog = float(sample["weather.fog"])
        self._look: dict[str, Any] = {
            "light": light_args(sample),
            "zenith": zenith,
            "horizon": horizon,
            "fog_density": -np.log(1.0 - fog) / 20.0 if fog > 0 else 0.0,
        }

    def _settle(self, episode: DrivingEpisode, sample: Mapping[str, Value]) -> None:
        world = self._world()
        c, car = world.c, world.car
        x, y, yaw = episode.road.pose_at(0.5, episode.lane_centre)
        c.resetBasePositionAndOrientation(
            car.body, [x, y, car.rest_height], c.getQuaternionFromEuler([0, 0, yaw])
        )
        c.resetBaseVelocity(car.body, [0, 0, 0], [0, 0, 0])
        for j in range(c.getNumJoints(car.body)):
            c.resetJointState(car.body, j, 0.0, 0.0)
        world.forget_contacts()
        self._drive(0.0, 0.0, episode)
        self._sensor = SensorModel.from_sample(sample)
        self._move_traffic(episode)
        self._update_progress(episode)

    # ------------------------------------------------------------------ step
    def _act(self, action: Any) -> tuple[dict[str, float], bool, bool]:
        if self.action_mode == "discrete":
            command = np.array(list(C.DISCRETE_ACTIONS.values())[int(action)], float)
        else:
            command = np.asarray(action, float)
        ep = self.episode
        ep.latency.append(command)
        steer, throttle = ep.latency.popleft()
        self._drive(float(steer), float(throttle), ep)
        world = self._world()
        before = self.car_pose()[0]
        self._move_traffic(ep)
        for _ in range(C.SUBSTEPS):
            world.c.stepSimulation()
        ep.steps += 1
        ep.path += float(np.linalg.norm(self.car_pose()[0] - before))
        previous = ep.best_s
        dev = self._update_progress(ep)
        collided = self._collided()
        ep.collisions += int(collided)
        half_lane = ep.lane_width / 2
        ep.lane_invasions += int(abs(dev) + C.CAR_HALF_WIDTH > half_lane)
        ep.success = ep.best_s >= ep.road.goal_s and not (collided or ep.off_road)
        failed = collided or ep.off_road
        if failed:
            ep.termination = "collision" if collided else "off_road"
        elif ep.success:
            ep.termination = "success"
        r = self.rewards
        terms = {
            "reward_progress": r.progress * float(ep.best_s - previous),
            "reward_lane": r.lane * float(dev / half_lane) ** 2,
            "reward_success": r.success if ep.success else 0.0,
            "reward_failure": r.failure if failed else 0.0,
        }
        return terms, bool(failed or ep.success), False

    def _drive(self, steer: float, throttle: float, episode: DrivingEpisode) -> None:
        """Ackermann steering from a centre-wheel angle, then four-wheel drive or brake."""
        world = self._world()
        c, car = world.c, world.car
        delta = steer * C.MAX_STEER * self._steering_gain
        if abs(delta) > 1e-4:
            radius = C.WHEELBASE / np.tan(abs(delta))
            inner = np.arctan(C.WHEELBASE / (radius - C.TRACK / 2))
            outer = np.arctan(C.WHEELBASE / (radius + C.TRACK / 2))
            left, right = (inner, outer) if delta > 0 else (-outer, -inner)
        else:
            left = right = 0.0
        c.setJointMotorControlArray(
            car.body,
            car.steering,
            c.POSITION_CONTROL,
            targetPositions=[left, right],
            forces=[10.0, 10.0],
        )
        if throttle >= 0:
            target, force = C.MAX_SPEED / C.WHEEL_RADIUS, throttle * C.MOTOR_FORCE * self._motor
        else:
            target, force = 0.0, -throttle * C.BRAKE_FORCE
        n = len(car.wheels)
        c.setJointMotorControlArray(
            car.body,
            car.wheels,
            c.VELOCITY_CONTROL,
            targetVelocities=[target] * n,
            forces=[force / n * 4] * n,
        )
        episode.steer = delta

    def _move_traffic(self, ep: DrivingEpisode) -> None:
        c, road = self._world().c, ep.road
        t = ep.steps * C.CONTROL_DT
        for v, body in zip(ep.traffic, ep.vehicle_bodies):
            s = v.s0 + v.speed * t
            if not 0.0 <= s <= road.length:
                s = min(max(s, 0.0), road.length)
                if v.speed < 0:  # oncoming vehicles leave at the route start
                    c.resetBasePositionAndOrientation(body, GARAGE, [0, 0, 0, 1])
                    continue
            x, y, h = road.pose_at(s, v.offset)
            yaw = h if v.speed > 0 else h + np.pi
            c.resetBasePositionAndOrientation(
                body, [x, y, 0.0], c.getQuaternionFromEuler([0, 0, yaw])
            )

    def _collided(self) -> bool:
        world = self._world()
        contacts = world.c.getContactPoints(bodyA=world.car.body)
        return any(cp[2] != world.ground for cp in contacts)

    def _update_progress(self, ep: DrivingEpisode) -> float:
        """Advance the route position; set ``off_road``; return the signed lane deviation."""
        road = ep.road
        xy, _ = self.car_pose()
        i = road.locate(xy)
        lateral = road.lateral(xy, i)
        ep.s, ep.index, ep.lateral = float(road.s[i]), i, lateral
        if abs(float(road.s[i]) - ep.best_s) < 1.0:  # no jumps to far parts of the route
            ep.best_s = max(ep.best_s, float(road.s[i]))
        ep.off_road = abs(lateral) > ep.half + C.OFF_ROAD_MARGIN or (i == len(road.s) - 1)
        dev = lateral - ep.lane_centre
        ep.lane_dev_sum += abs(dev) if ep.steps else 0.0
        return float(dev)

    def _info(self) -> dict[str, Any]:
        ep = self.episode
        steps = max(ep.steps, 1)
        return {
            "success": ep.success,
            "route_completion": float(min(ep.best_s / ep.road.goal_s, 1.0)),
            "mean_lane_deviation": ep.lane_dev_sum / steps,
            "collisions": ep.collisions,
            "lane_invasions": ep.lane_invasions,
            "infractions": ep.lane_invasions + ep.collisions + int(ep.off_road),
            "average_speed": ep.path / (steps * C.CONTROL_DT),
            "termination": ep.termination,
            "road": ep.road.road_id,
            "lanes": ep.lanes,
        }

    # ------------------------------------------------------------------ observations
    def car_pose(self) -> tuple[np.ndarray, float]:
        """Planar position and yaw of the car."""
        world = self._world()
        pos, orn = world.c.getBasePositionAndOrientation(world.car.body)
        yaw = world.c.getEulerFromQuaternion(orn)[2]
        return np.array(pos[:2]), float(yaw)

    def speed(self) -> float:
        """Forward speed of the car (m/s)."""
        world = self._world()
        lin, _ = world.c.getBaseVelocity(world.car.body)
        _, yaw = self.car_pose()
        return float(lin[0] * np.cos(yaw) + lin[1] * np.sin(yaw))

    def lead_vehicle(self) -> tuple[float, float]:
        """(gap m, speed m/s) of the nearest vehicle ahead in the ego lane (5 m, 0 if none)."""
        ep = self.episode
        t = ep.steps * C.CONTROL_DT
        best = (C.LIDAR_RANGE, 0.0)
        for v in ep.traffic:
            if v.speed <= 0:
                continue
            gap = min(v.s0 + v.speed * t, ep.road.length) - ep.s - 0.45
            if -0.3 < gap < best[0]:
                best = (max(gap, 0.0), v.speed)
        return best

    # ------------------------------------------------------------------ cameras
    def _scene_textures(self) -> Mapping[int, np.ndarray]:
        return self._world().images

    def _scene_looks(self) -> list[Look]:
        world = self._world()
        return [*world.drawn(), *world.car_looks(False)]

    def _looks_token(self) -> Any:
        return self._world().version

    def _moving_bodies(self) -> list[int]:
        return [self._world().car.body, *self.episode.vehicle_bodies]

    def _camera_request(self) -> CameraRequest | None:
        outputs = tuple(OUTPUT_OF[p] for p in ("rgb", "depth", "seg") if p in self.obs_parts)
        return CameraRequest(self._ego_view(), self.camera_size, outputs) if outputs else None

    def _semantic(self, segmentation: np.ndarray) -> np.ndarray:
        """Class ids (``SEG_CLASSES``) of a drawn segmentation: shape indices of the batch
        renderer's scene, or body ids of PyBullet's renderers (-1: sky)."""
        world = self._world()
        scene = self.scene() if self.renderer_name == "batch" else None
        key = (scene, world.c.getNumBodies())  # a scene compares by identity
        if self._seg_lut is None or self._seg_lut[0] != key:
            classes = {name: i for i, name in enumerate(C.SEG_CLASSES)}
            pairs = (
                [(b, 0) for b in range(key[1])]
                if scene is None
                else [(b, k) for b, _, k in scene.shapes]
            )
            lut = np.array(
                [classes[world.semantic_class(b, k)] for b, k in pairs] + [0], np.uint8
            )  # the last entry: background (-1)
            self._seg_lut = (key, lut)
        return self._seg_lut[1][segmentation]

    def _observe(self, frame: Frame | None) -> dict[str, np.ndarray]:
        ep = self.episode
        road = ep.road
        obs: dict[str, np.ndarray] = {}
        if frame is not None:
            rng = self.np_random
            if frame.rgb is not None:
                obs["rgb"] = self._sensor.apply_rgb(frame.rgb, rng)
            if frame.depth is not None:
                d = np.minimum(frame.depth, C.MAX_DEPTH)[..., None]
                obs["depth"] = np.clip(self._sensor.apply_depth(d, rng), 0.0, C.MAX_DEPTH)
            if frame.segmentation is not None:
                obs["seg"] = self._semantic(frame.segmentation)[..., None]
        speed = self.speed()
        world = self._world()
        _, ang = world.c.getBaseVelocity(world.car.body)
        obs["proprio"] = np.clip(np.array([speed, ang[2], ep.steer], np.float32), -10, 10)
        if "lidar" in self.obs_parts:
            obs["lidar"] = self._lidar()
        if "state" in self.obs_parts:
            _, yaw = self.car_pose()
            i = ep.index
            heading_error = np.angle(np.exp(1j * (yaw - road.heading[i])))
            ahead = road.curvature[road.index(ep.s + np.array(C.LOOKAHEADS))]
            gap, lead_speed = self.lead_vehicle()
            state = [
                speed,
                ep.lateral - ep.lane_centre,
                heading_error,
                ep.steer,
                *ahead,
                gap,
                lead_speed - speed if gap < C.LIDAR_RANGE else 0.0,
            ]
            obs["state"] = np.clip(np.array(state, np.float32), -10, 10)
        return obs

    def _view(self, eye: Any, target: Any, up: Any, fov: float) -> PybulletView:
        view = self._world().c.computeViewMatrix(list(eye), list(target), list(up))
        return PybulletView(view, fov, C.NEAR, C.FAR, **self._look)

    def _ego_view(self) -> PybulletView:
        """The front camera on the car's camera mount (randomized height, pitch, yaw, fov)."""
        world = self._world()
        c, car = world.c, world.car
        height, pitch, yaw, fov = self._camera
        eye = np.array(c.getLinkState(car.body, car.camera_link)[0])
        _, orn = c.getBasePositionAndOrientation(car.body)
        rot = np.array(c.getMatrixFromQuaternion(orn)).reshape(3, 3)
        eye = eye + rot @ np.array([0.0, 0.0, height])
        forward = rot @ np.array(
            [np.cos(pitch) * np.cos(yaw), np.cos(pitch) * np.sin(yaw), np.sin(pitch)]
        )
        return self._view(eye.tolist(), (eye + forward).tolist(), (rot[:, 2]).tolist(), fov)

    def _show_car(self, visible: bool) -> None:
        """The ego car in the cameras or not (it never is in its own)."""
        if self.renderer_name == "batch":
            scene = self.scene()
            for body, k, rgba, _ in self._world().car_looks(visible):
                scene.set_look(body, k, rgba)
        else:
            self._world().show_car(visible)

    def _lidar(self) -> np.ndarray:
        c = self._world().c
        pos, orn = c.getBasePositionAndOrientation(self._world().car.body)
        yaw = c.getEulerFromQuaternion(orn)[2]
        cs, sn = np.cos(yaw), np.sin(yaw)
        dirs = self._beams @ np.array([[cs, sn, 0], [-sn, cs, 0], [0, 0, 1]])
        origin = np.array([pos[0], pos[1], 0.1])
        start = origin + 0.3 * dirs
        end = origin + (0.3 + C.LIDAR_RANGE) * dirs
        hits = c.rayTestBatch(start.tolist(), end.tolist())
        frac = np.array([h[2] if h[0] >= 0 else 1.0 for h in hits])
        return np.minimum(0.3 + frac * C.LIDAR_RANGE, C.LIDAR_RANGE).astype(np.float32)

    def _render_view(self) -> PybulletView:
        """A chase camera behind and above the car."""
        xy, yaw = self.car_pose()
        back = np.array([np.cos(yaw), np.sin(yaw)])
        return self._view([*(xy - 1.2 * back), 0.75], [*(xy + 1.0 * back), 0.0], [0, 0, 1], 60.0)

    def _render_frame(self) -> np.ndarray:
        view = self._render_view()
        self._show_car(True)
        try:
            frame = self.draw(view, self.render_size, ("rgb",))
        finally:
            self._show_car(False)
        assert frame.rgb is not None
        return frame.rgb


DrivingEnv.__doc__ = (DrivingEnv.__doc__ or "") + dr_table(PARAMS) + "\n"
