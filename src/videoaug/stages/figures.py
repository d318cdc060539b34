"""Stage ``figure_dynamic``: a PNG grid of frames and their dynamic images, one row per class."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from videoaug.io.store import FrameStore, ImageStore  # noqa: E402
from videoaug.provenance import read_json  # noqa: E402
from videoaug.stages.dynamic_images import SSDI_SCHEMA  # noqa: E402


def frames_dynamic_grid(
    manifest_path: str | Path,
    frames_paths: list[str | Path],
    ssdi_paths: list[str | Path],
    out: str | Path,
    frames_per_video: int = 4,
) -> None:
    """Per class (first training video found): evenly spaced frames, one sparse DI, the full DI."""
    manifest = read_json(manifest_path)
    classes = manifest["classes"]
    train_ids = {v["id"] for v in manifest["videos"] if v["split"] == "train"}
    chosen: dict[int, tuple[np.ndarray, str]] = {}
    for path in frames_paths:
        store = FrameStore(path)
        for i, video_id in enumerate(store.video_ids):
            label = int(store.labels[i])
            if label not in chosen and video_id in train_ids:
                count = int(store.num_frames[i])
                picks = np.round(np.linspace(0, count - 1, frames_per_video)).astype(int)
                chosen[label] = (store.read(i, picks), video_id)
        store.close()
    dis: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    wanted = {vid for _, vid in chosen.values()}
    for path in ssdi_paths:
        store = ImageStore(path, SSDI_SCHEMA)
        ids = store.column("video_ids")
        full_store = ImageStore(path, SSDI_SCHEMA, prefix="full_")
        full_ids = full_store.column("video_ids")
        for vid in wanted:
            sparse_at = np.flatnonzero(ids == vid)
            full_at = np.flatnonzero(full_ids == vid)
            if len(sparse_at) and len(full_at):
                dis[vid] = (store.image(int(sparse_at[0])), full_store.image(int(full_at[0])))
        store.close()
        full_store.close()
    rows = sorted(chosen)
    cols = frames_per_video + 2
    fig, axes = plt.subplots(
        len(rows), cols, figsize=(1.9 * cols, 1.6 * max(len(rows), 1)), squeeze=False
    )
    for r, label in enumerate(rows):
        frames, vid = chosen[label]
        panels = list(frames) + list(dis.get(vid, (np.zeros_like(frames[0]),) * 2))
        titles = [f"frame {k + 1}" for k in range(len(frames))] + ["sparse DI", "full-video DI"]
        for c, (img, title) in enumerate(zip(panels, titles, strict=True)):
            ax = axes[r][c]
            ax.imshow(img)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title, fontsize=8)
            if c == 0:
                ax.set_ylabel(classes[label], fontsize=8)
    fig.suptitle(f"{manifest['dataset']}: frames and dynamic images", fontsize=10)
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
