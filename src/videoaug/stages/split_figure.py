"""Stage ``split_figure``: what a diagnostic split is, as a strip of frames (docs/splits.md).

The frames are decoded from the split's own ``.mp4`` files (what the networks see), listed by the
generator's ``synth4.json``:

* a split with test variants (scene bias, temporal change): for the first test clip of each of
  the first ``classes`` classes, one row per variant (aligned, conflicting, static, background
  only, figure only; or unperturbed and changed), ``frames`` evenly spaced frames per row, the
  row named by class, variant and scene style (and the change's amounts);
* a split without (scarcity, motion only): one row per class, the middle frame of each of its
  first ``columns`` training videos, so the reader sees how many there are and which scenes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from videoaug.io.video import read_frames  # noqa: E402
from videoaug.provenance import read_json, save_figure  # noqa: E402


def _label(video: dict[str, Any]) -> str:
    meta = video.get("meta", {})
    text = f"{video['class_name']}\n{video.get('variant') or video['split']}"
    if "scene" in meta:
        text += f" · {meta['scene']}"
    change = meta.get("change")
    if change:
        dx, dy = change["pan_px"]
        text += (f"\npan {np.hypot(dx, dy):.0f} px, zoom {change['zoom'][0]:.2f}→"
                 f"{change['zoom'][1]:.2f}, gain {change['gain'][0]:.2f}→{change['gain'][1]:.2f}")
    return text


def variant_rows(manifest: dict, classes: int) -> list[dict]:
    """The videos of the variant strips: every variant of the first test clip of each class."""
    rows, chosen = [], {}
    for video in manifest["videos"]:
        if video["split"] != "test" or video["label"] >= classes:
            continue
        base = chosen.setdefault(video["label"], video["base"])
        if video["base"] == base:
            rows.append(video)
    return rows


def _draw_variants(root: Path, manifest: dict, classes: int, frames: int):
    rows = variant_rows(manifest, classes)
    fig, axes = plt.subplots(len(rows), frames, figsize=(1.7 * frames + 1.6, 1.3 * len(rows)),
                             squeeze=False)
    for r, video in enumerate(rows):
        clip = read_frames(root / video["path"])
        picks = np.round(np.linspace(0, len(clip) - 1, frames)).astype(int)
        for c, t in enumerate(picks):
            ax = axes[r][c]
            ax.imshow(clip[t])
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"frame {t + 1}/{len(clip)}", fontsize=8)
        axes[r][0].set_ylabel(_label(video), fontsize=6.5, rotation=0, ha="right", va="center")
    return fig


def _draw_training(root: Path, manifest: dict, columns: int):
    classes = manifest["classes"]
    by_class: dict[int, list[dict]] = {i: [] for i in range(len(classes))}
    for video in manifest["videos"]:
        if video["split"] == "train":
            by_class[video["label"]].append(video)
    shown = max(1, min(columns, max(len(v) for v in by_class.values())))
    fig, axes = plt.subplots(len(classes), shown, figsize=(1.5 * shown + 1.4, 1.25 * len(classes)),
                             squeeze=False)
    for label, videos in by_class.items():
        for c in range(shown):
            ax = axes[label][c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(videos):
                ax.axis("off")
                continue
            clip = read_frames(root / videos[c]["path"])
            ax.imshow(clip[len(clip) // 2])
            scene = videos[c].get("meta", {}).get("scene")
            if scene:
                ax.set_title(scene, fontsize=7)
        axes[label][0].set_ylabel(f"{classes[label]}\n{len(videos)} train", fontsize=7,
                                  rotation=0, ha="right", va="center")
    return fig


def split_figure(synth_manifest_path: str | Path, dataset: str, out: str | Path,
                 classes: int = 2, frames: int = 4, columns: int = 10) -> None:
    """Write the strip of a split's clips (see the module doc) to ``out`` (PNG)."""
    path = Path(synth_manifest_path)
    manifest = read_json(path)
    split = manifest.get("split")
    if split and split.get("test_variants"):
        fig = _draw_variants(path.parent, manifest, classes, frames)
        title = f"{dataset}: test variants of one clip per class"
    else:
        fig = _draw_training(path.parent, manifest, columns)
        rule = (split or {}).get("scene", "class")
        title = f"{dataset}: training videos (middle frame), scene rule {rule!r}"
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, out)
