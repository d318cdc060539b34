"""Temporal data augmentation experiments (Kim et al., ECCV-W 2020, Sec. 4) on the shared trainer.

``train_tda``: one video classifier (SlowFast or a video ResNet) trained on clips of decoded frames
with one augmentation *policy* (:mod:`videoaug.augment.policy`: RandAugment(-T), the CutOut /
CutMix / MixUp family over space, frames and cubes, FadeMixUp) as the trainer's batch transform:

* training item: ``clip_len`` frames every ``stride`` frames from a random start; video scale
  jitter (short side uniform in ``[s_min, s_max]``), a random ``crop x crop`` box, flip (Sec. 4.1);
* batch: ``clips (B, 3, T, H, W)`` in ``[0, 1]`` and one-hot labels ``(B, C)`` -> the policy ->
  soft-label cross-entropy (mixing recipes return the mixed labels);
* test: ``num_test_clips`` evenly spaced clips per video (10 in the paper), short side resized to
  ``test_short_side`` (``None``: ``s_min``), centred crop; the softmax is averaged over the clips.

``policy none`` is the paper's baseline (the clip augmentation above only). ``tda_gallery`` draws
the same clip under every policy of a list and, beside it, under every RandAugment-T op in both
conventions at one magnitude (``results/figures/tda_gallery.png``), so a user sees what the
``released`` convention (Kim et al.'s released code) changes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from videoaug.augment import functional
from videoaug.augment.policy import Policy, parse_policy
from videoaug.provenance import read_json, result_record, save_figure, write_json
from videoaug.seeding import derive_seed, torch_generator
from videoaug.train.datasets import ClipSamples
from videoaug.train.transforms import to_unit_float
from videoaug.train.video_classifier import (  # noqa: F401 (TdaParams: the family's name for it)
    VideoClassifierParams,
    evaluation_views,
    fit_and_test,
    training_clips,
)

log = logging.getLogger("videoaug")
# A TDA run's parameters are the shared recipe's, policy included.
TdaParams = VideoClassifierParams
def run_seed(params: TdaParams, dataset: str, policy: Policy) -> int:
    """The seed of every random stream of one run: base seed, dataset, "tda", policy slug."""
    return derive_seed(params.seed, dataset, "tda", policy.slug)


def train_tda(manifest_path: str | Path, frames_paths: Sequence[str | Path], params: TdaParams,
              out: str | Path, scores_out: str | Path | None = None) -> dict[str, Any]:
    """Train and test one classifier with ``params.policy``; write and return the result JSON
    (and the per-video test softmax to ``scores_out`` when given).

    Result keys: the result contract (``dataset, method, metrics, history, counts, config,
    inputs, versions, seed, wall_seconds``) plus ``policy`` (canonical text), ``model`` and
    ``device``. ``method`` is ``"tda_" + slug``.
    """
    started = time.time()
    manifest = read_json(manifest_path)
    classes = list(manifest["classes"])
    policy = parse_policy(params.policy)
    seed = run_seed(params, manifest["dataset"], policy)
    train = training_clips(frames_paths, manifest, params, seed)
    # "none" has no steps: no transform at all rather than an identity call per batch.
    trainer, history, metrics, test = fit_and_test(
        train, frames_paths, manifest, params, seed, policy if policy.steps else None,
        scores_out=scores_out)
    result = result_record(
        dataset=manifest["dataset"],
        method=f"tda_{policy.slug}",
        metrics=metrics,
        history=history,
        counts={
            "train_real": len(train),
            "train_generated": 0,
            "test_videos": len(test),
            "test_clips_per_video": params.num_test_clips,
            "classes": len(classes),
        },
        config=asdict(params),
        inputs=[manifest_path, *frames_paths],
        seed=params.seed,
        started=started,
        policy=policy.text,
        model={
            "backbone": params.backbone,
            "parameters": int(sum(p.numel() for p in trainer.model.parameters())),
            "init": getattr(trainer.model, "init_report", None),
        },
        device=str(trainer.device),
    )
    write_json(out, result)
    log.info("%s tda %s: top-1 %.4f top-5 %.4f (%.0f s)", manifest["dataset"], policy.text,
             metrics["top1"], metrics["top5"], result["wall_seconds"])
    return result


# ------------------------------------------------------------------------------------ gallery
def gallery_video_ids(manifest: dict) -> list[str]:
    """The first training video of the manifest, then the first training video of each other
    class (mixing partners), in class order."""
    train = [v for v in manifest["videos"] if v["split"] == "train"]
    if not train:
        raise ValueError("the manifest has no training videos")
    first = train[0]
    partners = {}
    for video in train:
        if video["label"] != first["label"]:
            partners.setdefault(int(video["label"]), str(video["id"]))
    return [str(first["id"]), *(partners[label] for label in sorted(partners))]


def gallery_batch(manifest: dict, frames_paths: Sequence[str | Path],
                  params: TdaParams) -> tuple[Tensor, Tensor]:
    """Clips ``(B, 3, T, H, W)`` float in ``[0, 1]`` (the centred test clip and crop of each
    gallery video, the shown one first) and int labels ``(B,)``."""
    ids = gallery_video_ids(manifest)
    samples = ClipSamples(frames_paths, params.clip_len, params.stride, params.test_transform(),
                          train=False, num_test_clips=1, video_ids=ids)
    position = {video_id: i for i, video_id in enumerate(samples.video_ids)}
    items = [samples[position[video_id]] for video_id in ids]
    clips = torch.stack([to_unit_float(views[0]) for views, _, _ in items])
    labels = torch.tensor([label for _, label, _ in items], dtype=torch.long)
    return clips, labels


def visible_example(policy: Policy, clips: Tensor, labels_soft: Tensor, seed: int,
                    attempts: int = 32) -> tuple[Tensor, Tensor]:
    """``policy`` applied to the batch with the first of ``attempts`` derived generators that
    changes clip 0 (a mixing recipe may pair a clip with itself, or skip it with ``p < 1``);
    the last attempt is kept if none does. Returns ``(clips, labels_soft)``."""
    augmented, labels = clips, labels_soft
    for attempt in range(attempts if policy.steps else 0):
        generator = torch_generator(seed, "gallery", policy.text, attempt)
        augmented, labels = policy(clips.clone(), labels_soft.clone(), generator)
        if not torch.equal(augmented[0], clips[0]):
            break
    return augmented, labels


def label_text(soft: Tensor, classes: Sequence[str], shown: int = 2) -> str:
    """``"Skiing 0.62 + YoYo 0.38"``: the largest shares of a soft label ``(C,)``."""
    order = torch.argsort(soft, descending=True)[:shown]
    parts = [f"{classes[int(i)]} {float(soft[i]):.2f}" for i in order if float(soft[i]) > 0.005]
    return " + ".join(parts)


def gallery_rows(policies: Sequence[str], clips: Tensor, labels_soft: Tensor,
                 seed: int) -> list[tuple[str, Tensor, Tensor]]:
    """``(title, clip (3, T, H, W), soft label (C,))`` of clip 0 under each policy (see
    :func:`visible_example`); the plain clip leads (as the ``none`` row when there is one)."""
    parsed = [parse_policy(text) for text in policies]
    rows = [] if any(not p.steps for p in parsed) else [("clip", clips[0], labels_soft[0])]
    for policy in parsed:
        augmented, mixed = visible_example(policy, clips, labels_soft, seed)
        rows.append((policy.text, augmented[0], mixed[0]))
    return rows


def op_rows(clip: Tensor, magnitude: float) -> list[tuple[str, Tensor | None, Tensor | None]]:
    """``(op, randaugment clip, released clip)``, each ``(3, T, H, W)`` or ``None`` where the
    convention lacks the op, for every op of either convention applied to ``clip (3, T, H, W)``
    float at the constant ``magnitude`` (0..30, positive sign), in the released code's order."""
    rows = []
    for name in functional.op_names("released"):
        shown: dict[str, Tensor | None] = {}
        for convention in functional.CONVENTIONS:
            if name not in functional.op_names(convention):
                shown[convention] = None
                continue
            out = functional.apply_op(name, clip.unsqueeze(0), magnitude, convention=convention)
            shown[convention] = out[0]
        rows.append((name, shown["randaugment"], shown["released"]))
    return rows


