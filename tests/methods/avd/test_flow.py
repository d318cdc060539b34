"""Optical flow (videoaug.methods.avd.flow): known displacements of a translating texture, the
bounded
uint8 encoding, the flow-image layout."""

import cv2
import numpy as np
import pytest

from videoaug.methods.avd.flow import (
    METHODS,
    FlowComputer,
    decode_flow,
    encode_flow,
    flow_step,
    flow_to_image,
    method_options,
    stream_flow,
    video_flow,
)

SHIFT = (1.7, -0.8)  # (dx, dy) pixels per frame


def translating_texture(frames: int = 3, height: int = 64, width: int = 80,
                        shift: tuple[float, float] = SHIFT) -> np.ndarray:
    """RGB uint8 (T, H, W, 3): a smooth random texture moving by ``shift`` pixels per frame."""
    rng = np.random.default_rng(0)
    noise = rng.random((height + 40, width + 40)).astype(np.float32)
    texture = cv2.GaussianBlur(noise, (0, 0), 2.0)
    texture = (texture - texture.min()) / (texture.max() - texture.min())
    out = []
    for t in range(frames):
        # frame t shows the texture translated by t * shift: content at x moves to x + t*dx
        warp = np.float32([[1, 0, -20 + t * shift[0]], [0, 1, -20 + t * shift[1]]])
        frame = cv2.warpAffine(texture, warp, (width, height), flags=cv2.INTER_CUBIC)
        out.append(np.repeat((frame * 255).astype(np.uint8)[..., None], 3, axis=-1))
    return np.stack(out)


@pytest.mark.parametrize("method", METHODS)
def test_translation_is_recovered(method):
    options = {"nscales": 3, "warps": 3, "inner_iterations": 10,
               "outer_iterations": 5} if method == "tvl1" else None
    flow = video_flow(translating_texture(), method, options)
    assert flow.shape == (2, 64, 80, 2) and flow.dtype == np.float32
    inner = flow[:, 8:-8, 8:-8]  # borders lack the matching content
    error = np.sqrt((inner[..., 0] - SHIFT[0]) ** 2 + (inner[..., 1] - SHIFT[1]) ** 2).mean()
    assert error < 0.3, f"{method}: mean end-point error {error:.3f} px"


def test_uint8_round_trip_within_half_a_step():
    bound = 20.0
    rng = np.random.default_rng(1)
    flow = rng.uniform(-bound, bound, size=(3, 5, 7, 2)).astype(np.float32)
    encoded = encode_flow(flow, bound)
    assert encoded.dtype == np.uint8
    assert np.abs(decode_flow(encoded, bound) - flow).max() <= flow_step(bound) / 2 + 1e-5
    # outside the bound it saturates at the bound
    assert decode_flow(encode_flow(np.array([[50.0, -50.0]]), bound), bound).tolist() == [
        [pytest.approx(bound), pytest.approx(-bound)]]


def test_translation_survives_storage():
    bound = 20.0
    flow = video_flow(translating_texture(), "dis")
    stored = decode_flow(encode_flow(flow, bound), bound)
    assert np.abs(stored - flow).max() <= flow_step(bound) / 2 + 1e-5


def test_flow_image_channels():
    encoded = encode_flow(np.array([[[0.0, 0.0], [20.0, 0.0], [-12.0, 16.0]]]), 20.0)
    image = flow_to_image(encoded)
    assert image.shape == (1, 3, 3) and image.dtype == np.uint8
    assert (image[..., :2] == encoded).all()
    np.testing.assert_allclose(image[0, :, 2], [0, 255, 255], atol=2)  # |f|/bound: 0, 1, 1


def test_bad_options_name_the_key():
    with pytest.raises(ValueError, match="unknown flow method"):
        method_options("lucas")
    with pytest.raises(ValueError, match="flow.options.dis"):
        FlowComputer("dis", {"speed": 3})
    with pytest.raises(ValueError, match="bound"):
        encode_flow(np.zeros((1, 2)), 0)


def test_single_frame_has_no_pairs():
    assert video_flow(translating_texture(1), "dis").shape == (0, 64, 80, 2)


def test_streamed_flow_equals_the_whole_clip_and_the_store_holds_it(tmp_path):
    # pieces of 4 frames (and a piece of one): the pair that crosses a boundary is not lost
    clip = translating_texture(frames=10, height=32, width=40)
    def computer():  # OpenCV's DIS keeps state between calls: a fresh one per comparison
        return FlowComputer("dis", {"preset": "fast"})

    whole = video_flow(clip, computer=computer())
    pieces = [clip[0:4], clip[4:8], clip[8:9], clip[9:10]]
    streamed = list(stream_flow(pieces, computer()))
    assert [len(f) for f in streamed] == [3, 4, 1, 1]
    np.testing.assert_array_equal(np.concatenate(streamed), whole)
    # the stage streams every video of a shard: same fields as the whole clip, one-frame videos
    # get one zero field
    from videoaug.io.store import FRAMES_SCHEMA, FlowStore, FrameStoreWriter, atomic_store
    from videoaug.methods.avd.stage import FlowParams, optical_flow_shard

    frames = tmp_path / "frames.h5"
    with atomic_store(frames, FRAMES_SCHEMA, {}) as handle:
        writer = FrameStoreWriter(handle, "lz4")
        long = translating_texture(frames=40, height=32, width=40)  # 3 pieces of 16 frames
        writer.add("a/long", long, label=0, fps=10.0, source="a")
        writer.add("a/one", long[:1], label=0, fps=10.0, source="a")
        writer.close()
    out = tmp_path / "flow.h5"
    optical_flow_shard(frames, FlowParams(method="dis", options={"preset": "fast"}, bound=8.0),
                       out)
    store = FlowStore(out)
    bound = 8.0
    expected = encode_flow(video_flow(long, computer=computer()), bound)
    np.testing.assert_array_equal(store.read(0), expected)
    assert store.read(1).shape == (1, 32, 40, 2) and np.all(store.read(1) == encode_flow(
        np.zeros((1, 32, 40, 2), np.float32), bound))
