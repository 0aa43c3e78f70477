"""Run the privileged expert on a held-out apartment and save an MP4 of the episode."""

import gymnasium as gym

import simenv  # noqa: F401
from simenv.agents import IndoorNavExpert
from simenv.rollout import run_episode
from simenv.viz import write_video

env = gym.make(
    "simenv/IndoorNav-v0",
    task="objectgoal",
    split="test",
    render_mode="rgb_array",
    render_size=(256, 256),
)
info = run_episode(env, IndoorNavExpert().act, seed=7, frames=True)
print(f"goal {info['object_category']}: success {info['success']}, SPL {info['spl']:.2f}")
print("wrote", write_video("expert_objectgoal.mp4", info["frames"], fps=10))
env.close()
