"""Learn2Augment's masks and backgrounds on real footage the tests can get offline: camera clips of
the photographs installed packages ship (videoaug.data.samples: Grace Hopper from matplotlib,
the china/flower scenes from scikit-learn), filmed by a tripod camera with sensor noise and
H.264. The person's reference mask is measured at the photograph's full resolution, where
MediaPipe's two person models agree on it."""

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("mediapipe")
pytest.importorskip("sklearn")

from videoaug.data.samples import (  # noqa: E402
    downscale_mask,
    lamp_clip,
    reference_mask,
    sample_image,
    tripod_clip,
    walker_clip,
    write_clip,
)
from videoaug.io.video import decode_video  # noqa: E402
from videoaug.methods.l2a.inpaint import (  # noqa: E402
    camera_shifts,
    check_background,
    dilate_mask,
    estimate_shifts,
    inpaint_video,
    psnr,
)
from videoaug.methods.l2a.people import (  # noqa: E402
    PoseCropSegmenter,
    mediapipe_solutions,
    quiet_native_stderr,
)
from videoaug.methods.l2a.segment import (  # noqa: E402
    MotionSegmenter,
    build_segmenter,
    mask_iou,
    summarize,
)

FRAMES = 12
SKY = (0.55, 0.0, 1.0, 0.45)  # the china photograph's sky and lake: little texture


@pytest.fixture(scope="module")
def person():
    """Grace Hopper's mask at 600 x 512 from Pose, and the selfie model's for comparison."""
    solutions = mediapipe_solutions()
    image = sample_image("grace_hopper")
    with quiet_native_stderr():
        with solutions.pose.Pose(static_image_mode=True, model_complexity=1,
                                 enable_segmentation=True) as pose:
            pose_prob = pose.process(image).segmentation_mask
        with solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as selfie:
            selfie_prob = selfie.process(image).segmentation_mask
    return reference_mask(pose_prob), reference_mask(selfie_prob)


def _masks(spec, frames, video=None, **options):
    seg = build_segmenter(spec, options)
    return summarize(seg.segment(frames, video or {}), *frames.shape[1:3])


def test_reference_mask_is_one_person_both_models_agree_on(person):
    pose_mask, selfie_mask = person
    assert 0.45 < pose_mask.mean() < 0.7  # head and shoulders fill half the portrait
    assert mask_iou(pose_mask, selfie_mask) > 0.95
    # the person is in the middle and touches the bottom edge, not the top corners
    assert pose_mask[-1].mean() > 0.8 and not pose_mask[:20, :20].any()


def test_small_person_is_found_from_the_source_video(person, tmp_path):
    """A person 15 % of the frame tall is 17 px in a 112-px frames store: the selfie model and
    whole-frame Pose find nothing there, pose_crop segments her in crops of the 448-px source."""
    clip = walker_clip(person[0], scale=0.15, frames=FRAMES, size=(448, 600))
    path = write_clip(clip.frames, tmp_path / "walker.mp4")
    frames, _ = decode_video(path, short_side=112)
    truth = downscale_mask(clip.truth, frames.shape[1:3])
    video = {"id": "walker", "path": str(path),
             "decode": {"short_side": 112, "fps": None, "max_frames": None}}
    seg = PoseCropSegmenter(motion=MotionSegmenter())
    crop = summarize(seg.segment(frames, video), *frames.shape[1:3]).union
    assert seg.used_source
    selfie = _masks("mediapipe", frames).union
    assert mask_iou(crop, truth) > 0.5, mask_iou(crop, truth)
    assert mask_iou(selfie, truth) < 0.2
    # without the source (crops of the 112-px frames) she is out of reach again
    small = PoseCropSegmenter(source_short_side=None, motion=MotionSegmenter())
    assert mask_iou(summarize(small.segment(frames, video), *frames.shape[1:3]).union,
                    truth) < mask_iou(crop, truth) - 0.3


def test_blinking_sign_is_dropped_and_the_walker_kept(person):
    clip = lamp_clip(person[0], scale=0.4, frames=FRAMES)
    kept = _masks("motion", clip.frames, static={"drop": False}).union
    dropped = _masks("motion", clip.frames).union
    # background subtraction marks the sign in (nearly) every frame: camera-noise residue
    assert kept[:, clip.static].mean() > 0.8
    assert dropped[:, clip.static].mean() < 0.05
    assert mask_iou(dropped, clip.truth) > 0.6
    assert mask_iou(dropped, clip.truth) > mask_iou(kept, clip.truth)


