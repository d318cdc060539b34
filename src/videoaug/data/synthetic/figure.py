"""The stick figure's kinematics: class-specific motion cycles (:class:`Pose` as a pure function
of the phase, :data:`POSE_FUNCTIONS`), the pose placed as drawable segments and circles with the
class's prop (:func:`figure_geometry`), and the figure of one frame of a clip
(:func:`clip_geometry`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from videoaug.data.synthetic.params import ClipSpec


@dataclass(frozen=True)
class Pose:
    """Absolute segment angles in the figure's frame (radians; 0 = straight down, + = forwards).

    Arms and legs are ``(upper, lower)`` angles. ``lean`` tilts the torso forwards; ``twist``
    narrows the shoulders (torso rotation out of the image plane); ``lift`` (hop) and ``shift``
    (forward hip shift) are fractions of the figure height; ``prop_extent`` is the prop's length
    as a fraction of the figure height (yo-yo string); ``prop_angle`` is the angle of a rotating
    prop (the skipping rope's apex, radians).
    """

    lean: float
    twist: float
    near_arm: tuple[float, float]
    far_arm: tuple[float, float]
    near_leg: tuple[float, float]
    far_leg: tuple[float, float]
    lift: float = 0.0
    shift: float = 0.0
    prop: str = "none"
    prop_extent: float = 0.0
    prop_angle: float = 0.0


def golf_swing_pose(phase: float, amplitude: float) -> Pose:
    """Both arms swing together through a big arc around the shoulders, with torso twist."""
    swing = math.sin(phase)
    arm = 1.9 * amplitude * swing
    return Pose(
        lean=0.35,
        twist=0.9 * amplitude * swing,
        near_arm=(arm - 0.12, arm + 0.05),
        far_arm=(arm + 0.12, arm + 0.05),
        near_leg=(0.2, 0.05),
        far_leg=(-0.2, -0.05),
        shift=0.03 * swing,
        prop="club",
    )


def shotput_pose(phase: float, amplitude: float) -> Pose:
    """One arm pushes out from the shoulder while the body lunges forwards and hops."""
    push = 0.5 - 0.5 * math.cos(phase)  # 0 = shot tucked at the neck, 1 = arm extended
    upper = 3.6 - 1.3 * push
    front_thigh = 0.15 + 0.45 * push * amplitude
    back_thigh = -0.15 - 0.35 * push * amplitude
    return Pose(
        lean=-0.2 + 0.6 * push,
        twist=0.6 * (1 - push),
        near_arm=(upper, upper - 2.2 * (1 - push)),
        far_arm=(1.0 - 0.9 * push, 1.4 - 0.9 * push),
        near_leg=(front_thigh, front_thigh - 0.35 * push),
        far_leg=(back_thigh, back_thigh - 0.1),
        lift=0.12 * amplitude * push**4,
        shift=0.1 * amplitude * push,
        prop="shot",
    )


def skiing_pose(phase: float, amplitude: float) -> Pose:
    """A crouched skier with alternating legs and pole plants (translation is in the spec)."""
    swing, bend = math.sin(phase), math.cos(phase)
    near_thigh, far_thigh = 0.6 + 0.2 * amplitude * swing, 0.6 - 0.2 * amplitude * swing
    near_upper, far_upper = 0.5 + 0.6 * amplitude * swing, 0.5 - 0.6 * amplitude * swing
    return Pose(
        lean=0.55,
        twist=0.0,
        near_arm=(near_upper, near_upper + 0.6),
        far_arm=(far_upper, far_upper + 0.6),
        near_leg=(near_thigh, near_thigh - 1.2 + 0.15 * bend),
        far_leg=(far_thigh, far_thigh - 1.2 - 0.15 * bend),
        lift=0.02 * (0.5 + 0.5 * math.sin(2 * phase)),
        prop="poles",
    )


def yoyo_pose(phase: float, amplitude: float) -> Pose:
    """One forearm bobs up and down; the yo-yo on its string follows with a lag."""
    return Pose(
        lean=0.05,
        twist=0.2,
        near_arm=(0.45, 1.5 + 0.35 * amplitude * math.sin(phase)),
        far_arm=(0.08, 0.15),
        near_leg=(0.08, 0.08),
        far_leg=(-0.08, -0.08),
        prop="yoyo",
        prop_extent=0.08 + 0.26 * (0.5 - 0.5 * math.sin(phase - 0.5)),
    )


def jumping_jack_pose(phase: float, amplitude: float) -> Pose:
    """Arms sweep from the sides to overhead while the legs open, with a hop at each change."""
    spread = 0.5 - 0.5 * math.cos(phase)  # 0 = closed, 1 = open
    arm = min(3.0, 0.15 + 2.7 * amplitude * spread)
    leg = 0.04 + 0.34 * amplitude * spread
    return Pose(
        lean=0.0,
        twist=0.0,
        near_arm=(arm, arm + 0.15),
        far_arm=(-arm, -arm - 0.15),
        near_leg=(leg, leg),
        far_leg=(-leg, -leg),
        lift=0.07 * amplitude * abs(math.sin(phase)),
    )


def squat_pose(phase: float, amplitude: float) -> Pose:
    """Body-weight squat: knees bend forwards, the hips sink, the arms rise to the horizontal."""
    down = 0.5 - 0.5 * math.cos(phase)  # 0 = standing, 1 = deepest
    thigh = 0.05 + 1.3 * amplitude * down
    shin = -0.05 - 0.45 * amplitude * down
    arm = 0.1 + 1.45 * down
    return Pose(
        lean=0.45 * down,
        twist=0.0,
        near_arm=(arm, arm),
        far_arm=(arm - 0.1, arm - 0.1),
        near_leg=(thigh, shin),
        far_leg=(thigh - 0.1, shin - 0.05),
    )


def jump_rope_pose(phase: float, amplitude: float) -> Pose:
    """Small hops while the hands turn a rope around the body once per cycle."""
    turn = math.sin(phase)
    return Pose(
        lean=0.05,
        twist=0.0,
        near_arm=(0.3, 1.2 + 0.35 * math.cos(phase)),
        far_arm=(0.2, 1.1 + 0.35 * math.cos(phase)),
        near_leg=(0.12 + 0.1 * max(0.0, turn), -0.05),
        far_leg=(0.02 + 0.1 * max(0.0, turn), -0.12),
        lift=0.08 * amplitude * max(0.0, turn) ** 2,
        prop="rope",
        prop_angle=phase,
    )


def lunge_pose(phase: float, amplitude: float) -> Pose:
    """Forward lunge: the front knee bends over the foot, the back knee drops; hands on the hips."""
    down = 0.5 - 0.5 * math.cos(phase)
    front = 0.15 + 1.2 * amplitude * down
    back = -0.15 - 0.45 * amplitude * down
    return Pose(
        lean=-0.05,
        twist=0.3,
        near_arm=(0.6, -0.8),
        far_arm=(0.5, -0.9),
        near_leg=(front, 0.05 - 0.1 * down),
        far_leg=(back, back - 1.1 * down),
    )


def punch_pose(phase: float, amplitude: float) -> Pose:
    """Alternating jabs at shoulder height from a boxing guard, with a torso twist."""
    swing = math.sin(phase)
    near, far = max(0.0, swing) ** 2, max(0.0, -swing) ** 2

    def arm(extension: float) -> tuple[float, float]:
        return (0.5 + 1.1 * amplitude * extension, 2.7 - 1.1 * extension)

    return Pose(
        lean=0.15,
        twist=0.5 * swing,
        near_arm=arm(near),
        far_arm=arm(far),
        near_leg=(0.3, 0.2),
        far_leg=(-0.3, -0.2),
        shift=0.03 * swing,
    )


def walking_pose(phase: float, amplitude: float) -> Pose:
    """Walking gait (translation is in the spec); one hand holds a leash to a dog ahead."""
    swing = math.sin(phase)
    near_thigh, far_thigh = 0.35 * amplitude * swing, -0.35 * amplitude * swing
    return Pose(
        lean=0.05,
        twist=0.0,
        near_arm=(0.6, 0.9),
        far_arm=(-0.35 * swing, -0.2 * swing),
        near_leg=(near_thigh, near_thigh - 0.4 * max(0.0, -swing)),
        far_leg=(far_thigh, far_thigh - 0.4 * max(0.0, swing)),
        lift=0.015 * abs(math.cos(phase)),
        prop="leash",
        prop_angle=phase,
    )


POSE_FUNCTIONS: dict[str, Callable[[float, float], Pose]] = {
    "GolfSwing": golf_swing_pose,
    "Shotput": shotput_pose,
    "Skiing": skiing_pose,
    "YoYo": yoyo_pose,
    "JumpingJack": jumping_jack_pose,
    "BodyWeightSquats": squat_pose,
    "JumpRope": jump_rope_pose,
    "Lunges": lunge_pose,
    "Punch": punch_pose,
    "WalkingWithDog": walking_pose,
}

# Segment lengths as fractions of the figure height.
_TORSO, _NECK, _HEAD_RADIUS = 0.30, 0.04, 0.075
_UPPER_ARM, _FOREARM, _THIGH, _SHIN = 0.16, 0.15, 0.23, 0.23
_SHOULDER_HALF, _HIP_HALF = 0.07, 0.045

Segment = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class FigureGeometry:
    """Drawable primitives of one pose: far-side and near-side segments, and circles.

    Points are ``(x, y)`` canvas pixels; circles are ``(centre, radius)``.
    """

    far_segments: list[Segment]
    near_segments: list[Segment]
    circles: list[tuple[np.ndarray, float]]


def _direction(angle: float, facing: int) -> np.ndarray:
    return np.array([facing * math.sin(angle), math.cos(angle)])


def _limb(root: np.ndarray, angles: tuple[float, float], lengths: tuple[float, float],
          facing: int) -> tuple[np.ndarray, np.ndarray]:
    """Joint and end points of a two-segment limb starting at ``root``."""
    joint = root + lengths[0] * _direction(angles[0], facing)
    return joint, joint + lengths[1] * _direction(angles[1], facing)


def figure_geometry(pose: Pose, hip: np.ndarray, size: float, facing: int) -> FigureGeometry:
    """Place a pose with its hip centre at ``hip`` (canvas pixels), figure height ``size``."""
    up = np.array([facing * math.sin(pose.lean), -math.cos(pose.lean)])
    shoulder = hip + _TORSO * size * up
    head = shoulder + (_NECK + _HEAD_RADIUS) * size * up
    shoulder_half = _SHOULDER_HALF * size * (0.35 + 0.65 * abs(math.cos(pose.twist)))
    side = np.array([facing * 1.0, 0.0])
    near_shoulder, far_shoulder = shoulder + shoulder_half * side, shoulder - shoulder_half * side
    near_hip, far_hip = hip + _HIP_HALF * size * side, hip - _HIP_HALF * size * side
    arm_lengths = (_UPPER_ARM * size, _FOREARM * size)
    leg_lengths = (_THIGH * size, _SHIN * size)
    near_elbow, near_hand = _limb(near_shoulder, pose.near_arm, arm_lengths, facing)
    far_elbow, far_hand = _limb(far_shoulder, pose.far_arm, arm_lengths, facing)
    near_knee, near_foot = _limb(near_hip, pose.near_leg, leg_lengths, facing)
    far_knee, far_foot = _limb(far_hip, pose.far_leg, leg_lengths, facing)

    far = [(far_shoulder, far_elbow), (far_elbow, far_hand),
           (far_hip, far_knee), (far_knee, far_foot)]
    near = [(hip, shoulder), (near_shoulder, far_shoulder), (near_hip, far_hip),
            (near_shoulder, near_elbow), (near_elbow, near_hand),
            (near_hip, near_knee), (near_knee, near_foot)]
    circles = [(head, _HEAD_RADIUS * size)]
    forward = np.array([facing * 1.0, 0.0])
    if pose.prop == "club":
        grip = (near_hand + far_hand) / 2
        shaft_angle = (pose.near_arm[1] + pose.far_arm[1]) / 2
        shaft_end = grip + 0.35 * size * _direction(shaft_angle, facing)
        near.append((grip, shaft_end))
        near.append((shaft_end, shaft_end + 0.06 * size * forward))
    elif pose.prop == "shot":
        circles.append((near_hand, 0.045 * size))
    elif pose.prop == "poles":
        for hand, foot, segments in ((far_hand, far_foot, far), (near_hand, near_foot, near)):
            segments.append((hand, hand + 0.45 * size * _direction(-0.35, facing)))
            segments.append((foot - 0.22 * size * forward, foot + 0.3 * size * forward))
    elif pose.prop == "yoyo":
        ball = near_hand + np.array([0.0, pose.prop_extent * size])
        near.append((near_hand, ball))
        circles.append((ball, 0.04 * size))
    elif pose.prop == "rope":
        # the rope's apex turns around the hip in the image plane, reaching just below the feet
        apex = hip + 0.5 * size * np.array([facing * math.cos(pose.prop_angle),
                                             math.sin(pose.prop_angle)])
        far.append((far_hand, apex))
        near.append((near_hand, apex))
    elif pose.prop == "leash":
        # a dog (body, head, two trotting legs) ahead of the walker, its feet level with his
        feet_y = max(float(near_foot[1]), float(far_foot[1]))
        body_rear = np.array([hip[0] + facing * 0.4 * size, feet_y - 0.14 * size])
        body_front = body_rear + 0.2 * size * forward
        near.append((near_hand, body_front))
        near.append((body_rear, body_front))
        trot = 0.05 * size * math.sin(pose.prop_angle)
        for x, sign in ((body_rear, 1.0), (body_front, -1.0)):
            near.append((x, np.array([x[0] + facing * sign * trot, feet_y])))
        circles.append((body_front + np.array([facing * 0.03 * size, -0.04 * size]),
                        0.04 * size))
    return FigureGeometry(far_segments=far, near_segments=near, circles=circles)


def _lowest_point(geometry: FigureGeometry) -> float:
    points = [p for seg in geometry.far_segments + geometry.near_segments for p in seg]
    return max(float(p[1]) for p in points)


def clip_geometry(spec: ClipSpec, frame_index: int) -> FigureGeometry:
    """The figure of frame ``frame_index`` in canvas pixels, feet on the (sloped) ground."""
    phase = 2 * math.pi * frame_index / spec.period + spec.phase
    pose = POSE_FUNCTIONS[spec.class_name](phase, spec.amplitude)
    size = spec.figure_height
    hip_x = spec.anchor_x + spec.facing * (spec.travel * frame_index + pose.shift * size)
    ground = spec.ground_y + spec.slope * spec.travel * frame_index
    at_origin = figure_geometry(pose, np.array([hip_x, 0.0]), size, spec.facing)
    hip_y = ground - _lowest_point(at_origin) - pose.lift * size - spec.thickness / 2
    return figure_geometry(pose, np.array([hip_x, hip_y]), size, spec.facing)
