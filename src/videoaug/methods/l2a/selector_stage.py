"""Learn2Augment part 2 stages: video features, the Selector's REINFORCE training, pair scores.

* :func:`video_features_stage` → ``cache/{ds}/l2a/features.h5``: one feature vector per video
  (:mod:`videoaug.methods.l2a.features`), streamed video by video.
* :func:`train_selector_stage` → ``cache/{ds}/l2a/selector.pt`` (+ ``selector_log.json``): the
  REINFORCE loop of :mod:`videoaug.methods.l2a.selector`. Every step draws ``batch_pairs``
  candidate pairs — ``V1`` from the training pool, ``V2`` from the class ``matches.json`` gives
  for ``V1``'s class — the Selector samples which to keep, the kept pairs are composited
  (:func:`videoaug.methods.l2a.compose.composite_pair`) and the classifier takes **one SGD step**
  on them with their mixed labels (``Trainer.train_step`` of the shared trainer), then its loss
  ``L_val`` on a seeded held-out validation split of the training videos (never the test set)
  gives the reward ``δ − L_val``. The classifier is reset to a fresh initialisation every
  ``reset_every`` steps (the paper resets it; a classifier that has converged no longer shows
  which data help) and the loss history restarts with it (a reset's jump in ``L_val`` is not the
  selection's doing).
* Resumable: every ``checkpoint_every`` steps the whole state (Selector + its optimizer,
  classifier + its optimizer, loss history, step log) goes atomically to ``selector.pt.partial``;
  every random draw of step ``t`` comes from ``(seed, t)``, so a killed run continues from its
  checkpoint to the same end as an uninterrupted one.
* :func:`score_pairs_stage` → ``cache/{ds}/l2a/pairs.h5``: ω for every pair of the search space
  (each training video × each training video of its matched class; its size ``S`` is recorded,
  paper Table 1), sorted best first; the first ``budget`` are the composites to train on.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from videoaug import meter
from videoaug.io.store import atomic_store, open_store, read_strings, write_strings
from videoaug.methods.l2a.compose import Variant, composite_pair
from videoaug.methods.l2a.features import Tiny3D, build_feature_net, uniform_clip
from videoaug.methods.l2a.selector import (
    BASELINE_WINDOW,
    PairBatch,
    Selector,
    reinforce_step,
)
from videoaug.methods.l2a.semi import RelabelledStores
from videoaug.methods.l2a.stores import L2AStores
from videoaug.provenance import read_json, write_json
from videoaug.seeding import derive_seed, numpy_rng, torch_generator
from videoaug.train.checkpoint import save_checkpoint_atomic
from videoaug.train.datasets import load_manifest_splits
from videoaug.train.trainer import TrainConfig, Trainer, predict
from videoaug.train.transforms import InputSpec

log = logging.getLogger("videoaug")
CLIP_INPUTS = InputSpec(kind="clip")
FEATURES_SCHEMA = "videoaug.l2a.features/1"
PAIRS_SCHEMA = "videoaug.l2a.pairs/1"
SELECTOR_FORMAT = "videoaug.l2a.selector/1"
PAIRINGS = ("matched", "any")


@dataclass(frozen=True)
class SelectorParams:
    """``l2a.selector`` of the config (see config.yaml for the paper values)."""

    feature_net: str = "tiny3d"
    feature_width: int = 8
    feature_pretrained: str | None = None
    clip_len: int = 8
    size: int = 32
    hidden: tuple[int, ...] = (256, 128, 64)
    steps: int = 60
    batch_pairs: int = 8
    lr: float = 1e-3
    baseline_window: int = BASELINE_WINDOW
    reward_sign: float = 1.0
    reset_every: int = 20
    val_fraction: float = 0.25
    classifier_width: int = 8
    classifier_lr: float = 0.005
    checkpoint_every: int = 10
    budget: int = 32
    alpha: float = 4.0
    mask: str = "union"
    background: str = "inpainted"
    # Table 1/2 ablations (videoaug.methods.l2a.ablation): "matched" | "any" pairs, "composite" |
    # "mixup" transform; left out of resume_key() at their defaults (stores stay as they were)
    pairing: str = "matched"
    blend: str = "composite"
    mixup_alpha: float = 1.0
    seed: int = 0
    threads: int = 1
    train: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        if min(self.steps, self.batch_pairs, self.reset_every, self.checkpoint_every,
               self.clip_len, self.size, self.budget) < 1:
            raise ValueError("l2a.selector: steps, batch_pairs, reset_every, checkpoint_every, "
                             "clip_len, size and budget must be >= 1")
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError(f"l2a.selector.val_fraction must be in (0, 1), got "
                             f"{self.val_fraction}")
        if self.pairing not in PAIRINGS:
            raise ValueError(f"selector pairing {self.pairing!r}: choose one of {PAIRINGS}")
        self.variant()  # checks mask, background, blend and mixup_alpha

    def variant(self) -> Variant:
        """How the Selector's kept pairs are turned into clips (compositing or its ablations)."""
        return Variant(self.mask, self.background, self.blend, self.mixup_alpha)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SelectorParams:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown l2a.selector options {unknown}; valid: {sorted(known)}")
        return cls(**values)

    def resume_key(self) -> dict[str, Any]:
        """The fields a side checkpoint must agree on (all but steps/checkpoint_every/threads)."""
        data = asdict(self)
        for key in ("steps", "checkpoint_every", "threads", "budget"):
            data.pop(key)
        for key, default in (("pairing", "matched"), ("blend", "composite")):
            if data[key] == default:
                data.pop(key)
        if self.blend != "mixup":
            data.pop("mixup_alpha")
        data["hidden"] = list(self.hidden)
        return data


