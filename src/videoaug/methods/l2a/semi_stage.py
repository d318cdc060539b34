"""Learn2Augment, semi-supervised setting (Gowda et al. 2022, §5.2, Table 3) on the shared trainer.

Per label fraction ``p`` % and classifier seed, three stages:

1. :func:`teacher_stage` → ``results/seeds/{ds}_none_semi{p}_s{seed}.json`` and
   ``cache/{ds}/l2a/semi{p}/s{seed}/pseudo.json``. A seeded, stratified, nested labelled subset
   of the training videos (:func:`videoaug.methods.l2a.semi.labelled_subset`; the split depends on
   the config's data seed only, so every classifier seed and method sees the same labels); the
   rest is unlabelled. The classifier trained on the labelled videos alone is the ``none``
   baseline **and** the teacher: its test-time softmax (the same multi-clip views as the test
   set) on every unlabelled video gives a pseudo-label where its maximum reaches
   ``l2a.semi.threshold`` (:func:`videoaug.methods.l2a.semi.accept_pseudo_labels`).
2. :func:`semi_selector_stage` → ``cache/{ds}/l2a/semi{p}/s{seed}/{selector.pt,
   selector_log.json,pairs.h5}``. The Selector is **retrained** on the enlarged pool (labelled
   videos with their labels + accepted videos with their pseudo-labels), its validation split
   drawn from the labelled videos only: the supervised ``selector.pt`` was trained with every
   training video's true label, so reusing it would leak the unlabelled videos' labels.
3. :func:`train_semi` → ``results/seeds/{ds}_{method}_semi{p}_s{seed}.json``: a fresh
   classifier on the labelled clips + the accepted clips with their pseudo-labels, and by method:
   ``pseudolabel`` nothing else (Lee 2013), ``cutmix`` / ``mixup`` / ``cutout`` that
   :mod:`videoaug.augment` policy as the trainer's batch transform, ``l2a`` the composites of the
   retrained Selector's top ``l2a.budget`` pairs of the pool (pseudo-labels in their mixed
   labels, Eq. 8).

Every method of one ``(p, seed)`` shares the seed stream ``(seed, ds, "l2a-semi", p)`` (model
initialisation, data order) and the recipe of the supervised runs (``l2a.classifier``,
overridden by ``l2a.semi.classifier``). Training sees labels only through the
``video id → class`` map of the labelled and accepted videos (:func:`training_labels`); the
unlabelled videos' true labels are read once, by the teacher, to report the pseudo-labels'
accuracy (a diagnostic that synthetic data makes possible).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from torch.utils.data import Dataset

from videoaug.augment.policy import parse_policy
from videoaug.methods.l2a.compose import Variant
from videoaug.methods.l2a.selector_stage import (
    SelectorParams,
    read_top_pairs,
    score_pairs_stage,
    train_selector_stage,
)
from videoaug.methods.l2a.semi import accept_pseudo_labels, labelled_subset
from videoaug.methods.l2a.train_stage import CompositeClips, OneHotClips
from videoaug.provenance import read_json, result_record, write_json
from videoaug.seeding import derive_seed
from videoaug.train.datasets import ClipSamples, ConcatSamples
from videoaug.train.evaluate import view_probs
from videoaug.train.video_classifier import VideoClassifierParams, fit_and_test

log = logging.getLogger("videoaug")
TEACHER = "none"
STUDENTS = ("pseudolabel", "cutmix", "mixup", "cutout", "l2a")
METHODS = (TEACHER, *STUDENTS)
"""``none``: labelled videos only (the teacher); the others add the pseudo-labelled videos."""
POLICY_METHODS = ("cutmix", "mixup", "cutout")
PSEUDO_FORMAT = "videoaug.l2a.semi.pseudo/1"


def semi_split(manifest: dict, percent: float, seed: int) -> tuple[list[str], list[str]]:
    """``(labelled, unlabelled)`` training video ids of the manifest (test videos never enter)."""
    train = [v for v in manifest["videos"] if v["split"] == "train"]
    if not train:
        raise ValueError(f"{manifest['dataset']!r} has no training videos")
    return labelled_subset([str(v["id"]) for v in train], [int(v["label"]) for v in train],
                           percent, seed, manifest["dataset"])


def run_seed(params: dict[str, Any], dataset: str) -> int:
    """The seed stream of one ``(seed, dataset, p)``, shared by all methods."""
    return derive_seed(int(params["classifier"]["seed"]), dataset, "l2a-semi",
                       int(params["fraction"]))


def labelled_clips(frames: Sequence[str | Path], labels: Mapping[str, int],
                   cparams: VideoClassifierParams,
                   num_classes: int, seed: int) -> OneHotClips:
    """Training clips of the videos in ``labels`` with **those** labels as one-hot targets (the
    frame stores' labels are replaced, so a pseudo-labelled video trains on its pseudo-label)."""
    clips = ClipSamples(frames, cparams.clip_len, cparams.stride, cparams.train_transform(),
                        train=True, video_ids=sorted(labels), seed=seed)
    clips.labels = np.array([int(labels[v]) for v in clips.video_ids], dtype=np.int64)
    return OneHotClips(clips, num_classes)


def read_pseudo(path: str | Path, manifest: dict, params: dict[str, Any]) -> dict[str, Any]:
    """``pseudo.json`` checked against the split and threshold ``params`` ask for."""
    pseudo = read_json(path)
    if pseudo.get("format") != PSEUDO_FORMAT:
        raise ValueError(f"{path} is not a {PSEUDO_FORMAT} file; rebuild it with semi_teacher")
    labelled, unlabelled = semi_split(manifest, params["fraction"], params["subset_seed"])
    if (pseudo["labelled"] != labelled or pseudo["unlabelled"] != unlabelled
            or pseudo["threshold"] != float(params["threshold"])):
        raise ValueError(f"{path} was made for another label split or threshold (fraction "
                         f"{pseudo['fraction']} %, threshold {pseudo['threshold']}); rebuild it")
    return pseudo


def training_labels(manifest: dict, pseudo: dict[str, Any],
                    with_pseudo: bool = True) -> tuple[dict[str, int], dict[str, int]]:
    """``(labelled, pseudo)`` video id → class maps training may use: the labelled videos' labels
    from the manifest, the accepted videos' pseudo-labels from ``pseudo.json`` (empty with
    ``with_pseudo=False``). No other label is ever looked up."""
    wanted = set(pseudo["labelled"])
    labelled = {str(v["id"]): int(v["label"]) for v in manifest["videos"]
                if str(v["id"]) in wanted}
    accepted = {r["id"]: int(r["label"]) for r in pseudo["videos"] if r["accepted"]}
    return labelled, (accepted if with_pseudo else {})


def _semi_block(params: dict[str, Any], pseudo: dict[str, Any], method: str) -> dict[str, Any]:
    return {"method": method, "fraction": int(params["fraction"]),
            "threshold": float(params["threshold"]), "subset_seed": int(params["subset_seed"]),
            "labelled": len(pseudo["labelled"]), "unlabelled": len(pseudo["unlabelled"]),
            "pseudo_accepted": int(pseudo["accepted"]),
            "pseudo_accuracy": pseudo["accepted_accuracy"],
            "pseudo_used": method != TEACHER,
            "selector": ("retrained on the labelled + pseudo-labelled pool"
                         if method == "l2a" else None)}


def _record(manifest: dict, params: dict, method: str, cparams: VideoClassifierParams, trainer,
            history,
            metrics, test, counts: dict, inputs: list, pseudo: dict, started: float,
            **extra: Any) -> dict[str, Any]:
    classes = list(manifest["classes"])
    return result_record(
        dataset=manifest["dataset"], method=f"{method}_semi{int(params['fraction'])}",
        metrics=metrics, history=history,
        counts={**counts, "test_videos": len(test),
                "test_clips_per_video": cparams.num_test_clips, "classes": len(classes)},
        config={**params, "classifier": asdict(cparams)}, inputs=inputs, seed=cparams.seed,
        started=started, semi=_semi_block(params, pseudo, method),
        model={"backbone": cparams.backbone,
               "parameters": int(sum(p.numel() for p in trainer.model.parameters()))},
        device=str(trainer.device), **extra)


# --------------------------------------------------------------------------------- teacher
def teacher_stage(manifest_path: str | Path, frames: Sequence[str | Path],
                  params: dict[str, Any], out: str | Path,
                  pseudo_out: str | Path, scores_out: str | Path | None = None) -> dict[str, Any]:
    """Train on the labelled videos only; write the ``none`` result and ``pseudo.json``.

    ``pseudo.json``: ``labelled`` / ``unlabelled`` ids, per unlabelled video ``label`` (arg-max),
    ``confidence`` and ``accepted``; the counts and ``accepted_accuracy`` (share of accepted
    pseudo-labels equal to the truth; ``null`` when none is accepted). No true label of an
    unlabelled video is stored.
    """
    started = time.time()
    if params["method"] != TEACHER:
        raise ValueError(f"the teacher stage trains method {TEACHER!r}, got {params['method']!r}")
    manifest = read_json(manifest_path)
    classes = list(manifest["classes"])
    cparams = VideoClassifierParams.from_dict(params["classifier"])
    seed = run_seed(params, manifest["dataset"])
    labelled, unlabelled = semi_split(manifest, params["fraction"], params["subset_seed"])
    truth = {str(v["id"]): int(v["label"]) for v in manifest["videos"]}
    real = labelled_clips(frames, {v: truth[v] for v in labelled}, cparams, len(classes), seed)
    trainer, history, metrics, test = fit_and_test(ConcatSamples([real]), frames, manifest,
                                                   cparams, seed, scores_out=scores_out)
    rows: list[dict[str, Any]] = []
    accuracy = None
    if unlabelled:
        views = ClipSamples(frames, cparams.clip_len, cparams.stride, cparams.test_transform(),
                            train=False, num_test_clips=cparams.num_test_clips,
                            video_ids=unlabelled, seed=derive_seed(seed, "unlabelled"))
        probs, true, ids = view_probs(trainer.model, views, cparams.eval_batch_size,
                                      device=trainer.device, inputs=trainer.inputs)
        accepted, label, confidence = accept_pseudo_labels(probs, float(params["threshold"]))
        rows = [{"id": str(v), "label": int(y), "confidence": float(c),
                 "accepted": bool(a)}
                for v, y, c, a in zip(ids, label, confidence, accepted, strict=True)]
        rows.sort(key=lambda r: r["id"])
        if accepted.any():
            accuracy = float((label[accepted] == true[accepted]).mean())
    n_accepted = sum(r["accepted"] for r in rows)
    pseudo = {"format": PSEUDO_FORMAT, "dataset": manifest["dataset"],
              "fraction": int(params["fraction"]), "threshold": float(params["threshold"]),
              "seed": cparams.seed, "subset_seed": int(params["subset_seed"]),
              "labelled": labelled, "unlabelled": unlabelled, "accepted": n_accepted,
              "accepted_accuracy": accuracy, "videos": rows}
    write_json(pseudo_out, pseudo)
    result = _record(manifest, params, TEACHER, cparams, trainer, history, metrics, test,
                     {"train_real": len(real), "train_labelled": len(real), "train_pseudo": 0,
                      "train_generated": 0}, [manifest_path, *frames], pseudo, started)
    write_json(out, result)
    log.info("%s none_semi%s: top-1 %.4f; %d/%d pseudo-labels accepted (accuracy %s)",
             manifest["dataset"], params["fraction"], metrics["top1"], n_accepted,
             len(unlabelled), accuracy)
    return result


# -------------------------------------------------------------------------------- selector
def semi_selector_stage(manifest_path: str | Path, frames: Sequence[str | Path],
                        masks: Sequence[str | Path], backgrounds: Sequence[str | Path],
                        features_path: str | Path, matches_path: str | Path,
                        pseudo_path: str | Path, params: dict[str, Any],
                        selector_params: SelectorParams, out_selector: str | Path,
                        out_pairs: str | Path) -> dict[str, Any]:
    """Retrain the Selector on the labelled + pseudo-labelled pool and score its search space
    (``selector.pt``, ``selector_log.json`` beside it, ``pairs.h5``)."""
    manifest = read_json(manifest_path)
    pseudo = read_pseudo(pseudo_path, manifest, params)
    labelled, accepted = training_labels(manifest, pseudo)
    relabel = {**labelled, **accepted}
    summary = train_selector_stage(manifest_path, frames, masks, backgrounds, features_path,
                                   matches_path, selector_params, out_selector,
                                   relabel=relabel, val_from=set(labelled))
    scored = score_pairs_stage(manifest_path, features_path, matches_path, out_selector,
                               selector_params, out_pairs, relabel=relabel)
    return {**scored, "pool_videos": summary["pool_videos"], "val_videos": summary["val_videos"]}


# -------------------------------------------------------------------------------- students
def semi_training_set(manifest: dict, frames: Sequence[str | Path], masks: Sequence[str | Path],
                      backgrounds: Sequence[str | Path], pairs_path: str | Path | None,
                      pseudo: dict[str, Any], params: dict[str, Any], seed: int,
                      ) -> tuple[ConcatSamples, dict[str, int], list[tuple[str, str, float]]]:
    """The training set of one method: ``(dataset, counts, composited pairs)``."""
    method = params["method"]
    classes = list(manifest["classes"])
    cparams = VideoClassifierParams.from_dict(params["classifier"])
    labelled, accepted = training_labels(manifest, pseudo, with_pseudo=method != TEACHER)
    parts: list[Dataset] = [labelled_clips(frames, labelled, cparams, len(classes), seed)]
    if accepted:
        parts.append(labelled_clips(frames, accepted, cparams, len(classes),
                                    derive_seed(seed, "pseudo")))
    top: list[tuple[str, str, float]] = []
    if method == "l2a":
        if pairs_path is None:
            raise ValueError("method l2a needs the semi Selector's pairs "
                             "(cache/{ds}/l2a/semi{p}/s{seed}/pairs.h5)")
        top = read_top_pairs(pairs_path, int(params["budget"]))
        parts.append(CompositeClips(
            [(a, b) for a, b, _ in top], frames, masks, backgrounds, len(classes),
            cparams.clip_len, cparams.stride, cparams.train_transform(),
            Variant(params.get("mask", "union"), params.get("background", "inpainted")),
            float(params.get("alpha", 4.0)), seed=derive_seed(seed, "composites"),
            labels={**labelled, **accepted}))
    counts = {"train_labelled": len(labelled), "train_pseudo": len(accepted),
              "train_real": len(labelled) + len(accepted), "train_generated": len(top)}
    return ConcatSamples(parts), counts, top


def train_semi(manifest_path: str | Path, frames: Sequence[str | Path],
               masks: Sequence[str | Path], backgrounds: Sequence[str | Path],
               pairs_path: str | Path | None, pseudo_path: str | Path, params: dict[str, Any],
               out: str | Path, scores_out: str | Path | None = None) -> dict[str, Any]:
    """Train and test one student (``params['method']`` in :data:`STUDENTS`); write and return
    the result JSON (result contract + ``semi``)."""
    started = time.time()
    method = params["method"]
    if method not in STUDENTS:
        raise ValueError(f"unknown semi-supervised method {method!r}; choose one of {STUDENTS} "
                         f"({TEACHER!r} is the teacher stage)")
    manifest = read_json(manifest_path)
    pseudo = read_pseudo(pseudo_path, manifest, params)
    cparams = VideoClassifierParams.from_dict(params["classifier"])
    seed = run_seed(params, manifest["dataset"])
    train, counts, top = semi_training_set(manifest, frames, masks, backgrounds, pairs_path,
                                           pseudo, params, seed)
    policy = parse_policy(params["policies"][method]) if method in POLICY_METHODS else None
    trainer, history, metrics, test = fit_and_test(train, frames, manifest, cparams, seed,
                                                   batch_transform=policy, scores_out=scores_out)
    inputs = [manifest_path, *frames, pseudo_path]
    if method == "l2a":
        inputs += [*masks, *backgrounds, pairs_path]
    result = _record(manifest, params, method, cparams, trainer, history, metrics, test, counts,
                     inputs, pseudo, started, policy=None if policy is None else policy.text,
                     pairs=[{"fg": a, "bg": b, "omega": w} for a, b, w in top])
    write_json(out, result)
    log.info("%s %s_semi%s: top-1 %.4f (%.0f s)", manifest["dataset"], method,
             params["fraction"], metrics["top1"], result["wall_seconds"])
    return result
