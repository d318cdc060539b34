"""Learn2Augment, supervised setting (Gowda et al. 2022, §4.1/§5.2): a video classifier trained on
the real training clips plus the composites of the Selector's top pairs, on the shared trainer.

* Real clips: :class:`videoaug.train.datasets.ClipSamples` with the TDA family's clip sampling,
  scale jitter, crop and flip (``tda`` section, policy ``none``), so ``l2a_none`` is the same
  recipe as the TDA baseline; ``l2a.classifier`` overrides it (paper preset: 8-frame clips, SGD
  momentum 0.9, weight decay 1e-3, cosine schedule, §5.1). Their labels become one-hot vectors so
  the batch collates with the composites' soft labels.
* Composites (:class:`CompositeClips`): the first ``l2a.budget`` pairs of ``pairs.h5``
  composited **on the fly** from the cached frames, masks and backgrounds
  (:func:`videoaug.methods.l2a.compose.composite_pair`; composing one synth4 clip costs ~2× a copy
  of its frames (bench_l2a ``composite_vs_memcpy``), far less than the network's step, and no
  second frame store is written), then sampled and transformed exactly like the real clips; the
  target is the mixed label ``λ·y_f + (1 − λ)·y_b`` (Eq. 8) as a soft target.
* Both ``l2a`` and ``l2a_none`` draw their classifier initialisation and data order from the same
  seed stream, so the pair differs only by the composites.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from videoaug.io.store import open_store
from videoaug.methods.l2a.ablation import ABLATIONS, pairs_store
from videoaug.methods.l2a.compose import Variant, composite_pair
from videoaug.methods.l2a.selector_stage import PAIRS_SCHEMA, read_top_pairs
from videoaug.methods.l2a.semi import RelabelledStores
from videoaug.methods.l2a.stores import L2AStores
from videoaug.provenance import read_json, result_record, write_json
from videoaug.seeding import derive_seed
from videoaug.train.datasets import (
    ConcatSamples,
    EpochDataset,
    clip_indices,
    last_clip_start,
)
from videoaug.train.transforms import FrameTransform, frames_to_clip
from videoaug.train.video_classifier import (
    VideoClassifierParams,
    fit_and_test,
    training_clips,
)

log = logging.getLogger("videoaug")
METHODS = ("l2a", "l2a_none", "l2a_random", "l2a_actorcut")
"""``l2a``: the Selector's top pairs; ``l2a_none``: no composites; ``l2a_random``: pairs drawn
uniformly from the same search space (Table 1, no Selector); ``l2a_actorcut``: an ActorCut-like
baseline — random pairs of any two different classes, the foreground's instance boxes pasted on
the other video's raw frames (no masks, no inpainting, no matching)."""
NEEDS_PAIRS = ("l2a", "l2a_random")
VARIANTS = {"l2a": None, "l2a_random": None, "l2a_actorcut": Variant("boxes", "raw")}
# Tables 1 and 2 (videoaug.methods.l2a.ablation): l2a_nocomp, l2a_random_nomatch, l2a_noseg, ...
METHODS += tuple(m for m in ABLATIONS if m not in METHODS)
NEEDS_PAIRS += tuple(m for m in ABLATIONS if pairs_store(m) and m not in NEEDS_PAIRS)


def pair_space(method: str, manifest: dict, pairs_path: str | Path | None) -> list[tuple]:
    """The search space a Selector-less method draws from, sorted (so the draw does not depend
    on scores): the scored space of ``pairs.h5`` (matched pairs), every ordered pair of two
    different training videos (ablations without Semantic Matching), or of two videos of
    different classes (``l2a_actorcut``)."""
    abl = ABLATIONS.get(method)
    if abl is not None and abl.pairing == "matched":
        return sorted((a, b) for a, b, _ in read_top_pairs(pairs_path, 2 ** 62))
    train = [(str(v["id"]), int(v["label"])) for v in manifest["videos"] if v["split"] == "train"]
    if abl is not None:
        return sorted((a, b) for a, _ in train for b, _ in train if a != b)
    return sorted((a, b) for a, la in train for b, lb in train if la != lb)


