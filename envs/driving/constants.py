"""Driving constants. The world is 1:10 scale, like the MIT RACECAR / F1TENTH platforms the
``pybullet_data`` racecar models: lanes are 0.6 m wide and a house is 1-3 m tall."""

from __future__ import annotations

# timing
CONTROL_DT = 0.05  # 20 Hz control
PHYSICS_DT = 1.0 / 200.0
SUBSTEPS = round(CONTROL_DT / PHYSICS_DT)

# road kit: every road piece is one 1 m long tile of a 3 m wide strip (road, kerbs,
# sidewalks, verge); curves use a fixed set of radii; junctions are 3 m x 3 m patches
PIECE_LENGTH = 1.0
STRIP_HALF = 1.5
RADII = (2.0, 3.0, 5.0, 8.0)
JUNCTION_HALF = 1.5
ROAD_CLEARANCE = 2 * STRIP_HALF + 0.6  # centreline distance between unrelated strips
ROUTE_LENGTH = (28.0, 40.0)  # metres to the goal line
RUN_OUT = 4.0  # road after the goal line
SAMPLE_DS = 0.05  # centreline sampling for metrics and the expert
SPLITS = {"train": range(0, 900_000), "test": range(900_000, 1_000_000)}
SIDEWALK = 0.45  # sidewalk width beyond the kerb
KERB = 0.05
LANE_WIDTH = {1: 0.8, 2: 0.6}  # one-way streets are a wider single lane
MARKING_WIDTHS = (0.025, 0.04, 0.055)
DASH_FRACTIONS = (0.3, 0.5, 1.0)

# vehicle
CAR_URDF = "racecar/racecar.urdf"
WHEEL_RADIUS = 0.05
MAX_STEER = 0.5  # rad at steering gain 1
MAX_SPEED = 3.0  # m/s, wheel motor target
MOTOR_FORCE = 2.0  # N·m per wheel at throttle 1 and strength 1
BRAKE_FORCE = 3.0
TYRE_FRICTION = 1.0  # rubber on asphalt (the URDF's 0.5 makes the car slide in every curve)
DRIVE_WHEELS = (
    "left_rear_wheel_joint",
    "right_rear_wheel_joint",
    "left_front_wheel_joint",
    "right_front_wheel_joint",
)
STEER_JOINTS = ("left_steering_hinge_joint", "right_steering_hinge_joint")
CAMERA_LINK = "zed_camera_link"
CAR_HALF_WIDTH = 0.12
WHEELBASE, TRACK = 0.325, 0.2  # racecar.urdf axle distance and front wheel track (m)
DISCRETE_ACTIONS = {  # name: (steering, throttle)
    "coast": (0.0, 0.0),
    "gas": (0.0, 0.5),
    "brake": (0.0, -1.0),
    "left": (0.7, 0.25),
    "right": (-0.7, 0.25),
}

# observations
MAX_DEPTH = 30.0
NEAR, FAR = 0.03, 40.0
LIDAR_BEAMS = 32
LIDAR_RANGE = 5.0
STATE_SIZE = 10
LOOKAHEADS = (0.5, 1.0, 2.0, 3.0)  # curvature preview distances (m)
# semantic classes of the seg observation (index = class id; 0 is the sky, where nothing is)
SEG_CLASSES = (
    "sky",
    "ground",
    "road",
    "lane_marking",
    "sidewalk",
    "ego_car",
    "vehicle",
    "obstacle",
    "building",
    "vegetation",
    "pole",
)
SEG_OF_KIND = {  # pool kind (its name up to the first "/") -> class
    "asphalt": "road",
    "jasphalt": "road",
    "lines": "lane_marking",
    "sidewalk": "sidewalk",
    "vehicle": "vehicle",
    "parked": "vehicle",
    "cone": "obstacle",
    "barrel": "obstacle",
    "building": "building",
    "trunk": "vegetation",
    "crown": "vegetation",
    "lamp": "pole",
}  # junction corners and sides ("jcorner", "jside"): their walk variants are sidewalk,
# their verge variants ground

# task
OFF_ROAD_MARGIN = 0.05  # car centre this far beyond the asphalt edge ends the episode
CRUISE_SPEED = 1.5  # expert speed and traffic reference (m/s)

# body pools (world.py, bounds.py). Road-kit maxima are exact over every road id in SPLITS
# (bounds.road_kit_maxima(), 30 min on one core): the most 1 m tiles of each curvature (keys
# f"{curvature:+.4f}"), tiles in all, junctions and T junctions one road needs; each is reached
# by the road id in ROAD_KIT_ARGMAX (tests/test_driving.py checks both)
ROAD_KIT_MAX = {
    "+0.0000": 76,
    "+0.1250": 46,
    "-0.1250": 49,
    "+0.2000": 33,
    "-0.2000": 36,
    "+0.3333": 23,
    "-0.3333": 22,
    "+0.5000": 16,
    "-0.5000": 18,
}
MAX_TILES = 82
MAX_JUNCTIONS = 7
MAX_TEES = 7
ROAD_KIT_ARGMAX = {
    "+0.0000": 452389,
    "+0.1250": 198593,
    "-0.1250": 878922,
    "+0.2000": 806402,
    "-0.2000": 238376,
    "+0.3333": 906417,
    "-0.3333": 70711,
    "+0.5000": 554430,
    "-0.5000": 754976,
    "tiles": 453802,
    "junctions": 730152,
    "tees": 730152,
}
OBSTACLE_FROM = 4.0  # obstacles stand between this far along the route ...
OBSTACLE_BEFORE_GOAL = 1.0  # ... and this far before the goal line,
OBSTACLE_SPACING = 2.5  # at least this far apart
MAX_OBSTACLES = int((ROUTE_LENGTH[1] - OBSTACLE_BEFORE_GOAL - OBSTACLE_FROM) / OBSTACLE_SPACING) + 1
POOL_TAIL = 1e-9  # random counts: the pool covers all but this fraction of episodes
POOL_CAPS = {"vehicle": 32, "building": 48}  # hard caps: a DR range needing more is an error