# ------------------------------------------------------------------------------- features
def video_features_stage(frames_paths: Sequence[str | Path], params: SelectorParams,
                         out: str | Path) -> dict[str, Any]:
    """``features.h5``: ``video_id (N,)``, ``label (N,)``, ``features (N, D) float32``."""
    from videoaug.io.store import FrameStore

    torch.set_num_threads(params.threads)
    net, dim = build_feature_net(params.feature_net, params.feature_width, params.seed,
                                 params.feature_pretrained)
    ids: list[str] = []
    labels: list[int] = []
    rows: list[np.ndarray] = []
    with torch.inference_mode():
        for path in frames_paths:
            store = FrameStore(path)
            for i, vid in enumerate(meter.counted(store.video_ids, "video", "video")):
                clip = torch.from_numpy(uniform_clip(store.read(i), params.clip_len, params.size))
                rows.append(net(CLIP_INPUTS.prepare(clip[None], torch.device("cpu")))[0].numpy())
                ids.append(vid)
                labels.append(int(store.labels[i]))
            store.close()
    order = np.argsort(np.array(ids, dtype=object), kind="stable")  # shard order independent
    key = {k: v for k, v in asdict(params).items()
           if k in ("feature_net", "feature_width", "feature_pretrained", "clip_len", "size",
                    "seed")}
    with atomic_store(out, FEATURES_SCHEMA, key) as handle:
        write_strings(handle, "video_id", [ids[i] for i in order])
        handle.create_dataset("label", data=np.array(labels, np.int64)[order], track_times=False)
        handle.create_dataset("features",
                              data=np.stack(rows).astype(np.float32)[order].reshape(-1, dim),
                              track_times=False)
    return {"videos": len(ids), "dim": dim}


