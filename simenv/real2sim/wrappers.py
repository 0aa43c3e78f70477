"""Running a simulation-trained policy on real input, unchanged.

* :class:`RealToSimWrapper` translates the image keys of any env's observations (a real robot
  env, or the pseudo-real env) into the simulator's look; spaces stay the same.
* :class:`RealWorldEnv` is a Gymnasium env whose images come from a :class:`CameraSource`,
  whose vector observations come from a user callback, and whose actions go to a user callback,
  with exactly the spaces of the simulated env: ``policy.predict(obs)`` works as in simulation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from simenv.core import check_action

from .camera import CameraError, CameraSource
from .frames import Translator


def _rgb_keys(space: spaces.Space[Any]) -> list[str]:
    if not isinstance(space, spaces.Dict):
        return []
    return [
        k
        for k, s in space.spaces.items()
        if isinstance(s, spaces.Box)
        and s.dtype == np.uint8
        and len(s.shape) == 3
        and s.shape[-1] == 3
    ]


class RealToSimWrapper(gym.ObservationWrapper[dict[str, np.ndarray], Any, dict[str, np.ndarray]]):
    """Translate the RGB image keys of a Dict observation with ``translator``.

    Args:
        env: an env with a ``Dict`` observation space holding uint8 ``H×W×3`` image keys.
        translator: any :class:`~simenv.real2sim.translators.Translator`.
        keys: which keys to translate (default: every uint8 RGB key).

    The observation space is unchanged; other keys pass through. ``last_raw`` holds the
    untranslated images of the latest observation.
    """

    def __init__(
        self, env: gym.Env[Any, Any], translator: Translator, keys: Sequence[str] | None = None
    ) -> None:
        super().__init__(env)
        if not callable(getattr(translator, "translate", None)):
            raise ValueError(
                f"translator must have a translate(frames) method, got {type(translator).__name__}"
            )
        valid = _rgb_keys(env.observation_space)
        if not valid:
            raise ValueError(
                f"RealToSimWrapper needs a Dict observation with uint8 RGB images; "
                f"got {env.observation_space}"
            )
        self.keys = list(keys) if keys is not None else valid
        bad = [k for k in self.keys if k not in valid]
        if bad:
            raise ValueError(f"keys {bad} are not uint8 RGB image keys; valid: {valid}")
        self.translator = translator
        self.last_raw: dict[str, np.ndarray] = {}

    def observation(self, observation: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = dict(observation)
        self.last_raw = {k: observation[k] for k in self.keys}
        for k in self.keys:
            out[k] = self.translator.translate(observation[k])
        return out


class RealWorldEnv(gym.Env[dict[str, np.ndarray], Any]):
    observation_space: spaces.Dict  # type: ignore[assignment]  # always a Dict
    """A real robot as a Gymnasium env with the simulated env's spaces.

    Args:
        observation_space, action_space: the simulated env's spaces (see :meth:`like`).
        camera: frames for the ``rgb`` key (sized to the space's image size).
        act: called with every (validated) action; send it to the robot here.
        vectors: returns the non-image observations (``{"goal": ..., "proprio": ...}``) each
            step; keys and shapes must match the space.
        done: optional ``() -> (terminated, info)`` checked after each action.
        max_episode_steps: truncation limit (``None``: none).

    Episodes also truncate when a recorded camera source ends. ``info`` holds the frame
    ``timestamp`` and ``index``. Rewards are 0: a real robot has no reward signal here.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        observation_space: spaces.Dict,
        action_space: spaces.Space[Any],
        camera: CameraSource,
        act: Callable[[Any], None] | None = None,
        vectors: Callable[[], dict[str, Any]] | None = None,
        done: Callable[[], tuple[bool, dict[str, Any]]] | None = None,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        if not isinstance(observation_space, spaces.Dict):
            raise ValueError(f"observation_space must be a Dict space, got {observation_space}")
        images = [k for k, s in observation_space.spaces.items() if len(s.shape or ()) == 3]
        if images != ["rgb"] and images != []:
            raise ValueError(
                f"a camera gives RGB only; the observation has image keys {images} "
                "(use obs_mode='rgb' for the policy you run on a real camera)"
            )
        shape = (observation_space["rgb"].shape or ())[:2] if images else None
        if shape is not None and tuple(camera.size) != tuple(shape):
            raise ValueError(
                f"camera size {camera.size} differs from the observation's "
                f"{shape}; open the CameraSource with size={shape}"
            )
        self.observation_space = observation_space
        self.action_space = action_space
        self.camera = camera
        self._act = act
        self._vectors = vectors
        self._done = done
        self.max_episode_steps = max_episode_steps
        self.render_mode = render_mode
        self.vector_keys = [k for k in observation_space.spaces if k not in images]
        if self.vector_keys and vectors is None:
            raise ValueError(
                f"the observation has vector keys {self.vector_keys}: pass "
                "vectors=callable returning them"
            )
        self._frame: np.ndarray | None = None
        self._steps = 0

    @classmethod
    def like(
        cls,
        env_id: str,
        camera: CameraSource,
        env_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> RealWorldEnv:
        """A real-world env with the spaces of ``gym.make(env_id, **env_kwargs)``."""
        sim = gym.make(env_id, **(env_kwargs or {}))
        try:
            obs_space, act_space = sim.observation_space, sim.action_space
            fps = int(sim.metadata.get("render_fps", 10))
        finally:
            sim.close()
        env = cls(obs_space, act_space, camera, **kwargs)  # type: ignore[arg-type]
        env.metadata = {**cls.metadata, "render_fps": fps}
        return env

    def _observe(self) -> tuple[dict[str, np.ndarray], dict[str, Any], bool]:
        frame = self.camera.read()
        ended = frame is None
        if frame is not None:
            self._frame = frame.image
        if self._frame is None:
            raise CameraError(f"camera source {self.camera.name!r} gave no frame")
        obs: dict[str, np.ndarray] = {}
        if "rgb" in self.observation_space.spaces:
            obs["rgb"] = self._frame
        if self.vector_keys:
            assert self._vectors is not None
            given = self._vectors()
            missing = [k for k in self.vector_keys if k not in given]
            if missing:
                raise ValueError(f"vectors() did not return {missing}; needs {self.vector_keys}")
            for k in self.vector_keys:
                sub = self.observation_space[k]
                value = np.asarray(given[k], dtype=sub.dtype)
                if value.shape != sub.shape or not np.all(np.isfinite(value)):
                    raise ValueError(
                        f"vectors()[{k!r}] must be finite with shape {sub.shape}, "
                        f"got {np.asarray(given[k]).shape}"
                    )
                obs[k] = value
        info = {
            "timestamp": None if frame is None else frame.timestamp,
            "index": None if frame is None else frame.index,
        }
        return obs, info, ended

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        super().reset(seed=seed)
        self._steps = 0
        obs, info, ended = self._observe()
        if ended:
            raise CameraError(f"camera source {self.camera.name!r} has no frames left")
        return obs, info

    def step(self, action: Any) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        action = check_action(self.action_space, action)
        if self._act is not None:
            self._act(action)
        self._steps += 1
        terminated, extra = (False, {}) if self._done is None else self._done()
        obs, info, ended = self._observe()
        truncated = ended or (
            self.max_episode_steps is not None and self._steps >= self.max_episode_steps
        )
        return obs, 0.0, bool(terminated), bool(truncated), {**info, **extra}

    def render(self) -> np.ndarray | None:
        return self._frame

    def close(self) -> None:
        self.camera.close()
