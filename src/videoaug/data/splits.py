"""Parsing of split and class-index files, and safe resolution of the paths they list.

Formats (as shipped with the datasets):

- UCF101 ``classInd.txt``: ``"1 ApplyEyeMakeup"`` per line, 1-based indices.
- UCF101 ``trainlist0k.txt``: ``"ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi 1"`` (label optional,
  1-based); ``testlist0k.txt``: ``"ApplyEyeMakeup/v_ApplyEyeMakeup_g01_c01.avi"``.
- HMDB51 ``{class}_test_split{k}.txt``: ``"video_name.avi 1"`` with 1 = train, 2 = test, 0 = unused.

Every error names the file and the 1-based line number, so a user can fix the file directly.
Paths read from split files are untrusted: :func:`resolve_under_root` keeps them under the root.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from videoaug.data.records import DatasetError, VideoRecord

HMDB_TRAIN, HMDB_TEST, HMDB_UNUSED = 1, 2, 0


@dataclass(frozen=True)
class ListEntry:
    """One line of a UCF-style list file: a root-relative path and an optional 0-based label."""

    relative: str
    label: int | None
    source: Path
    line: int


@dataclass(frozen=True)
class HmdbEntry:
    """One line of an HMDB51 split file: a file name inside the class folder and its tag."""

    video_name: str
    tag: int
    source: Path
    line: int


def where(source: Path | str | None, line: int | None) -> str:
    """``"file:line"`` (or just the file) for error messages."""
    if source is None:
        return "<unknown file>"
    return f"{source}:{line}" if line is not None else str(source)


def read_lines(path: Path) -> list[tuple[int, str]]:
    """Non-blank lines of a text file as ``(1-based line number, stripped text)``.

    The official files use CRLF line ends and trailing blanks; both are stripped here.
    """
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError as err:
        raise DatasetError(f"split file not found: {path}") from err
    except UnicodeDecodeError as err:
        raise DatasetError(f"{path}: not UTF-8 text ({err})") from err
    numbered = ((number, raw.strip()) for number, raw in enumerate(text.splitlines(), start=1))
    return [(number, stripped) for number, stripped in numbered if stripped]


def parse_class_index(path: Path) -> list[str]:
    """Class names in the order of a ``classInd.txt``'s 1-based indices (index i -> label i-1).

    The indices must be exactly ``1..N``, each once; names must be unique (case-insensitively,
    since paths are matched case-insensitively for the UCF101 ``HandstandPushups`` quirk).
    """
    by_index: dict[int, str] = {}
    seen_names: dict[str, int] = {}
    for line, text in read_lines(path):
        tokens = text.split()
        if len(tokens) != 2 or not tokens[0].isdigit():
            raise DatasetError(f"{where(path, line)}: expected '<index> <ClassName>', got {text!r}")
        index, name = int(tokens[0]), tokens[1]
        if "/" in name or "\\" in name or name in (".", ".."):
            raise DatasetError(f"{where(path, line)}: class name {name!r} is not a folder name")
        if index in by_index:
            raise DatasetError(f"{where(path, line)}: index {index} appears twice")
        if name.lower() in seen_names:
            raise DatasetError(
                f"{where(path, line)}: class {name!r} already listed on line "
                f"{seen_names[name.lower()]}"
            )
        by_index[index] = name
        seen_names[name.lower()] = line
    if not by_index:
        raise DatasetError(f"{path}: no classes listed")
    expected = set(range(1, len(by_index) + 1))
    if set(by_index) != expected:
        gaps = sorted(expected - set(by_index))[:5]
        raise DatasetError(
            f"{path}: class indices must be 1..{len(by_index)} without gaps; missing {gaps}"
        )
    return [by_index[i] for i in range(1, len(by_index) + 1)]


def parse_ucf_list(path: Path, num_classes: int) -> list[ListEntry]:
    """Entries of a UCF-style ``trainlist``/``testlist`` file.

    A line is ``"Class/file.avi"`` or ``"Class/file.avi <label>"`` with a 1-based label in
    ``1..num_classes``; the returned label is 0-based (or ``None`` when absent).
    """
    entries: list[ListEntry] = []
    for line, text in read_lines(path):
        tokens = text.split()
        if len(tokens) > 2:
            raise DatasetError(
                f"{where(path, line)}: expected 'Class/video.avi [label]', got {text!r}"
            )
        label: int | None = None
        if len(tokens) == 2:
            if not tokens[1].isdigit() or not 1 <= int(tokens[1]) <= num_classes:
                raise DatasetError(
                    f"{where(path, line)}: label {tokens[1]!r} is not in 1..{num_classes}"
                )
            label = int(tokens[1]) - 1
        entries.append(ListEntry(relative=tokens[0], label=label, source=Path(path), line=line))
    return entries


def parse_hmdb_split(path: Path) -> list[HmdbEntry]:
    """Entries of an HMDB51 ``{class}_test_split{k}.txt`` file (tags 0, 1, 2; see module doc)."""
    entries: list[HmdbEntry] = []
    valid_tags = {str(t) for t in (HMDB_UNUSED, HMDB_TRAIN, HMDB_TEST)}
    for line, text in read_lines(path):
        tokens = text.split()
        if len(tokens) != 2 or tokens[1] not in valid_tags:
            raise DatasetError(f"{where(path, line)}: expected '<video>.avi 0|1|2', got {text!r}")
        entries.append(
            HmdbEntry(video_name=tokens[0], tag=int(tokens[1]), source=Path(path), line=line)
        )
    return entries


def _is_within(path: str, root: str) -> bool:
    return os.path.commonpath([path, root]) == root


def resolve_under_root(
    root: Path | str,
    relative: str,
    *,
    source: Path | str | None = None,
    line: int | None = None,
) -> Path:
    """``root / relative`` as an absolute path, refusing anything that leaves ``root``.

    Rejected (``DatasetError`` naming ``source:line``): empty or absolute paths, ``..``
    components, and paths whose symlinks resolve outside the root. The file need not exist.
    Split files are data from the internet; without this check a crafted list could make the
    pipeline read (and cache) arbitrary files.
    """
    location = where(source, line)
    if not relative or relative.startswith(("/", "\\")) or PurePosixPath(relative).is_absolute():
        raise DatasetError(f"{location}: path {relative!r} must be relative to the dataset root")
    parts = PurePosixPath(relative).parts
    if ".." in parts:
        raise DatasetError(f"{location}: path {relative!r} escapes the dataset root")
    root_abs = Path(os.path.abspath(root))
    candidate = root_abs.joinpath(*parts)
    real_root = os.path.realpath(root_abs)
    if not _is_within(os.path.realpath(candidate), real_root):
        raise DatasetError(
            f"{location}: path {relative!r} resolves outside the dataset root {root_abs} "
            "(through a symbolic link)"
        )
    return candidate


class CaseInsensitiveLocator:
    """Finds files under a root, falling back to case-insensitive matching per path component.

    UCF101 spells one class ``HandstandPushups`` in ``classInd.txt`` and the lists but
    ``HandStandPushups`` in file names (and some extractions in the folder name too).
    Directory listings are cached, so a missing component costs one ``listdir`` per folder.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(os.path.abspath(root))
        self._listings: dict[Path, dict[str, list[str]]] = {}

    def _listing(self, folder: Path) -> dict[str, list[str]]:
        if folder not in self._listings:
            try:
                names = sorted(os.listdir(folder))
            except OSError:
                names = []
            lowered: dict[str, list[str]] = {}
            for name in names:
                lowered.setdefault(name.lower(), []).append(name)
            self._listings[folder] = lowered
        return self._listings[folder]

    def locate(self, relative: str, *, source: Path | str | None, line: int | None) -> Path | None:
        """The existing file for ``relative`` (exact, else unique case-insensitive match), or None.

        Both the requested and the matched path pass :func:`resolve_under_root`.
        """
        exact = resolve_under_root(self.root, relative, source=source, line=line)
        if exact.is_file():
            return exact
        current = self.root
        matched: list[str] = []
        for part in PurePosixPath(relative).parts:
            if (current / part).exists():
                name = part
            else:
                candidates = self._listing(current).get(part.lower(), [])
                if len(candidates) != 1:
                    return None
                name = candidates[0]
            matched.append(name)
            current = current / name
        found = resolve_under_root(self.root, "/".join(matched), source=source, line=line)
        return found if found.is_file() else None


