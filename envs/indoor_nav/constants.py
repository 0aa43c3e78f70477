"""Every name, size and split of the IndoorNav family in one place."""

from __future__ import annotations

# Layout ids: 1,000,000 distinct apartments; the last 100,000 are held out for testing.
LAYOUT_SPLITS = {"train": range(0, 900_000), "test": range(900_000, 1_000_000)}

GRID_RES = 0.1  # occupancy grid cell (m)
WALL_THICKNESS = 0.1
WALL_HEIGHT = 2.4
DOOR_WIDTH = 1.0
MIN_ROOM = 2.2  # shortest side of a room (m)

# Object categories of ObjectGoal (one-hot order) and their footprint (length, depth, height).
CATEGORIES = ("chair", "table", "sofa", "bed", "shelf")
FURNITURE = {
    "chair": (0.5, 0.5, 0.9),
    "table": (1.2, 0.8, 0.75),
    "sofa": (1.9, 0.85, 0.8),
    "bed": (2.0, 1.5, 1.0),
    "shelf": (0.9, 0.35, 1.8),
}
NOMINAL_COLORS = {
    "wall": (0.82, 0.80, 0.74),
    "floor": (0.55, 0.40, 0.26),
    "ceiling": (0.92, 0.92, 0.90),
    "chair": (0.55, 0.30, 0.15),
    "table": (0.62, 0.45, 0.28),
    "sofa": (0.25, 0.35, 0.55),
    "bed": (0.80, 0.75, 0.65),
    "shelf": (0.45, 0.32, 0.22),
}

# Semantic segmentation classes (obs "seg", values are indices into this tuple).
SEG_CLASSES = ("void", "wall", "floor", "ceiling", *CATEGORIES, "distractor", "robot")

# Robot (a small differential-drive base, LoCoBot/TurtleBot-sized).
ROBOT = "robot"
CHASSIS = "robot/chassis"
WHEELS = ("robot/wheel_left", "robot/wheel_right")
WHEEL_JOINTS = ("robot/wheel_left_joint", "robot/wheel_right_joint")
WHEEL_ACTUATORS = ("robot/wheel_left_motor", "robot/wheel_right_motor")
EGO_CAMERA = "robot/camera"
RANGEFINDER_SITE = "robot/lidar"
ROBOT_RADIUS = 0.18
WHEEL_RADIUS = 0.05
WHEEL_BASE = 0.30  # distance between the wheels (m)
CLEARANCE = ROBOT_RADIUS + 0.05  # planning clearance from obstacles

MAX_LINEAR = 0.8  # m/s
MAX_ANGULAR = 2.0  # rad/s
CONTROL_DT = 0.2  # s per env step
PHYSICS_DT = 0.01

# Discrete (Habitat-style) actions: (v, omega) held for one step.
DISCRETE_ACTIONS = ("stop", "forward", "turn_left", "turn_right")
DISCRETE_COMMANDS = {
    "stop": (0.0, 0.0),
    "forward": (MAX_LINEAR, 0.0),
    "turn_left": (0.0, 1.3),
    "turn_right": (0.0, -1.3),
}

N_RANGES = 16
MAX_RANGE = 5.0
MAX_DEPTH = 10.0
