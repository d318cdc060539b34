"""Stages of the SPS family (Zhang et al., ACM MM 2020, Algorithm 1) on the shared trainer.

``train_temporal``: TSN on sparse-sampled dynamic images, plus generated images chosen at the
selection epochs ``E_g = {i, i+d, ..., i+n·d}`` by method ``ssdi`` (none), ``rnd`` (uniform),
``tsp`` (smallest loss) or ``sps`` (largest top1 − top2 margin). Each generated image is added at
most once and keeps the label of the class whose GAN made it. Tested on the whole-video dynamic
image (``test_views: full``) or the mean over the video's K sparse ones (``sparse``).
``train_spatial``: TSN on RGB frames (K segments). ``fuse``: late fusion of two streams' scores.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from videoaug.methods.sps.selection import (
    label_losses,
    mark_added,
    select,
    selection_epochs,
    sps_margin,
)
from videoaug.models.factory import build_model
from videoaug.provenance import read_json, result_record, write_json
from videoaug.seeding import derive_seed, numpy_rng
from videoaug.train.datasets import ConcatSamples, ImageSamples, ImageViews, SegmentFrames
from videoaug.train.evaluate import (
    evaluate,
    load_scores,
    metrics_from_probs,
    save_scores,
    test_and_save_scores,
)
from videoaug.train.trainer import Callback, TrainConfig, Trainer
from videoaug.train.transforms import eval_transform, tsn_train_transform

log = logging.getLogger("videoaug")
SSDI_SCHEMA = "videoaug.ssdi/1"
POOL_SCHEMA = "videoaug.gan_pool/1"
METHODS = ("ssdi", "rnd", "tsp", "sps")


@dataclass(frozen=True)
class ClassifierParams:
    """What shapes a TSN stream's result (also the rule's params)."""

    method: str = "sps"
    backbone: str = "tsn_resnet18"
    pretrained: str | None = None
    dropout: float = 0.4
    input_size: tuple[int, int] = (112, 112)
    ccs: bool = True
    hf: bool = True
    select_start: int = 2
    select_every: int = 2
    select_count: int = 3
    n_g: int = 20
    test_views: str = "full"
    segments: int = 3
    test_segments: int = 5
    monitor_every: int = 0
    eval_batch_size: int = 8
    train: dict = field(default_factory=dict)
    seed: int = 0
    dataset: str = ""


def _metrics_lists(metrics: dict[str, Any], classes: list[str]) -> dict[str, Any]:
    metrics = dict(metrics)
    metrics["per_class"] = dict(zip(classes, metrics["per_class"], strict=True))
    return metrics


class GeneratedSelection(Callback):
    """Trainer callback of Algorithm 1: at each selection epoch, score the pool with the current
    model and add ``n_g`` images chosen by the method; record what was added, when and why."""

    def __init__(
        self, method: str, pool_eval, epochs: list[int], n_g: int, seed: int, eval_batch_size: int
    ):
        self.method = method
        self.pool_eval = pool_eval
        self.epochs = set(epochs)
        self.n_g = n_g
        self.rng = numpy_rng(seed, "rnd_selection")
        self.added = np.zeros(len(pool_eval) if pool_eval is not None else 0, dtype=bool)
        self.order: list[int] = []
        self.events: list[dict[str, Any]] = []
        self.eval_batch_size = eval_batch_size

    def on_epoch_start(self, trainer, epoch: int) -> None:
        if self.method == "ssdi" or epoch not in self.epochs or self.added.all():
            return
        probs = trainer.predict(self.pool_eval, self.eval_batch_size)
        margins = sps_margin(probs)
        losses = label_losses(probs, self.pool_eval.labels)
        chosen = select(self.method, probs, losses, self.added, self.n_g, self.rng)
        self.added = mark_added(self.added, chosen)
        self.order.extend(int(i) for i in chosen)
        self.events.append(
            {
                "epoch": epoch,
                "indices": [int(i) for i in chosen],
                "labels": [int(self.pool_eval.labels[i]) for i in chosen],
                "margins": [float(margins[i]) for i in chosen],
                "losses": [float(losses[i]) for i in chosen],
                "pool_mean_margin": float(margins.mean()),
                "total_added": len(self.order),
            }
        )
        log.info(
            "epoch %d: %s added %d generated images (%d in total)",
            epoch,
            self.method,
            len(chosen),
            len(self.order),
        )

    def on_epoch_end(self, trainer, epoch: int, record: dict[str, Any]) -> None:
        record["generated_added"] = len(self.order)


class MonitorTest(Callback):
    """Evaluates on the test views every ``every`` epochs, for the accuracy-vs-images curve
    (Zhang et al. Fig. 5). Never used for any choice made during training."""

    def __init__(self, views, every: int, batch_size: int, last_epoch: int):
        self.views, self.every, self.batch_size, self.last_epoch = (
            views,
            every,
            batch_size,
            last_epoch,
        )

    def on_epoch_end(self, trainer, epoch: int, record: dict[str, Any]) -> None:
        if (epoch + 1) % self.every and epoch != self.last_epoch:
            return
        scores = evaluate(
            trainer.model,
            self.views,
            trainer.num_classes,
            self.batch_size,
            trainer.device,
            inputs=trainer.inputs,
        )
        record["test_top1"] = scores["top1"]


def _result(
    params: ClassifierParams,
    manifest: dict,
    metrics: dict,
    history: list,
    counts: dict,
    inputs: list[str | Path],
    started: float,
    extra: dict,
) -> dict:
    return result_record(
        dataset=manifest["dataset"],
        method=params.method,
        metrics=_metrics_lists(metrics, manifest["classes"]),
        history=history,
        counts=counts,
        config=asdict(params),
        inputs=inputs,
        seed=params.seed,
        started=started,
        **extra,
    )


def train_temporal(
    manifest_path: str | Path,
    ssdi_paths: list[str | Path],
    pool_paths: list[str | Path],
    params: ClassifierParams,
    out: str | Path,
    scores_out: str | Path,
    gan_quality: str | Path | None = None,
) -> dict:
    """Train and test the temporal (dynamic-image) stream with selection ``params.method``.

    ``gan_quality``: the pools' ``quality.json`` (stage ``gan_quality``); its per-class numbers
    are copied into the result (key ``gan_quality``), so a table of SPS results says how good
    its pools were.
    """
    if params.method not in METHODS:
        raise ValueError(f"unknown method {params.method!r}; expected one of {METHODS}")
    started = time.time()
    manifest = read_json(manifest_path)
    classes = manifest["classes"]
    seed = derive_seed(params.seed, manifest["dataset"], "temporal", params.method)
    torch.manual_seed(seed)
    size = tuple(params.input_size)
    real = ImageSamples(
        ssdi_paths,
        split="train",
        schema=SSDI_SCHEMA,
        seed=seed,
        transform=tsn_train_transform(size, ccs=params.ccs, flip=params.hf),
    )
    empty = [c for i, c in enumerate(classes) if not (real.labels == i).any()]
    if empty:
        raise ValueError(
            f"classes {empty} have no training dynamic images in {ssdi_paths}; "
            "an empty class cannot be learned: fix the split or drop the class"
        )
    uses_pool = params.method != "ssdi"
    pool = (
        ImageSamples(
            pool_paths,
            schema=POOL_SCHEMA,
            seed=seed + 1,
            transform=tsn_train_transform(size, ccs=params.ccs, flip=params.hf),
        )
        if uses_pool and pool_paths
        else None
    )
    pool_eval = pool.with_transform(eval_transform(size)) if pool is not None else None
    prefix = "full_" if params.test_views == "full" else ""
    test = ImageViews(
        ImageSamples(
            ssdi_paths,
            prefix=prefix,
            split="test",
            schema=SSDI_SCHEMA,
            seed=seed + 2,
            transform=eval_transform(size),
        )
    )
    model = build_model(
        params.backbone, len(classes), dropout=params.dropout, pretrained=params.pretrained
    )
    config = TrainConfig.from_dict({**params.train, "seed": seed})
    trainer = Trainer(model, config, len(classes))
    epochs = [
        e
        for e in selection_epochs(params.select_start, params.select_every, params.select_count)
        if e < config.epochs
    ]
    selection = GeneratedSelection(
        params.method, pool_eval, epochs, params.n_g, seed, params.eval_batch_size
    )
    callbacks: list = [selection]
    if params.monitor_every:
        callbacks.append(
            MonitorTest(test, params.monitor_every, params.eval_batch_size, config.epochs - 1)
        )

    def training_set(epoch: int):
        if pool is None or not selection.order:
            return real
        return ConcatSamples([real, pool.select(selection.order)])

    history = trainer.fit(training_set, callbacks=callbacks)
    metrics = test_and_save_scores(trainer, test, params.eval_batch_size, scores_out)
    counts = {
        "train_real": len(real),
        "train_generated": len(selection.order),
        "pool": len(pool) if pool is not None else 0,
        "test_videos": len(test),
        "classes": len(classes),
    }
    inputs = [manifest_path, *ssdi_paths, *(pool_paths if uses_pool else [])]
    extra: dict[str, Any] = {}
    if uses_pool and gan_quality is not None:
        from videoaug.methods.sps.quality_stage import quality_summary

        extra["gan_quality"] = quality_summary(read_json(gan_quality))
        inputs.append(gan_quality)
    result = _result(
        params,
        manifest,
        metrics,
        history,
        counts,
        inputs,
        started,
        {
            "selection": {"epochs": epochs, "events": selection.events},
            "model": {
                "backbone": params.backbone,
                "init": getattr(model, "init_report", None)
                or {"source": "random" if params.pretrained is None else params.pretrained},
            },
            "device": str(trainer.device),
            **extra,
        },
    )
    write_json(out, result)
    log.info(
        "%s %s: top-1 %.4f top-5 %.4f",
        manifest["dataset"],
        params.method,
        metrics["top1"],
        metrics["top5"],
    )
    return result


def train_spatial(
    manifest_path: str | Path,
    frames_paths: list[str | Path],
    params: ClassifierParams,
    out: str | Path,
    scores_out: str | Path,
) -> dict:
    """Train and test the RGB (spatial) TSN stream on K segments of decoded frames."""
    started = time.time()
    manifest = read_json(manifest_path)
    classes = manifest["classes"]
    seed = derive_seed(params.seed, manifest["dataset"], "spatial")
    torch.manual_seed(seed)
    size = tuple(params.input_size)
    train = SegmentFrames(
        frames_paths,
        params.segments,
        tsn_train_transform(size, params.ccs, params.hf),
        train=True,
        split="train",
        manifest=manifest,
        seed=seed,
    )
    test = SegmentFrames(
        frames_paths,
        params.test_segments,
        eval_transform(size),
        train=False,
        split="test",
        manifest=manifest,
        seed=seed + 1,
    )
    model = build_model(
        params.backbone, len(classes), dropout=params.dropout, pretrained=params.pretrained
    )
    trainer = Trainer(model, TrainConfig.from_dict({**params.train, "seed": seed}), len(classes))
    history = trainer.fit(train)
    metrics = test_and_save_scores(trainer, test, params.eval_batch_size, scores_out)
    counts = {
        "train_real": len(train),
        "train_generated": 0,
        "test_videos": len(test),
        "classes": len(classes),
    }
    result = _result(
        params,
        manifest,
        metrics,
        history,
        counts,
        [manifest_path, *frames_paths],
        started,
        {"device": str(trainer.device)},
    )
    write_json(out, result)
    log.info("%s rgb: top-1 %.4f", manifest["dataset"], metrics["top1"])
    return result


def fuse(
    result_paths: list[str | Path],
    score_paths: list[str | Path],
    weights: list[float],
    method: str,
    out: str | Path,
    scores_out: str | Path | None = None,
) -> dict:
    """Late fusion: weighted mean of the streams' per-video softmax scores (written to
    ``scores_out`` when given, like a stream's)."""
    if not (len(result_paths) == len(score_paths) == len(weights)):
        raise ValueError("give one result, one scores file and one weight per stream")
    started = time.time()
    streams = [load_scores(p) for p in score_paths]
    ids = streams[0][2]
    aligned = []
    for probs, labels, video_ids in streams:
        if sorted(video_ids) != sorted(ids):
            raise ValueError("the streams were tested on different videos; rebuild both")
        order = {v: i for i, v in enumerate(video_ids)}
        aligned.append((probs[[order[v] for v in ids]], labels[[order[v] for v in ids]]))
    fused = sum(w * p for w, (p, _) in zip(weights, aligned, strict=True)) / float(sum(weights))
    labels = aligned[0][1]
    if scores_out is not None:
        save_scores(scores_out, fused, labels, ids)
    first = read_json(result_paths[0])
    classes = list(first["metrics"]["per_class"])
    metrics = _metrics_lists(metrics_from_probs(fused, labels, len(classes)), classes)
    result = result_record(
        dataset=first["dataset"],
        method=method,
        metrics=metrics,
        history=[],
        counts={"streams": len(streams), "test_videos": len(ids)},
        config={"weights": list(weights), "streams": [str(p) for p in result_paths]},
        inputs=[*result_paths, *score_paths],
        seed=first.get("seed"),
        started=started,
    )
    write_json(out, result)
    return result
