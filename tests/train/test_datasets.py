import h5py
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from videoaug.io.store import (
    FRAMES_SCHEMA,
    FrameStoreWriter,
    ImageStoreWriter,
    atomic_store,
)
from videoaug.train.datasets import (
    ClipSamples,
    ConcatSamples,
    ImageSamples,
    ImageViews,
    SegmentFrames,
    eval_clip_starts,
    eval_segment_indices,
    read_frame_rows,
    segment_bounds,
    train_segment_indices,
)
from videoaug.train.transforms import eval_transform, tsn_train_transform

SSDI = "videoaug.ssdi/1"
COLUMNS = {"video_ids": np.dtype(object), "splits": np.dtype(object)}
K = 3  # sparse images per video


def write_ssdi(path, first_video, videos, split_of):
    """An SSDI-like shard: K sparse images per video, one whole-video image (prefix full_).

    Pixel value = 10 * video number + image number, so reads can be checked.
    """
    with atomic_store(path, SSDI, {}) as handle:
        sparse = ImageStoreWriter(handle, (12, 16), "lz4", COLUMNS)
        full = ImageStoreWriter(handle, (12, 16), "lz4", COLUMNS, prefix="full_")
        for v in range(first_video, first_video + videos):
            ids = np.array([f"v{v}"] * K, dtype=object)
            images = np.stack([np.full((12, 16, 3), 10 * v + k, np.uint8) for k in range(K)])
            sparse.append(images, labels=np.full(K, v % 2), video_ids=ids,
                          splits=np.array([split_of(v)] * K, dtype=object))
            full.append(images[:1], labels=np.array([v % 2]), video_ids=ids[:1],
                        splits=np.array([split_of(v)], dtype=object))
    return path


def write_pool(path, count):
    with atomic_store(path, "videoaug.pool/1", {}) as handle:
        writer = ImageStoreWriter(handle, (12, 16), "none")
        writer.append(np.stack([np.full((12, 16, 3), 200 + i, np.uint8) for i in range(count)]),
                      labels=np.arange(count) % 2)
    return path


@pytest.fixture
def ssdi_shards(tmp_path):
    def split_of(v):
        return "train" if v % 3 else "test"  # v0, v3 are test
    return [write_ssdi(tmp_path / "0.h5", 0, 3, split_of),
            write_ssdi(tmp_path / "1.h5", 3, 3, split_of)]


def test_image_samples_split_filter_across_shards(ssdi_shards):
    train = ImageSamples(ssdi_shards, split="train")
    assert len(train) == 4 * K
    assert sorted(set(train.video_ids)) == ["v1", "v2", "v4", "v5"]
    image, label, position = train[K]  # first image of v2
    assert image.shape == (3, 12, 16) and image.dtype == torch.uint8
    assert (image == 20).all() and label == 0 and position == K
    assert len(ImageSamples(ssdi_shards)) == 6 * K
    assert len(ImageSamples(ssdi_shards, prefix="full_", split="test")) == 2
    transformed = ImageSamples(ssdi_shards, split="train", transform=tsn_train_transform((8, 8)))
    assert transformed[0][0].shape == (3, 8, 8)


def test_views_group_images_by_video(ssdi_shards):
    sparse = ImageViews(ImageSamples(ssdi_shards, split="test"))
    assert sparse.video_ids == ["v0", "v3"] and sparse.labels.tolist() == [0, 1]
    views, label, video_id = sparse[1]
    assert views.shape == (K, 3, 12, 16) and video_id == "v3" and label == 1
    assert [int(v[0, 0, 0]) for v in views] == [30, 31, 32]
    whole = ImageViews(ImageSamples(ssdi_shards, prefix="full_", split="test",
                                    transform=eval_transform((8, 8))))
    assert whole[0][0].shape == (1, 3, 8, 8)


def test_pool_select_and_concat(ssdi_shards, tmp_path):
    pool_path = write_pool(tmp_path / "pool.h5", 5)
    with pytest.raises(ValueError, match="no splits column"):
        ImageSamples(pool_path, split="train")
    pool = ImageSamples(pool_path)
    chosen = pool.select([4, 1])
    assert len(chosen) == 2 and chosen.labels.tolist() == [0, 1]
    assert int(chosen[0][0][0, 0, 0]) == 204
    with pytest.raises(IndexError):
        pool.select([5])
    real = ImageSamples(ssdi_shards, split="train")
    both = ConcatSamples([real, chosen])
    assert len(both) == len(real) + 2
    assert both.labels.tolist() == real.labels.tolist() + [0, 1]
    image, label, position = both[len(real) + 1]
    assert int(image[0, 0, 0]) == 201 and label == 1 and position == len(real) + 1
    both.set_epoch(3)
    assert real.epoch == 3 and chosen.epoch == 3


def _items(dataset, num_workers):
    loader = DataLoader(dataset, batch_size=4, shuffle=False, num_workers=num_workers)
    return torch.cat([batch[0] for batch in loader])


def test_items_identical_across_worker_counts_and_change_with_epoch(ssdi_shards):
    rng = np.random.default_rng(0)
    # random content so that different crops give different pixels
    path = ssdi_shards[0].parent / "noise.h5"
    with atomic_store(path, SSDI, {}) as handle:
        writer = ImageStoreWriter(handle, (24, 32), "lz4")
        writer.append(rng.integers(0, 256, (10, 24, 32, 3), dtype=np.uint8), labels=np.zeros(10))
    dataset = ImageSamples(path, transform=tsn_train_transform((8, 8)), seed=5)
    dataset.set_epoch(1)
    serial = _items(dataset, 0)
    assert torch.equal(serial, _items(dataset, 2))
    dataset.set_epoch(2)
    assert not torch.equal(serial, _items(dataset, 0))


