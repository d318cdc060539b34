import numpy as np
import pytest

from videoaug.io.video import VideoDecodeError, output_size, probe, read_frames


def test_read_frames_shape_and_dtype(tiny_video):
    frames = read_frames(tiny_video)
    assert frames.dtype == np.uint8 and frames.shape == (12, 48, 64, 3)
    assert frames.std() > 10  # a real test pattern, not blank


def test_read_frames_short_side_and_fps(tiny_video):
    frames = read_frames(tiny_video, short_side=24)
    assert frames.shape == (12, 24, 32, 3)
    half_rate = read_frames(tiny_video, fps=5)
    assert half_rate.shape[0] == 6


def test_probe(tiny_video):
    info = probe(tiny_video)
    assert (info.width, info.height) == (64, 48) and abs(info.fps - 10) < 1e-6


def test_output_size_keeps_aspect_and_even():
    assert output_size(320, 240, 112) == (150, 112)
    assert output_size(240, 320, 112) == (112, 150)
    assert output_size(64, 48, None) == (64, 48)


@pytest.mark.parametrize("kind", ["empty", "truncated", "garbage", "audio"])
def test_bad_videos_raise_naming_the_file(bad_videos, kind):
    path = bad_videos[kind]
    with pytest.raises(VideoDecodeError) as info:
        read_frames(path)
    message = str(info.value)
    assert str(path) in message and "on_bad_video: skip" in message
    assert info.value.reason


def test_missing_file(tmp_path):
    with pytest.raises(VideoDecodeError, match="does not exist"):
        read_frames(tmp_path / "nope.mp4")


def test_stream_video_pieces_concatenate_to_the_whole_clip(tiny_video):
    from videoaug.io.video import stream_video

    fps, pieces = stream_video(tiny_video, short_side=24, chunk_frames=5)
    pieces = list(pieces)
    assert fps == 10.0
    assert [len(p) for p in pieces] == [5, 5, 2]
    np.testing.assert_array_equal(np.concatenate(pieces), read_frames(tiny_video, short_side=24))


def test_stream_video_raises_for_a_truncated_file_after_its_pieces(bad_videos):
    from videoaug.io.video import stream_video

    with pytest.raises(VideoDecodeError, match="truncated"):
        _, pieces = stream_video(bad_videos["truncated"])
        list(pieces)
