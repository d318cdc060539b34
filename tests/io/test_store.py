import multiprocessing
import os
import signal
import sys

import numpy as np
import pytest

from videoaug.io.store import (
    FRAMES_SCHEMA,
    DiskFullError,
    FrameStore,
    FrameStoreWriter,
    ImageStore,
    ImageStoreWriter,
    StoreError,
    atomic_store,
    open_store,
    read_rows,
    require_free_space,
    store_params,
)


def _clips(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, size=(t, 12, 16, 3), dtype=np.uint8) for t in (5, 9, 3)]


def _write_frames(path, compression="lz4"):
    with atomic_store(path, FRAMES_SCHEMA, {"k": 1}) as handle:
        writer = FrameStoreWriter(handle, compression)
        for i, clip in enumerate(_clips()):
            writer.add(f"cls/v{i}", clip, label=i % 2, fps=25.0, source=f"cls/v{i}")
        writer.close()


@pytest.mark.parametrize("compression", ["none", "lz4", "zstd", "gzip"])
def test_frames_round_trip(tmp_path, compression):
    path = tmp_path / "f.h5"
    _write_frames(path, compression)
    store = FrameStore(path)
    assert store.video_ids == ["cls/v0", "cls/v1", "cls/v2"]
    assert store.labels.tolist() == [0, 1, 0] and store.num_frames.tolist() == [5, 9, 3]
    for i, clip in enumerate(_clips()):
        np.testing.assert_array_equal(store.read(i), clip)
    np.testing.assert_array_equal(store.read(1, [7, 2, 2, 0]), _clips()[1][[7, 2, 2, 0]])
    assert store.fps(0) == 25.0
    assert store_params(path) == {"k": 1}


def test_stores_are_byte_identical(tmp_path):
    _write_frames(tmp_path / "a.h5")
    _write_frames(tmp_path / "b.h5")
    assert (tmp_path / "a.h5").read_bytes() == (tmp_path / "b.h5").read_bytes()


def test_failed_writer_leaves_nothing(tmp_path):
    path = tmp_path / "f.h5"
    with pytest.raises(RuntimeError), atomic_store(path, FRAMES_SCHEMA, {}) as handle:
        FrameStoreWriter(handle, "lz4").add("a", _clips()[0], label=0, fps=1, source="a")
        raise RuntimeError("boom")
    assert not path.exists() and not (tmp_path / "f.h5.tmp").exists()


def _killed_writer(path):
    with atomic_store(path, FRAMES_SCHEMA, {}) as handle:
        writer = FrameStoreWriter(handle, "none")
        writer.add("a", np.zeros((4, 8, 8, 3), np.uint8), label=0, fps=1, source="a")
        handle.flush()
        os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.skipif(sys.platform != "linux", reason="SIGKILL semantics")
def test_killed_writer_leaves_no_readable_store(tmp_path):
    path = tmp_path / "f.h5"
    proc = multiprocessing.get_context("spawn").Process(target=_killed_writer, args=(path,))
    proc.start()
    proc.join(60)
    assert proc.exitcode == -signal.SIGKILL
    assert not path.exists()  # only path.tmp may remain, and not where O_TMPFILE exists
    if hasattr(os, "O_TMPFILE"):  # Linux: the file is unnamed until complete
        assert sorted(os.listdir(tmp_path)) == []
    with pytest.raises(StoreError, match="does not exist"):
        FrameStore(path)
    # a leftover tmp file renamed by hand is still refused: it lacks the completion mark
    leftover = tmp_path / "f.h5.tmp"
    if leftover.exists():
        os.replace(leftover, path)
        with pytest.raises(StoreError):
            FrameStore(path)


def test_image_store_append_and_read(tmp_path):
    path = tmp_path / "i.h5"
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, size=(4, 6, 7, 3), dtype=np.uint8)
    b = rng.integers(0, 256, size=(3, 6, 7, 3), dtype=np.uint8)
    with atomic_store(path, "videoaug.test/1", {}) as handle:
        writer = ImageStoreWriter(handle, (6, 7), "lz4", {"margin": np.float32, "ids": object})
        writer.append(
            a, labels=[0, 1, 2, 3], margin=np.arange(4), ids=np.array(list("abcd"), dtype=object)
        )
        writer.append(
            b, labels=[4, 5, 6], margin=np.arange(3), ids=np.array(list("efg"), dtype=object)
        )
    store = ImageStore(path, "videoaug.test/1")
    assert len(store) == 7 and store.labels.tolist() == list(range(7))
    np.testing.assert_array_equal(store.images([6, 0, 0]), np.stack([b[2], a[0], a[0]]))
    assert store.column("ids").tolist() == list("abcdefg")
    with pytest.raises(StoreError, match="schema"):
        ImageStore(path, "videoaug.other/1")


def test_reader_survives_fork(tmp_path):
    path = tmp_path / "f.h5"
    _write_frames(path)
    store = FrameStore(path)
    store.read(0)  # open in the parent first
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        sums = pool.map(_sum_first, [store, store])
    assert sums == [int(_clips()[0].sum())] * 2


def _sum_first(store):
    return int(store.read(0).sum())


