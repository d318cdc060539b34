"""The measured quantisation bound of the stored flow (rule ``flow_bound``,
``cache/{ds}/flow/bound.json``), read by ``optical_flow`` when ``flow.bound`` is ``auto``.

A fixed bound does not fit every footage: ±20 px at 112 px leaves a tripod shot's flow within a
few of the 256 levels. The bound is measured instead on a fixed sample of training frame pairs at
the frames store's resolution (:func:`videoaug.methods.avd.flow.measure_bound`); only the sampled
pairs are decoded from the store, never whole clips.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from videoaug.io.store import FrameStore
from videoaug.methods.avd.flow import (
    FlowComputer,
    check_bound,
    flow_magnitudes,
    measure_bound,
    to_grey,
)
from videoaug.provenance import read_json, write_json

log = logging.getLogger("videoaug")


@dataclass(frozen=True)
class FlowBoundParams:
    """How ``flow/bound.json`` is measured (``methods.avd.params.flow_bound_params``): flow of
    ``pairs`` evenly spaced frame pairs of at most ``videos`` evenly spaced training videos, at
    the frames store's resolution; bound = ``max(minimum, percentile of |u|, |v|)``."""

    method: str = "dis"
    options: dict = field(default_factory=dict)
    percentile: float = 99.5
    videos: int = 16
    pairs: int = 8
    minimum: float = 0.5
    threads: int = 1


def resolve_bound(bound: float | str, bound_file: str | Path | None) -> tuple[float, dict]:
    """``(bound, source)``: the configured number, or the measured one of ``bound_file`` when
    ``bound`` is ``"auto"``."""
    if bound != "auto":
        if isinstance(bound, str):
            raise ValueError(f"flow.bound {bound!r}: give a number of pixels or 'auto'")
        return check_bound(bound), {"source": "config"}
    if bound_file is None:
        raise ValueError("flow.bound is 'auto' but no measured bound was given: pass "
                         "--bound-file cache/{ds}/flow/bound.json (rule flow_bound writes it)")
    measured = read_json(bound_file)
    return check_bound(measured["bound"]), {"source": str(bound_file), **measured}


def pair_starts(num_frames: int, pairs: int) -> np.ndarray:
    """First frames of ``pairs`` evenly spaced pairs ``(s, s + 1)`` of a clip (none under 2
    frames; fewer when the clip is short)."""
    if num_frames < 2 or pairs < 1:
        return np.zeros(0, np.int64)
    return np.unique(np.round(np.linspace(0, num_frames - 2, pairs)).astype(np.int64))


def flow_bound_stage(manifest_path: str | Path, frames_paths: Sequence[str | Path],
                     params: FlowBoundParams, out: str | Path) -> dict:
    """``flow/bound.json``: the quantisation bound measured on the training videos
    (:func:`videoaug.methods.avd.flow.measure_bound`). Only the sampled frame pairs are read
    (never a whole clip); the sample is fixed by the manifest order (no random draw)."""
    import cv2

    cv2.setNumThreads(int(params.threads))
    manifest = read_json(manifest_path)
    train = {str(v["id"]) for v in manifest["videos"] if v["split"] == "train"}
    where = []
    for path in frames_paths:
        store = FrameStore(path)
        where += [(str(path), i, vid) for i, vid in enumerate(store.video_ids) if vid in train]
        store.close()
    where.sort(key=lambda w: w[2])
    if not where:
        raise ValueError(f"{manifest_path}: no training video in {list(map(str, frames_paths))} "
                         "to measure flow.bound on")
    picks = np.unique(np.round(np.linspace(0, len(where) - 1,
                                           min(params.videos, len(where)))).astype(int))
    computer = FlowComputer(params.method, params.options)
    samples, pairs = [], 0
    for k in picks:
        path, i, _ = where[k]
        store = FrameStore(path)
        starts = pair_starts(int(store.num_frames[i]), params.pairs)
        if len(starts):
            indices = np.unique(np.concatenate([starts, starts + 1]))
            grey = to_grey(store.read(i, indices))
            position = {int(f): j for j, f in enumerate(indices)}
            for s in starts:
                flow = computer(grey[position[int(s)]], grey[position[int(s) + 1]])
                samples.append(flow_magnitudes(flow))
                pairs += 1
        store.close()
    if not samples:
        raise ValueError(f"{manifest_path}: the sampled training videos have no frame pair")
    result = measure_bound(np.concatenate(samples), params.percentile, params.minimum)
    result.update(method=params.method, options=computer.options, videos=len(picks),
                  pairs=pairs, dataset=manifest["dataset"])
    write_json(out, result)
    log.info("%s: flow bound %.3f px (p%.1f of |u|,|v| over %d pairs of %d training videos)",
             out, result["bound"], params.percentile, pairs, len(picks))
    return result