def search_space_size(method: str, manifest: dict, pairs_path: str | Path | None) -> dict:
    """``search_space`` (S, paper Table 1's #Videos) a method's pairs come from and, for a
    Selector's ``pairs.h5``, ``selector_keeps``: pairs with ω ≥ 0.5 (kept more often than not
    by its Bernoulli policy)."""
    if method == "l2a_none":
        return {"search_space": 0}
    abl = ABLATIONS.get(method)
    if abl is not None and abl.selector:
        with open_store(pairs_path, PAIRS_SCHEMA) as handle:
            return {"search_space": int(handle.attrs["search_space"]),
                    "selector_keeps": int((handle["omega"][()] >= 0.5).sum())}
    return {"search_space": len(pair_space(method, manifest, pairs_path))}


def choose_pairs(method: str, manifest: dict, pairs_path: str | Path | None, budget: int,
                 seed: int) -> list[tuple[str, str, float]]:
    """The ``(fg, bg, ω)`` pairs a method composites (ω = NaN where no Selector chose them).

    ``l2a_random`` draws from the whole search space of ``pairs.h5`` sorted by id (so the draw
    does not depend on the scores); ``l2a_actorcut`` from every ordered pair of training videos
    of different classes. Draws are without replacement, seeded by ``seed``.
    """
    abl = ABLATIONS.get(method)
    if abl is not None and abl.selector:
        return read_top_pairs(pairs_path, budget)
    # Selector-less rows with one search space draw the same pairs (they differ by the transform)
    stream = method if abl is None else \
        ("l2a_random" if abl.pairing == "matched" else "l2a_random_nomatch")
    rng = np.random.default_rng(derive_seed(seed, "l2a-pairs", stream))
    space = pair_space(method, manifest, pairs_path)
    if not space:
        raise ValueError(f"{method}: no candidate pairs in {manifest['dataset']!r}")
    picks = np.sort(rng.choice(len(space), size=min(budget, len(space)), replace=False))
    return [(*space[i], float("nan")) for i in picks]


class OneHotClips(Dataset):
    """A training :class:`ClipSamples` whose labels are one-hot ``float32 (C,)`` vectors."""

    def __init__(self, clips: Dataset, num_classes: int) -> None:
        self.clips, self.num_classes = clips, num_classes
        self.labels = np.asarray(clips.labels, dtype=np.int64)

    def set_epoch(self, epoch: int) -> None:
        self.clips.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int):
        clip, label, position = self.clips[index]
        onehot = np.zeros(self.num_classes, dtype=np.float32)
        onehot[int(label)] = 1.0
        return clip, torch.from_numpy(onehot), position


class CompositeClips(EpochDataset):
    """Composited training clips ``(3, T, H, W) uint8`` with soft labels ``float32 (C,)``.

    ``pairs``: ``(foreground id, background id)``; the stores are opened lazily (workers).
    ``labels`` (video id → class) replaces the stores' labels (the semi-supervised setting's
    pseudo-labels, :class:`videoaug.methods.l2a.semi.RelabelledStores`).
    """

    def __init__(self, pairs: Sequence[tuple[str, str]], frames: Sequence[str | Path],
                 masks: Sequence[str | Path], backgrounds: Sequence[str | Path],
                 num_classes: int, clip_len: int, stride: int, transform: FrameTransform,
                 variant: Variant | None = None, alpha: float = 4.0, seed: int = 0,
                 labels: Mapping[str, int] | None = None) -> None:
        self.pairs = [(str(a), str(b)) for a, b in pairs]
        self.paths = (list(frames), list(masks), list(backgrounds))
        self.num_classes, self.clip_len, self.stride = num_classes, clip_len, stride
        self.transform, self.alpha, self.seed = transform, alpha, seed
        self.variant = Variant() if variant is None else variant
        self.relabel = None if labels is None else dict(labels)
        self._stores: L2AStores | RelabelledStores | None = None
        stores = self.stores()
        self.labels = np.array([stores.label(a) for a, _ in self.pairs], dtype=np.int64)

    def stores(self) -> L2AStores | RelabelledStores:
        if self._stores is None:
            stores = L2AStores(*self.paths, num_classes=self.num_classes)
            self._stores = stores if self.relabel is None else RelabelledStores(stores,
                                                                                self.relabel)
        return self._stores

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_stores"] = None
        return state

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int):
        rng = self.rng(index)
        fg, bg = self.pairs[index]
        comp = composite_pair(self.stores(), fg, bg, self.variant, self.alpha)
        count = len(comp.frames)
        start = int(rng.integers(last_clip_start(count, self.clip_len, self.stride) + 1))
        frames = comp.frames[clip_indices(count, start, self.clip_len, self.stride)]
        clip = frames_to_clip(self.transform(frames, rng))
        return clip, torch.from_numpy(comp.label.astype(np.float32)), index


