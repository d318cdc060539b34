"""UCF101- and HMDB51-shaped stand-ins: the real datasets' folder layout, file names, split files,
frame size, rate and container, with clips rendered by the embedded generator
(:mod:`videoaug.data.synthetic`).

They let the paper preset's DAG run end to end (``make smoke-paper``) without the 6.5 GB
download: the real readers (:mod:`videoaug.data.ucf101`, :mod:`videoaug.data.hmdb51`) read them
through ``datasets.<name>.root`` like the real folders.

UCF101 (Soomro et al. 2012)::

    root/GolfSwing/v_GolfSwing_g01_c01.avi              320x240, 25 fps, XVID in AVI
    root/ucfTrainTestlist/classInd.txt                  "1 GolfSwing" (alphabetical)
    root/ucfTrainTestlist/trainlist0{k}.txt             "GolfSwing/v_GolfSwing_g08_c01.avi 1"
    root/ucfTrainTestlist/testlist0{k}.txt              "GolfSwing/v_GolfSwing_g01_c01.avi"

UCF101's split ``k`` tests on groups ``7(k-1)+1 .. 7k`` and trains on the other groups of 25;
the stand-in fills groups 1, 8, 15 and 22 (one per test block, one always in training), so every
split has test and training videos of every class.

HMDB51 (Kuehne et al. 2011)::

    root/brush_hair/Standin_00_brush_hair_f_nm_np1_fr_med_0.avi     320x240, 30 fps
    root/testTrainMulti_7030_splits/brush_hair_test_split{k}.txt    "<video>.avi 1|2|0 "

Tag 1 = train, 2 = test, 0 = unused in that split (HMDB51 has all three in every split). The
stand-in rotates the tags over the three splits: about 30 % test, one unused video, the rest
train.

Each clip is one synth10 motion (:data:`videoaug.data.synthetic.SYNTH10_CLASSES`): UCF101 class
names are synth10's own; HMDB51 classes borrow a motion (:data:`HMDB_MOTIONS`). ``golf`` and
``punch`` share their motion with UCF101's ``GolfSwing`` and ``Punch``, the classes AVD's
cross-dataset Table 3 maps between the two datasets. Clip draws depend only on
``(seed, dataset kind, class, index)``; one encoder thread and bit-exact muxing make the files a
function of the frames. ``standin.json`` (parameters + sha256 of every file) is written last, so
an interrupted generation is redone, and an unchanged one is not.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import ffmpeg
import numpy as np

from videoaug.data.synthetic import SYNTH10_CLASSES, SynthParams, render_clip
from videoaug.seeding import numpy_rng

KINDS = ("ucf101", "hmdb51")
MANIFEST_NAME = "standin.json"
SCHEMA = "videoaug.standin/1"
UCF_ANNOTATIONS = "ucfTrainTestlist"
HMDB_SPLITS = "testTrainMulti_7030_splits"
SPLITS = (1, 2, 3)
# UCF101: group g is a test group of split k when 7(k-1) < g <= 7k; groups 22-25 always train.
UCF_GROUPS = (1, 8, 15, 22)
UCF_CLASSES: tuple[str, ...] = (
    "GolfSwing", "JumpingJack", "Punch", "Shotput", "Skiing", "WalkingWithDog", "YoYo")
# HMDB51 class -> the synth10 motion its clips show.
HMDB_MOTIONS: dict[str, str] = {
    "brush_hair": "YoYo", "cartwheel": "JumpingJack", "climb_stairs": "Lunges",
    "flic_flac": "Skiing", "golf": "GolfSwing", "punch": "Punch",
}
# Container settings as the datasets ship: MPEG-4 part 2 (XviD) in AVI, yuv420p.
ENCODER_SETTINGS: dict[str, str | int] = {
    "format": "avi", "vcodec": "libxvid", "vtag": "XVID", "pix_fmt": "yuv420p", "q:v": 4,
    "threads": 1,
}
NATIVE = {"ucf101": {"fps": 25, "seconds": 3.0}, "hmdb51": {"fps": 30, "seconds": 3.0}}


@dataclass(frozen=True)
class StandinParams:
    """What shapes a stand-in folder. ``videos_per_class`` clips of ``seconds`` at ``fps``,
    ``height x width`` pixels (the datasets' native 320x240 by default)."""

    kind: str
    classes: tuple[str, ...] = ()
    videos_per_class: int = 4
    seconds: float | None = None
    fps: int | None = None
    height: int = 240
    width: int = 320
    seed: int = 0
    difficulty: float = 1.0
    motions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"stand-in kind must be one of {KINDS}, got {self.kind!r}")
        default_classes = UCF_CLASSES if self.kind == "ucf101" else tuple(HMDB_MOTIONS)
        object.__setattr__(self, "classes", tuple(self.classes) or default_classes)
        for key in ("fps", "seconds"):
            if getattr(self, key) is None:
                object.__setattr__(self, key, NATIVE[self.kind][key])
        known = dict(HMDB_MOTIONS) if self.kind == "hmdb51" else {}
        known.update({c: c for c in SYNTH10_CLASSES})
        known.update(self.motions)
        unknown = [c for c in self.classes if c not in known]
        if unknown:
            raise ValueError(
                f"stand-in classes {unknown} have no motion; give one of {SYNTH10_CLASSES} "
                "per class in `motions`")
        object.__setattr__(self, "motions", {c: known[c] for c in self.classes})
        minimum = len(UCF_GROUPS) if self.kind == "ucf101" else 3
        if self.videos_per_class < minimum:
            raise ValueError(
                f"a {self.kind} stand-in needs >= {minimum} videos per class so that every "
                f"split has training and test videos, got {self.videos_per_class}")

    @property
    def frames(self) -> int:
        return int(round(self.seconds * self.fps))


