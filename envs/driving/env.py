"""Driving-v0: a 1:10 racecar follows its lane on procedurally generated roads (PyBullet)."""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.utils import EzPickle

from simenv.core import check_action, check_choice, parse_obs_mode
from simenv.pybullet_env import PybulletEnv
from simenv.randomization import DomainRandomizer, dr_table
from simenv.sensors import SensorModel

from . import constants as C
from .bounds import SCENE_PARAMS, pool_bounds
from .randomize import (
    BUILDING_JITTER,
    MARKING,
    PARAMS,
    PSEUDO_REAL,
    color,
    light_args,
    sky_colors,
)
from .roads import (
    BUILDINGS,
    Road,
    generate_road,
    lane_centre,
    pieces,
    place_obstacles,
    place_scenery,
    place_traffic,
    road_id_range,
)
from .world import GARAGE, Z_LINE, Z_ROAD, Z_SIDEWALK, World

OBS_PARTS = ("rgb", "depth", "lidar", "state")
OBS_ALIASES = {"rgbd": "rgb+depth"}
ACTION_MODES = ("continuous", "discrete")
VEHICLE_COLORS = np.array([[0.8, 0.1, 0.1], [0.1, 0.3, 0.8], [0.9, 0.9, 0.9], [0.15, 0.15, 0.15],
                           [0.9, 0.7, 0.1], [0.2, 0.6, 0.3]])
WHEELBASE, TRACK = 0.325, 0.2  # racecar.urdf axle distance and front wheel track (m)