def read_features(path: str | Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(video_ids, labels (N,), features (N, D))`` of a ``features.h5``."""
    with open_store(path, FEATURES_SCHEMA) as handle:
        ids = read_strings(handle["video_id"])
        return ids, handle["label"][()], handle["features"][()]


# ------------------------------------------------------------------------------ candidates
@dataclass(frozen=True)
class Pool:
    """Training videos split into the pair pool and the held-out validation videos, with the
    class matches: ``matched[c]`` is the class whose videos give ``V2`` for a ``V1`` of ``c``."""

    ids: list[str]
    labels: np.ndarray
    features: np.ndarray
    pool: np.ndarray  # indices into ids
    val: np.ndarray
    matched: np.ndarray
    num_classes: int


def training_members(manifest: dict, ids: Sequence[str], labels: np.ndarray,
                     relabel: Mapping[str, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(member indices into ids, labels (N,))`` of the videos pairs may be drawn from.

    Default: the manifest's training videos with their labels. ``relabel`` (video id → class;
    the semi-supervised pool of labelled and pseudo-labelled videos) restricts the members to its
    videos and replaces the labels; every other video gets label ``-1`` (never drawn).
    """
    splits = load_manifest_splits(manifest)
    if relabel is None:
        return (np.array([i for i, v in enumerate(ids) if splits.get(v) == "train"],
                         dtype=np.int64), labels)
    outside = sorted(v for v in relabel if splits.get(v) != "train")
    if outside:
        raise ValueError(f"{len(outside)} relabelled videos are not training videos of "
                         f"{manifest['dataset']!r}, e.g. {outside[:3]}")
    relabelled = np.array([relabel.get(v, -1) for v in ids], dtype=np.int64)
    return np.flatnonzero(relabelled >= 0).astype(np.int64), relabelled


def build_pool(manifest: dict, features_path: str | Path, matches: dict,
               params: SelectorParams, relabel: Mapping[str, int] | None = None,
               val_from: Collection[str] | None = None) -> Pool:
    """Seeded, stratified validation split: ``ceil(val_fraction·n_c)`` videos of each class
    (at least one, and at least one left in the pool).

    ``relabel``: see :func:`training_members`; ``val_from``: the only videos the validation
    split may take (the semi-supervised setting validates on truly labelled videos only).
    """
    ids, labels, feats = read_features(features_path)
    train, labels = training_members(manifest, ids, labels, relabel)
    classes = list(manifest["classes"])
    candidates = train if val_from is None else np.array(
        [i for i in train if ids[i] in set(val_from)], dtype=np.int64)
    rng = numpy_rng(params.seed, "l2a-val-split", manifest["dataset"])
    val: list[int] = []
    for c in range(len(classes)):
        members = candidates[labels[candidates] == c]
        if len(members) < 2:
            raise ValueError(f"class {classes[c]!r} of {manifest['dataset']!r} has "
                             f"{len(members)} training video(s); the Selector's validation split "
                             "needs at least 2 per class")
        k = min(len(members) - 1, max(1, math.ceil(params.val_fraction * len(members))))
        val.extend(rng.choice(members, size=k, replace=False).tolist())
    val_arr = np.sort(np.array(val, dtype=np.int64))
    pool = np.setdiff1d(train, val_arr)
    matched = np.array([classes.index(matches["matches"][c]) for c in classes], dtype=np.int64)
    return Pool(ids, labels, feats, pool, val_arr, matched, len(classes))


def sample_pairs(pool: Pool, n: int, rng: np.random.Generator,
                 pairing: str = "matched") -> np.ndarray:
    """``(n, 2)`` indices ``(V1, V2)``: ``V1`` uniform over the pool, ``V2`` uniform over the
    pool's videos of ``V1``'s matched class (``pairing="any"``, Table 1 without Semantic
    Matching: over the pool's other videos)."""
    by_class = {c: pool.pool[pool.labels[pool.pool] == c] for c in range(pool.num_classes)}
    first = rng.choice(pool.pool, size=n)
    if pairing == "any":
        second = np.array([rng.choice(pool.pool[pool.pool != v]) for v in first])
        return np.stack([first, second], axis=1).astype(np.int64)
    second = np.array([rng.choice(by_class[int(pool.matched[pool.labels[v]])]) for v in first])
    return np.stack([first, second], axis=1).astype(np.int64)


def pair_batch(pool: Pool, pairs: np.ndarray) -> PairBatch:
    f = torch.from_numpy(pool.features)
    y = torch.from_numpy(pool.labels)
    idx = torch.from_numpy(pairs)
    return PairBatch(f[idx[:, 0]], f[idx[:, 1]], y[idx[:, 0]], y[idx[:, 1]], idx)


# --------------------------------------------------------------------------------- training
class _ClipList(torch.utils.data.Dataset):
    def __init__(self, clips: torch.Tensor, labels: torch.Tensor) -> None:
        self.clips, self.labels = clips, labels

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int):
        return self.clips[i], self.labels[i], i


