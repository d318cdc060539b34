"""The synth4 folder on disk: the clips of a generation and their seeds (:class:`ClipEntry`,
:func:`clip_rng`), UCF101 split files, the manifest ``synth4.json`` (identity + sha256 per file,
written last), :func:`is_complete`, :func:`generate_synth4` and :func:`synth4_records`."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from videoaug.data.records import DatasetError, VideoRecord
from videoaug.data.synthetic import variants
from videoaug.data.synthetic.encode import (
    ENCODER_SETTINGS,
    _save_mask,
    _write_atomic,
    _write_text,
    encode_h264,
)
from videoaug.data.synthetic.params import SYNTH4_CLASSES, SYNTH10_CLASSES, SynthParams
from videoaug.data.synthetic.render import render_clip
from videoaug.seeding import numpy_rng

SCHEMA = "videoaug.synth4/1"
# Bump when the renderer (scene, figure, render) changes the pixels it draws: cached datasets are
# then regenerated.
RENDERER_VERSION = 1
MANIFEST_NAME = "synth4.json"
CLIPS_PER_GROUP = 4  # UCF101 groups hold 4-7 clips of one actor; we fill groups of 4.
_STEM_PATTERN = re.compile(r"^v_(?P<cls>\w+?)_g\d+_c\d+(_[a-z_]+)?$")
# SynthParams fields written to the manifest's identity only when they differ from these defaults.
# (typical_share only matters, and is only written, for scene "biased").
_OPTIONAL_FIELDS = {"domain": "synth4", "class_set": "synth4", "scene": "class",
                    "change_pan": 0.0, "change_zoom": 0.0, "change_drift": 0.0}


@dataclass(frozen=True)
class ClipEntry:
    """One clip of the dataset: where it lives (relative to the root) and how it is seeded."""

    class_name: str
    label: int
    split: str
    index: int
    group: int
    clip: int
    # a diagnostic split's test variant (:mod:`.variants`); "" for synth4's clips and training
    variant: str = ""

    @property
    def base_stem(self) -> str:
        return f"v_{self.class_name}_g{self.group:02d}_c{self.clip:02d}"

    @property
    def stem(self) -> str:
        return f"{self.base_stem}_{self.variant}" if self.variant else self.base_stem

    @property
    def base_id(self) -> str:
        """The id shared by every variant of one test clip (the pairing key of the splits)."""
        return f"{self.class_name}/{self.base_stem}"

    def to_json(self) -> dict:
        """The manifest's fields of the entry (``variant`` only when set, so synth4's manifest
        keeps its bytes)."""
        fields = asdict(self)
        if not self.variant:
            del fields["variant"]
        return fields

    @property
    def video_path(self) -> str:
        return f"{self.class_name}/{self.stem}.mp4"

    @property
    def mask_path(self) -> str:
        return f"{self.class_name}/{self.stem}_mask.npy"


def dataset_entries(params: SynthParams) -> list[ClipEntry]:
    """All clips per class, test clips (first groups, as in UCF101), then train. A diagnostic
    split's test clip comes once per test variant (adjacent entries, ``_variant`` stems)."""
    test_groups = math.ceil(params.test_per_class / CLIPS_PER_GROUP)
    test_variants = variants.test_variants(params) or ("",)
    entries = []
    for label, class_name in enumerate(params.classes):
        for split, count, first_group in (
            ("test", params.test_per_class, 1),
            ("train", params.train_per_class, test_groups + 1),
        ):
            for index in range(count):
                for variant in test_variants if split == "test" else ("",):
                    entries.append(ClipEntry(
                        class_name=class_name, label=label, split=split, index=index,
                        group=first_group + index // CLIPS_PER_GROUP,
                        clip=index % CLIPS_PER_GROUP + 1, variant=variant,
                    ))
    return entries


