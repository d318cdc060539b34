"""Torch datasets over the HDF5 stores: images (dynamic images, generated pools) and frames.

Nothing is held in memory but small index arrays; pixels are read per item through the lazy,
fork-safe readers of :mod:`videoaug.io.store`. Items are **uint8** tensors (the trainer converts
and normalises them on the device, see :class:`videoaug.train.transforms.InputSpec`).

Determinism: item ``i`` of epoch ``e`` draws its randomness from
``numpy.random.default_rng((seed, e, i))`` only, so the items do not depend on ``num_workers``,
on worker scheduling or on the order of the sampler; call :meth:`EpochDataset.set_epoch` at the
start of each epoch.

Two item shapes:

* training items ``(x, label, position)``: ``x`` is an image ``(3, H, W)``
  (:class:`ImageSamples`), TSN segments ``(K, 3, H, W)`` (:class:`SegmentFrames`) or a clip
  ``(3, T, H, W)`` (:class:`ClipSamples`); ``label`` an int; ``position`` the item's index;
* view items ``(views, label, video_id)`` for evaluation: ``views (V, …)`` are averaged by
  :func:`videoaug.train.evaluate.evaluate` (10-clip testing, K sparse dynamic images of a video,
  a whole-video dynamic image with ``V = 1``).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import h5py
import numpy as np
import torch
from torch import Tensor
from torch.utils.data import ConcatDataset, Dataset

from videoaug.io.store import FrameStore, ImageStore, open_video_store
from videoaug.train.transforms import (
    FrameTransform,
    frames_to_clip,
    frames_to_segments,
    image_to_tensor,
)

PathLike = str | Path


def item_rng(seed: int, epoch: int, index: int) -> np.random.Generator:
    """The generator of item ``index`` in ``epoch`` (independent of workers and sampling order)."""
    return np.random.default_rng((int(seed), int(epoch), int(index)))


def _as_paths(paths: PathLike | Sequence[PathLike]) -> list[Path]:
    if isinstance(paths, str | Path):
        return [Path(paths)]
    found = [Path(p) for p in paths]
    if not found:
        raise ValueError("no store paths given")
    return found


class EpochDataset(Dataset):
    """Base: a ``seed`` and the current ``epoch`` from which every item seeds its generator."""

    seed: int = 0
    epoch: int = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def rng(self, index: int) -> np.random.Generator:
        return item_rng(self.seed, self.epoch, index)


# ------------------------------------------------------------------------------------- images
class ImageSamples(EpochDataset):
    """Images of one or several image stores (e.g. SSDI shards, generated pools).

    Args:
        stores: path or paths of image stores (``videoaug.io.store.ImageStore`` layout).
        prefix: column prefix inside the store (``"full_"`` for whole-video dynamic images).
        split: keep items whose ``{prefix}splits`` column equals it; ``None`` keeps all (stores
            without a ``splits`` column, such as generated pools, need ``None``).
        transform: spatial transform (``None``: images as stored).
        schema: expected store schema (``None``: any).
        seed: base of the per-item generators.

    Items: ``(image (3, H, W) uint8, label int, position int)``. Attributes ``labels (N,)`` and
    ``video_ids (N,)`` (``None`` when the stores have no ``{prefix}video_ids`` column).
    """

    def __init__(self, stores: PathLike | Sequence[PathLike], *, prefix: str = "",
                 split: str | None = None, transform: FrameTransform | None = None,
                 schema: str | None = None, seed: int = 0) -> None:
        self.transform = transform
        self.seed = seed
        self.prefix = prefix
        self.stores = [ImageStore(path, schema=schema, prefix=prefix) for path in _as_paths(stores)]
        store_of, row_of, labels, video_ids = [], [], [], []
        has_ids = all(f"{prefix}video_ids" in s.handle for s in self.stores)
        for number, store in enumerate(self.stores):
            keep = np.ones(len(store), dtype=bool)
            if split is not None:
                if f"{prefix}splits" not in store.handle:
                    raise ValueError(
                        f"store {store.path} has no {prefix}splits column; use split=None")
                keep = store.column("splits") == split
            rows = np.flatnonzero(keep)
            store_of.append(np.full(len(rows), number, dtype=np.int64))
            row_of.append(rows.astype(np.int64))
            labels.append(store.labels[rows])
            if has_ids:
                video_ids.append(store.column("video_ids")[rows])
            store.close()  # the index is read; workers reopen lazily
        self._store_of = np.concatenate(store_of)
        self._row_of = np.concatenate(row_of)
        self.labels = np.concatenate(labels).astype(np.int64)
        self.video_ids = np.concatenate(video_ids) if has_ids else None
        self._datasets: dict[int, object] = {}
        self._datasets_pid: int | None = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_datasets"], state["_datasets_pid"] = {}, None  # h5py objects do not pickle
        return state

    def _images(self, store_number: int):
        """The store's ``{prefix}images`` h5py dataset, looked up once per process: the lookup
        costs ~10x the read of one LZ4-compressed 112x144 image."""
        if self._datasets_pid != os.getpid():
            self._datasets, self._datasets_pid = {}, os.getpid()
        found = self._datasets.get(store_number)
        if found is None:
            found = self.stores[store_number].handle[f"{self.prefix}images"]
            self._datasets[store_number] = found
        return found

    def __len__(self) -> int:
        return len(self.labels)

    def read(self, position: int) -> np.ndarray:
        """The stored uint8 image ``(H, W, 3)`` of item ``position`` (no transform)."""
        return self._images(int(self._store_of[position]))[int(self._row_of[position])]

    def transformed(self, position: int, rng: np.random.Generator) -> Tensor:
        image = self.read(position)
        if self.transform is not None:
            image = self.transform(image, rng)
        return image_to_tensor(image)

    def __getitem__(self, position: int) -> tuple[Tensor, int, int]:
        return self.transformed(position, self.rng(position)), int(self.labels[position]), position

    def select(self, positions: Iterable[int]) -> ImageSamples:
        """A view on the items ``positions`` (e.g. the generated images SPS selected)."""
        chosen = np.asarray(list(positions), dtype=np.int64)
        if len(chosen) and (chosen.min() < 0 or chosen.max() >= len(self)):
            raise IndexError(f"positions must lie in [0, {len(self)})")
        view = copy.copy(self)
        view._store_of, view._row_of = self._store_of[chosen], self._row_of[chosen]
        view.labels = self.labels[chosen]
        view.video_ids = None if self.video_ids is None else self.video_ids[chosen]
        return view

    def with_transform(self, transform: FrameTransform | None) -> ImageSamples:
        """The same items with another transform (e.g. the test crop for scoring a pool)."""
        view = copy.copy(self)
        view.transform = transform
        return view

    def positions_by_video(self) -> dict[str, np.ndarray]:
        """``video_id -> positions`` (first-appearance order), for grouping views per video."""
        if self.video_ids is None:
            raise ValueError("these stores have no video_ids column; cannot group by video")
        groups: dict[str, list[int]] = {}
        for position, video_id in enumerate(self.video_ids):
            groups.setdefault(str(video_id), []).append(position)
        return {key: np.asarray(value, dtype=np.int64) for key, value in groups.items()}


class ImageViews(EpochDataset):
    """Evaluation items, the images of each video: ``(views (V, 3, H, W), label, video_id)``.

    ``V`` is the number of images of the video: 1 for whole-video dynamic images
    (``ImageSamples(..., prefix="full_")``), K for the K sparse dynamic images of a video.
    """

    def __init__(self, samples: ImageSamples) -> None:
        self.samples = samples
        self.seed = samples.seed
        self.groups = list(samples.positions_by_video().items())
        self.video_ids = [video_id for video_id, _ in self.groups]
        labels = []
        for video_id, positions in self.groups:
            found = np.unique(samples.labels[positions])
            if len(found) != 1:
                raise ValueError(f"video {video_id} has images of several labels {found.tolist()}")
            labels.append(int(found[0]))
        self.labels = np.asarray(labels, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.groups)

    def __getitem__(self, index: int) -> tuple[Tensor, int, str]:
        video_id, positions = self.groups[index]
        rng = self.rng(index)
        views = torch.stack([self.samples.transformed(int(p), rng) for p in positions])
        return views, int(self.labels[index]), video_id


class ConcatSamples(ConcatDataset):
    """Several training datasets as one (e.g. real SSDI + selected generated images).

    Forwards :meth:`set_epoch` to its parts; items keep their part's content, their position is
    the position in the concatenation. ``labels`` concatenates the parts' labels.
    """

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        super().__init__(list(datasets))
        self.labels = np.concatenate([np.asarray(d.labels, dtype=np.int64) for d in self.datasets])

    def set_epoch(self, epoch: int) -> None:
        for part in self.datasets:
            if hasattr(part, "set_epoch"):
                part.set_epoch(epoch)

    def __getitem__(self, position: int):
        x, label, _ = super().__getitem__(position)
        return x, label, position


# ------------------------------------------------------------------------------------- frames
def segment_bounds(num_frames: int, num_segments: int) -> tuple[np.ndarray, np.ndarray]:
    """TSN's K equal segments of ``[0, num_frames)``: ``starts (K,)`` and exclusive ``ends (K,)``.

    With fewer frames than segments, segments share frames (each keeps at least one).
    """
    if num_frames < 1 or num_segments < 1:
        raise ValueError(
            f"need num_frames >= 1 and num_segments >= 1, got {num_frames}, {num_segments}")
    edges = (np.arange(num_segments + 1) * num_frames) // num_segments
    starts = np.minimum(edges[:-1], num_frames - 1)
    ends = np.maximum(edges[1:], starts + 1)
    return starts.astype(np.int64), ends.astype(np.int64)


def train_segment_indices(num_frames: int, num_segments: int,
                          rng: np.random.Generator) -> np.ndarray:
    """One uniformly random frame inside each of the K segments (TSN training)."""
    starts, ends = segment_bounds(num_frames, num_segments)
    return rng.integers(starts, ends).astype(np.int64)


def eval_segment_indices(num_frames: int, num_segments: int) -> np.ndarray:
    """The centre frame of each of the K segments (TSN testing)."""
    starts, ends = segment_bounds(num_frames, num_segments)
    return (starts + ends - 1) // 2


def clip_indices(num_frames: int, start: int, clip_len: int, stride: int) -> np.ndarray:
    """``clip_len`` frames ``start, start + stride, …``; a video shorter than that loops."""
    return (start + stride * np.arange(clip_len)) % num_frames


def last_clip_start(num_frames: int, clip_len: int, stride: int) -> int:
    """The largest start whose clip fits in the video (0 when it does not fit)."""
    return max(num_frames - ((clip_len - 1) * stride + 1), 0)


def eval_clip_starts(num_frames: int, clip_len: int, stride: int, num_clips: int) -> np.ndarray:
    """Starts of ``num_clips`` evenly spaced clips covering the video (first at 0, last at the
    end); one clip is centred."""
    if num_clips < 1:
        raise ValueError(f"num_clips must be >= 1, got {num_clips}")
    last = last_clip_start(num_frames, clip_len, stride)
    if num_clips == 1:
        return np.array([last // 2], dtype=np.int64)
    return np.round(np.linspace(0, last, num_clips)).astype(np.int64)


def load_manifest_splits(manifest: Mapping | PathLike) -> dict[str, str]:
    """``video_id -> split`` of a manifest dict or a ``manifest.json`` path."""
    if not isinstance(manifest, Mapping):
        with open(manifest, encoding="utf-8") as fh:
            manifest = json.load(fh)
    return {str(v["id"]): str(v["split"]) for v in manifest["videos"]}


def select_videos(stores: Sequence[FrameStore], *, split: str | None = None,
                  manifest: Mapping | PathLike | None = None,
                  video_ids: Iterable[str] | None = None) -> list[tuple[int, int]]:
    """``(store number, row)`` of the videos to use, in store order.

    ``video_ids`` keeps exactly those (each must exist); otherwise ``split`` keeps the videos the
    ``manifest`` puts in that split; with neither, every video.
    """
    pairs = [(s, r) for s, store in enumerate(stores) for r in range(len(store))]
    if video_ids is not None:
        wanted = set(video_ids)
        found = [(s, r) for s, r in pairs if stores[s].video_ids[r] in wanted]
        missing = wanted - {stores[s].video_ids[r] for s, r in found}
        if missing:
            raise ValueError(
                f"{len(missing)} video ids are in no frames store, e.g. {sorted(missing)[:3]}")
        return found
    if split is None:
        return pairs
    if manifest is None:
        raise ValueError(
            "filtering by split needs the manifest (frames stores do not record splits)")
    splits = load_manifest_splits(manifest)
    unknown = [stores[s].video_ids[r] for s, r in pairs if stores[s].video_ids[r] not in splits]
    if unknown:
        raise ValueError(
            f"{len(unknown)} videos of the frames stores are not in the manifest, "
            f"e.g. {unknown[:3]}")
    return [(s, r) for s, r in pairs if splits[stores[s].video_ids[r]] == split]


def read_frame_rows(frames: h5py.Dataset, indices: np.ndarray) -> np.ndarray:
    """Rows ``indices`` (any order, repeats allowed) of a ``(T, H, W, 3)`` dataset.

    h5py's fancy indexing costs milliseconds per row, so this reads one contiguous slice when the
    wanted frames are dense (a clip) and one frame at a time when they are spread out (TSN
    segments); decoded chunks are reused through HDF5's chunk cache.
    """
    indices = np.asarray(indices, dtype=np.int64)
    unique, inverse = np.unique(indices, return_inverse=True)
    low, high = int(unique[0]), int(unique[-1])
    if high - low + 1 <= 2 * len(unique):
        return frames[low:high + 1][unique - low][inverse]
    return np.stack([frames[int(i)] for i in unique])[inverse]


class _FrameVideos(EpochDataset):
    """Common index of the frame-based datasets: which videos, their labels and lengths."""

    def __init__(self, stores: PathLike | Sequence[PathLike], transform: FrameTransform | None,
                 train: bool, split: str | None, manifest: Mapping | PathLike | None,
                 video_ids: Iterable[str] | None, seed: int) -> None:
        self.transform = transform
        self.train = train
        self.seed = seed
        # frames or optical-flow shards (AVD's OF stream reads flow as (u, v, |f|) images)
        self.stores = [open_video_store(path) for path in _as_paths(stores)]
        self.videos = select_videos(self.stores, split=split, manifest=manifest,
                                    video_ids=video_ids)
        self.labels = np.array([self.stores[s].labels[r] for s, r in self.videos], dtype=np.int64)
        self.video_ids = [self.stores[s].video_ids[r] for s, r in self.videos]
        self.num_frames = np.array([self.stores[s].num_frames[r] for s, r in self.videos],
                                   dtype=np.int64)
        # dataset names of the videos, from the store's index table (store contract)
        names = [[k.decode() if isinstance(k, bytes) else str(k)
                  for k in store.handle["index"]["key"][()]] for store in self.stores]
        self.keys = [names[s][r] for s, r in self.videos]
        if len(self.num_frames) and self.num_frames.min() < 1:
            raise ValueError("a selected video has no frames")
        for store in self.stores:
            store.close()

    def __len__(self) -> int:
        return len(self.videos)

    def read_frames(self, index: int, frame_indices: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
        """Frames ``frame_indices`` of video ``index``, one geometry for all: ``(N, H, W, 3)``."""
        store_number, row = self.videos[index]
        handle = self.stores[store_number].handle
        frames = read_frame_rows(handle["videos"][self.keys[index]], frame_indices)
        frames = self.stores[store_number].as_image(frames)
        return frames if self.transform is None else self.transform(frames, rng)


class SegmentFrames(_FrameVideos):
    """TSN RGB sampling (Wang et al., 2016): K segments, one frame each.

    Training items ``(frames (K, 3, H, W) uint8, label, position)``, a random frame per segment;
    test items ``(views (1, K, 3, H, W), label, video_id)``, the centre frame of each segment.
    One crop/flip is shared by the K frames.
    """

    def __init__(self, stores: PathLike | Sequence[PathLike], num_segments: int,
                 transform: FrameTransform | None = None, *, train: bool = True,
                 split: str | None = None, manifest: Mapping | PathLike | None = None,
                 video_ids: Iterable[str] | None = None, seed: int = 0) -> None:
        super().__init__(stores, transform, train, split, manifest, video_ids, seed)
        self.num_segments = num_segments

    def frame_indices(self, index: int, rng: np.random.Generator) -> np.ndarray:
        count = int(self.num_frames[index])
        if self.train:
            return train_segment_indices(count, self.num_segments, rng)
        return eval_segment_indices(count, self.num_segments)

    def __getitem__(self, index: int):
        rng = self.rng(index)
        segments = frames_to_segments(self.read_frames(index, self.frame_indices(index, rng), rng))
        if self.train:
            return segments, int(self.labels[index]), index
        return segments.unsqueeze(0), int(self.labels[index]), self.video_ids[index]


class ClipSamples(_FrameVideos):
    """Clips of ``clip_len`` frames every ``stride`` frames for video networks.

    Training items ``(clip (3, T, H, W) uint8, label, position)`` from a uniformly random start;
    test items ``(views (V, 3, T, H, W), label, video_id)`` with ``V = num_test_clips`` evenly
    spaced clips (multi-clip testing, e.g. 10 clips), all with the same (deterministic) crop.
    """

    def __init__(self, stores: PathLike | Sequence[PathLike], clip_len: int, stride: int = 1,
                 transform: FrameTransform | None = None, *, train: bool = True,
                 num_test_clips: int = 10, split: str | None = None,
                 manifest: Mapping | PathLike | None = None,
                 video_ids: Iterable[str] | None = None, seed: int = 0) -> None:
        if clip_len < 1 or stride < 1:
            raise ValueError(f"clip_len and stride must be >= 1, got {clip_len}, {stride}")
        super().__init__(stores, transform, train, split, manifest, video_ids, seed)
        self.clip_len, self.stride, self.num_test_clips = clip_len, stride, num_test_clips

    def clip_starts(self, index: int, rng: np.random.Generator) -> np.ndarray:
        count = int(self.num_frames[index])
        if self.train:
            last = last_clip_start(count, self.clip_len, self.stride)
            return np.array([rng.integers(last + 1)], dtype=np.int64)
        return eval_clip_starts(count, self.clip_len, self.stride, self.num_test_clips)

    def __getitem__(self, index: int):
        rng = self.rng(index)
        count = int(self.num_frames[index])
        starts = self.clip_starts(index, rng)
        wanted = np.concatenate(
            [clip_indices(count, s, self.clip_len, self.stride) for s in starts])
        frames = self.read_frames(index, wanted, rng)
        clips = [frames_to_clip(frames[v * self.clip_len:(v + 1) * self.clip_len])
                 for v in range(len(starts))]
        if self.train:
            return clips[0], int(self.labels[index]), index
        return torch.stack(clips), int(self.labels[index]), self.video_ids[index]