class DrivingEnv(PybulletEnv, EzPickle):
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
    camera), ``depth`` (H×W×1 float32 metres, 0 = missing, ≤ 30), ``rgbd`` = ``rgb+depth``,
    ``lidar`` (32 ranges in metres over 360°, ≤ 5), ``state`` (10 floats: speed m/s, lane
    offset m (left +), heading error rad, steering rad, route curvature 1/m at 0.5/1/2/3 m
    ahead, gap to the vehicle ahead in the lane m (≤ 5), its speed minus ours m/s). Always
    present: ``proprio`` ([speed m/s, yaw rate rad/s, steering rad]). Images use
    ``camera_size`` (84×84).

    ## Rewards
    ``reward_progress`` (metres gained along the route) + ``reward_lane`` (-0.05 × (lane
    offset / half lane width)²) + ``reward_success`` (+1 at the goal line) +
    ``reward_failure`` (-1 on collision or leaving the road); the terms are in ``info`` and
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
    ``road`` (fix one road id), ``render_mode``, ``render_size`` (chase camera, 256×256),
    ``renderer`` (``auto``: EGL with an NVIDIA GPU, else TinyRenderer; ``tiny``; ``egl``).

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
        "episode_metrics": ("success", "route_completion", "mean_lane_deviation", "collisions",
                            "infractions", "average_speed"),
        "pseudo_real": PSEUDO_REAL,
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
        render_mode: str | None = None,
        render_size: tuple[int, int] = (256, 256),
        renderer: str = "auto",
    ) -> None:
        EzPickle.__init__(self, obs_mode, camera_size, action_mode, randomization, dr_scale,
                          split, road, render_mode, render_size, renderer)
        super().__init__(render_mode, camera_size, render_size, renderer)
        self.action_mode = check_choice("action_mode", action_mode, ACTION_MODES)
        self.obs_parts = parse_obs_mode(obs_mode, OBS_PARTS, OBS_ALIASES)
        self.roads = road_id_range(split)
        if road is not None and (not isinstance(road, (int, np.integer)) or not
                                 0 <= road < 1_000_000):
            raise ValueError(f"road must be an integer id in [0, 1000000), got {road!r}")
        self.fixed_road = road
        self.randomizer = DomainRandomizer(PARAMS, randomization, dr_scale)
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
        if "lidar" in self.obs_parts:
            obs["lidar"] = spaces.Box(0.0, C.LIDAR_RANGE, (C.LIDAR_BEAMS,), np.float32)
        if "state" in self.obs_parts:
            obs["state"] = spaces.Box(-10.0, 10.0, (C.STATE_SIZE,), np.float32)
        obs["proprio"] = spaces.Box(-10.0, 10.0, (3,), np.float32)
        self.observation_space = spaces.Dict(obs)
        self.world: World | None = None
        self._episode: dict[str, Any] = {}
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

    # ------------------------------------------------------------------ reset
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        rng = self.np_random
        sample = self.randomizer.sample(rng)
        road_id = self.fixed_road
        if road_id is None:
            road_id = int(rng.integers(self.roads.start, self.roads.stop))
        road = generate_road(road_id)
        self.client  # noqa: B018  (connects and builds the world on first use)
        world = self.world
        assert world is not None
        world.ensure(*self._pool_bounds())
        lanes = int(sample["road.lanes"])
        lane_w = C.LANE_WIDTH[lanes]

        world.begin()
        self._dress_road(road, sample, lanes * lane_w / 2)
        self._dress(road, sample, rng)
        obstacles = place_obstacles(road, rng, float(sample["scene.obstacle_density"]), lanes,
                                    lane_w)
        placed = []  # obstacles beyond a pool's hard cap (p < 1e-9) are left out
        for placement, s in obstacles:
            tint = None if placement.kind == "cone" else VEHICLE_COLORS[placement.variant]
            if world.place(placement.kind, placement.x, placement.y, 0.0, placement.yaw,
                           tint) is not None:
                placed.append((placement, s))
        obstacles = placed
        traffic = place_traffic(road, rng, float(sample["scene.traffic_density"]), lanes, lane_w)
        vehicles, moving = [], []
        for vehicle in traffic:
            body = world.place("vehicle", *GARAGE, 0.0)
            paint = VEHICLE_COLORS[int(rng.integers(len(VEHICLE_COLORS)))]
            if body is None:  # beyond the vehicle pool's hard cap (p < 1e-9): left out
                continue
            world.color(body, paint, 0)
            world.color(body, (0.1, 0.12, 0.15), 1)
            vehicles.append(body)
            moving.append(vehicle)
        traffic = moving
        world.end()
        centre = road.xy.mean(0)
        world.dress_ground(float(centre[0]), float(centre[1]), color(sample, "ground"),
                           str(sample["texture.ground"]))
        self._reset_car(road, sample, lane_centre(lanes, lane_w))

        horizon, zenith = sky_colors(sample)
        self._episode = {
            "road": road, "sample": sample, "lanes": lanes, "lane_width": lane_w,
            "half": lanes * lane_w / 2, "lane_centre": lane_centre(lanes, lane_w),
            "traffic": traffic, "vehicle_bodies": vehicles, "obstacles": obstacles,
            "light": light_args(sample), "horizon": horizon, "zenith": zenith,
            "fog": float(sample["weather.fog"]), "sky": {}, "steps": 0, "s": 0.0, "best_s": 0.0,
            "path": 0.0, "lane_dev_sum": 0.0, "lane_invasions": 0, "collisions": 0,
            "off_road": False, "success": False, "termination": "", "steer": 0.0,
            "latency": deque([np.zeros(2)] * int(sample["dynamics.action_latency"])),
        }
        self._sensor = SensorModel.from_sample(sample)
        self._move_traffic()
        self._update_progress()
        info = self._info()
        info["randomization"] = sample
        return self._observation(), info

    def _dress_road(self, road: Road, sample: dict, half: float) -> None:
        """Asphalt, sidewalks and lines on every tile; asphalt, corners and sides of junctions."""
        world = self.world
        assert world is not None
        asphalt = (color(sample, "road"), world.patterns[sample["texture.road"]])
        walk = (color(sample, "sidewalk"), world.sidewalk_texture)
        verge = (color(sample, "ground"), world.patterns[sample["texture.ground"]])
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
                x, y = j.x + C.JUNCTION_HALF * (cs * sx - sn * sy), j.y + C.JUNCTION_HALF * (
                    sn * sx + cs * sy)
                world.place("jcorner", x, y, Z_SIDEWALK, yaw + turn * np.pi / 2, show=edge)

    def _dress(self, road: Road, sample: dict, rng: np.random.Generator) -> None:
        """Buildings, trees and lamps with their colours."""
        world = self.world
        assert world is not None
        base = color(sample, "building")
        leaves = color(sample, "vegetation")
        for p in place_scenery(road, rng, float(sample["scene.buildings"]),
                               float(sample["scene.trees"]), float(sample["scene.lamps"])):
            if p.kind == "building":
                tint = np.clip(base * rng.uniform(1 - BUILDING_JITTER, 1 + BUILDING_JITTER, 3),
                               0, 1)
                world.place(f"building/{p.variant}", p.x, p.y, BUILDINGS[p.variant][2] / 2,
                            p.yaw, tint, world.facade_texture)
            elif p.kind == "tree":
                tint = np.clip(leaves * rng.uniform(0.75, 1.25, 3), 0, 1)
                world.place("trunk", p.x, p.y, 0.25, 0.0)
                world.place("crown", p.x, p.y, 0.0, p.yaw, show={str(p.variant): (tint, None)})
            else:
                world.place("lamp", p.x, p.y, 0.0, p.yaw)

    def _reset_car(self, road: Road, sample: dict, offset: float) -> None:
        world = self.world
        assert world is not None
        c, car = world.c, world.car
        x, y, yaw = road.pose_at(0.5, offset)
        c.resetBasePositionAndOrientation(car.body, [x, y, car.rest_height],
                                          c.getQuaternionFromEuler([0, 0, yaw]))
        c.resetBaseVelocity(car.body, [0, 0, 0], [0, 0, 0])
        for j in range(c.getNumJoints(car.body)):
            c.resetJointState(car.body, j, 0.0, 0.0)
        world.forget_contacts()
        c.changeDynamics(car.body, car.chassis_link,
                         mass=car.chassis_mass * float(sample["dynamics.mass_scale"]))
        for wheel in car.wheels:
            c.changeDynamics(car.body, wheel, lateralFriction=car.wheel_friction * float(
                sample["dynamics.tyre_friction"]))
        self._steering_gain = float(sample["dynamics.steering_gain"])
        self._motor = float(sample["dynamics.motor_strength"])
        self._camera = (float(sample["camera.height"]), np.deg2rad(sample["camera.pitch"]),
                        np.deg2rad(sample["camera.yaw"]), float(sample["camera.fov"]))
        self._drive(0.0, 0.0)

    # ------------------------------------------------------------------ step
    def step(
        self, action: Any
    ) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        if not self._episode:
            raise RuntimeError("call reset() before step()")
        act = check_action(self.action_space, action)
        if self.action_mode == "discrete":
            command = np.array(list(C.DISCRETE_ACTIONS.values())[int(act)], float)
        else:
            command = np.asarray(act, float)
        ep = self._episode
        ep["latency"].append(command)
        steer, throttle = ep["latency"].popleft()
        self._drive(float(steer), float(throttle))
        world = self.world
        assert world is not None
        before = self.car_pose()[0]
        self._move_traffic()
        for _ in range(C.SUBSTEPS):
            world.c.stepSimulation()
        ep["steps"] += 1
        ep["path"] += float(np.linalg.norm(self.car_pose()[0] - before))
        previous = ep["best_s"]
        dev = self._update_progress()
        collided = self._collided()
        ep["collisions"] += int(collided)
        half_lane = ep["lane_width"] / 2
        ep["lane_invasions"] += int(abs(dev) + C.CAR_HALF_WIDTH > half_lane)
        ep["success"] = ep["best_s"] >= ep["road"].goal_s and not (collided or ep["off_road"])
        failed = collided or ep["off_road"]
        if failed:
            ep["termination"] = "collision" if collided else "off_road"
        elif ep["success"]:
            ep["termination"] = "success"
        terms = {
            "reward_progress": float(ep["best_s"] - previous),
            "reward_lane": -0.05 * float(dev / half_lane) ** 2,
            "reward_success": 1.0 if ep["success"] else 0.0,
            "reward_failure": -1.0 if failed else 0.0,
        }
        info = self._info()
        info.update(terms)
        terminated = bool(failed or ep["success"])
        return self._observation(), float(sum(terms.values())), terminated, False, info

    def _drive(self, steer: float, throttle: float) -> None:
        """Ackermann steering from a centre-wheel angle, then four-wheel drive or brake."""
        world = self.world
        assert world is not None
        c, car = world.c, world.car
        delta = steer * C.MAX_STEER * self._steering_gain
        if abs(delta) > 1e-4:
            radius = WHEELBASE / np.tan(abs(delta))
            inner = np.arctan(WHEELBASE / (radius - TRACK / 2))
            outer = np.arctan(WHEELBASE / (radius + TRACK / 2))
            left, right = (inner, outer) if delta > 0 else (-outer, -inner)
        else:
            left = right = 0.0
        c.setJointMotorControlArray(car.body, car.steering, c.POSITION_CONTROL,
                                    targetPositions=[left, right], forces=[10.0, 10.0])
        if throttle >= 0:
            target, force = C.MAX_SPEED / C.WHEEL_RADIUS, throttle * C.MOTOR_FORCE * self._motor
        else:
            target, force = 0.0, -throttle * C.BRAKE_FORCE
        n = len(car.wheels)
        c.setJointMotorControlArray(car.body, car.wheels, c.VELOCITY_CONTROL,
                                    targetVelocities=[target] * n, forces=[force / n * 4] * n)
        if self._episode:
            self._episode["steer"] = delta

    def _move_traffic(self) -> None:
        ep, world = self._episode, self.world
        assert world is not None
        road: Road = ep["road"]
        t = ep["steps"] * C.CONTROL_DT
        c = world.c
        for v, body in zip(ep["traffic"], ep["vehicle_bodies"]):
            s = v.s0 + v.speed * t
            if not 0.0 <= s <= road.length:
                s = min(max(s, 0.0), road.length)
                if v.speed < 0:  # oncoming vehicles leave at the route start
                    c.resetBasePositionAndOrientation(body, GARAGE, [0, 0, 0, 1])
                    continue
            x, y, h = road.pose_at(s, v.offset)
            yaw = h if v.speed > 0 else h + np.pi
            c.resetBasePositionAndOrientation(body, [x, y, 0.0], c.getQuaternionFromEuler(
                [0, 0, yaw]))

    def _collided(self) -> bool:
        world = self.world
        assert world is not None
        contacts = world.c.getContactPoints(bodyA=world.car.body)
        return any(cp[2] != world.ground for cp in contacts)

    def _update_progress(self) -> float:
        """Advance the route position; set ``off_road``; return the signed lane deviation."""
        ep = self._episode
        road: Road = ep["road"]
        xy, _ = self.car_pose()
        i = road.locate(xy)
        lateral = road.lateral(xy, i)
        ep["s"], ep["index"], ep["lateral"] = float(road.s[i]), i, lateral
        if abs(float(road.s[i]) - ep["best_s"]) < 1.0:  # no jumps to far parts of the route
            ep["best_s"] = max(ep["best_s"], float(road.s[i]))
        ep["off_road"] = abs(lateral) > ep["half"] + C.OFF_ROAD_MARGIN or (
            i == len(road.s) - 1)
        dev = lateral - ep["lane_centre"]
        ep["lane_dev_sum"] += abs(dev) if ep["steps"] else 0.0
        return dev

    def _info(self) -> dict[str, Any]:
        ep = self._episode
        steps = max(ep["steps"], 1)
        return {
            "success": ep["success"],
            "route_completion": float(min(ep["best_s"] / ep["road"].goal_s, 1.0)),
            "mean_lane_deviation": ep["lane_dev_sum"] / steps,
            "collisions": ep["collisions"],
            "lane_invasions": ep["lane_invasions"],
            "infractions": ep["lane_invasions"] + ep["collisions"] + int(ep["off_road"]),
            "average_speed": ep["path"] / (steps * C.CONTROL_DT),
            "termination": ep["termination"],
            "road": ep["road"].road_id,
            "lanes": ep["lanes"],
        }

    # ------------------------------------------------------------------ observations
    def car_pose(self) -> tuple[np.ndarray, float]:
        """Planar position and yaw of the car."""
        world = self.world
        assert world is not None
        pos, orn = world.c.getBasePositionAndOrientation(world.car.body)
        yaw = world.c.getEulerFromQuaternion(orn)[2]
        return np.array(pos[:2]), float(yaw)

    def speed(self) -> float:
        world = self.world
        assert world is not None
        lin, _ = world.c.getBaseVelocity(world.car.body)
        _, yaw = self.car_pose()
        return float(lin[0] * np.cos(yaw) + lin[1] * np.sin(yaw))

    def lead_vehicle(self) -> tuple[float, float]:
        """(gap m, speed m/s) of the nearest vehicle ahead in the ego lane (5 m, 0 if none)."""
        ep = self._episode
        t = ep["steps"] * C.CONTROL_DT
        best = (C.LIDAR_RANGE, 0.0)
        for v in ep["traffic"]:
            if v.speed <= 0:
                continue
            gap = min(v.s0 + v.speed * t, ep["road"].length) - ep["s"] - 0.45
            if -0.3 < gap < best[0]:
                best = (max(gap, 0.0), v.speed)
        return best

    def _observation(self) -> dict[str, np.ndarray]:
        ep = self._episode
        road: Road = ep["road"]
        obs: dict[str, np.ndarray] = {}
        if self.obs_parts & {"rgb", "depth"}:
            rgb, depth = self._camera_view(self.camera_size)
            rng = self.np_random
            if "rgb" in self.obs_parts:
                obs["rgb"] = self._sensor.apply_rgb(rgb, rng)
            if "depth" in self.obs_parts:
                d = np.minimum(depth, C.MAX_DEPTH)[..., None]
                obs["depth"] = np.clip(self._sensor.apply_depth(d, rng), 0.0, C.MAX_DEPTH)
        speed = self.speed()
        world = self.world
        assert world is not None
        _, ang = world.c.getBaseVelocity(world.car.body)
        obs["proprio"] = np.clip(np.array([speed, ang[2], ep["steer"]], np.float32), -10, 10)
        if "lidar" in self.obs_parts:
            obs["lidar"] = self._lidar()
        if "state" in self.obs_parts:
            _, yaw = self.car_pose()
            i = ep["index"]
            heading_error = np.angle(np.exp(1j * (yaw - road.heading[i])))
            ahead = road.curvature[road.index(ep["s"] + np.array(C.LOOKAHEADS))]
            gap, lead_speed = self.lead_vehicle()
            state = [speed, ep["lateral"] - ep["lane_centre"], heading_error, ep["steer"],
                     *ahead, gap, lead_speed - speed if gap < C.LIDAR_RANGE else 0.0]
            obs["state"] = np.clip(np.array(state, np.float32), -10, 10)
        return obs

    def _camera_view(self, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Front camera RGB (sky and haze composited) and metric depth."""
        world = self.world
        assert world is not None
        c, car = world.c, world.car
        height, pitch, yaw, fov = self._camera
        eye = np.array(c.getLinkState(car.body, car.camera_link)[0])
        _, orn = c.getBasePositionAndOrientation(car.body)
        rot = np.array(c.getMatrixFromQuaternion(orn)).reshape(3, 3)
        eye = eye + rot @ np.array([0.0, 0.0, height])
        forward = rot @ np.array([np.cos(pitch) * np.cos(yaw), np.cos(pitch) * np.sin(yaw),
                                  np.sin(pitch)])
        view = c.computeViewMatrix(eye.tolist(), (eye + forward).tolist(), (rot[:, 2]).tolist())
        frame = self.camera_image(view, fov, size, near=C.NEAR, far=C.FAR, depth=True,
                                  **self._episode["light"])
        assert frame.rgb is not None and frame.depth is not None
        return self._composite(frame.rgb, frame.depth), frame.depth

    def _composite(self, rgb: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """Paint the sky (a vertical gradient) where nothing was drawn and blend in haze."""
        ep = self._episode
        h = rgb.shape[0]
        sky = ep["sky"].get(h)
        if sky is None:  # one gradient per image height and episode
            t = (np.arange(h, dtype=np.float32) / max(h - 1, 1))[:, None, None]
            sky = ep["sky"][h] = (ep["zenith"] * (1 - t) + ep["horizon"] * t) * 255.0
        empty = depth >= C.FAR * 0.999
        out = rgb.astype(np.float32)
        if ep["fog"] > 0:
            density = -np.log(1.0 - ep["fog"]) / 20.0
            f = (1.0 - np.exp(-density * depth))[..., None]
            out = out * (1 - f) + ep["horizon"] * 255.0 * f
        out = np.where(empty[..., None], sky, out)
        return np.clip(out, 0, 255).astype(np.uint8)

    def _lidar(self) -> np.ndarray:
        world = self.world
        assert world is not None
        c = world.c
        pos, orn = c.getBasePositionAndOrientation(world.car.body)
        yaw = c.getEulerFromQuaternion(orn)[2]
        cs, sn = np.cos(yaw), np.sin(yaw)
        dirs = self._beams @ np.array([[cs, sn, 0], [-sn, cs, 0], [0, 0, 1]])
        origin = np.array([pos[0], pos[1], 0.1])
        start = origin + 0.3 * dirs
        end = origin + (0.3 + C.LIDAR_RANGE) * dirs
        hits = c.rayTestBatch(start.tolist(), end.tolist())
        frac = np.array([h[2] if h[0] >= 0 else 1.0 for h in hits])
        return np.minimum(0.3 + frac * C.LIDAR_RANGE, C.LIDAR_RANGE).astype(np.float32)

    def _render_frame(self) -> np.ndarray:
        """A chase camera behind and above the car."""
        world = self.world
        assert world is not None
        c = world.c
        xy, yaw = self.car_pose()
        back = np.array([np.cos(yaw), np.sin(yaw)])
        eye = [*(xy - 1.2 * back), 0.75]
        target = [*(xy + 1.0 * back), 0.0]
        view = c.computeViewMatrix(eye, target, [0, 0, 1])
        world.show_car(True)
        try:
            frame = self.camera_image(view, 60.0, self.render_size, near=C.NEAR, far=C.FAR,
                                      depth=True, **self._episode["light"])
        finally:
            world.show_car(False)
        assert frame.rgb is not None and frame.depth is not None
        return self._composite(frame.rgb, frame.depth)

    # ------------------------------------------------------------------ expert access
    @property
    def episode(self) -> dict[str, Any]:
        """Privileged episode state (road, lane geometry, traffic, obstacles)."""
        return self._episode


DrivingEnv.__doc__ = (DrivingEnv.__doc__ or "") + dr_table(PARAMS) + "\n"