def how_to_fix(download: str, root_key: str, annotations_key: str | None = None) -> str:
    """The remedy appended to missing-dataset errors: what to download and which keys to set."""
    where_splits = (
        f" (and `{annotations_key}` if the split files are extracted elsewhere)"
        if annotations_key
        else ""
    )
    return f"Download {download}, extract them, and set `{root_key}`{where_splits} in config.yaml."


def check_split_and_root(
    dataset: str,
    root: Path,
    split: int,
    valid_splits: Sequence[int],
    config_name: str,
    remedy: str,
) -> None:
    """Raise :class:`DatasetError` for a split the dataset does not have or a missing root.

    ``dataset`` is the printed name (``"UCF101"``), ``config_name`` the config entry.
    """
    if split not in valid_splits:
        raise DatasetError(
            f"datasets.{config_name}.split = {split!r}: {dataset} has splits {tuple(valid_splits)}"
        )
    if not root.is_dir():
        raise DatasetError(
            f"{dataset} root {root} (dataset {config_name!r}) does not exist. {remedy}"
        )


def sort_records(records: list[VideoRecord]) -> list[VideoRecord]:
    """Records in the canonical order ``(split, label, id)`` used by every reader."""
    return sorted(records, key=lambda record: (record.split, record.label, record.id))


def format_missing(missing: list[str], total: int, root: Path, *, shown: int = 5) -> str:
    """``"N of M listed videos are missing under root (first: a, b, ...)"``."""
    first = ", ".join(missing[:shown])
    more = ", ..." if len(missing) > shown else ""
    return (
        f"{len(missing)} of {total} videos listed in the split files are missing under {root} "
        f"(first: {first}{more})"
    )
