"""Dense optical flow between consecutive frames, and its bounded uint8 encoding.

Tavakolian et al. (AVD, 2019, Sec. 4.1) distil optical-flow videos computed with TV-L1
(Zach et al., 2007). Three OpenCV methods share one interface:

* ``tvl1``: ``cv2.optflow.DualTVL1OpticalFlow`` (OpenCV's contrib build), the paper's method;
* ``farneback``: ``cv2.calcOpticalFlowFarneback`` (polynomial expansion);
* ``dis``: ``cv2.DISOpticalFlow`` (dense inverse search), the fastest.

Storage: flow ``f`` in pixels is clipped to ``[-bound, bound]`` and mapped linearly to
``0..255`` (``q = round((f + bound) · 255 / (2 · bound))``), so one stored step is
``2 · bound / 255`` pixels and a store is 4x smaller than float32 before compression
(8x smaller than float64). ``bound`` is in the store's params.

The bound follows the data by default (``flow.bound: auto``, :func:`measure_bound`): a high
percentile of ``|u|``, ``|v|`` measured on a sample of the training videos' frame pairs at the
store's resolution. A fixed ±20 px bound on 112-px frames of a tripod camera leaves the stored
flow within a few of the 256 levels (:func:`level_use`), and every flow image — and every
AVD(OF) image distilled from them — is then one flat grey.

Classifiers and the AVD encoder read flow as a 3-channel image (:func:`flow_to_image`):
``(u, v, |f|)`` with ``u``, ``v`` as stored and the magnitude mapped from ``[0, bound]`` to
``0..255`` — the usual "flow as an image" layout of two-stream networks plus a third channel
so that ImageNet-shaped 2D CNNs read it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import cv2
import numpy as np

from videoaug.io.store import flow_to_image  # noqa: F401 (the stored encoding's image: io owns the format)

METHODS = ("tvl1", "farneback", "dis")

# Defaults of each method's options (config ``flow.options.<method>`` overrides them).
DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    # OpenCV's own defaults; the CPU-scale config lowers nscales/warps/iterations (README).
    "tvl1": {"nscales": 5, "warps": 5, "inner_iterations": 30, "outer_iterations": 10,
             "epsilon": 0.01, "tau": 0.25, "lambda": 0.15, "theta": 0.3},
    "farneback": {"pyr_scale": 0.5, "levels": 3, "winsize": 15, "iterations": 3, "poly_n": 5,
                  "poly_sigma": 1.2},
    "dis": {"preset": "medium"},
}
_DIS_PRESETS = {"ultrafast": 0, "fast": 1, "medium": 2}


def method_options(method: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The full option dict of ``method``: defaults updated by ``options`` (unknown keys fail)."""
    if method not in METHODS:
        raise ValueError(f"unknown flow method {method!r}; choose one of {', '.join(METHODS)}")
    merged = dict(DEFAULT_OPTIONS[method])
    unknown = sorted(set(options or {}) - set(merged))
    if unknown:
        raise ValueError(f"flow.options.{method}: unknown keys {unknown}; valid: {sorted(merged)}")
    merged.update(options or {})
    return merged