def test_static_person_is_kept_when_a_person_model_vouches(person):
    """A tripod head-and-shoulders shot: the selfie mask never moves; alone it is dropped as
    scenery, beside pose_crop (a verified person on it) it stays."""
    import cv2

    image = cv2.resize(sample_image("grace_hopper"), (96, 112), interpolation=cv2.INTER_AREA)
    truth = cv2.resize(person[0].astype(np.uint8), (96, 112),
                       interpolation=cv2.INTER_NEAREST) > 0
    rng = np.random.default_rng(0)
    frames = np.clip(image[None].astype(np.float32) + rng.normal(0, 3, (FRAMES, 112, 96, 3)),
                     0, 255).astype(np.uint8)
    alone = _masks("mediapipe", frames).union
    vouched = _masks("pose_crop+mediapipe", frames).union
    assert alone.mean() < 0.01
    assert mask_iou(vouched, np.repeat(truth[None], FRAMES, 0)) > 0.85


def test_tripod_shot_is_not_called_moving(person):
    # noise alone on the real scene
    clip = tripod_clip(frames=FRAMES, noise=6.0, encode=True)
    shifts, outliers, _ = camera_shifts(clip.frames, np.zeros(clip.frames.shape[:3], bool))
    assert np.abs(shifts).max() == 0 and outliers < 0.05
    # a walker the mask missed, over sky and water: registration follows her ...
    walker = walker_clip(person[0], scale=0.5, frames=FRAMES, scene=SKY, encode=True)
    hole = np.zeros(walker.frames.shape[:3], bool)
    assert np.abs(estimate_shifts(walker.frames, hole)).max() > 20
    # ... the clip does not bear it out: a tripod, the temporal median
    result = inpaint_video(walker.frames, walker.truth)
    assert result.shift == 0 and result.overruled and result.method == "median"
    assert psnr(result.frames, walker.background, walker.truth) > 30


def test_residual_person_is_filled_again(person):
    clip = walker_clip(person[0], scale=0.6, frames=FRAMES, encode=True)
    # the mask missed her in every frame but the first: her body stays in the "background"
    mask = np.zeros(clip.truth.shape, bool)
    mask[0] = clip.truth[0]
    filled = inpaint_video(clip.frames, mask)
    finder = build_segmenter("pose_crop", {})

    def people(frames):
        return summarize(finder.segment(frames, {}), *frames.shape[1:3]).people

    check = check_background(filled.frames, people, every=2)
    assert check.before > 0.03 and check.after < check.before / 4, (check.before, check.after)
    # where she stood, the refilled background is closer to the true one (TELEA of a large hole
    # is not the scene either: measured +2.9 dB)
    inside = dilate_mask(clip.truth, 2)
    assert psnr(check.frames, clip.background, inside) > psnr(filled.frames, clip.background,
                                                               inside) + 2


def test_mediapipe_start_up_lines_are_gone(tmp_path):
    code = ("import numpy as np\n"
            "from videoaug.methods.l2a.people import PoseCropSegmenter, SelfieSegmenter\n"
            "f = np.zeros((2, 48, 64, 3), np.uint8)\n"
            "SelfieSegmenter().segment(f, {})\n"
            "PoseCropSegmenter().segment(f, {})\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for noise in ("GetPrototype", "AttributeError", "W0000", "XNNPACK", "absl::InitializeLog"):
        assert noise not in proc.stderr, proc.stderr


def test_other_native_lines_still_reach_stderr(capfd):
    with quiet_native_stderr():
        os.write(2, b"W0000 inference_feedback_manager.cc:114] noise\n")
        os.write(2, b"something real went wrong\n")
    err = capfd.readouterr().err
    assert "something real went wrong" in err and "inference_feedback_manager" not in err


def test_whole_frame_pose_segments_a_large_walker(person):
    clip = walker_clip(person[0], scale=0.5, frames=FRAMES, encode=True)
    masks = _masks("pose", clip.frames)
    assert mask_iou(masks.union, clip.truth) > 0.7
    assert np.array_equal(masks.people, masks.union)  # everything it returns is a person


def test_proposals_merge_overlapping_boxes():
    from videoaug.methods.l2a.people import _merge_boxes, crop_transform

    merged = _merge_boxes([np.array([0, 0, 10, 10], np.float32),
                           np.array([2, 2, 8, 12], np.float32),
                           np.array([30, 30, 40, 40], np.float32)])
    assert sorted(b.tolist() for b in merged) == [[0, 0, 10, 12], [30, 30, 40, 40]]
    # the crop maps the box's centre to the crop's centre, its longer side (+ margin) to `side`
    warp = crop_transform(np.array([10, 20, 30, 60]), 256, 0.5)
    centre = warp @ np.array([20, 40, 1.0])
    assert np.allclose(centre, [128, 128]) and np.isclose(warp[0, 0], 256 / 60)