def ucf_video_path(class_name: str, index: int) -> str:
    """``Class/v_Class_gGG_cCC.avi`` of the class's ``index``-th clip (groups of UCF_GROUPS)."""
    group = UCF_GROUPS[index % len(UCF_GROUPS)]
    clip = index // len(UCF_GROUPS) + 1
    return f"{class_name}/v_{class_name}_g{group:02d}_c{clip:02d}.avi"


def ucf_is_test(relative: str, split: int) -> bool:
    group = int(relative.rsplit("_g", 1)[1][:2])
    return 7 * (split - 1) < group <= 7 * split


def hmdb_video_name(class_name: str, index: int) -> str:
    return f"Standin_{index:02d}_{class_name}_f_nm_np1_fr_med_{index}.avi"


def hmdb_tag(index: int, count: int, split: int) -> int:
    """HMDB51 tag of clip ``index`` in ``split``: 2 test (about 30 %), 0 one unused, else 1."""
    test = max(1, round(0.3 * count))
    position = (index + (split - 1) * test) % count
    if position < test:
        return 2
    return 0 if position == count - 1 and count - test >= 3 else 1


def video_paths(params: StandinParams) -> list[tuple[str, str, int]]:
    """``(relative path, class, index)`` of every clip, class by class."""
    name = ucf_video_path if params.kind == "ucf101" else (
        lambda c, i: f"{c}/{hmdb_video_name(c, i)}")
    return [(name(c, i), c, i) for c in params.classes for i in range(params.videos_per_class)]