class FlowComputer:
    """Callable ``(prev, next) -> flow float32 (H, W, 2)`` for grey frames ``uint8 (H, W)``.

    Built once per video shard: the OpenCV objects are reused across frame pairs.
    """

    def __init__(self, method: str, options: Mapping[str, Any] | None = None) -> None:
        self.method = method
        self.options = method_options(method, options)
        o = self.options
        if method == "tvl1":
            if not hasattr(cv2, "optflow"):
                raise ImportError(
                    "TV-L1 needs OpenCV's contrib build: pip uninstall opencv-python-headless && "
                    "pip install opencv-contrib-python-headless (make setup does this), or set "
                    "flow.method: dis")
            tvl1 = cv2.optflow.DualTVL1OpticalFlow_create()
            tvl1.setScalesNumber(int(o["nscales"]))
            tvl1.setWarpingsNumber(int(o["warps"]))
            tvl1.setInnerIterations(int(o["inner_iterations"]))
            tvl1.setOuterIterations(int(o["outer_iterations"]))
            tvl1.setEpsilon(float(o["epsilon"]))
            tvl1.setTau(float(o["tau"]))
            tvl1.setLambda(float(o["lambda"]))
            tvl1.setTheta(float(o["theta"]))
            self._engine = tvl1
        elif method == "dis":
            if o["preset"] not in _DIS_PRESETS:
                raise ValueError(f"flow.options.dis.preset must be one of {list(_DIS_PRESETS)}")
            self._engine = cv2.DISOpticalFlow_create(_DIS_PRESETS[o["preset"]])
        else:
            self._engine = None

    def __call__(self, prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        if self.method == "farneback":
            o = self.options
            flow = cv2.calcOpticalFlowFarneback(
                prev, nxt, None, float(o["pyr_scale"]), int(o["levels"]), int(o["winsize"]),
                int(o["iterations"]), int(o["poly_n"]), float(o["poly_sigma"]), 0)
        else:
            flow = self._engine.calc(prev, nxt, None)
        return np.asarray(flow, dtype=np.float32)


def to_grey(frames: np.ndarray) -> np.ndarray:
    """RGB ``uint8 (T, H, W, 3)`` -> grey ``uint8 (T, H, W)``."""
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def video_flow(frames: np.ndarray, method: str = "tvl1",
               options: Mapping[str, Any] | None = None,
               computer: FlowComputer | None = None) -> np.ndarray:
    """Flow between consecutive frames: RGB ``uint8 (T, H, W, 3)`` -> ``float32 (T-1, H, W, 2)``
    (channel 0 horizontal, 1 vertical displacement in pixels, from frame t to t+1).

    A single-frame video has no pair: the result is ``(0, H, W, 2)``.
    """
    grey = to_grey(frames)
    computer = computer or FlowComputer(method, options)
    height, width = grey.shape[1:]
    out = np.empty((max(len(grey) - 1, 0), height, width, 2), dtype=np.float32)
    for t in range(len(out)):
        out[t] = computer(grey[t], grey[t + 1])
    return out


def stream_flow(chunks: Iterable[np.ndarray], computer: FlowComputer) -> Iterator[np.ndarray]:
    """:func:`video_flow` over a video given in consecutive pieces ``uint8 (t, H, W, 3)``: one
    ``float32 (n, H, W, 2)`` per piece (the pair that crosses into a piece belongs to it), the
    same fields as the whole clip's, with two frames of the clip in memory at a time besides the
    piece."""
    previous = None
    for chunk in chunks:
        grey = to_grey(chunk)
        if previous is not None:
            grey = np.concatenate([previous[None], grey])
        if len(grey) >= 2:
            yield np.stack([computer(grey[t], grey[t + 1]) for t in range(len(grey) - 1)])
        previous = grey[-1]


def check_bound(bound: float) -> float:
    bound = float(bound)
    if not bound > 0:
        raise ValueError(f"flow.bound must be > 0 pixels, got {bound}")
    return bound


def flow_step(bound: float) -> float:
    """Pixels per stored uint8 step: ``2 · bound / 255``."""
    return 2.0 * check_bound(bound) / 255.0


def encode_flow(flow: np.ndarray, bound: float) -> np.ndarray:
    """Float flow ``(..., 2)`` in pixels -> ``uint8`` (clipped to ``±bound``, see module doc)."""
    bound = check_bound(bound)
    scaled = (np.clip(flow, -bound, bound) + bound) * (255.0 / (2.0 * bound))
    return np.rint(scaled).astype(np.uint8)


def decode_flow(encoded: np.ndarray, bound: float) -> np.ndarray:
    """Inverse of :func:`encode_flow` up to half a step: ``uint8 (..., 2)`` -> float32 pixels."""
    return (encoded.astype(np.float32) * np.float32(flow_step(bound)) - np.float32(bound))


def flow_magnitudes(flow: np.ndarray) -> np.ndarray:
    """``|u|`` and ``|v|`` of a flow ``(..., 2)``, one flat float32 array (what the bound clips)."""
    return np.abs(np.asarray(flow, dtype=np.float32)).reshape(-1)


def measure_bound(samples: np.ndarray, percentile: float = 99.5,
                  minimum: float = 0.5) -> dict:
    """The quantisation bound from measured flow: ``max(minimum, percentile of |u|, |v|)``.

    ``samples``: the ``|u|``, ``|v|`` values (:func:`flow_magnitudes`) of the sampled frame pairs.
    Returns ``bound`` (pixels), ``measured`` (the percentile itself), a few percentiles of the
    sample and ``clipped_share`` (the share of components beyond the bound: about
    ``1 − percentile/100`` unless the floor ``minimum`` wins).
    """
    if not 0 < percentile <= 100:
        raise ValueError(f"flow.auto_bound.percentile must lie in (0, 100], got {percentile}")
    check_bound(minimum)
    samples = np.asarray(samples, dtype=np.float32).reshape(-1)
    if samples.size == 0:
        raise ValueError("no flow samples to measure the bound on (no training frame pairs)")
    measured = float(np.percentile(samples, percentile))
    bound = max(float(minimum), measured)
    quantiles = np.percentile(samples, [50, 90, 99, 99.9])
    return {"bound": bound, "measured": measured, "percentile": float(percentile),
            "minimum": float(minimum), "samples": int(samples.size),
            "p50": float(quantiles[0]), "p90": float(quantiles[1]), "p99": float(quantiles[2]),
            "p99_9": float(quantiles[3]), "max": float(samples.max()),
            "clipped_share": float((samples > bound).mean())}


def level_use(encoded: np.ndarray, percentile: float = 99.0) -> float:
    """Share of the 8-bit range a stored flow uses: the ``percentile`` of ``|q − 127.5| / 127.5``
    over its components (1: the largest displacements reach the bound; near 0: flat grey)."""
    if encoded.dtype != np.uint8:
        raise ValueError(f"stored flow must be uint8, got {encoded.dtype}")
    dev = np.abs(encoded.astype(np.float32) - 127.5) / 127.5
    return float(np.percentile(dev, percentile)) if dev.size else 0.0
