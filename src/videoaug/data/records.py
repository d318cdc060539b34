"""The one record type every dataset reader returns, and the errors they raise."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

VIDEO_EXTENSIONS = (".avi", ".mp4", ".mkv", ".webm")


class DatasetError(RuntimeError):
    """A dataset root or split file is missing or inconsistent; the message says how to fix it."""


@dataclass(frozen=True)
class VideoRecord:
    """One video of a dataset.

    ``id`` is unique within the dataset and stable across runs (``ClassName/file_stem``);
    ``path`` is absolute; ``split`` is ``"train"`` or ``"test"``; ``label`` indexes ``classes``.
    ``extra`` carries reader-specific fields (e.g. ``mask_path`` for synth4).
    """

    id: str
    path: str
    label: int
    class_name: str
    split: str
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> VideoRecord:
        return cls(**data)
