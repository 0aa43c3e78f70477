"""The episode lifecycle every simenv environment shares (DESIGN.md §7).

:class:`SimEnv` owns ``reset``, ``step``, ``render`` and ``close``; the engine bases
(:class:`simenv.mujoco_env.MujocoEnv`, :class:`simenv.pybullet_env.PybulletEnv`) add the
engine boilerplate and a family's task class supplies the pieces, never the sequence::

    reset(seed)  1. sample      sample = randomizer.sample(np_random)       (the DR core)
                                episode = _sample_episode(sample, np_random) (layout, goal, ...)
                 2. build       _build(episode, sample)     rebuild or reuse the scene
                 3. apply       _apply(episode, sample)     appearance and dynamics, no draws
                 4. settle      _settle(episode, sample)    initial state, settle the physics
                 5. observe     _observe(capture()), _info()  info["randomization"] = sample

    step(action) check_action → _act(action) -> (reward terms, terminated, truncated)
                 → _observe(capture()), _info(); the reward is the sum of the terms

Observing is two pieces so that a vector env can draw many envs' cameras in one pass:
``_camera_request()`` says what the observation camera draws (a view, a size, outputs) and
``_observe(frame)`` turns the drawn :class:`~simenv.rendering.Frame` into the observation
(sensor models, task vectors). :meth:`capture` draws the request with the env's own renderer.

Every random number comes from ``self.np_random`` in steps 1 and 5 (per-step sensor noise),
so ``reset(seed=s)`` reproduces everything. A closed env refuses ``reset``, ``step`` and
``render`` with a one-line ``RuntimeError``; a second ``close()`` is harmless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from .core import (
    HEAP,
    RENDER_MODES,
    check_action,
    check_camera_size,
    check_render_mode,
    close_windows,
    render_output,
)
from .randomization import DomainRandomizer, Param, Value
from .rendering import Frame

Obs = dict[str, np.ndarray]
Sample = dict[str, Value]
EpisodeT = TypeVar("EpisodeT")


@dataclass(frozen=True)
class CameraRequest:
    """What an observation camera draws: an engine's view, an image size, the outputs
    (``rgb``, ``depth``, ``segmentation``, ``transparent_depth``)."""

    view: Any
    size: tuple[int, int]
    outputs: tuple[str, ...]


class SimEnv(gym.Env[Obs, Any], Generic[EpisodeT]):
    """Lifecycle base; ``EpisodeT`` is the family's privileged episode state (a dataclass).

    Args:
        params: the family's DR parameter declarations.
        randomization: ``"none"``, ``"default"``, ``"strong"``, a dict or a YAML/JSON path.
        dr_scale: scales every DR range around its nominal value.
        render_mode: ``None``, ``"rgb_array"`` or ``"human"``.
        camera_size: observation image ``(height, width)``.
        render_size: ``render()`` image ``(height, width)``.
        dt: seconds of simulated time per ``step``.
    """

    metadata: dict[str, Any] = {"render_modes": list(RENDER_MODES), "render_fps": 5}
    observation_space: spaces.Dict  # type: ignore[assignment]  # a Dict in every family

    def __init__(
        self,
        params: Sequence[Param],
        randomization: Any,
        dr_scale: float,
        render_mode: str | None,
        camera_size: tuple[int, int],
        render_size: tuple[int, int],
        dt: float,
    ) -> None:
        self.render_mode = check_render_mode(render_mode)
        self.camera_size = check_camera_size(camera_size)
        self.render_size = check_camera_size(render_size, "render_size")
        self.randomizer = DomainRandomizer(params, randomization, dr_scale)
        self.dt = float(dt)
        self._closed = False
        self._episode: EpisodeT | None = None

    # ------------------------------------------------------------------ the lifecycle
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        info = self._reset_state(seed)
        return self._observe(self.capture()), info

    def step(self, action: Any) -> tuple[Obs, float, bool, bool, dict[str, Any]]:
        reward, terminated, truncated, info = self._step_state(self._checked(action))
        return self._observe(self.capture()), reward, terminated, truncated, info

    # the lifecycle before observing (a vector env observes many envs at once)
    def _reset_state(self, seed: int | None) -> dict[str, Any]:
        """Reset steps 1-4: a new episode, its info."""
        self._check_open()
        super().reset(seed=seed)
        rng = self.np_random
        sample = self.randomizer.sample(rng)
        episode = self._sample_episode(sample, rng)
        self._build(episode, sample)
        self._apply(episode, sample)
        self._settle(episode, sample)
        self._episode = episode
        HEAP.tick()  # return what rebuilds freed to the OS now and then (see HeapTrimmer)
        info = self._info()
        info["randomization"] = sample
        return info

    def _checked(self, action: Any) -> Any:
        self._check_open()
        if self._episode is None:
            raise RuntimeError("call reset() before step()")
        return check_action(self.action_space, action)

    def _step_state(self, action: Any) -> tuple[float, bool, bool, dict[str, Any]]:
        """A step with a checked action, before observing: reward, ends and info."""
        terms, terminated, truncated = self._act(action)
        info = self._info()
        info.update(terms)
        return float(sum(terms.values())), bool(terminated), bool(truncated), info

    def render(self) -> np.ndarray | None:
        self._check_open()
        if self._episode is None:
            raise RuntimeError("call reset() before render()")
        return render_output(self.render_mode, self._render_frame)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._release()
        if self.render_mode == "human":
            close_windows()
        super().close()

    @property
    def episode(self) -> EpisodeT:
        """The privileged state of the current episode (for experts and tests)."""
        if self._episode is None:
            raise RuntimeError("call reset() before reading the episode")
        return self._episode

    def capture(self) -> Frame | None:
        """The observation camera's frame now, drawn by the env's renderer (``None`` when the
        observation has no image)."""
        request = self._camera_request()
        return None if request is None else self.draw(request.view, request.size, request.outputs)

    @classmethod
    def capture_all(
        cls, envs: Sequence[SimEnv[Any]], which: Sequence[int], cache: dict[str, Any]
    ) -> list[Frame | None]:
        """The observation frames of ``envs[i]`` for ``i`` in ``which`` (a vector env's
        step); engine bases draw them in one pass, keeping renderers in ``cache``."""
        return [envs[i].capture() for i in which]

    def draw(self, view: Any, size: tuple[int, int], outputs: Sequence[str] = ("rgb",)) -> Frame:
        """What ``view`` sees now at ``size`` (the engine base draws it)."""
        raise NotImplementedError

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed; make a new environment")

    # ------------------------------------------------------------------ the family's pieces
    def _sample_episode(self, sample: Mapping[str, Value], rng: np.random.Generator) -> EpisodeT:
        """Draw what the DR sample leaves open (layout, objects, goal, start) from ``rng``."""
        raise NotImplementedError

    def _build(self, episode: EpisodeT, sample: Mapping[str, Value]) -> None:
        """Build the scene's structure, or keep the current one if it is the same."""
        raise NotImplementedError

    def _apply(self, episode: EpisodeT, sample: Mapping[str, Value]) -> None:
        """Write appearance and dynamics into the scene: a function of the sample alone."""
        raise NotImplementedError

    def _settle(self, episode: EpisodeT, sample: Mapping[str, Value]) -> None:
        """Put the robot and objects in their initial state and let the physics settle."""
        raise NotImplementedError

    def _act(self, action: Any) -> tuple[dict[str, float], bool, bool]:
        """Apply a checked action and advance one step: (reward terms, terminated,
        truncated). Time limits are the ``TimeLimit`` wrapper's, not this method's."""
        raise NotImplementedError

    def _camera_request(self) -> CameraRequest | None:
        """What the observation camera draws this step (``None``: no image)."""
        return None

    def _observe(self, frame: Frame | None) -> Obs:
        """The observation from the drawn camera ``frame`` and the physics state."""
        raise NotImplementedError

    def _info(self) -> dict[str, Any]:
        raise NotImplementedError

    def _render_frame(self) -> np.ndarray:
        """The ``render()`` image (a larger third-person or chase view)."""
        raise NotImplementedError

    def _release(self) -> None:
        """Free engine resources (GL contexts, physics clients); called once by close()."""
