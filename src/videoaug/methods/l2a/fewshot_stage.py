"""Learn2Augment, few-shot setting (Gowda et al. 2022, §5.4, Table 4), C3D-PN style.

One run = one method (``pn``: real clips only; ``pn_l2a``: plus L2A composites), one shot count
``n`` and one seed:

1. **Training set** (:func:`videoaug.methods.l2a.fewshot.fewshot_labelled`): every training video
   of the seen classes and ``n`` seeded examples of each novel class (``l2a.fewshot.novel_classes``,
   default the dataset's last five classes).
2. **Backbone**: the l2a classifier recipe (TDA clip sampling, policy ``none``, ``l2a.classifier``
   overrides, then ``l2a.fewshot.classifier`` overrides) on the shared trainer, a head over all
   classes. ``pn_l2a`` adds :class:`ForegroundComposites`: each labelled novel example pasted on
   ``composites_per_example`` other training videos' inpainted backgrounds
   (:func:`videoaug.methods.l2a.compose.composite_pair`) with the **foreground's one-hot label** (no
   label mixing, §5.4); seen classes are not augmented. No Selector is trained here (documented
   gap: the pairs are drawn at random, seeded).
3. **Evaluation**: backbone features (the pooled input of the linear head, averaged over
   ``num_test_clips`` centred clips) of the support and query videos; ``episodes`` seeded
   ``ways``-way ``n``-shot episodes over the novel classes, support from the labelled examples,
   ``queries`` per class from the novel classes' test videos; prototype classifier (class mean of
   the support features, nearest by ``metric``). ``metrics.top1`` is the mean episode accuracy,
   ``metrics.ci95`` the half-width of its 95 % interval.

Both methods of one ``(n, seed)`` draw the labelled examples, the initialisation, the data order and
the episodes from the same seed stream, so they differ only by the composites.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from videoaug.methods.l2a import fewshot
from videoaug.methods.l2a.compose import Variant
from videoaug.methods.l2a.train_stage import CompositeClips, OneHotClips
from videoaug.provenance import read_json, result_record, write_json
from videoaug.seeding import derive_seed
from videoaug.train.datasets import ClipSamples, ConcatSamples
from videoaug.train.evaluate import collate_views
from videoaug.train.trainer import TrainConfig, Trainer, evaluation_mode, make_loader
from videoaug.train.transforms import InputSpec
from videoaug.train.video_classifier import CLIP_INPUTS, VideoClassifierParams, build_classifier

log = logging.getLogger("videoaug")
METHODS = ("pn", "pn_l2a")


def episodes_digest(episodes: Sequence[fewshot.Episode]) -> str:
    """What identifies the episodes (their support and query videos, in order): two runs with the
    same digest were scored on the same episodes and can be paired episode by episode."""
    text = json.dumps([[list(e.support), list(e.query)] for e in episodes])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ForegroundComposites(CompositeClips):
    """:class:`CompositeClips` whose target is the foreground's one-hot label (no mixing, §5.4)."""

    def __getitem__(self, index: int):
        clip, _, position = super().__getitem__(index)
        onehot = torch.zeros(self.num_classes, dtype=torch.float32)
        onehot[int(self.labels[index])] = 1.0
        return clip, onehot, position


def train_ids_by_class(manifest: dict) -> dict[int, list[str]]:
    """``label -> training video ids`` of a manifest (every class present, maybe empty)."""
    out: dict[int, list[str]] = {i: [] for i in range(len(manifest["classes"]))}
    for video in manifest["videos"]:
        if video["split"] == "train":
            out[int(video["label"])].append(str(video["id"]))
    return out


def test_ids_by_class(manifest: dict, labels: Iterable[int]) -> dict[int, list[str]]:
    wanted = set(labels)
    out: dict[int, list[str]] = {label: [] for label in sorted(wanted)}
    for video in manifest["videos"]:
        if video["split"] == "test" and int(video["label"]) in wanted:
            out[int(video["label"])].append(str(video["id"]))
    return out