def split_texts(params: StandinParams) -> dict[str, str]:
    """The split files, ``{relative path: text}``, in the datasets' own formats."""
    videos = video_paths(params)
    texts: dict[str, str] = {}
    if params.kind == "ucf101":
        order = sorted(params.classes)
        label = {c: i + 1 for i, c in enumerate(order)}
        texts[f"{UCF_ANNOTATIONS}/classInd.txt"] = "".join(f"{label[c]} {c}\n" for c in order)
        for k in SPLITS:
            ordered = sorted(videos, key=lambda v: (label[v[1]], v[0]))
            train = [f"{p} {label[c]}\n" for p, c, _ in ordered if not ucf_is_test(p, k)]
            test = [f"{p}\n" for p, c, _ in ordered if ucf_is_test(p, k)]
            texts[f"{UCF_ANNOTATIONS}/trainlist{k:02d}.txt"] = "".join(train)
            texts[f"{UCF_ANNOTATIONS}/testlist{k:02d}.txt"] = "".join(test)
        return texts
    for c in params.classes:
        for k in SPLITS:
            lines = [f"{hmdb_video_name(c, i)} {hmdb_tag(i, params.videos_per_class, k)} \n"
                     for i in range(params.videos_per_class)]
            texts[f"{HMDB_SPLITS}/{c}_test_split{k}.txt"] = "".join(lines)
    return texts


def clip_frames(params: StandinParams, class_name: str, index: int) -> np.ndarray:
    """``(T, H, W, 3)`` uint8 RGB frames of one clip (the generator's motion of the class)."""
    synth = SynthParams(frames=params.frames, height=params.height, width=params.width,
                        fps=params.fps, seed=params.seed, difficulty=params.difficulty,
                        class_set="synth10")
    rng = numpy_rng(params.seed, "standin", params.kind, class_name, index)
    frames, _ = render_clip(params.motions[class_name], rng, synth)
    return frames


def encode_avi(frames: np.ndarray, path: Path, fps: int) -> None:
    """MPEG-4 part 2 (XviD) in AVI, as UCF101 and HMDB51 ship; one thread, bit-exact muxing."""
    _, height, width, _ = frames.shape
    process = (
        ffmpeg.input("pipe:", format="rawvideo", pix_fmt="rgb24", s=f"{width}x{height}",
                     framerate=fps)
        .output(str(path), fflags="+bitexact", flags="+bitexact", map_metadata=-1,
                **ENCODER_SETTINGS)
        .overwrite_output()
        .run_async(pipe_stdin=True, quiet=True)
    )
    _, stderr = process.communicate(input=np.ascontiguousarray(frames).tobytes())
    if process.returncode != 0:
        tail = " | ".join(stderr.decode("utf-8", "replace").strip().splitlines()[-3:])
        raise RuntimeError(f"ffmpeg failed to encode {path}: {tail}")


def _identity(params: StandinParams) -> dict:
    return {"schema": SCHEMA, "encoder": dict(ENCODER_SETTINGS), "params": asdict(params)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def is_complete(root: str | Path, params: StandinParams) -> bool:
    """True when ``root/standin.json`` describes ``params`` and every file it lists matches."""
    root = Path(root)
    try:
        manifest = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    identity = json.loads(json.dumps(_identity(params)))
    if {k: manifest.get(k) for k in identity} != identity or not manifest.get("sha256"):
        return False
    return all((root / rel).is_file() and _sha256(root / rel) == digest
               for rel, digest in manifest["sha256"].items())


def generate_standin(root: str | Path, params: StandinParams) -> Path:
    """Write the stand-in for ``params`` under ``root`` (idempotent) and return ``root``.

    Files of another stand-in generation under ``root`` are not removed: point each generation at
    its own folder.
    """
    root = Path(root)
    if is_complete(root, params):
        return root
    root.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST_NAME).unlink(missing_ok=True)
    written = []
    for relative, class_name, index in video_paths(params):
        frames = clip_frames(params, class_name, index)
        _atomic_write(root / relative, lambda p, f=frames: encode_avi(f, p, params.fps))
        written.append(relative)
    for relative, text in split_texts(params).items():
        _atomic_write(root / relative, lambda p, t=text: p.write_text(t, encoding="utf-8"))
        written.append(relative)
    manifest = {**_identity(params), "frames": params.frames,
                "sha256": {rel: _sha256(root / rel) for rel in written}}
    _atomic_write(root / MANIFEST_NAME, lambda p: p.write_text(
        json.dumps(manifest, indent=1) + "\n", encoding="utf-8"))
    return root
