"""The segment and inpaint stages stream each video (methods/l2a/streaming.py): on clips of at most
MEDIAN_FRAMES frames every built-in backend gives the whole-clip masks and backgrounds exactly,
however the clip is cut into pieces; on longer clips the median over a bounded sample keeps the
inpainting quality (PSNR in the hole against the true background)."""

import numpy as np
import pytest

from videoaug.io.store import FrameStore
from videoaug.methods.l2a.inpaint import inpaint_video, median_sample, psnr
from videoaug.methods.l2a.segment import build_segmenter
from videoaug.methods.l2a.streaming import StoredClip, TruthClip, inpaint_pieces, segment_pieces
from videoaug.stages.decode import DecodeParams, decode_shard
from videoaug.stages.manifest import build_manifest

FRAMES = 40  # three pieces of 16, 16 and 8 frames


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("stream")
    cfg = {"kind": "synthetic", "root": str(root / "synth4"), "synth_train_per_class": 1,
           "synth_test_per_class": 1, "frames": FRAMES, "height": 48, "width": 64}
    manifest = build_manifest("synth4", cfg, 0, root / "manifest.json")
    frames = root / "frames.h5"
    decode_shard(root / "manifest.json", 0, 4, DecodeParams(short_side=None), frames)
    store = FrameStore(frames)
    videos = {v["id"]: v for v in manifest["videos"]}
    return store, [videos[v] for v in store.video_ids]


def _masks(per_frame):
    return [(inst.masks.copy(), inst.labels.copy()) for inst in per_frame]


def _same(a, b):
    assert len(a) == len(b)
    for (ma, la), (mb, lb) in zip(a, b, strict=True):
        np.testing.assert_array_equal(ma, mb)
        np.testing.assert_array_equal(la, lb)


@pytest.mark.parametrize("spec, options", [
    ("motion", {}),
    ("motion", {"motion": {"stabilize": False}}),
    ("motion", {"motion": {"method": "mog2"}}),
    ("oracle", {}),
    # the static rule (l2a.static) judges an instance over what it sees: per streamed piece
    ("mediapipe+motion", {"static": {"drop": False}}),
])
@pytest.mark.parametrize("size", [16, 7])
def test_streamed_segmentation_equals_the_whole_clip(clips, spec, options, size):
    store, videos = clips
    segmenter = build_segmenter(spec, options)
    for i, video in enumerate(videos):
        whole = segmenter.segment(store.read(i), video)
        pieces = list(segment_pieces(segmenter, StoredClip(store, i, size), video))
        assert [len(p) for p in pieces] == [len(range(s, min(FRAMES, s + size)))
                                            for s in range(0, FRAMES, size)]
        _same(_masks(whole), _masks([inst for piece in pieces for inst in piece]))


def _truth(video, store, i):
    return TruthClip.of(video, int(store.num_frames[i]), store.shape(i)[1:3])


@pytest.mark.parametrize("method", ["auto", "median", "telea"])
def test_streamed_inpainting_equals_the_whole_clip(clips, method):
    store, videos = clips
    for i, video in enumerate(videos):
        truth = _truth(video, store, i)
        mask = truth.frames(0, FRAMES)
        whole = inpaint_video(store.read(i), mask, dilate=2, method=method)
        streamed = inpaint_pieces(StoredClip(store, i), lambda t=truth: (
            t.frames(s, s + 16) for s in range(0, FRAMES, 16)),
            lambda rows, m=mask: m[rows], dilate=2, method=method)
        assert (streamed.method, streamed.shift) == (whole.method, whole.shift)
        np.testing.assert_array_equal(np.concatenate(list(streamed.pieces())), whole.frames)


class ArrayClip:
    """A clip in memory with StoredClip's interface."""

    def __init__(self, frames, size=16):
        self.array, self.size, self.num_frames = frames, size, len(frames)
        self.frame_size = frames.shape[1:3]

    def pieces(self):
        return (self.array[s:s + self.size] for s in range(0, self.num_frames, self.size))

    def frames(self, indices):
        return self.array[np.asarray(indices)]


def test_a_bounded_median_sample_keeps_the_inpainting_quality():
    # synth4 clips of 96 frames (the median then uses 64 of them): PSNR inside the true hole
    # against synth4's true background, streamed vs the whole-clip median of every frame
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    from bench_l2a import _true_background

    from videoaug.data.synthetic import (
        SynthParams,
        clip_rng,
        dataset_entries,
        render_clip,
        sample_clip_spec,
    )

    assert len(median_sample(FRAMES)) == FRAMES and len(median_sample(400)) == 64
    sample = median_sample(400)
    assert sample[0] == 0 and sample[-1] == 399 and np.all(np.diff(sample) > 0)
    params = SynthParams(frames=96, height=56, width=72)
    entries = dataset_entries(params)
    whole, streamed = [], []
    for entry in entries[:: len(entries) // 3][:3]:
        frames, mask = render_clip(entry.class_name, clip_rng(params, entry), params)
        truth = _true_background(
            sample_clip_spec(entry.class_name, clip_rng(params, entry), params), params)
        hole = mask.astype(bool)
        whole.append(psnr(inpaint_video(frames, hole, method="median").frames, truth, hole))
        result = inpaint_pieces(ArrayClip(frames), lambda hole=hole: (
            hole[s:s + 16] for s in range(0, len(hole), 16)), lambda rows, hole=hole: hole[rows],
            method="median")
        streamed.append(psnr(np.concatenate(list(result.pieces())), truth, hole))
    assert np.mean(streamed) > np.mean(whole) - 0.5, (whole, streamed)
