"""Free disk space for the HDF5 stores: the checks before each write, the reserve that keeps a
disk filled by another process from failing inside HDF5, and the unnamed files stores are written
to (module docstring of :mod:`videoaug.io.store`)."""

from __future__ import annotations

import contextlib
import errno
import io
import math
import os
import shutil
from pathlib import Path

import h5py

FREE_SPACE_RESERVE = 8 << 20
"""Bytes kept free beyond each write: HDF5 metadata flushed at close, plus the log and JSONs."""


class StoreError(RuntimeError):
    """A store is missing, incomplete or of the wrong schema; the message names the file."""


class DiskFullError(StoreError):
    """Not enough free space to finish a store; nothing half-written is kept."""

    def __init__(self, path: str | Path, missing_bytes: int):
        self.path = str(path)
        missing_mb = max(1, math.ceil(missing_bytes / (1 << 20)))
        super().__init__(
            f"no space left on device while writing {self.path}: free {missing_mb} MB on "
            f"{Path(self.path).parent} or set cache_dir to a larger disk"
        )


class ReservedFile(io.FileIO):
    """The file HDF5 writes a store through, with ``reserve`` bytes of disk held aside.

    Where the file system allows (Linux ``O_TMPFILE``: ext4, xfs, btrfs, tmpfs) both the file and
    the reserve are anonymous until :meth:`publish` links the finished file in: a writer killed
    at any moment (``kill -9``, the kernel's or SLURM's out-of-memory kill) leaves nothing on the
    disk. Elsewhere they are ``<path>`` (the store's ``.tmp``) and ``<path>.reserve``.

    A write that finds the disk full (another process took the space after the writer's
    :func:`require_free_space`) releases the reserve, sets :attr:`full` and retries, so HDF5's
    own write succeeds and the library stays consistent; should the disk still be full, the
    bytes are dropped (the store is discarded anyway: :func:`atomic_store` raises
    :class:`DiskFullError` once :attr:`full` is set)."""

    def __init__(self, path: str | Path, reserve: int = FREE_SPACE_RESERVE):
        self.path = str(path)
        self.reserve_path = self.path + ".reserve"
        self.reserve_bytes = int(reserve)
        self.full = False
        folder = os.path.dirname(os.path.abspath(self.path))
        self._reserve_fd = _anonymous_file(folder)
        self.anonymous = self._reserve_fd is not None
        if self.anonymous:
            _preallocate_fd(self._reserve_fd, reserve, self.path)
            fd = _anonymous_file(folder)
            if fd is None:  # pragma: no cover - the folder allowed one a moment ago
                raise OSError(errno.EOPNOTSUPP, f"O_TMPFILE in {folder}")
            super().__init__(fd, "r+", closefd=True)
        else:
            fd = os.open(self.reserve_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                _preallocate_fd(fd, reserve, self.path)
            except BaseException:
                os.close(fd)
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.reserve_path)
                raise
            os.close(fd)
            super().__init__(self.path, "w+")

    def _raw_write(self, view: memoryview) -> int | None:
        return io.FileIO.write(self, view)

    def release(self) -> None:
        """Give the reserve back to the disk."""
        self.reserve_bytes = 0
        if self._reserve_fd is not None:
            os.close(self._reserve_fd)
            self._reserve_fd = None
        elif not self.anonymous:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.reserve_path)

    def publish(self, destination: str | Path) -> None:
        """Give the finished file its name (replacing any older store there)."""
        if self.anonymous:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)  # a stale .tmp of an older writer
            # linkat(AT_SYMLINK_FOLLOW) through /proc: a dir_fd makes os.link use linkat
            folder = os.open(os.path.dirname(os.path.abspath(self.path)), os.O_RDONLY)
            try:
                os.link(f"/proc/self/fd/{self.fileno()}", os.path.basename(self.path),
                        dst_dir_fd=folder, follow_symlinks=True)
            finally:
                os.close(folder)
        self.close()
        os.replace(self.path, destination)

    def discard(self) -> None:
        """Drop the file: nothing of it stays on the disk."""
        self.close()
        if not self.anonymous:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            try:
                written = self._raw_write(view[done:])
            except OSError as err:
                if err.errno != errno.ENOSPC:
                    raise
                if self.full:  # still full after the release: drop (the store is discarded)
                    return len(view)
                self.full = True
                self.release()
                continue
            done += written or 0
        return done


def _anonymous_file(folder: str) -> int | None:
    """An unnamed file in ``folder`` (``O_TMPFILE``), or None where the system has none."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, 0o644)
    except OSError as err:
        if err.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            return None
        raise


def _preallocate_fd(fd: int, nbytes: int, store: str) -> None:
    """``nbytes`` of real disk blocks in ``fd`` (``posix_fallocate``, else written zeros)."""
    try:
        os.posix_fallocate(fd, 0, nbytes)
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise DiskFullError(store, nbytes) from None
        if err.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
        block = b"\0" * (1 << 20)
        for start in range(0, nbytes, len(block)):
            os.write(fd, block[: nbytes - start])


_RESERVED: dict[str, ReservedFile] = {}
"""Open :class:`ReservedFile` by path: :func:`require_free_space` stops a writer whose disk
filled during an earlier write."""


def store_path(handle: h5py.File) -> str:
    """The path a writer's handle writes (h5py names a file-object handle by the object)."""
    return getattr(handle, "videoaug_path", None) or handle.filename


def require_free_space(path: str | Path, nbytes: int, reserve: int = FREE_SPACE_RESERVE) -> None:
    """Raise :class:`DiskFullError` unless the disk of ``path`` has ``nbytes + reserve`` free
    (and no earlier write of the store at ``path`` found the disk full).

    ``nbytes`` is the uncompressed size of what is about to be written: compression only makes
    the real write smaller, so the check never lets HDF5 run into a full disk.
    """
    guard = _RESERVED.get(str(path))
    if guard is not None and guard.full:
        raise DiskFullError(path, nbytes + reserve)
    folder = Path(path).parent
    free = shutil.disk_usage(folder).free
    if guard is not None:  # the store's own reserve file counts as free for its writes
        free += guard.reserve_bytes
    if free < nbytes + reserve:
        raise DiskFullError(path, nbytes + reserve - free)


def is_disk_full(err: BaseException) -> bool:
    """True for an ``OSError`` (or HDF5 error text) that says the device is full."""
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        return True
    return "No space left on device" in str(err) or "errno = 28" in str(err)
