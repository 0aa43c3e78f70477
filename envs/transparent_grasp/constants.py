"""Every name, size and number of the TransparentGrasp family in one place."""

from __future__ import annotations

import numpy as np

# ----------------------------------------------------------------------------- the scene
TABLE_TOP = 0.40  # m, table surface height
TABLE_HALF = (0.40, 0.55)  # half extents (x, y) of the table top
ROBOT_BASE = (-0.62, 0.0, TABLE_TOP)
WORKSPACE = ((-0.18, 0.16), (-0.2, 0.2))  # object spawn area (x, y) on the table
TEXTURE_SIZE = 128
LOOK_GROUPS = ("table", "floor", "wall")
CAMERA = "front"
OVERVIEW_CAMERA = "overview"
CAMERA_TARGET = (-0.06, 0.0, TABLE_TOP + 0.03)
CAMERA_POS = (0.42, 0.0, TABLE_TOP + 0.45)
N_LIGHTS = 3
PHYSICS_DT = 0.002
CONTROL_DT = 0.05  # s per env step (20 Hz)
# geom groups: 0 scene, 1 robot visual, 2 glassware (hidden for the see-through depth),
# 3 collision geoms (never drawn), 4 sites
GROUP_SCENE, GROUP_ROBOT, GROUP_GLASS, GROUP_COLLISION = 0, 1, 2, 3
ROBOT_CONTYPE, ROBOT_CONAFFINITY = 2, 1  # the robot collides with the scene, not with itself
SCENE_CONTYPE, SCENE_CONAFFINITY = 1, 1 | ROBOT_CONTYPE

# ----------------------------------------------------------------------------- glassware
CATEGORIES = ("glass", "wine_glass", "bottle", "cup", "bowl", "vase")
STYLES = {"train": (0, 1), "test": (2,)}  # profile styles per split
MAX_GRASP_RADIUS = 0.036
GLASS_DENSITY = 2500.0  # kg/m^3 (soda-lime glass)
MAX_OBJECTS = 7  # 4 glassware + 3 distractors

# ----------------------------------------------------------------------------- looks
TRAIN_TEXTURES = ("flat", "checker", "stripes", "gradient", "noise", "bricks", "wood")
TEST_TEXTURES = ("marble", "dots", "tiles")
NOMINAL_COLORS = {
    "table": (0.62, 0.5, 0.38),
    "floor": (0.45, 0.45, 0.48),
    "wall": (0.78, 0.78, 0.74),
}
NOMINAL_TEXTURES = {"table": "wood", "floor": "flat", "wall": "flat"}

# ----------------------------------------------------------------------------- the Panda
ARM_JOINTS = tuple(f"panda_joint{i}" for i in range(1, 8))
FINGER_JOINTS = ("panda_finger_joint1", "panda_finger_joint2")
ARM_ACTUATORS = tuple(f"panda/act{i}" for i in range(1, 8))
GRIPPER_ACTUATOR = "panda/gripper"
GRIP_SITE = "panda/grip"
HAND_BODY = "panda_hand"
FINGER_BODIES = ("panda_leftfinger", "panda_rightfinger")
# hand pointing down, fingers along the world y axis, grip about 0.5 m in front of the base
HOME_QPOS = np.array([0.0, -0.3, 0.0, -2.2, 0.0, 1.9, 0.785398])
FINGER_OPEN = 0.04
KP = np.array([4500, 4500, 3500, 3500, 2000, 2000, 2000], float)
KV = np.array([450, 450, 350, 350, 200, 200, 200], float)
GRIPPER_KP = 4000.0  # N/m; closing commands -1 cm so the force limit binds
GRIPPER_KV = 400.0  # N·s/m: the 40 N nominal force closes at 0.1 m/s, like the real hand

# ----------------------------------------------------------------------------- the task
MAX_DEPTH = 5.0  # m, depth observations are clipped here
LIFT_HEIGHT = 0.10  # m above the rest height, held for HOLD_TIME
HOLD_TIME = 1.0  # s
MAX_STEP = 0.025  # m of grip motion per ee_delta step at full action
MAX_TURN = 0.15  # rad of finger-axis rotation per ee_delta step
HOME_GRIP = np.array([0.0, 0.0, TABLE_TOP + 0.30])
GRIP_LIMITS = np.array([[-0.35, -0.35, TABLE_TOP + 0.005], [0.3, 0.35, TABLE_TOP + 0.45]])
PROPRIO = 15  # proprioception vector length
UP = np.array([0.0, 0.0, 1.0])

# ----------------------------------------------------------------------------- the expert
APPROACH_HEIGHT = 0.10  # m above the grasp point before descending
DESCEND_SPEED = 0.4  # fraction of the full step while the fingers go down around the object
CLOSE_STEPS = 8  # control steps (0.4 s) to close the fingers before lifting