def _show(ax: Any, frame: Tensor | None) -> None:
    """One ``(3, H, W)`` frame without ticks (an empty box for ``None``)."""
    if frame is not None:
        ax.imshow(frame.permute(1, 2, 0).clamp(0, 1).numpy())
    ax.set_xticks([])
    ax.set_yticks([])


def tda_gallery(manifest_path: str | Path, frames_paths: Sequence[str | Path],
                policies: Sequence[str], params: TdaParams, out: str | Path,
                frames_shown: int = 4, magnitude: float = 9.0) -> None:
    """PNG in two panels. Left: one row per policy (plus the plain clip first when ``none`` is
    not among them), ``frames_shown`` evenly spaced frames of the same training clip each,
    titled with the policy and the resulting soft label. Right: the middle frame of that clip
    under every RandAugment-T op at ``magnitude`` in the ``randaugment`` and ``released``
    conventions side by side (:func:`op_rows`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    manifest = read_json(manifest_path)
    classes = list(manifest["classes"])
    clips, labels = gallery_batch(manifest, frames_paths, params)
    soft = torch.nn.functional.one_hot(labels, len(classes)).to(torch.float32)
    seed = derive_seed(params.seed, manifest["dataset"], "tda_gallery")
    rows = gallery_rows(policies, clips, soft, seed)
    ops = op_rows(clips[0], magnitude)
    frame_ids = np.unique(np.linspace(0, clips.shape[2] - 1, frames_shown).round().astype(int))
    middle = clips.shape[2] // 2
    height = 1.75 * max(len(rows), (len(ops) + 1) / 2)
    fig = plt.figure(figsize=(1.6 * len(frame_ids) + 2 * 1.5 * 2 + 0.6, height))
    left, right = fig.subfigures(1, 2, width_ratios=[1.6 * len(frame_ids), 6.0])
    axes = left.subplots(len(rows), len(frame_ids), squeeze=False)
    for r, (title, clip, target) in enumerate(rows):
        for c, t in enumerate(frame_ids):
            _show(axes[r, c], clip[:, t])
            if r == 0:
                axes[r, c].set_title(f"frame {t}", fontsize=7)
        axes[r, 0].set_ylabel(f"{title}\n{label_text(target, classes)}", fontsize=6)
    left.suptitle(f"{manifest['dataset']}: one training clip under each policy", fontsize=8)
    # Ops in two column pairs (randaugment | released), the plain frame first.
    cells = [("clip", clips[0], clips[0]), *ops]
    per_column = (len(cells) + 1) // 2
    op_axes = right.subplots(per_column, 4, squeeze=False)
    for index in range(per_column * 2):
        pair, r = divmod(index, per_column)
        for k in range(2):
            ax = op_axes[r, 2 * pair + k]
            if index >= len(cells):
                ax.set_axis_off()
                continue
            name, *shown = cells[index]
            frame = shown[k]
            _show(ax, None if frame is None else frame[:, middle])
            if frame is None:
                ax.text(0.5, 0.5, "not in\nthis op set", ha="center", va="center", fontsize=6,
                        transform=ax.transAxes)
            if r == 0:
                ax.set_title(functional.CONVENTIONS[k], fontsize=7)
            if k == 0:
                ax.set_ylabel(name, fontsize=7)
    right.suptitle(f"frame {middle} under each op, M = {magnitude:g} (v = M/30, sign +)",
                   fontsize=8)
    save_figure(fig, out, dpi=110)
