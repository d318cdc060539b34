import cv2
import numpy as np
import pytest
import torch

from videoaug.train.transforms import (
    CORNER_POSITIONS,
    TSN_SCALES,
    FrameTransform,
    Geometry,
    InputSpec,
    apply_geometry,
    ccs_crop_sizes,
    centred_box,
    corner_box,
    eval_transform,
    frames_to_clip,
    frames_to_segments,
    image_to_tensor,
    short_side_size,
    to_unit_float,
    tsn_train_transform,
    video_train_transform,
)

HEIGHT, WIDTH = 40, 60


def coordinate_image(height=HEIGHT, width=WIDTH) -> np.ndarray:
    """Pixel (y, x) holds (y, x, 0): a crop's content tells where it came from."""
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    return np.stack([ys, xs, np.zeros_like(ys)], axis=-1).astype(np.uint8)


def test_ccs_boxes_use_tsn_scales_corners_and_bounded_aspect_jitter():
    transform = tsn_train_transform((32, 32))
    sides = ccs_crop_sizes((HEIGHT, WIDTH), TSN_SCALES)
    assert sides == [40, 35, 30, 26]
    rng = np.random.default_rng(0)
    positions, shapes = set(), set()
    for _ in range(400):
        top, left, h, w = transform.make_params((HEIGHT, WIDTH), rng).box
        assert h in sides and w in sides
        assert abs(sides.index(h) - sides.index(w)) <= 1  # max distortion 1
        allowed = {name: corner_box((HEIGHT, WIDTH), (h, w), name)[:2] for name in CORNER_POSITIONS}
        assert (top, left) in allowed.values()
        positions.add(next(n for n, xy in allowed.items() if xy == (top, left)))
        shapes.add((h, w))
    assert positions == set(CORNER_POSITIONS)
    assert any(h != w for h, w in shapes) and any(h == w for h, w in shapes)
    assert (40, 26) not in shapes  # scales 3 steps apart are never paired


def test_corner_positions_on_coordinate_image():
    image = coordinate_image()
    for name, (top, left) in {"top_left": (0, 0), "top_right": (0, 30),
                              "bottom_left": (10, 0), "bottom_right": (10, 30),
                              "centre": (5, 15)}.items():
        box = corner_box((HEIGHT, WIDTH), (30, 30), name)
        crop = apply_geometry(image, Geometry(box=box, output=(30, 30)))
        assert tuple(crop[0, 0, :2]) == (top, left), name
        assert tuple(crop[-1, -1, :2]) == (top + 29, left + 29), name


def test_flip_reverses_columns():
    image = coordinate_image()
    box = (0, 0, HEIGHT, WIDTH)
    plain = apply_geometry(image, Geometry(box=box, output=(HEIGHT, WIDTH)))
    flipped = apply_geometry(image, Geometry(box=box, output=(HEIGHT, WIDTH), flip=True))
    np.testing.assert_array_equal(plain, image)
    np.testing.assert_array_equal(flipped, image[:, ::-1])
    flips = {FrameTransform((HEIGHT, WIDTH), crop="resize", flip=True)
             .make_params((HEIGHT, WIDTH), np.random.default_rng(s)).flip for s in range(20)}
    assert flips == {True, False}


def test_one_geometry_for_all_frames_of_a_clip():
    clip = np.stack([coordinate_image() for _ in range(6)])
    clip[..., 2] = np.arange(6, dtype=np.uint8)[:, None, None] * 10  # frame number in blue
    for crop in (tsn_train_transform((24, 24)), video_train_transform(24, (30, 50))):
        for seed in range(5):
            out = crop(clip, np.random.default_rng(seed))
            assert out.shape == (6, 24, 24, 3)
            for t in range(6):
                np.testing.assert_array_equal(out[t, ..., :2], out[0, ..., :2])
                assert (out[t, ..., 2] == 10 * t).all()


def test_same_generator_same_output_and_seeds_differ():
    image = np.random.default_rng(1).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    transform = tsn_train_transform((32, 32))
    first = transform(image, np.random.default_rng(7))
    np.testing.assert_array_equal(first, transform(image, np.random.default_rng(7)))
    others = [transform(image, np.random.default_rng(s)) for s in range(8)]
    assert any(not np.array_equal(first, other) for other in others)


def test_scale_jitter_short_side_and_crop():
    transform = video_train_transform(crop=24, short_side=(30, 34))
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(100):
        geometry = transform.make_params((HEIGHT, WIDTH), rng)
        short = min(geometry.prescale)
        seen.add(short)
        assert 30 <= short <= 34
        assert geometry.prescale == short_side_size((HEIGHT, WIDTH), short)
        top, left, h, w = geometry.box
        assert (h, w) == (24, 24)
        assert 0 <= top <= geometry.prescale[0] - 24 and 0 <= left <= geometry.prescale[1] - 24
    assert seen == {30, 31, 32, 33, 34}