def test_read_rows_empty():
    import h5py

    with h5py.File("mem.h5", "w", driver="core", backing_store=False) as handle:
        dset = handle.create_dataset("x", data=np.arange(10))
        assert read_rows(dset, []).shape == (0,)
        assert read_rows(dset, [3, 1, 3]).tolist() == [3, 1, 3]


# ------------------------------------------------------------------ streaming writes, full disks
def test_add_chunks_equals_add_and_a_failing_stream_leaves_no_video(tmp_path):
    clip = _clips()[1]
    whole, pieces = tmp_path / "whole.h5", tmp_path / "pieces.h5"
    with atomic_store(whole, FRAMES_SCHEMA, {}) as handle:
        writer = FrameStoreWriter(handle, "lz4")
        writer.add("v", clip, label=1, fps=25.0, source="v")
        writer.close()

    def broken():
        yield clip[:4]
        raise ValueError("corrupt half-way")

    with atomic_store(pieces, FRAMES_SCHEMA, {}) as handle:
        writer = FrameStoreWriter(handle, "lz4")
        with pytest.raises(ValueError, match="half-way"):
            writer.add_chunks("bad", broken(), label=0, fps=25.0, source="bad")
        count = writer.add_chunks(
            "v", iter([clip[:4], clip[4:7], clip[7:]]), label=1, fps=lambda: 25.0, source="v"
        )
        writer.close()
    assert count == len(clip)
    store = FrameStore(pieces)
    assert store.video_ids == ["v"]  # the broken video left nothing behind
    np.testing.assert_array_equal(store.read(0), FrameStore(whole).read(0))


def test_stores_say_how_to_read_them(tmp_path):
    path = tmp_path / "f.h5"
    _write_frames(path)
    with open_store(path) as handle:
        assert "import hdf5plugin" in handle.attrs["reader_note"]


def test_full_disk_stops_before_hdf5_fails_and_removes_the_tmp(tmp_path, monkeypatch):
    import shutil as shutil_module

    from videoaug.io import diskspace as store_module

    real = shutil_module.disk_usage
    budget = {"free": 64 << 20}

    def fake_usage(path):
        usage = real(path)
        return usage._replace(free=budget["free"])

    monkeypatch.setattr(store_module.shutil, "disk_usage", fake_usage)
    path = tmp_path / "full.h5"
    big = np.zeros((64, 240, 320, 3), np.uint8)  # 14.7 MB raw per video
    with pytest.raises(DiskFullError) as err:
        with atomic_store(path, FRAMES_SCHEMA, {}) as handle:
            writer = FrameStoreWriter(handle, "lz4")
            writer.add("a", big, label=0, fps=25.0, source="a")
            budget["free"] = 10 << 20  # the disk fills up
            writer.add("b", big, label=0, fps=25.0, source="b")
    message = str(err.value)
    assert "no space left on device while writing" in message and str(path) in message
    # 14.7 MB to write + 8 MB kept free - 10 MB free - the 8 MB the store itself holds in reserve
    assert "free 5 MB" in message
    assert "cache_dir" in message
    assert not path.exists() and not path.with_name("full.h5.tmp").exists()
    assert not path.with_name("full.h5.tmp.reserve").exists()


def test_require_free_space_passes_with_room(tmp_path):
    require_free_space(tmp_path / "x.h5", 1024)  # a real disk with more than 8 MB free
    with pytest.raises(DiskFullError, match="free"):
        require_free_space(tmp_path / "x.h5", 1 << 62)


@pytest.mark.parametrize("anonymous", [True, False], ids=["O_TMPFILE", "named-tmp"])
def test_a_disk_that_fills_inside_an_hdf5_write_is_a_disk_full_error(tmp_path, monkeypatch,
                                                                      anonymous):
    # The pre-check passes, then the disk fills before HDF5 writes (another process): the
    # reserve is released so HDF5's own write succeeds, the next check stops the writer, and
    # the store is removed. (tests/workflow/test_faults.py does it on a real tmpfs.)
    import errno

    from videoaug.io import diskspace as store_module

    if not anonymous:  # a file system without O_TMPFILE: path.tmp and path.tmp.reserve
        monkeypatch.setattr(store_module, "_anonymous_file", lambda folder: None)
    real_write = store_module.ReservedFile._raw_write
    calls = {"n": 0, "refused": 0}

    def write(self, data):
        calls["n"] += 1
        if calls["n"] == 5 and self.reserve_bytes:  # the disk is now full
            calls["refused"] += 1
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(store_module.ReservedFile, "_raw_write", write)
    path = tmp_path / "s.h5"
    with pytest.raises(DiskFullError, match="no space left on device while writing"):
        with atomic_store(path, FRAMES_SCHEMA, {}) as handle:
            writer = FrameStoreWriter(handle, "none")
            for i in range(50):
                writer.add(f"v{i}", np.zeros((8, 24, 32, 3), np.uint8), label=0, fps=1.0,
                           source="v")
            writer.close()
    assert calls["refused"] == 1
    assert sorted(os.listdir(tmp_path)) == []  # no store, no .tmp, no .reserve
    monkeypatch.undo()
    _write_frames(path)  # space back: the same writer completes
    with open_store(path, FRAMES_SCHEMA):
        pass
