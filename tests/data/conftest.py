"""Tiny fake UCF101 / HMDB51 / folder trees made of real videos (ffmpeg ``testsrc`` clips).

Tests reach the trees' facts through the fixtures' attributes and methods (no
``from conftest import``, which is ambiguous when several test folders have a conftest).

Two real clips (``.avi`` with MPEG-4 part 2, ``.mp4``) are encoded once per session and copied
to every video path, so building a tree costs file copies only.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

UCF_CLASSES = ["YoYo", "ApplyEyeMakeup", "HandstandPushups"]  # classInd order, not sorted
UCF_DISK_SPELLING = {"HandstandPushups": "HandStandPushups"}  # the real dataset's quirk
UCF_GROUPS = range(1, 7)
UCF_CLIPS = range(1, 3)

HMDB_CLASSES = ["brush_hair", "cartwheel", "climb_stairs"]
HMDB_BASE_TAGS = [1, 1, 1, 1, 1, 2, 2, 2, 0, 0]  # 5 train, 3 test, 2 unused per class

FOLDER_COUNTS = {"alpha": 10, "beta": 7, "gamma": 3}


@pytest.fixture(scope="session")
def tiny_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{".avi": path, ".mp4": path}``: real 4-frame 32x24 clips, encoded once per session."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None, "the ffmpeg binary is needed to make test videos"
    folder = tmp_path_factory.mktemp("tiny_videos")
    videos = {}
    for suffix in (".avi", ".mp4"):
        target = folder / f"clip{suffix}"
        subprocess.run(
            [
                ffmpeg,
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=32x24:rate=10",
                "-t",
                "0.4",
                "-c:v",
                "mpeg4",
                "-pix_fmt",
                "yuv420p",
                str(target),
            ],
            check=True,
        )
        videos[suffix] = target
    return videos


def copy_video(videos: dict[str, Path], target: Path) -> Path:
    """Copy the tiny clip with ``target``'s extension to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(videos[target.suffix.lower()], target)
    return target


@dataclass
class FakeUcf:
    root: Path
    annotations: Path
    classes: list[str] = field(default_factory=lambda: list(UCF_CLASSES))
    groups: range = UCF_GROUPS
    clips: range = UCF_CLIPS

    @staticmethod
    def test_groups(split: int) -> set[int]:
        """Groups in the test list of the fake split ``split``: {2k-1, 2k}."""
        return {2 * split - 1, 2 * split}

    def list_name(self, class_name: str, group: int, clip: int) -> str:
        """The path as the official lists spell it."""
        return f"{class_name}/v_{class_name}_g{group:02d}_c{clip:02d}.avi"

    def disk_path(self, class_name: str, group: int, clip: int) -> Path:
        """Where the video actually is (case quirk applied)."""
        spelled = UCF_DISK_SPELLING.get(class_name, class_name)
        return self.root / spelled / f"v_{spelled}_g{group:02d}_c{clip:02d}.avi"


@pytest.fixture
def ucf_tree(tmp_path: Path, tiny_videos: dict[str, Path]) -> FakeUcf:
    """root/Class/v_Class_gXX_cYY.avi (6 groups x 2 clips) + root/ucfTrainTestlist/ (3 splits)."""
    fake = FakeUcf(root=tmp_path / "UCF-101", annotations=tmp_path / "UCF-101" / "ucfTrainTestlist")
    fake.annotations.mkdir(parents=True)
    (fake.annotations / "classInd.txt").write_text(
        "".join(f"{i} {name}\r\n" for i, name in enumerate(fake.classes, start=1))
    )
    for class_name in fake.classes:
        for group in fake.groups:
            for clip in fake.clips:
                copy_video(tiny_videos, fake.disk_path(class_name, group, clip))
    for split in (1, 2, 3):
        train_lines, test_lines = [], []
        for label, class_name in enumerate(fake.classes, start=1):
            for group in fake.groups:
                for clip in fake.clips:
                    name = fake.list_name(class_name, group, clip)
                    if group in fake.test_groups(split):
                        test_lines.append(f"{name}\r\n")
                    else:
                        train_lines.append(f"{name} {label}\r\n")
        (fake.annotations / f"trainlist{split:02d}.txt").write_text("".join(train_lines))
        (fake.annotations / f"testlist{split:02d}.txt").write_text("".join(test_lines))
    return fake


@dataclass
class FakeHmdb:
    root: Path
    splits: Path
    classes: list[str] = field(default_factory=lambda: list(HMDB_CLASSES))

    @staticmethod
    def tags(split: int) -> list[int]:
        """Tags of the fake videos 0..9 in split ``split`` (a rotation per split)."""
        shift = 3 * (split - 1)
        return HMDB_BASE_TAGS[-shift:] + HMDB_BASE_TAGS[:-shift] if shift else list(HMDB_BASE_TAGS)

    @staticmethod
    def video_names(class_name: str) -> list[str]:
        """Ten HMDB-like file names; the first has the brackets and '#' real names contain."""
        return [f"Ben_(1)_{class_name}_#3_f_nm_np1_fr_med_0.avi"] + [
            f"April_09_{class_name}_u_nm_np1_ba_goo_{i}.avi" for i in range(1, 10)
        ]


@pytest.fixture
def hmdb_tree(tmp_path: Path, tiny_videos: dict[str, Path]) -> FakeHmdb:
    """root/class/*.avi (10 per class) + root/testTrainMulti_7030_splits/{class}_test_split{k}."""
    fake = FakeHmdb(root=tmp_path / "hmdb51", splits=tmp_path / "hmdb51/testTrainMulti_7030_splits")
    fake.splits.mkdir(parents=True)
    # Written in reverse order so the reader must sort the class names itself.
    for class_name in reversed(fake.classes):
        names = fake.video_names(class_name)
        for name in names:
            copy_video(tiny_videos, fake.root / class_name / name)
        for split in (1, 2, 3):
            tags = fake.tags(split)
            lines = "".join(f"{name} {tag} \n" for name, tag in zip(names, tags, strict=True))
            (fake.splits / f"{class_name}_test_split{split}.txt").write_text(lines)
    return fake


@dataclass
class FakeFolder:
    root: Path
    counts: dict[str, int] = field(default_factory=lambda: dict(FOLDER_COUNTS))


@pytest.fixture
def folder_tree(tmp_path: Path, tiny_videos: dict[str, Path]) -> FakeFolder:
    """root/{alpha: 10, beta: 7, gamma: 3 videos} mixing .avi/.mp4, plus non-video clutter."""
    fake = FakeFolder(root=tmp_path / "myvideos")
    root = fake.root
    for class_name, count in fake.counts.items():
        for i in range(count):
            suffix = ".mp4" if i % 2 else ".avi"
            copy_video(tiny_videos, root / class_name / f"{class_name}_{i:02d}{suffix}")
    (root / "alpha" / "README.txt").write_text("not a video")
    (root / "notes").mkdir()
    (root / "notes" / "todo.txt").write_text("not a class")
    copy_video(tiny_videos, root / ".hidden" / "x.mp4")
    return fake
