"""HDF5 stores: atomic writers and lazy, fork-safe readers (store contract in DESIGN.md).

Every store has root attributes ``schema``, ``videoaug_version`` and ``params`` (canonical JSON of
whatever shaped the content) and no timestamps, so equal inputs give byte-identical files.
Writers write ``path.tmp`` and rename it on success; a killed writer leaves no readable store.

Reading a store with plain h5py: the default compression is LZ4 from ``hdf5plugin``, so
``import hdf5plugin`` before opening one (each store's ``reader_note`` attribute says so);
without it h5py fails with "can't open directory /usr/local/lib/plugin".

Full disks: HDF5 cannot recover from a failed write (it prints errors from every object it frees
and segfaults when it later closes the file or exits), so HDF5 must never see one. Every writer
checks the free space before each write (:func:`require_free_space`), and because another process
may fill the disk between the check and HDF5's (buffered) write, :func:`atomic_store` also holds
:data:`FREE_SPACE_RESERVE` bytes in a preallocated ``.reserve`` file beside the store and gives
HDF5 a file object (:class:`ReservedFile`) whose writes, on ``ENOSPC``, release that reserve and
retry: HDF5 never sees the error, the writer stops at its next check, and the store is closed,
removed and reported as :class:`DiskFullError` like a failed pre-check.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import h5py
import hdf5plugin
import numpy as np

from videoaug import __version__
from videoaug.config import canonical_json
from videoaug.io.diskspace import (  # noqa: F401  (re-exported: the writers' API)
    _RESERVED,
    FREE_SPACE_RESERVE,
    DiskFullError,
    ReservedFile,
    StoreError,
    is_disk_full,
    require_free_space,
    store_path,
)

FRAMES_SCHEMA = "videoaug.frames/1"
FLOW_SCHEMA = "videoaug.flow/1"  # AVD: bounded uint8 optical flow, (T-1, H, W, 2) per video
STR_DTYPE = h5py.string_dtype("utf-8")
STREAM_CHUNK = 16
"""Frames per piece when a stage streams a video (the decoder's chunk, io.video.stream_video)."""


def write_strings(group: h5py.Group, name: str, values) -> h5py.Dataset:
    """A 1-D dataset of UTF-8 strings (ids, class names): any Unicode, spaces and quotes kept.

    Fixed-width ``"S"`` arrays encode with ASCII and fail on a class folder such as "Café"."""
    data = np.array([str(v) for v in values], dtype=object)
    return group.create_dataset(name, data=data, dtype=STR_DTYPE, shape=(len(data),),
                                track_times=False)


def read_strings(dataset: h5py.Dataset, stop: int | None = None) -> list[str]:
    """The strings of a dataset written by :func:`write_strings` (or an older ``"S"`` one)."""
    values = dataset[()] if stop is None else dataset[:stop]
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


READER_NOTE = (
    "compressed with hdf5plugin filters (LZ4 by default): `import hdf5plugin` before "
    "h5py.File(...) reads this store"
)
def compression_kwargs(name: str) -> dict[str, Any]:
    """h5py ``create_dataset`` keywords for a compression name from the config."""
    if name == "none":
        return {}
    if name == "lz4":
        return dict(hdf5plugin.LZ4())
    if name == "zstd":
        return dict(hdf5plugin.Zstd(clevel=1))
    if name == "gzip":
        return {"compression": "gzip", "compression_opts": 4}
    raise ValueError(f"unknown compression {name!r}; choose one of none, lz4, zstd, gzip")


def _group(parent: h5py.Group, name: str) -> h5py.Group:
    """Create a group without modification times (HDF5 records them by default)."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    gid = h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl)
    return h5py.Group(gid)


@contextlib.contextmanager
def atomic_store(path: str | Path, schema: str, params: Mapping) -> Iterator[h5py.File]:
    """Open a store for writing; on success set attributes and give it the name ``path``.

    The file is unnamed while it is written (``O_TMPFILE``; ``path.tmp`` where the file system
    has none) and appears under ``path`` only when complete (:class:`ReservedFile`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    Path(str(tmp) + ".reserve").unlink(missing_ok=True)
    require_free_space(tmp, 0)
    guard = None
    try:
        guard = ReservedFile(tmp)
        _RESERVED[str(tmp)] = guard
        with h5py.File(guard, "w", track_order=False) as handle:
            handle.videoaug_path = str(tmp)
            handle.attrs["schema"] = schema
            handle.attrs["videoaug_version"] = __version__
            handle.attrs["params"] = canonical_json(dict(params))
            handle.attrs["reader_note"] = READER_NOTE
            yield handle
            if guard.full:  # a write found the disk full: nothing is kept
                raise DiskFullError(path, FREE_SPACE_RESERVE)
            handle.attrs["complete"] = True
        if guard.full:  # the last flush found the disk full
            raise DiskFullError(path, FREE_SPACE_RESERVE)
        guard.publish(path)
    except BaseException as err:
        if guard is not None:
            guard.discard()
        tmp.unlink(missing_ok=True)
        if not isinstance(err, DiskFullError) and (
                is_disk_full(err) or (guard is not None and guard.full)):
            raise DiskFullError(path, FREE_SPACE_RESERVE) from None
        raise
    finally:
        if guard is not None:
            _RESERVED.pop(str(tmp), None)
            guard.release()


def open_store(path: str | Path, schema: str | None = None) -> h5py.File:
    """Open a finished store read-only, checking completeness and (optionally) its schema."""
    path = Path(path)
    if not path.exists():
        raise StoreError(
            f"store {path} does not exist; build it with snakemake (see README targets)"
        )
    try:
        handle = h5py.File(path, "r")
    except OSError as err:
        raise StoreError(
            f"store {path} is not a readable HDF5 file ({err}); delete it and rerun"
        ) from None
    if not handle.attrs.get("complete", False):
        handle.close()
        raise StoreError(
            f"store {path} is incomplete (its writer did not finish); delete it and rerun"
        )
    if schema is not None and handle.attrs.get("schema") != schema:
        found = handle.attrs.get("schema")
        handle.close()
        raise StoreError(f"store {path} has schema {found!r}, expected {schema!r}")
    return handle


def store_params(path: str | Path) -> dict:
    with open_store(path) as handle:
        return json.loads(handle.attrs["params"])


def read_rows(dset: h5py.Dataset, indices: np.ndarray) -> np.ndarray:
    """Rows ``indices`` (any order, repeats allowed) of a dataset.

    Reads each run of consecutive rows as one slice: h5py's fancy indexing costs ~10 ms per row
    (measured), a slice costs one chunk read per row.
    """
    indices = np.asarray(indices, dtype=np.int64)
    unique, inverse = np.unique(indices, return_inverse=True)
    if len(unique) == 0:
        return np.empty((0,) + dset.shape[1:], dtype=dset.dtype)
    breaks = np.flatnonzero(np.diff(unique) != 1) + 1
    runs = np.split(unique, breaks)
    data = np.concatenate([dset[int(run[0]) : int(run[-1]) + 1] for run in runs])
    return data[inverse]


# --------------------------------------------------------------------------------------- frames
class FrameStoreWriter:
    """Writes one dataset per video, ``uint8 (T, H, W, 3)``, chunked along time, plus an index."""

    def __init__(self, handle: h5py.File, compression: str, chunk_frames: int = 4,
                 channels: int = 3):
        self._channels = channels  # 3: RGB frames; 2: optical flow (u, v)
        self._path = store_path(handle)
        self._videos = _group(handle, "videos")
        self._handle = handle
        self._compression = compression_kwargs(compression)
        self._chunk_frames = chunk_frames
        self._index: list[tuple[str, int, int, str]] = []

    def add(
        self, video_id: str, frames: np.ndarray, *, label: int, fps: float, source: str
    ) -> None:
        """Write one whole video ``uint8 (T, H, W, 3)``."""
        self.add_chunks(video_id, [frames], label=label, fps=fps, source=source)

    def add_chunks(
        self,
        video_id: str,
        chunks: Iterable[np.ndarray],
        *,
        label: int,
        fps: float | Callable[[], float],
        source: str,
    ) -> int:
        """Write one video from an iterable of ``uint8 (t, H, W, 3)`` pieces, appending each to
        the store as it comes, so memory holds one piece, not the clip. Returns the frame count.

        If the iterable raises (a video that turns out corrupt half-way), the partial dataset
        is removed and the error propagates: the store never lists a cut video. ``fps`` may be
        a callable read after the last piece (a decoder knows the rate only then).
        """
        key = f"{len(self._index):06d}"
        dset = None
        try:
            for piece in chunks:
                self._check(video_id, piece)
                if dset is None:
                    dset = self._videos.create_dataset(
                        key,
                        shape=(0,) + piece.shape[1:],
                        maxshape=(None,) + piece.shape[1:],
                        dtype=np.uint8,
                        chunks=(self._chunk_frames,) + piece.shape[1:],  # (4, H, W, C)
                        track_times=False,
                        **self._compression,
                    )
                elif piece.shape[1:] != dset.shape[1:]:
                    raise ValueError(
                        f"frames of {video_id} change size from {dset.shape[1:]} to "
                        f"{piece.shape[1:]} mid-video"
                    )
                if len(piece) == 0:
                    continue
                require_free_space(self._path, piece.nbytes)
                start = dset.shape[0]
                dset.resize(start + len(piece), axis=0)
                dset[start:] = piece
        except BaseException:
            if dset is not None:
                del self._videos[key]
            raise
        if dset is None:  # a stream that gave nothing (an explicit empty array is kept)
            raise ValueError(f"video {video_id} has no frames")
        dset.attrs["fps"] = float(fps() if callable(fps) else fps)
        dset.attrs["label"] = int(label)
        dset.attrs["source"] = source
        dset.attrs["video_id"] = video_id
        self._index.append((video_id, int(label), int(dset.shape[0]), key))
        return int(dset.shape[0])

    def _check(self, video_id: str, frames: np.ndarray) -> None:
        if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != self._channels:
            raise ValueError(
                f"frames of {video_id} must be uint8 (T, H, W, {self._channels}), "
                f"got {frames.dtype} {frames.shape}"
            )

    def close(self) -> None:
        index = _group(self._handle, "index")
        ids, labels, counts, keys = (
            zip(*self._index, strict=True) if self._index else ((), (), (), ())
        )
        index.create_dataset(
            "video_id", data=np.array(ids, dtype=object), dtype=STR_DTYPE, track_times=False
        )
        index.create_dataset("label", data=np.array(labels, dtype=np.int64), track_times=False)
        index.create_dataset("num_frames", data=np.array(counts, dtype=np.int64), track_times=False)
        index.create_dataset(
            "key", data=np.array(keys, dtype=object), dtype=STR_DTYPE, track_times=False
        )


class LazyStore:
    """Base of the readers: the HDF5 handle opens on first use in each process (fork-safe)."""

    schema: str | None = None

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._handle: h5py.File | None = None
        self._pid: int | None = None
        with open_store(self.path, self.schema) as handle:
            self._load_index(handle)

    def _load_index(self, handle: h5py.File) -> None:  # pragma: no cover - overridden
        pass

    @property
    def handle(self) -> h5py.File:
        if self._handle is None or self._pid != os.getpid():
            self._handle = open_store(self.path, self.schema)
            self._pid = os.getpid()
        return self._handle

    def close(self) -> None:
        if self._handle is not None and self._pid == os.getpid():
            self._handle.close()
        self._handle = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_handle"] = None
        state["_pid"] = None
        return state

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


class FrameStore(LazyStore):
    """Read videos from a frames shard; ``read(i, frame_indices)`` reads only those frames."""

    schema = FRAMES_SCHEMA

    def _load_index(self, handle: h5py.File) -> None:
        index = handle["index"]
        self.video_ids = [v.decode() if isinstance(v, bytes) else v for v in index["video_id"][()]]
        self.labels = index["label"][()].astype(np.int64)
        self.num_frames = index["num_frames"][()].astype(np.int64)
        self._keys = [k.decode() if isinstance(k, bytes) else k for k in index["key"][()]]
        self.params = json.loads(handle.attrs["params"])

    def __len__(self) -> int:
        return len(self.video_ids)

    def read(self, i: int, frame_indices: np.ndarray | None = None) -> np.ndarray:
        dset = self.handle["videos"][self._keys[i]]
        if frame_indices is None:
            return dset[()]
        return read_rows(dset, frame_indices)

    def shape(self, i: int) -> tuple[int, ...]:
        """``(T, H, W, C)`` of video ``i`` without reading it."""
        return tuple(self.handle["videos"][self._keys[i]].shape)

    def read_chunks(self, i: int, size: int = STREAM_CHUNK) -> Iterator[np.ndarray]:
        """Video ``i`` in consecutive pieces of at most ``size`` frames (memory flat in length)."""
        dset = self.handle["videos"][self._keys[i]]
        for start in range(0, dset.shape[0], size):
            yield dset[start:start + size]

    def fps(self, i: int) -> float:
        return float(self.handle["videos"][self._keys[i]].attrs["fps"])

    def as_image(self, frames: np.ndarray) -> np.ndarray:
        """Stored rows -> RGB-like ``uint8 (N, H, W, 3)`` (frames are already)."""
        return frames


def flow_to_image(encoded: np.ndarray) -> np.ndarray:
    """Stored flow ``uint8 (..., 2)`` -> 3-channel image ``uint8 (..., 3)``: ``(u, v, |f|)``.

    ``|f|`` uses the decoded displacement relative to the bound, so the image does not depend on
    the bound's value: ``|f| / bound`` in ``[0, 1]`` (clipped) maps to ``0..255``.
    """
    if encoded.dtype != np.uint8 or encoded.shape[-1] != 2:
        raise ValueError(f"stored flow must be uint8 (..., 2), got {encoded.dtype} {encoded.shape}")
    rel = encoded.astype(np.float32) * (2.0 / 255.0) - 1.0  # decoded / bound, in [-1, 1]
    magnitude = np.minimum(np.sqrt((rel ** 2).sum(-1)), 1.0)
    mag_u8 = np.rint(magnitude * 255.0).astype(np.uint8)
    return np.concatenate([encoded, mag_u8[..., None]], axis=-1)


class FlowStore(FrameStore):
    """Optical-flow shard (AVD): ``uint8 (T-1, H, W, 2)`` per video, same index as frames;
    ``params["bound"]`` decodes it (:func:`videoaug.methods.avd.flow.decode_flow`)."""

    schema = FLOW_SCHEMA

    def as_image(self, frames: np.ndarray) -> np.ndarray:
        """Stored flow ``(N, H, W, 2)`` -> ``(u, v, |f|)`` images ``uint8 (N, H, W, 3)``."""
        return flow_to_image(frames)


def open_video_store(path: str | Path) -> FrameStore:
    """A :class:`FrameStore` or :class:`FlowStore`, by the file's ``schema`` attribute."""
    with open_store(path) as handle:
        schema = handle.attrs.get("schema")
    if schema == FLOW_SCHEMA:
        return FlowStore(path)
    return FrameStore(path)


# --------------------------------------------------------------------------------------- images
class ImageStoreWriter:
    """Append-only ``images uint8 (N, H, W, 3)``, ``labels int64 (N,)`` and per-item columns."""

    def __init__(
        self,
        handle: h5py.File,
        image_shape: tuple[int, int],
        compression: str,
        columns: Mapping[str, np.dtype] | None = None,
        prefix: str = "",
    ):
        self._handle = handle
        self._prefix = prefix
        height, width = image_shape
        comp = compression_kwargs(compression)
        self.images = handle.create_dataset(
            f"{prefix}images",
            shape=(0, height, width, 3),
            maxshape=(None, height, width, 3),
            dtype=np.uint8,
            chunks=(1, height, width, 3),
            track_times=False,
            **comp,
        )
        self.columns = {
            "labels": np.dtype(np.int64),
            **{k: np.dtype(v) for k, v in (columns or {}).items()},
        }
        self._data = {
            name: handle.create_dataset(
                f"{prefix}{name}",
                shape=(0,),
                maxshape=(None,),
                dtype=STR_DTYPE if dtype.kind in "OUS" else dtype,
                chunks=(1024,),
                track_times=False,
            )
            for name, dtype in self.columns.items()
        }

    def __len__(self) -> int:
        return self.images.shape[0]

    def append(self, images: np.ndarray, **columns: np.ndarray) -> None:
        n = len(images)
        missing = set(self.columns) - set(columns)
        if missing:
            raise ValueError(f"append is missing columns {sorted(missing)}")
        require_free_space(store_path(self._handle), int(np.asarray(images).nbytes))
        start = self.images.shape[0]
        self.images.resize(start + n, axis=0)
        self.images[start:] = images
        for name, values in columns.items():
            dset = self._data[name]
            dset.resize(start + n, axis=0)
            dset[start:] = np.asarray(
                values, dtype=object if dset.dtype.kind == "O" else dset.dtype
            )


class ImageStore(LazyStore):
    """Read an image store lazily: ``images[i]``, ``column(name)`` fully (they are small)."""

    def __init__(self, path: str | Path, schema: str | None = None, prefix: str = ""):
        self.schema = schema
        self.prefix = prefix
        super().__init__(path)

    def _load_index(self, handle: h5py.File) -> None:
        self.labels = handle[f"{self.prefix}labels"][()].astype(np.int64)
        self.image_shape = tuple(handle[f"{self.prefix}images"].shape[1:])
        self.params = json.loads(handle.attrs["params"])

    def __len__(self) -> int:
        return len(self.labels)

    def image(self, i: int) -> np.ndarray:
        return self.handle[f"{self.prefix}images"][i]

    def images(self, indices: np.ndarray) -> np.ndarray:
        return read_rows(self.handle[f"{self.prefix}images"], indices)

    def column(self, name: str) -> np.ndarray:
        values = self.handle[f"{self.prefix}{name}"][()]
        if values.dtype.kind == "O":
            return np.array(
                [v.decode() if isinstance(v, bytes) else v for v in values], dtype=object
            )
        return values