def _classifier_trainer(params: SelectorParams, num_classes: int, generation: int) -> Trainer:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(params.seed, "l2a-inner-classifier", generation))
        model = Tiny3D(params.classifier_width, num_classes)
    config = TrainConfig.from_dict({"epochs": 1, "batch_size": params.batch_pairs,
                                    "lr": params.classifier_lr, "momentum": 0.9,
                                    "weight_decay": 1e-3, "schedule": "constant",
                                    "device": "cpu", "log_every": 0, **params.train})
    return Trainer(model, config, num_classes, inputs=CLIP_INPUTS)


def validation_loss(model: nn.Module, val: _ClipList) -> float:
    """Mean cross-entropy of the classifier on the validation clips (eval mode)."""
    probs = predict(model, val, batch_size=32, inputs=CLIP_INPUTS)
    picked = probs[np.arange(len(val)), val.labels.numpy()]
    return float(-np.log(np.clip(picked, 1e-12, None)).mean())


@dataclass
class SelectorRun:
    selector: Selector
    optimizer: torch.optim.Optimizer
    trainer: Trainer
    losses: list[float]
    records: list[dict[str, float]]
    step: int = 0

    def state(self, params: SelectorParams) -> dict[str, Any]:
        return {"format": SELECTOR_FORMAT + "+partial", "params": params.resume_key(),
                "selector": self.selector.state_dict(), "optimizer": self.optimizer.state_dict(),
                "classifier": self.trainer.state_dict(), "losses": list(self.losses),
                "records": [dict(r) for r in self.records], "step": self.step}