def test_centre_crop_and_short_side_resize():
    image = coordinate_image()
    out = eval_transform((32, 32))(image, np.random.default_rng(0))
    assert tuple(out[0, 0, :2]) == (4, 14)
    geometry = eval_transform((32, 32), short_side=48).make_params((HEIGHT, WIDTH), None)
    assert geometry.prescale == (48, 72) and geometry.box == (8, 20, 32, 32)
    # a box larger than the frame shrinks to the largest centred box of its aspect ratio
    assert centred_box((40, 60), (80, 80)) == (0, 10, 40, 40)
    assert eval_transform((80, 80))(image, None).shape == (80, 80, 3)


def test_switches_and_validation():
    assert not eval_transform((8, 8)).is_random
    assert tsn_train_transform((8, 8), ccs=False, flip=False).crop == "centre"
    with pytest.raises(ValueError, match="unknown crop"):
        FrameTransform((8, 8), crop="zoom")
    with pytest.raises(ValueError, match="short_side"):
        FrameTransform((8, 8), crop="scale_jitter")
    with pytest.raises(ValueError, match="outside frame"):
        apply_geometry(coordinate_image(), Geometry(box=(30, 0, 20, 20), output=(8, 8)))


def test_tensor_layouts():
    clip = np.random.default_rng(0).integers(0, 256, (5, 7, 9, 3), dtype=np.uint8)
    assert image_to_tensor(clip[0]).shape == (3, 7, 9)
    assert torch.equal(frames_to_segments(clip)[2, 1], torch.from_numpy(clip[2, ..., 1]))
    assert torch.equal(frames_to_clip(clip)[1, 2], torch.from_numpy(clip[2, ..., 1]))


def test_input_spec_normalises_along_the_channel_dim():
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    images = torch.full((2, 4, 3, 5, 5), 255, dtype=torch.uint8)  # (B, K, 3, H, W)
    out = InputSpec("image").prepare(images, torch.device("cpu"))
    expected = torch.tensor([(1 - m) / s for m, s in zip(mean, std, strict=True)])
    torch.testing.assert_close(out[1, 3, :, 2, 2], expected)
    clips = torch.zeros((2, 3, 4, 5, 5))  # (B, 3, T, H, W)
    out = InputSpec("clip").normalize(clips)
    expected = torch.tensor([-m / s for m, s in zip(mean, std, strict=True)])
    torch.testing.assert_close(out[0, :, 3, 0, 0], expected)
    assert torch.equal(InputSpec(mean=None, std=None).normalize(clips), clips)
    pixels = torch.tensor([0, 51, 255], dtype=torch.uint8)
    assert to_unit_float(pixels).tolist() == pytest.approx([0, 0.2, 1])
    with pytest.raises(ValueError, match="channels"):
        InputSpec("clip").normalize(torch.zeros(2, 4, 3, 5, 5))


def _disk(height: int, width: int, radius: int) -> np.ndarray:
    image = np.zeros((height, width, 3), np.uint8)
    cv2.circle(image, (width // 2, height // 2), radius, (255, 255, 255), -1)
    return image


def _aspect_of_disk(image: np.ndarray) -> float:
    ys, xs = np.nonzero(image[..., 0] > 127)
    return (xs.max() - xs.min() + 1) / (ys.max() - ys.min() + 1)


@pytest.mark.parametrize("frame, size", [((120, 60), (48, 64)), ((60, 160), (48, 48)),
                                         ((48, 64), (64, 48))])
def test_cover_and_pad_keep_the_aspect_resize_squeezes(frame, size):
    image = _disk(*frame, radius=min(frame) // 3)
    rng = np.random.default_rng(0)
    cover = FrameTransform(size, crop="cover")(image, rng)
    pad = FrameTransform(size, crop="pad")(image, rng)
    squeezed = FrameTransform(size, crop="resize")(image, rng)
    assert cover.shape == pad.shape == squeezed.shape == (*size, 3)
    assert _aspect_of_disk(cover) == pytest.approx(1.0, abs=0.12)
    assert _aspect_of_disk(pad) == pytest.approx(1.0, abs=0.12)
    expected = (size[1] / frame[1]) / (size[0] / frame[0])  # what resize does to a circle
    assert _aspect_of_disk(squeezed) == pytest.approx(expected, rel=0.15)
    # cover fills the whole output from the frame; pad leaves black bars on two sides only
    scale = min(size[0] / frame[0], size[1] / frame[1])
    inner = (round(frame[0] * scale), round(frame[1] * scale))
    bars = (size[0] - inner[0]) * size[1] + (size[1] - inner[1]) * size[0]
    coloured = FrameTransform(size, crop="pad")(np.full((*frame, 3), 200, np.uint8), rng)
    assert (coloured[..., 0] == 0).sum() == pytest.approx(bars, abs=size[0] + size[1])
    assert (FrameTransform(size, crop="cover")(np.full((*frame, 3), 200, np.uint8), rng)
            == 200).all()