def train_l2a(manifest_path: str | Path, frames: Sequence[str | Path],
              masks: Sequence[str | Path], backgrounds: Sequence[str | Path],
              pairs_path: str | Path | None, params: dict[str, Any],
              out: str | Path, scores_out: str | Path | None = None) -> dict[str, Any]:
    """Train and test one classifier; write and return the result JSON (result contract) and,
    when ``scores_out`` is given, the per-video test softmax (``.npz``).

    ``params``: ``method`` (``l2a`` or ``l2a_none``), ``classifier``
    (:class:`VideoClassifierParams` fields,
    policy ``none``), ``budget``, ``alpha``, ``mask``, ``background``. ``l2a`` needs
    ``pairs_path``.
    """
    started = time.time()
    method = params["method"]
    if method not in METHODS:
        raise ValueError(f"unknown L2A method {method!r}; choose one of {METHODS}")
    if method in NEEDS_PAIRS and pairs_path is None:
        raise ValueError(f"method {method} needs the scored pairs (cache/{{ds}}/l2a/pairs.h5)")
    cparams = VideoClassifierParams.from_dict(params["classifier"])
    manifest = read_json(manifest_path)
    classes = list(manifest["classes"])
    seed = derive_seed(cparams.seed, manifest["dataset"], "l2a")
    real = OneHotClips(training_clips(frames, manifest, cparams, seed), len(classes))
    parts: list[Dataset] = [real]
    top: list[tuple[str, str, float]] = []
    if method != "l2a_none":
        top = choose_pairs(method, manifest, pairs_path, int(params["budget"]), seed)
        if method in ABLATIONS and method not in VARIANTS:
            variant = ABLATIONS[method].variant(float(params.get("mixup_alpha", 1.0)))
        else:
            variant = VARIANTS[method] or Variant(params.get("mask", "union"),
                                                  params.get("background", "inpainted"))
        parts.append(CompositeClips(
            [(a, b) for a, b, _ in top], frames, masks, backgrounds, len(classes),
            cparams.clip_len, cparams.stride, cparams.train_transform(), variant,
            float(params.get("alpha", 4.0)), seed=derive_seed(seed, "composites")))
    train = ConcatSamples(parts)
    trainer, history, metrics, test = fit_and_test(train, frames, manifest, cparams, seed,
                                                   scores_out=scores_out)
    result = result_record(
        dataset=manifest["dataset"], method=method, metrics=metrics, history=history,
        counts={"train_real": len(real), "train_generated": len(train) - len(real),
                "test_videos": len(test), "test_clips_per_video": cparams.num_test_clips,
                "classes": len(classes),
                **search_space_size(method, manifest, pairs_path if method in NEEDS_PAIRS
                                    else None)},
        config={**params, "classifier": asdict(cparams)},
        inputs=[manifest_path, *frames,
                *([*masks, *backgrounds] if method != "l2a_none" else []),
                *([pairs_path] if method in NEEDS_PAIRS else [])],
        seed=cparams.seed, started=started,
        pairs=[{"fg": a, "bg": b, "omega": None if np.isnan(w) else w} for a, b, w in top],
        model={"backbone": cparams.backbone,
               "parameters": int(sum(p.numel() for p in trainer.model.parameters()))},
        device=str(trainer.device),
        **({"ablation": ABLATIONS[method].switches()} if method in ABLATIONS else {}),
    )
    write_json(out, result)
    log.info("%s %s: top-1 %.4f (%.0f s)", manifest["dataset"], method, metrics["top1"],
             result["wall_seconds"])
    return result