def view_features(model: nn.Module, views: Dataset, batch_size: int, device: torch.device,
                  inputs: InputSpec = CLIP_INPUTS) -> dict[str, np.ndarray]:
    """``video id -> (D,)`` float64: the backbone's pooled features averaged over the views.

    ``model.backbone`` is the trunk before dropout and the linear head (video ResNets, SlowFast).
    """
    if not hasattr(model, "backbone"):
        raise ValueError(f"{type(model).__name__} has no .backbone: few-shot features need the "
                         "trunk before the linear head (video ResNet or SlowFast backbones)")
    loader = make_loader(views, batch_size, shuffle=False, num_workers=0, generator=None,
                         device=device, collate_fn=collate_views)
    out: dict[str, np.ndarray] = {}
    with evaluation_mode(model):
        for clips, owner, labels, video_ids in loader:
            feats = model.backbone(inputs.prepare(clips, device)).double().cpu()
            sums = torch.zeros(len(labels), feats.shape[1], dtype=torch.float64)
            sums.index_add_(0, owner, feats)
            counts = torch.bincount(owner, minlength=len(labels)).to(torch.float64)
            for video_id, row in zip(video_ids, (sums / counts[:, None]).numpy(), strict=True):
                out[video_id] = row
    return out


def training_set(method: str, frames: Sequence[str | Path], masks: Sequence[str | Path],
                 backgrounds: Sequence[str | Path], labelled: dict[int, list[str]],
                 novel: Sequence[int], num_classes: int, cparams: VideoClassifierParams,
                 params: dict[str, Any], seed: int,
                 matches: dict[int, int] | None = None) -> tuple[Dataset, list[tuple[str, str]]]:
    """The few-shot training samples: one-hot real clips of ``labelled`` (+ the novel classes'
    foreground-labelled composites for ``pn_l2a``) and the composited pairs."""
    ids = [v for label in sorted(labelled) for v in labelled[label]]
    real = OneHotClips(ClipSamples(frames, cparams.clip_len, cparams.stride,
                                   cparams.train_transform(), train=True, video_ids=ids,
                                   seed=seed), num_classes)
    if method == "pn":
        return real, []
    pairs = fewshot.foreground_pairs(labelled, novel, int(params["composites_per_example"]),
                                     derive_seed(seed, "pairs"), matches,
                                     params.get("backgrounds", "other"))
    composites = ForegroundComposites(
        pairs, frames, masks, backgrounds, num_classes, cparams.clip_len, cparams.stride,
        cparams.train_transform(), Variant(params.get("mask", "union"), "inpainted"),
        seed=derive_seed(seed, "composites"))
    return ConcatSamples([real, composites]), pairs


