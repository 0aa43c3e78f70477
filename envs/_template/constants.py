"""Every name, size and number of the template family in one place."""

from __future__ import annotations

ARENA = 0.5  # half size of the square table (m)
PUCK = "puck"  # body, with slide joints PUCK_JOINTS and motors PUCK_MOTORS
PUCK_JOINTS = ("puck/x", "puck/y")
PUCK_MOTORS = ("puck/motor_x", "puck/motor_y")
PUCK_RADIUS = 0.04
TARGET = "target"  # a mocap body marking the goal
TARGET_RADIUS = 0.06
CAMERA = "top"
OVERVIEW_CAMERA = "overview"
MAX_FORCE = 2.0  # N per action unit
PHYSICS_DT = 0.01
CONTROL_DT = 0.1  # s per env step
SUCCESS_DISTANCE = 0.04  # m between puck and target centres
MAX_DEPTH = 3.0
NOMINAL_PUCK_RGB = (0.85, 0.25, 0.1)
