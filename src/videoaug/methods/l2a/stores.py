"""Stores of Learn2Augment part 1: masks and inpainted backgrounds, one shard per frames shard.

Masks (``videoaug.masks/1``): per video a group ``videos/{key}`` with ``union``, ``people`` and
``boxes``, each a ``bool (T, H, W)`` mask bit-packed along the width (``uint8 (T, H, ceil(W/8))``,
8x smaller) and LZ4-compressed on top, plus ``instances int64 (T,)``. The index lists ``video_id``,
``label``, ``num_frames``, ``key``, ``gamma`` (union mask share, Eq. 8's γ), ``empty`` (no
detection in the whole video) and ``iou_gt`` (IoU against ground truth, NaN where there is none);
the root attribute ``empty_videos`` counts the empty ones.

Backgrounds (``videoaug.backgrounds/1``): a frames store (same layout, read with
:class:`BackgroundStore`) whose index adds ``method`` (``median`` or ``telea``) and ``shift``
(global motion used, pixels) per video, and — from the residual-person check on — ``outliers``
(share of pixels the unaligned median does not explain), ``overruled`` (registration overruled:
a tripod), ``residual_before`` / ``residual`` (person share of the checked background frames
before / after the refill; NaN when unchecked).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import h5py
import numpy as np

from videoaug.io.store import (
    STR_DTYPE,
    STREAM_CHUNK,
    FrameStore,
    LazyStore,
    StoreError,
    _group,
    compression_kwargs,
)
from videoaug.methods.l2a.segment import Segmentation

MASKS_SCHEMA = "videoaug.masks/1"
BACKGROUNDS_SCHEMA = "videoaug.backgrounds/1"
MASK_KINDS = ("union", "people", "boxes")


def pack_mask(mask: np.ndarray) -> np.ndarray:
    """``bool (T, H, W)`` → ``uint8 (T, H, ceil(W / 8))``."""
    return np.packbits(mask.astype(bool), axis=-1)


def unpack_mask(packed: np.ndarray, width: int) -> np.ndarray:
    """Inverse of :func:`pack_mask`."""
    return np.unpackbits(packed, axis=-1, count=width).astype(bool)


def _strings(values: Sequence[str]) -> np.ndarray:
    return np.array(list(values), dtype=object)


def _decode(values: np.ndarray) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else v for v in values]


class MaskStoreWriter:
    """Adds one video's :class:`Segmentation` at a time; ``close()`` writes the index."""

    def __init__(self, handle: h5py.File, compression: str = "lz4", chunk_frames: int = 16):
        self._handle = handle
        self._videos = _group(handle, "videos")
        self._compression = compression_kwargs(compression)
        self._chunk_frames = chunk_frames
        self._rows: list[tuple] = []

    def add(self, video_id: str, label: int, seg: Segmentation,
            iou_gt: float = float("nan")) -> None:
        """Write one video's whole :class:`Segmentation`."""
        self.add_chunks(video_id, label, [seg], iou_gt)

    def add_chunks(self, video_id: str, label: int, pieces: Iterable[Segmentation],
                   iou_gt: float | Callable[[], float] = float("nan")) -> int:
        """Write one video's masks from consecutive pieces (each a :class:`Segmentation` of some
        frames), appended as they come: memory holds one piece. ``iou_gt`` may be a callable,
        asked after the last piece (an IoU accumulated over the stream). Returns the frames."""
        key = f"{len(self._rows):06d}"
        group = _group(self._videos, key)
        group.attrs["video_id"] = video_id
        sets: dict[str, h5py.Dataset] = {}
        instances: list[np.ndarray] = []
        covered = total = 0
        for seg in pieces:
            t, height, width = seg.union.shape
            if not sets:
                group.attrs["width"] = width
                for kind in MASK_KINDS:
                    shape = (height, -(-width // 8))
                    sets[kind] = group.create_dataset(
                        kind, shape=(0, *shape), maxshape=(None, *shape), dtype=np.uint8,
                        chunks=(self._chunk_frames, *shape), track_times=False,
                        **self._compression)
            for kind in MASK_KINDS:
                dset = sets[kind]
                start = dset.shape[0]
                dset.resize(start + t, axis=0)
                dset[start:] = pack_mask(getattr(seg, kind))
            instances.append(seg.instances.astype(np.int64))
            covered += int(seg.union.sum())
            total += seg.union.size
        if not sets:
            raise ValueError(f"video {video_id} has no frames to segment")
        counts = np.concatenate(instances)
        group.create_dataset("instances", data=counts, track_times=False)
        gamma = covered / total if total else 0.0
        iou = float(iou_gt() if callable(iou_gt) else iou_gt)
        self._rows.append((video_id, int(label), len(counts), key, gamma, covered == 0, iou))
        return len(counts)

    def close(self) -> None:
        index = _group(self._handle, "index")
        cols = list(zip(*self._rows, strict=True)) if self._rows else [()] * 7
        names = ("video_id", "label", "num_frames", "key", "gamma", "empty", "iou_gt")
        dtypes = (STR_DTYPE, np.int64, np.int64, STR_DTYPE, np.float64, bool, np.float64)
        for name, dtype, values in zip(names, dtypes, cols, strict=True):
            data = _strings(values) if dtype is STR_DTYPE else np.array(values, dtype=dtype)
            index.create_dataset(name, data=data, dtype=dtype, track_times=False)
        self._handle.attrs["empty_videos"] = int(sum(r[5] for r in self._rows))


class MaskStore(LazyStore):
    """Read masks of a shard: ``read(i, kind)`` → ``bool (T, H, W)``."""

    schema = MASKS_SCHEMA

    def _load_index(self, handle: h5py.File) -> None:
        index = handle["index"]
        self.video_ids = _decode(index["video_id"][()])
        self.labels = index["label"][()].astype(np.int64)
        self.num_frames = index["num_frames"][()].astype(np.int64)
        self.gamma = index["gamma"][()]
        self.empty = index["empty"][()].astype(bool)
        self.iou_gt = index["iou_gt"][()]
        self._keys = _decode(index["key"][()])
        self.params = json.loads(handle.attrs["params"])
        self.empty_videos = int(handle.attrs["empty_videos"])

    def __len__(self) -> int:
        return len(self.video_ids)

    def read(self, i: int, kind: str = "union",
             frame_indices: np.ndarray | None = None) -> np.ndarray:
        """``bool (T, H, W)`` masks of video ``i`` (only ``frame_indices``, sorted, if given)."""
        if kind not in MASK_KINDS:
            raise ValueError(f"mask kind {kind!r}: choose one of {MASK_KINDS}")
        group = self.handle["videos"][self._keys[i]]
        packed = group[kind][()] if frame_indices is None else group[kind][
            np.asarray(frame_indices, dtype=np.int64)]
        return unpack_mask(packed, int(group.attrs["width"]))

    def read_chunks(self, i: int, kind: str = "union",
                    size: int = STREAM_CHUNK) -> Iterator[np.ndarray]:
        """Video ``i``'s masks in consecutive pieces of at most ``size`` frames."""
        group = self.handle["videos"][self._keys[i]]
        width = int(group.attrs["width"])
        for start in range(0, group[kind].shape[0], size):
            yield unpack_mask(group[kind][start:start + size], width)

    def instances(self, i: int) -> np.ndarray:
        return self.handle["videos"][self._keys[i]]["instances"][()]


BACKGROUND_COLUMNS = ("outliers", "overruled", "residual_before", "residual")


class BackgroundStore(FrameStore):
    """Inpainted backgrounds: a frames store plus ``method``, ``shift`` and the
    :data:`BACKGROUND_COLUMNS` per video (NaN / False in stores written before them)."""

    schema = BACKGROUNDS_SCHEMA

    def _load_index(self, handle: h5py.File) -> None:
        super()._load_index(handle)
        index = handle["index"]
        self.methods = _decode(index["method"][()])
        self.shift = index["shift"][()]
        n = len(self.methods)
        self.outliers = index["outliers"][()] if "outliers" in index else np.full(n, np.nan)
        self.overruled = (index["overruled"][()].astype(bool) if "overruled" in index
                          else np.zeros(n, bool))
        self.residual_before = (index["residual_before"][()] if "residual_before" in index
                                else np.full(n, np.nan))
        self.residual = index["residual"][()] if "residual" in index else np.full(n, np.nan)


def write_background_columns(handle: h5py.File, methods: Sequence[str],
                             shifts: Sequence[float], **columns: Sequence) -> None:
    """Add the per-video ``method`` and ``shift`` columns, and any of
    :data:`BACKGROUND_COLUMNS`, to a finished frames-layout index."""
    index = handle["index"]
    index.create_dataset("method", data=_strings(methods), dtype=STR_DTYPE, track_times=False)
    index.create_dataset("shift", data=np.array(shifts, np.float64), track_times=False)
    for name, values in columns.items():
        if name not in BACKGROUND_COLUMNS:
            raise ValueError(f"unknown background column {name!r}: {BACKGROUND_COLUMNS}")
        dtype = bool if name == "overruled" else np.float64
        index.create_dataset(name, data=np.array(values, dtype), track_times=False)


class L2AStores:
    """Frames, masks and backgrounds of one dataset looked up by video id (part 2's reader).

    Each list holds the shards of one kind (any order); ``num_classes`` sizes soft labels.
    Backgrounds may be omitted (raw-background variant only).
    """

    def __init__(self, frames: Sequence[str | Path], masks: Sequence[str | Path],
                 backgrounds: Sequence[str | Path] = (), num_classes: int | None = None):
        self._frames = [FrameStore(p) for p in frames]
        self._masks = [MaskStore(p) for p in masks]
        self._backgrounds = [BackgroundStore(p) for p in backgrounds]
        self._where = {kind: {vid: (s, i) for s, store in enumerate(stores)
                              for i, vid in enumerate(store.video_ids)}
                       for kind, stores in (("frames", self._frames), ("masks", self._masks),
                                            ("backgrounds", self._backgrounds))}
        labels = [int(x) for store in self._frames for x in store.labels]
        self.num_classes = int(num_classes if num_classes is not None else max(labels) + 1)

    def _locate(self, kind: str, video_id: str) -> tuple[int, int]:
        try:
            return self._where[kind][video_id]
        except KeyError:
            raise StoreError(f"video {video_id!r} is not in the {kind} stores") from None

    def video_ids(self) -> list[str]:
        return list(self._where["frames"])

    def frames(self, video_id: str) -> np.ndarray:
        s, i = self._locate("frames", video_id)
        return self._frames[s].read(i)

    def label(self, video_id: str) -> int:
        s, i = self._locate("frames", video_id)
        return int(self._frames[s].labels[i])

    def mask(self, video_id: str, kind: str = "union") -> np.ndarray:
        s, i = self._locate("masks", video_id)
        return self._masks[s].read(i, kind)

    def background(self, video_id: str) -> np.ndarray:
        s, i = self._locate("backgrounds", video_id)
        return self._backgrounds[s].read(i)

    def close(self) -> None:
        for store in (*self._frames, *self._masks, *self._backgrounds):
            store.close()