# --------------------------------------------------------------------------------- frames
LENGTHS = [10, 7, 25, 2]


def write_frames(path):
    """Videos whose frame t is filled with the value t (frame indices readable from pixels)."""
    with atomic_store(path, FRAMES_SCHEMA, {}) as handle:
        writer = FrameStoreWriter(handle, "lz4")
        for v, count in enumerate(LENGTHS):
            frames = np.broadcast_to(np.arange(count, dtype=np.uint8)[:, None, None, None],
                                     (count, 12, 16, 3)).copy()
            writer.add(f"c/v{v}", frames, label=v % 2, fps=25.0, source=f"v{v}")
        writer.close()
    return path


MANIFEST = {"videos": [{"id": f"c/v{v}", "split": "test" if v == 2 else "train"} for v in range(4)]}


def test_segment_bounds_and_indices():
    starts, ends = segment_bounds(10, 3)
    assert starts.tolist() == [0, 3, 6] and ends.tolist() == [3, 6, 10]
    assert eval_segment_indices(10, 3).tolist() == [1, 4, 7]
    starts, ends = segment_bounds(2, 4)  # fewer frames than segments: frames are shared
    assert starts.tolist() == [0, 0, 1, 1] and (ends > starts).all()
    draws = np.stack([train_segment_indices(10, 3, np.random.default_rng(s)) for s in range(200)])
    for k, (lo, hi) in enumerate([(0, 3), (3, 6), (6, 10)]):
        assert set(draws[:, k]) == set(range(lo, hi))


def test_segment_frames_train_and_test(tmp_path):
    path = write_frames(tmp_path / "frames.h5")
    train = SegmentFrames(path, num_segments=3, split="train", manifest=MANIFEST)
    assert train.video_ids == ["c/v0", "c/v1", "c/v3"]
    for epoch in range(5):
        train.set_epoch(epoch)
        for i in range(len(train)):
            frames, label, position = train[i]
            assert frames.shape == (3, 3, 12, 16) and position == i
            starts, ends = segment_bounds(int(train.num_frames[i]), 3)
            chosen = frames[:, 0, 0, 0].numpy()
            assert ((chosen >= starts) & (chosen < ends)).all()
    test = SegmentFrames(path, num_segments=3, train=False, video_ids=["c/v2"])
    views, label, video_id = test[0]
    assert views.shape == (1, 3, 3, 12, 16) and video_id == "c/v2" and label == 0
    assert views[0, :, 0, 0, 0].tolist() == eval_segment_indices(25, 3).tolist()


def test_video_filters_report_problems(tmp_path):
    path = write_frames(tmp_path / "frames.h5")
    with pytest.raises(ValueError, match="needs the manifest"):
        SegmentFrames(path, 3, split="train")
    with pytest.raises(ValueError, match="not in the manifest"):
        SegmentFrames(path, 3, split="train", manifest={"videos": MANIFEST["videos"][:2]})
    with pytest.raises(ValueError, match="in no frames store"):
        ClipSamples(path, 4, video_ids=["c/v9"])


def test_clip_samples_train_clip_is_strided(tmp_path):
    path = write_frames(tmp_path / "frames.h5")
    clips = ClipSamples(path, clip_len=4, stride=2, video_ids=["c/v2"])
    starts = set()
    for epoch in range(30):
        clips.set_epoch(epoch)
        clip, label, _ = clips[0]
        assert clip.shape == (3, 4, 12, 16)
        values = clip[0, :, 0, 0].numpy().astype(int)
        assert np.diff(values).tolist() == [2, 2, 2]
        assert 0 <= values[0] <= 25 - 7
        starts.add(values[0])
    assert len(starts) > 5


def test_clip_samples_test_views_are_evenly_spaced(tmp_path):
    path = write_frames(tmp_path / "frames.h5")
    test = ClipSamples(path, clip_len=4, stride=2, train=False, num_test_clips=5,
                       video_ids=["c/v2", "c/v3"], transform=eval_transform((8, 8)))
    views, label, video_id = test[0]
    assert views.shape == (5, 3, 4, 8, 8) and video_id == "c/v2"
    firsts = views[:, 0, 0, 0, 0].tolist()
    assert firsts == eval_clip_starts(25, 4, 2, 5).tolist() == [0, 4, 9, 14, 18]
    assert views[4, 0, :, 0, 0].tolist() == [18, 20, 22, 24]  # last clip ends at the last frame
    short, _, _ = test[1]  # 2 frames < clip span: the video loops
    assert short[0, 0, :, 0, 0].tolist() == [0, 0, 0, 0]
    assert eval_clip_starts(25, 4, 2, 1).tolist() == [9]  # one clip: centred


def test_read_frame_rows_dense_and_sparse_match_numpy(tmp_path):
    frames = np.random.default_rng(0).integers(0, 256, (30, 4, 5, 3), dtype=np.uint8)
    with h5py.File(tmp_path / "f.h5", "w") as handle:
        handle.create_dataset("v", data=frames, chunks=(4, 4, 5, 3))
    with h5py.File(tmp_path / "f.h5", "r") as handle:
        for wanted in ([3, 5, 4, 4, 6], [29, 0, 15, 0], [7]):  # dense, spread, single
            np.testing.assert_array_equal(read_frame_rows(handle["v"], np.array(wanted)),
                                          frames[wanted])
