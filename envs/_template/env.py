"""Template-v0: push a puck onto a target (MuJoCo). The smallest complete simenv family."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mujoco
import numpy as np
from gymnasium import spaces
from gymnasium.utils import EzPickle

from simenv.core import parse_obs_mode
from simenv.env import CameraRequest
from simenv.mujoco_env import MujocoEnv, View
from simenv.randomization import Value, dr_table
from simenv.rendering import Frame

from . import constants as C
from .randomize import PARAMS, Refs, apply_appearance
from .scene import build_spec

OBS_PARTS = ("rgb", "depth", "state")
OBS_ALIASES = {"rgbd": "rgb+depth"}
TOP_VIEW, OVERVIEW_VIEW = View(C.CAMERA), View(C.OVERVIEW_CAMERA)


@dataclass
class TemplateEpisode:
    """Privileged state of one episode."""

    start: np.ndarray  # puck start (x, y)
    target: np.ndarray  # target (x, y)
    distance: float  # puck to target (m)
    success: bool = False
    steps: int = 0


class TemplateEnv(MujocoEnv[TemplateEpisode], EzPickle):
    """Push a puck onto a target on a walled table.

    ## Description
    A puck slides on a table between four walls; two motors push it along x and y. Every
    episode draws a start and a target at least 0.2 m apart.

    ## Action Space
    ``Box(-1, 1, (2,))``: the force along x and y as a fraction of 2 N, held for one 0.1 s
    step. Finite values outside [-1, 1] are clipped; NaN/inf or wrong shapes raise
    ``ValueError``.

    ## Observation Space
    A ``Dict`` chosen by ``obs_mode``: ``rgb`` (H×W×3 uint8, top camera), ``depth`` (H×W×1
    float32 metres), ``rgbd`` = ``rgb+depth``, ``state`` adds ``puck`` ([x, y, vx, vy]).
    Always present: ``goal`` (target minus puck position, m).

    ## Rewards
    ``reward_progress`` (decrease of the puck-target distance, m, times ``progress_reward``)
    + ``reward_success`` (``success_reward``, 1, on success); the terms are in ``info`` and
    sum to the reward.

    ## Starting State
    The puck at rest at a uniform position, the target uniform, ≥ 0.2 m apart.

    ## Episode End
    Terminated when the puck's centre is within 4 cm of the target's. Truncated by the
    ``TimeLimit`` wrapper (100 steps from ``gym.make``). ``info`` holds ``success`` and
    ``distance_to_goal``.

    ## Arguments
    ``obs_mode`` (``rgb``), ``camera_size`` (84×84), ``randomization``, ``dr_scale``,
    ``progress_reward`` (10), ``success_reward`` (1), ``render_mode``, ``render_size``,
    ``renderer`` (``batch``, default, or ``mujoco``).

    ## Version History
    * v0: initial release.

    ## Domain Randomization
    Sampled once per ``reset`` from the env's generator (``info["randomization"]``).

    """

    metadata: dict[str, Any] = {
        **MujocoEnv.metadata,
        "render_fps": 10,
        "episode_metrics": ("success", "distance_to_goal"),
    }

    def __init__(
        self,
        obs_mode: str = "rgb",
        camera_size: tuple[int, int] = (84, 84),
        randomization: Any = "default",
        dr_scale: float = 1.0,
        progress_reward: float = 10.0,
        success_reward: float = 1.0,
        render_mode: str | None = None,
        render_size: tuple[int, int] = (256, 256),
        renderer: str = "batch",
    ) -> None:
        EzPickle.__init__(
            self,
            obs_mode,
            camera_size,
            randomization,
            dr_scale,
            progress_reward,
            success_reward,
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
        self.obs_parts = parse_obs_mode(obs_mode, OBS_PARTS, OBS_ALIASES)
        self.progress_reward, self.success_reward = float(progress_reward), float(success_reward)
        self.action_space = spaces.Box(-1.0, 1.0, (2,), np.float32)
        h, w = self.camera_size
        obs: dict[str, spaces.Space[Any]] = {}
        if "rgb" in self.obs_parts:
            obs["rgb"] = spaces.Box(0, 255, (h, w, 3), np.uint8)
        if "depth" in self.obs_parts:
            obs["depth"] = spaces.Box(0.0, C.MAX_DEPTH, (h, w, 1), np.float32)
        if "state" in self.obs_parts:
            obs["puck"] = spaces.Box(-10.0, 10.0, (4,), np.float32)
        obs["goal"] = spaces.Box(-2 * C.ARENA, 2 * C.ARENA, (2,), np.float32)
        self.observation_space = spaces.Dict(obs)
        self._qpos: list[int] = []  # the puck's slide joints in qpos
        self._motors: list[int] = []
        self._puck = -1

    # ------------------------------------------------------------------ reset pieces
    def _sample_episode(
        self, sample: Mapping[str, Value], rng: np.random.Generator
    ) -> TemplateEpisode:
        reach = C.ARENA - 2 * C.PUCK_RADIUS
        start = rng.uniform(-reach, reach, 2)
        target = rng.uniform(-reach, reach, 2)
        while np.linalg.norm(target - start) < 0.2:
            target = rng.uniform(-reach, reach, 2)
        return TemplateEpisode(start, target, float(np.linalg.norm(target - start)))

    def _build(self, episode: TemplateEpisode, sample: Mapping[str, Value]) -> None:
        if self.model is None:  # one structure for every episode
            self.set_model(build_spec(self.camera_size, self.render_size).compile())
            self._refs = Refs(light=self.light("light"), puck_material=self.material("mat/puck"))
            model = self.model
            assert model is not None
            self._qpos = [int(model.jnt_qposadr[self.joint(j)]) for j in C.PUCK_JOINTS]
            self._motors = [self.actuator(a) for a in C.PUCK_MOTORS]
            self._puck = self.body(C.PUCK)

    def _apply(self, episode: TemplateEpisode, sample: Mapping[str, Value]) -> None:
        assert self.model is not None
        apply_appearance(self.model, self._refs, sample)

    def _settle(self, episode: TemplateEpisode, sample: Mapping[str, Value]) -> None:
        model, data = self.model, self.data
        assert model is not None and data is not None
        mujoco.mj_resetData(model, data)
        data.qpos[self._qpos] = episode.start
        data.mocap_pos[0, :2] = episode.target
        mujoco.mj_forward(model, data)

    # ------------------------------------------------------------------ step
    def _act(self, action: Any) -> tuple[dict[str, float], bool, bool]:
        model, data, ep = self.model, self.data, self.episode
        assert model is not None and data is not None
        data.ctrl[self._motors] = action
        mujoco.mj_step(model, data, nstep=round(C.CONTROL_DT / C.PHYSICS_DT))
        previous, ep.distance = ep.distance, float(np.linalg.norm(ep.target - self.puck_xy()))
        ep.steps += 1
        ep.success = ep.distance < C.SUCCESS_DISTANCE
        terms = {
            "reward_progress": self.progress_reward * (previous - ep.distance),
            "reward_success": self.success_reward if ep.success else 0.0,
        }
        return terms, ep.success, False

    # ------------------------------------------------------------------ observations
    def puck_xy(self) -> np.ndarray:
        """The puck's position (x, y) in metres."""
        assert self.data is not None
        return self.data.xpos[self._puck, :2].copy()

    def puck_velocity(self) -> np.ndarray:
        assert self.data is not None
        return self.data.qvel[self._qpos].copy()

    def _camera_request(self) -> CameraRequest | None:
        outputs = tuple(p for p in ("rgb", "depth") if p in self.obs_parts)
        return CameraRequest(TOP_VIEW, self.camera_size, outputs) if outputs else None

    def _observe(self, frame: Frame | None) -> dict[str, np.ndarray]:
        obs: dict[str, np.ndarray] = {}
        if frame is not None:
            if frame.rgb is not None:
                obs["rgb"] = frame.rgb
            if frame.depth is not None:
                obs["depth"] = np.minimum(frame.depth, C.MAX_DEPTH)[..., None]
        if "state" in self.obs_parts:
            obs["puck"] = np.concatenate([self.puck_xy(), self.puck_velocity()]).astype(np.float32)
        obs["goal"] = (self.episode.target - self.puck_xy()).astype(np.float32)
        return obs

    def _info(self) -> dict[str, Any]:
        ep = self.episode
        return {"success": ep.success, "distance_to_goal": ep.distance}

    def _render_frame(self) -> np.ndarray:
        frame = self.draw(OVERVIEW_VIEW, self.render_size)
        assert frame.rgb is not None
        return frame.rgb


TemplateEnv.__doc__ = (TemplateEnv.__doc__ or "") + dr_table(PARAMS) + "\n"