def train_selector_stage(manifest_path: str | Path, frames: Sequence[str | Path],
                         masks: Sequence[str | Path], backgrounds: Sequence[str | Path],
                         features_path: str | Path, matches_path: str | Path,
                         params: SelectorParams, out: str | Path,
                         stop_after: int | None = None, relabel: Mapping[str, int] | None = None,
                         val_from: Collection[str] | None = None) -> dict[str, Any]:
    """Train the Selector; write ``out`` (selector.pt) and ``selector_log.json`` beside it.

    ``stop_after`` (tests): stop after that many steps of this call, leaving only the side
    checkpoint — what a killed job leaves behind. ``relabel``/``val_from``: the pool and labels
    of the semi-supervised setting (:func:`build_pool`); composites then take those labels too.
    """
    torch.set_num_threads(params.threads)
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    manifest = read_json(manifest_path)
    pool = build_pool(manifest, features_path, read_json(matches_path), params, relabel,
                      val_from)
    stores = L2AStores(frames, masks, backgrounds, num_classes=pool.num_classes)
    if relabel is not None:
        stores = RelabelledStores(stores, relabel)
    variant = params.variant()
    val = _ClipList(
        torch.from_numpy(np.stack([uniform_clip(stores.frames(pool.ids[i]), params.clip_len,
                                                params.size) for i in pool.val])),
        torch.from_numpy(pool.labels[pool.val]))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(params.seed, "l2a-selector-init"))
        selector = Selector(pool.features.shape[1], pool.num_classes, params.hidden)
    run = SelectorRun(selector, torch.optim.Adam(selector.parameters(), lr=params.lr),
                      _classifier_trainer(params, pool.num_classes, 0), [], [])
    if partial.exists():
        state = torch.load(partial, map_location="cpu", weights_only=True)
        if state.get("params") != params.resume_key():
            raise ValueError(f"{partial} was written with other l2a.selector settings; delete "
                             "it to start over")
        run.selector.load_state_dict(state["selector"])
        run.optimizer.load_state_dict(state["optimizer"])
        run.step = int(state["step"])
        run.trainer = _classifier_trainer(params, pool.num_classes,
                                          (run.step - 1) // params.reset_every)
        run.trainer.load_state_dict(state["classifier"])
        run.losses = [float(x) for x in state["losses"]]
        run.records = [dict(r) for r in state["records"]]
        log.info("selector: resuming at step %d from %s", run.step, partial)
    done_here = 0
    while run.step < params.steps:
        t = run.step
        step_wall, step_cpu = time.perf_counter(), meter.cpu_seconds()
        if t % params.reset_every == 0 and t > 0:
            run.trainer = _classifier_trainer(params, pool.num_classes, t // params.reset_every)
            run.losses = []
        rng = numpy_rng(params.seed, "l2a-selector-step", t)
        generator = torch_generator(params.seed, "l2a-selector-step", t)
        batch = pair_batch(pool, sample_pairs(pool, params.batch_pairs, rng, params.pairing))
        trainer = run.trainer

        def validate(actions: torch.Tensor, batch: PairBatch = batch,
                     trainer: Trainer = trainer, t: int = t) -> float:
            kept = batch.index[actions > 0].numpy()
            if len(kept):
                comps = [composite_pair(stores, pool.ids[a], pool.ids[b], variant, params.alpha)
                         for a, b in kept]
                x = torch.from_numpy(np.stack([uniform_clip(c.frames, params.clip_len,
                                                            params.size) for c in comps]))
                y = torch.from_numpy(np.stack([c.label for c in comps]))
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(derive_seed(params.seed, "l2a-classifier-step", t))
                    trainer.train_step(x, y, torch_generator(params.seed, "l2a-augment", t))
            return validation_loss(trainer.model, val)

        record = reinforce_step(run.selector, run.optimizer, batch, validate, run.losses,
                                generator=generator, window=params.baseline_window,
                                reward_sign=params.reward_sign)
        record["step"] = t
        run.records.append(record)
        run.step = t + 1
        done_here += 1
        meter.add("selector_step", 1, time.perf_counter() - step_wall,
                  meter.cpu_seconds() - step_cpu, "step", params.batch_pairs)
        if run.step % params.checkpoint_every == 0 or run.step == params.steps:
            save_checkpoint_atomic(run.state(params), partial)
        if stop_after is not None and done_here >= stop_after:
            stores.close()
            return {"stopped_at": run.step}
    stores.close()
    payload = {"format": SELECTOR_FORMAT, "selector": run.selector.state_dict(),
               "feature_dim": int(pool.features.shape[1]), "num_classes": pool.num_classes,
               "hidden": list(params.hidden), "params": params.resume_key()}
    save_checkpoint_atomic(payload, out)
    summary = {"dataset": manifest["dataset"], "steps": run.records,
               "params": asdict(params), "pool_videos": len(pool.pool),
               "val_videos": len(pool.val)}
    write_json(out.with_name("selector_log.json"), summary)
    partial.unlink(missing_ok=True)
    return summary


def load_selector(path: str | Path) -> Selector:
    state = torch.load(path, map_location="cpu", weights_only=True)
    if state.get("format") != SELECTOR_FORMAT:
        raise ValueError(f"{path} is not a {SELECTOR_FORMAT} checkpoint "
                         f"(format={state.get('format')!r}); rebuild it with train_selector")
    selector = Selector(int(state["feature_dim"]), int(state["num_classes"]), state["hidden"])
    selector.load_state_dict(state["selector"])
    return selector.eval()


# ---------------------------------------------------------------------------------- scoring
def search_space(labels: np.ndarray, members: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Every ``(V1, V2)`` with ``V1`` in ``members`` and ``V2`` a member of ``V1``'s matched
    class: ``(S, 2)`` int64, in ``(V1, V2)`` order."""
    rows = [(a, b) for a in members for b in members if labels[b] == matched[labels[a]]]
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def all_pairs(members: np.ndarray) -> np.ndarray:
    """Every ordered ``(V1, V2)`` of two different ``members`` (no Semantic Matching):
    ``(N·(N − 1), 2)`` int64 in ``(V1, V2)`` order."""
    members = np.asarray(members, dtype=np.int64)
    rows = [(a, b) for a in members for b in members if a != b]
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def score_pairs_stage(manifest_path: str | Path, features_path: str | Path,
                      matches_path: str | Path, selector_path: str | Path,
                      params: SelectorParams, out: str | Path,
                      relabel: Mapping[str, int] | None = None) -> dict[str, Any]:
    """``pairs.h5``: ``fg_id``, ``bg_id``, ``omega`` of the whole search space, best first
    (ties by pair order); attrs ``search_space`` (S) and ``budget``. ``relabel``: the
    semi-supervised pool and its labels (:func:`training_members`)."""
    torch.set_num_threads(params.threads)
    manifest = read_json(manifest_path)
    ids, labels, feats = read_features(features_path)
    classes = list(manifest["classes"])
    matches = read_json(matches_path)
    matched = np.array([classes.index(matches["matches"][c]) for c in classes], dtype=np.int64)
    train, labels = training_members(manifest, ids, labels, relabel)
    pairs = all_pairs(train) if params.pairing == "any" else search_space(labels, train, matched)
    selector = load_selector(selector_path)
    f, y = torch.from_numpy(feats), torch.from_numpy(labels)
    scores = []
    with torch.inference_mode():
        for start in range(0, len(pairs), 4096):
            idx = torch.from_numpy(pairs[start:start + 4096])
            scores.append(selector(f[idx[:, 0]], f[idx[:, 1]], y[idx[:, 0]], y[idx[:, 1]]))
    omega = torch.cat(scores).numpy() if scores else np.zeros(0, np.float32)
    order = np.argsort(-omega, kind="stable")
    with atomic_store(out, PAIRS_SCHEMA, {"budget": params.budget,
                                          "selector": params.resume_key()}) as handle:
        handle.attrs["search_space"] = len(pairs)
        handle.attrs["budget"] = params.budget
        write_strings(handle, "fg_id", [ids[i] for i in pairs[order, 0]])
        write_strings(handle, "bg_id", [ids[i] for i in pairs[order, 1]])
        handle.create_dataset("omega", data=omega[order].astype(np.float32), track_times=False)
    return {"search_space": len(pairs), "budget": params.budget,
            "top_omega": float(omega[order[0]]) if len(order) else None}


def read_top_pairs(path: str | Path, budget: int | None = None) -> list[tuple[str, str, float]]:
    """The first ``budget`` (default: the store's) pairs of a ``pairs.h5``: ``(fg, bg, ω)``."""
    with open_store(path, PAIRS_SCHEMA) as handle:
        k = int(handle.attrs["budget"] if budget is None else budget)
        fg = read_strings(handle["fg_id"], k)
        bg = read_strings(handle["bg_id"], k)
        omega = handle["omega"][:k].tolist()
    return list(zip(fg, bg, omega, strict=True))


def figure_selector(log_path: str | Path, out: str | Path) -> None:
    """``results/figures/{ds}_l2a_selector.png``: L_val and δ, reward, selection rate per step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = read_json(log_path)
    steps = [r["step"] for r in data["steps"]]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    axes[0].plot(steps, [r["val_loss"] for r in data["steps"]], label="L_val")
    axes[0].plot(steps, [r["delta"] for r in data["steps"]], label="δ (Eq. 6)")
    axes[0].legend()
    axes[0].set_title("validation loss")
    axes[1].plot(steps, [r["reward"] for r in data["steps"]])
    axes[1].axhline(0, color="grey", lw=0.5)
    axes[1].set_title("reward δ − L_val")
    axes[2].plot(steps, [r["selected"] for r in data["steps"]], label="selected")
    axes[2].plot(steps, [r["mean_omega"] for r in data["steps"]], label="mean ω")
    axes[2].legend()
    axes[2].set_title("selection rate")
    for ax in axes:
        ax.set_xlabel("step")
    fig.suptitle(f"{data['dataset']}: Learn2Augment Selector (REINFORCE)")
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100, metadata={"Software": None})
    plt.close(fig)