def train_fewshot(manifest_path: str | Path, frames: Sequence[str | Path],
                  masks: Sequence[str | Path], backgrounds: Sequence[str | Path],
                  matches_path: str | Path | None, params: dict[str, Any],
                  out: str | Path) -> dict[str, Any]:
    """Train one few-shot backbone, evaluate it in episodes; write and return the result JSON.

    ``params``: ``method`` (``pn`` / ``pn_l2a``), ``shots``, ``classifier``
    (:class:`VideoClassifierParams`
    fields), ``novel_classes`` (names or ``None``), ``ways``, ``queries``, ``episodes``,
    ``metric``, ``composites_per_example``, ``backgrounds`` (``other`` / ``matched``), ``mask``.
    """
    started = time.time()
    method = params["method"]
    if method not in METHODS:
        raise ValueError(f"unknown few-shot method {method!r}; choose one of {METHODS}")
    if method == "pn_l2a" and (not masks or not backgrounds):
        raise ValueError("pn_l2a needs the masks and backgrounds stores (part 1's rules)")
    shots = int(params["shots"])
    cparams = VideoClassifierParams.from_dict(params["classifier"])
    manifest = read_json(manifest_path)
    classes = list(manifest["classes"])
    novel = fewshot.novel_labels(classes, params.get("novel_classes"), int(params["ways"]))
    seed = derive_seed(cparams.seed, manifest["dataset"], "l2a-fewshot", shots)
    labelled = fewshot.fewshot_labelled(train_ids_by_class(manifest), novel, shots,
                                        derive_seed(cparams.seed, "labelled"))
    matches = None
    if params.get("backgrounds", "other") == "matched" and method == "pn_l2a":
        if matches_path is None:
            raise ValueError("l2a.fewshot.backgrounds = matched needs matches.json")
        by_name = read_json(matches_path)["matches"]
        matches = {classes.index(a): classes.index(b) for a, b in by_name.items()}
    train, pairs = training_set(method, frames, masks, backgrounds, labelled, novel,
                                len(classes), cparams, params, seed, matches)
    model = build_classifier(cparams, len(classes), seed)
    config = TrainConfig.from_dict({**cparams.train, "seed": seed})
    trainer = Trainer(model, config, len(classes), inputs=CLIP_INPUTS)
    history = trainer.fit(train)

    support_pool = {label: labelled[label] for label in novel}
    query_pool = test_ids_by_class(manifest, novel)
    episodes = fewshot.sample_episodes(support_pool, query_pool, int(params["ways"]), shots,
                                       int(params["queries"]), int(params["episodes"]),
                                       derive_seed(seed, "episodes"))
    needed = sorted({v for e in episodes for v in (*e.support, *e.query)})
    views = ClipSamples(frames, cparams.clip_len, cparams.stride, cparams.test_transform(),
                        train=False, num_test_clips=cparams.num_test_clips, video_ids=needed,
                        seed=derive_seed(seed, "test"))
    features = view_features(trainer.model, views, cparams.eval_batch_size, trainer.device)
    accuracies = [fewshot.episode_accuracy(e, features, params["metric"]) for e in episodes]
    mean, half = fewshot.mean_ci95(accuracies)
    metrics = {"top1": mean, "ci95": half, "episodes": len(episodes),
               "episode_std": float(np.std(accuracies, ddof=1)) if len(accuracies) > 1 else 0.0,
               "ways": int(params["ways"]), "shots": shots, "queries": int(params["queries"]),
               "metric": params["metric"],
               # per episode, for the paired comparison of two methods on the same episodes
               "episode_accuracy": [float(a) for a in accuracies],
               "episodes_sha256": episodes_digest(episodes)}
    result = result_record(
        dataset=manifest["dataset"], method=f"fewshot_{method}_{shots}shot", metrics=metrics,
        history=history,
        counts={"train_real": sum(len(v) for v in labelled.values()),
                "train_generated": len(pairs), "classes": len(classes),
                "novel_classes": len(novel),
                "novel_examples_per_class": {classes[k]: len(labelled[k]) for k in novel},
                "query_videos": len({v for e in episodes for v in e.query}),
                "test_clips_per_video": cparams.num_test_clips},
        config={**params, "classifier": asdict(cparams)},
        inputs=[manifest_path, *frames,
                *([*masks, *backgrounds] if method == "pn_l2a" else []),
                *([matches_path] if matches is not None else [])],
        seed=cparams.seed, started=started,
        novel_classes=[classes[k] for k in novel],
        labelled={classes[k]: labelled[k] for k in novel},
        pairs=[{"fg": a, "bg": b} for a, b in pairs],
        model={"backbone": cparams.backbone,
               "parameters": int(sum(p.numel() for p in trainer.model.parameters()))},
        device=str(trainer.device),
    )
    write_json(out, result)
    log.info("%s few-shot %s %d-shot: %.4f +- %.4f over %d episodes (%.0f s)",
             manifest["dataset"], method, shots, mean, half, len(episodes),
             result["wall_seconds"])
    return result
