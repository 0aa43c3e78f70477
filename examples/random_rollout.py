"""Roll out random actions in IndoorNav-v0 and print what a training script sees."""

import gymnasium as gym

import simenv  # noqa: F401  (registers the ids)

env = gym.make("simenv/IndoorNav-v0", obs_mode="rgbd", randomization="default")
obs, info = env.reset(seed=0)
print({k: (v.shape, v.dtype.name) for k, v in obs.items()})
print("layout", info["layout"], "lights", info["randomization"]["lighting.count"])
for _ in range(50):
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    if terminated or truncated:
        break
print({k: info[k] for k in ("success", "spl", "distance_to_goal", "collisions")})
env.close()