def clip_rng(params: SynthParams, entry: ClipEntry) -> np.random.Generator:
    """The generator of one clip: ``derive_seed(seed, "synth4", class_name, index, split)``
    (other domains add their name, so their clips are new draws)."""
    extra = () if params.domain == "synth4" else (params.domain,)
    return numpy_rng(params.seed, "synth4", entry.class_name, entry.index, entry.split, *extra)


def _manifest_identity(params: SynthParams) -> dict:
    """What must match for an existing folder to be reused."""
    return {
        "schema": SCHEMA,
        "renderer_version": RENDERER_VERSION,
        "encoder": dict(ENCODER_SETTINGS),
        # fields at their defaults are left out (domain, class set, the diagnostic splits'
        # options), so folders made before a field existed stay valid, byte for byte
        "params": {k: v for k, v in asdict(params).items()
                   if not (k in _OPTIONAL_FIELDS and v == _OPTIONAL_FIELDS[k]
                           or k == "typical_share" and params.scene != "biased")},
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def split_file_texts(entries: list[ClipEntry],
                     classes: tuple[str, ...] = SYNTH4_CLASSES) -> dict[str, str]:
    """UCF101 split files: ``classInd.txt``, ``trainlist01.txt`` (path + 1-based label) and
    ``testlist01.txt`` (path only)."""
    class_ind = "".join(f"{i + 1} {name}\n" for i, name in enumerate(classes))
    train = "".join(f"{e.video_path} {e.label + 1}\n" for e in entries if e.split == "train")
    test = "".join(f"{e.video_path}\n" for e in entries if e.split == "test")
    return {"classInd.txt": class_ind, "trainlist01.txt": train, "testlist01.txt": test}


def _read_manifest(root: Path) -> dict | None:
    try:
        return json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(root: str | Path, params: SynthParams) -> bool:
    """True if ``root`` holds a finished synth4 generation for exactly ``params``.

    Checks the manifest's identity (params, renderer version, encoder settings) and the sha256 of
    every file it lists (a few MB at CPU scale, so hashing is cheap).
    """
    root = Path(root)
    manifest = _read_manifest(root)
    if manifest is None:
        return False
    if {key: manifest.get(key) for key in _manifest_identity(params)} != _manifest_identity(params):
        return False
    for relative, digest in manifest.get("sha256", {}).items():
        path = root / relative
        if not path.is_file() or _sha256(path) != digest:
            return False
    return bool(manifest.get("sha256"))


def _stale_files(root: Path, keep: set[str]) -> Iterator[Path]:
    """Files in class folders that an earlier generation left: our clip names or tmp files."""
    for class_name in SYNTH10_CLASSES:
        folder = root / class_name
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            relative = f"{class_name}/{path.name}"
            stem = path.name.removesuffix(".mp4").removesuffix(".npy")
            ours = _STEM_PATTERN.match(stem) or path.name.endswith(".tmp")
            if ours and relative not in keep:
                yield path


def _rendered(params: SynthParams, entries) -> Iterator[tuple[ClipEntry, np.ndarray,
                                                                np.ndarray, dict | None]]:
    """``(entry, frames, mask, meta)`` of every entry, in order. synth4's clips come from
    :func:`render_clip` (``meta`` None); a split's variants of one clip are rendered together
    (:func:`.variants.render_split_clip`), which needs them adjacent, as :func:`dataset_entries`
    lists them."""
    key, clips = None, {}
    for entry in entries:
        if not params.is_split:
            frames, mask = render_clip(entry.class_name, clip_rng(params, entry), params)
            yield entry, frames, mask, None
            continue
        if (entry.class_name, entry.index, entry.split) != key:
            key = (entry.class_name, entry.index, entry.split)
            clips = variants.render_split_clip(params, entry.class_name, entry.index,
                                               entry.split, clip_rng(params, entry))
        yield entry, *clips[entry.variant]


def split_description(params: SynthParams) -> dict:
    """The manifest's ``split`` section: the rule, its settings and the test variants."""
    description: dict = {"scene": params.scene,
                         "test_variants": list(variants.test_variants(params))}
    if params.scene == "biased":
        description.update(
            typical_share=params.typical_share, static_frame=variants.static_frame(params),
            conflicting_kinds={c: list(variants.conflicting_kinds(params, c))
                               for c in params.classes})
    description["typical_kinds"] = {c: variants.typical_kind(c) for c in params.classes}
    if params.temporal_change:
        description["change"] = {"pan": params.change_pan, "zoom": params.change_zoom,
                                 "drift": params.change_drift,
                                 "extra_margin_px": variants.pan_margin(params)}
    return description


def generate_synth4(root: str | Path, params: SynthParams, progress: bool = True) -> Path:
    """Write the synth4 dataset for ``params`` under ``root`` and return ``root``.

    Idempotent: if ``root/synth4.json`` already describes a complete generation with the same
    params, nothing is written. Otherwise the manifest is removed first, each file is written to a
    hidden tmp name and renamed, files of earlier generations are deleted, and ``synth4.json``
    (params + sha256 per file) is written last, atomically.
    """
    root = Path(root)
    if is_complete(root, params):
        return root
    root.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST_NAME).unlink(missing_ok=True)

    entries = dataset_entries(params)
    for class_name in params.classes:
        (root / class_name).mkdir(exist_ok=True)

    def write_clip(entry: ClipEntry, frames: np.ndarray, mask: np.ndarray) -> None:
        _write_atomic(root / entry.video_path, lambda path: encode_h264(frames, path, params.fps))
        _write_atomic(root / entry.mask_path, lambda path: _save_mask(mask, path))

    # Encoding (ffmpeg, its own process) overlaps with rendering the next clip; one clip in flight.
    metas: dict[str, dict] = {}
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future | None = None
        clips = tqdm(entries, desc="synth4", unit="clip", disable=not progress)
        for entry, frames, mask, meta in _rendered(params, clips):
            metas[entry.video_path] = meta
            if pending is not None:
                pending.result()
            pending = writer.submit(write_clip, entry, frames, mask)
        if pending is not None:
            pending.result()
    texts = split_file_texts(entries, params.classes)
    for name, text in texts.items():
        _write_atomic(root / name, _write_text(text))

    written = [e.video_path for e in entries] + [e.mask_path for e in entries] + list(texts)
    for path in _stale_files(root, set(written)):
        path.unlink()
    manifest = {
        **_manifest_identity(params),
        "classes": list(params.classes),
        "videos": [
            {**e.to_json(), "id": f"{e.class_name}/{e.stem}", "path": e.video_path,
             "mask_path": e.mask_path,
             **({"base": e.base_id, "meta": metas[e.video_path]}
                if params.is_split else {})}
            for e in entries
        ],
        **({"split": split_description(params)} if params.is_split else {}),
        "sha256": {relative: _sha256(root / relative) for relative in written},
    }
    _write_atomic(root / MANIFEST_NAME, _write_text(json.dumps(manifest, indent=1) + "\n"))
    return root


def synth4_records(root: str | Path) -> list[VideoRecord]:
    """The clips of a finished synth4 folder as :class:`VideoRecord` s (``extra["mask_path"]``).

    Raises :class:`DatasetError` when the manifest is missing (generation never ran or was killed).
    """
    root = Path(root).resolve()
    manifest = _read_manifest(root)
    if manifest is None:
        raise DatasetError(
            f"{root / MANIFEST_NAME} is missing or unreadable: the synth4 generation did not "
            "finish. Fix: run generate_synth4 (the data rule) again."
        )
    return [
        VideoRecord(
            id=video["id"],
            path=str(root / video["path"]),
            label=int(video["label"]),
            class_name=video["class_name"],
            split=video["split"],
            extra={"mask_path": str(root / video["mask_path"])},
        )
        for video in manifest["videos"]
    ]
