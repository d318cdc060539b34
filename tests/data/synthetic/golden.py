"""Golden hashes of tiny synth4, synth4shift and synth10 generations, so that a change of the
generator (new options, new draws) is seen to leave the existing datasets byte for byte the same.

What is hashed depends on NumPy and OpenCV only, not on the ffmpeg build: the rendered frames and
masks of every clip (``draw_clip`` output, before encoding), the mask files, the split files and
``synth4.json`` without the sha256 of the encoded ``.mp4`` files (x264's bytes may differ between
ffmpeg builds). ``golden_hashes.json`` was written by ``python tests/data/synthetic/golden.py``
on the generator as it was before the diagnostic splits were added (commit 6be8036).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from videoaug.data.synthetic import (
    SynthParams,
    clip_rng,
    dataset_entries,
    generate_synth4,
    render_clip,
)

GOLDEN = Path(__file__).with_name("golden_hashes.json")
# Tiny but complete: every class of each set, train and test clips, two groups of test clips
# (rendered only); the folders (encoded, so slower) with one train and one test clip per class.
TINY = {"frames": 6, "height": 32, "width": 48, "fps": 10, "train_per_class": 2,
        "test_per_class": 5}
TINY_FOLDER = {**TINY, "train_per_class": 1, "test_per_class": 1}
VARIANTS = {
    "synth4": {},
    "synth4shift": {"domain": "shift"},
    "synth10": {"class_set": "synth10"},
    "synth4_d0": {"difficulty": 0.0},
}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rendered_hashes(params: SynthParams) -> dict[str, str]:
    """sha256 of each clip's rendered frames and mask, by video path."""
    out = {}
    for entry in dataset_entries(params):
        frames, mask = render_clip(entry.class_name, clip_rng(params, entry), params)
        out[entry.video_path] = _sha(frames.tobytes())
        out[entry.mask_path] = _sha(mask.tobytes())
    return out


def folder_hashes(root: Path) -> dict[str, str]:
    """sha256 of every file of a generated folder except the encoded videos; ``synth4.json``
    is hashed with the videos' digests removed from its ``sha256`` map."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = str(path.relative_to(root))
        if path.suffix == ".mp4":
            continue
        if path.name == "synth4.json":
            manifest = json.loads(path.read_text())
            manifest["sha256"] = {k: v for k, v in manifest["sha256"].items()
                                  if not k.endswith(".mp4")}
            out[relative] = _sha(json.dumps(manifest, sort_keys=True).encode())
        else:
            out[relative] = _sha(path.read_bytes())
    return out


def golden_params(name: str, folder: bool = False) -> SynthParams:
    return SynthParams(**(TINY_FOLDER if folder else TINY), **VARIANTS[name])


def compute(tmp: Path) -> dict[str, dict[str, str]]:
    result = {}
    for name in VARIANTS:
        root = generate_synth4(tmp / name, golden_params(name, folder=True), progress=False)
        result[name] = {"rendered": rendered_hashes(golden_params(name)),
                        "files": folder_hashes(root)}
    return result


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        hashes = compute(Path(tmp))
    GOLDEN.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}: {sum(len(v['rendered']) for v in hashes.values())} clips+masks",
          file=sys.stderr)
