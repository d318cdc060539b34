"""Benchmarks of batched RandAugment-T, each measured side by side in one run.

* ``augment_vs_pil_loop``: clips/s of our batched RandAugment-T on a ``(8, 3, 16, 112, 112)``
  uint8 batch divided by clips/s of a per-frame PIL implementation of the same ops with the same
  drawn ops, signs and per-frame magnitudes (``PIL.ImageOps`` / ``ImageEnhance`` /
  ``Image.transform`` in a Python loop over clips, ops and frames). Goal >= 10. Both run on one
  thread (the PIL loop cannot use more); the ratio with torch's default threads is reported too.
  The mean absolute difference of the two outputs (0..255 levels) shows they compute the same
  thing. Beside it, the same ops in a per-frame OpenCV loop (``augment_references``): the
  fastest per-frame uint8 kernels on this CPU, i.e. how much room a core leaves above PIL.
* ``augment_vs_pil_loop_released``: the same ratio for the ``released`` convention (Kim et
  al.'s released code: 15 ops with PIL's integer rounding and nearest resampling), against a PIL
  loop of the released mappings (``RELEASED_PIL_OPS``; no OpenCV counterpart). Goal >= 10. Both
  conventions run in one process, side by side, and ``released_vs_randaugment`` is the ratio of
  their clips/s.
* ``augment_share_of_step``: time of RandAugment-T on the batch divided by (that + one
  forward/backward of torchvision's ``r3d_18(weights=None)`` on the batch). Goal <= 10 %.

Each entry also carries the process's peak RSS (``resource.getrusage``) after it ran.
Run: ``python bench/bench_augment.py`` (about a minute on 2 CPU cores); ``--per-op`` adds a table
of microseconds per frame for each op (ours, PIL, OpenCV); ``--conventions`` adds, per op at
``M = 9`` on the test batch, the mean absolute difference (0..255) of the released op from a PIL
call of the released mapping, and of the ``randaugment`` op from the released one
(``--only-conventions``: that table alone).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import cv2
import numpy as np
import torch
from augment_references import (
    OPENCV_OPS,
    PIL_OPS,
    RELEASED_PIL_OPS,
    opencv_randaugment_t,
    pil_randaugment_t,
)
from common import peak_rss_mb, row
from PIL import Image

from videoaug.augment import functional as F
from videoaug.augment.randaugment_t import RandAugmentT

BATCH_SHAPE = (8, 3, 16, 112, 112)
N_OPS, MAGNITUDE, MODE = 2, 9.0, "temporal+"
SEED = 0


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _test_batch() -> torch.Tensor:
    """Smooth random clips (gradients plus noise), so enhancement ops have structure to act on."""
    gen = torch.Generator().manual_seed(SEED)
    batch, channels, length, height, width = BATCH_SHAPE
    base = torch.rand((batch, channels, 1, height // 8, width // 8), generator=gen)
    base = torch.nn.functional.interpolate(
        base.squeeze(2), size=(height, width), mode="bilinear", align_corners=False
    ).unsqueeze(2)
    drift = torch.linspace(0.0, 0.2, length).view(1, 1, length, 1, 1)
    noise = 0.05 * torch.rand(BATCH_SHAPE, generator=gen)
    return ((base + drift + noise).clamp(0, 1) * 255).round().to(torch.uint8)


# ----------------------------------------------------------------------------- benchmarks


def _alternating_rates(clips: torch.Tensor, augment: RandAugmentT, rounds: int) -> dict:
    """Median clips/s of ours, the PIL loop and (randaugment only) the OpenCV loop, run in turn
    on the same fresh draws so that all see the same machine load; ours includes drawing its
    parameters."""
    generator = torch.Generator().manual_seed(SEED)
    references = [("pil", pil_randaugment_t)]
    if augment.convention == "randaugment":
        references.append(("opencv", opencv_randaugment_t))
    times: dict[str, list[float]] = {"ours": [], **{name: [] for name, _ in references}}
    for _ in range(rounds):
        start = time.perf_counter()
        params = augment.make_params(clips.shape, generator)
        augment.apply(clips, params)
        times["ours"].append(time.perf_counter() - start)
        for name, reference in references:
            start = time.perf_counter()
            reference(clips, params)
            times[name].append(time.perf_counter() - start)
    return {name: clips.shape[0] / statistics.median(values) for name, values in times.items()}


def bench_augment_vs_pil_loop(
    clips: torch.Tensor, rounds: int = 5, convention: str = "randaugment"
) -> dict:
    """Ratio measured with torch and OpenCV on one thread, like the PIL loop (per-core
    throughput); the ratio with torch's default thread count is reported beside it, and so is
    the OpenCV per-frame loop's ratio to PIL (randaugment: how far the best per-frame C kernels
    here go)."""
    augment = RandAugmentT(N_OPS, MAGNITUDE, MODE, convention)
    params = augment.make_params(clips.shape, torch.Generator().manual_seed(SEED))
    ours = augment.apply(clips, params).float()
    theirs = pil_randaugment_t(clips, params).float()
    details: dict[str, object] = {}
    if convention == "randaugment":
        opencv = opencv_randaugment_t(clips, params).float()
        details["opencv_mean_abs_diff_vs_pil"] = round(float((opencv - theirs).abs().mean()), 3)

    threads = torch.get_num_threads()
    all_threads = _alternating_rates(clips, augment, rounds)
    torch.set_num_threads(1)
    cv2_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        rates = _alternating_rates(clips, augment, rounds)
    finally:
        torch.set_num_threads(threads)
        cv2.setNumThreads(cv2_threads)
    ratio = rates["ours"] / rates["pil"]
    if "opencv" in rates:
        details["opencv_clips_per_s"] = round(rates["opencv"], 2)
        details["opencv_vs_pil"] = round(rates["opencv"] / rates["pil"], 3)
    return row(
        ratio,
        ">= 10",
        ratio >= 10.0,
        convention=convention,
        ours_clips_per_s=round(rates["ours"], 2),
        pil_clips_per_s=round(rates["pil"], 2),
        **{f"ratio_with_{threads}_threads": round(all_threads["ours"] / all_threads["pil"], 3)},
        mean_abs_diff_vs_pil=round(float((ours - theirs).abs().mean()), 3),
        **details,
        peak_rss_mb=round(peak_rss_mb(), 1),
    )


def convention_table(clips: torch.Tensor, magnitude: float = MAGNITUDE) -> list[tuple[str, ...]]:
    """Per op at ``magnitude``: mean |released op - PIL released mapping| and mean |randaugment
    op - released op| (0..255 levels) on ``clips``."""
    frames = clips.permute(0, 2, 3, 4, 1).reshape(-1, *clips.shape[3:], clips.shape[1]).numpy()
    lines = [("op", "released vs PIL", "randaugment vs released")]
    for name in F.op_names("released"):
        released = F.apply_op(name, clips, magnitude, convention="released")
        flat = released.permute(0, 2, 3, 4, 1).reshape(frames.shape).numpy().astype(float)
        pil = np.stack([np.asarray(RELEASED_PIL_OPS[name](Image.fromarray(frame), magnitude))
                        for frame in frames]).astype(float)
        other = "n/a (not in the op set)"
        if name in F.OP_NAMES:
            ours = F.apply_op(name, clips, magnitude).float()
            other = f"{float((ours - released.float()).abs().mean()):.2f}"
        lines.append((name, f"{np.abs(flat - pil).mean():.3f}", other))
    return lines


def per_op_table(clips: torch.Tensor, magnitude: float = MAGNITUDE) -> list[tuple[str, ...]]:
    """Per op, on one thread: microseconds per frame of ours (the whole batch in one call, per
    frame), PIL and OpenCV (one call per frame), and the two ratios to PIL."""
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    frames_chw = clips.permute(0, 2, 1, 3, 4).reshape(-1, *clips.shape[1:2], *clips.shape[3:])
    frames_hwc = [frame.permute(1, 2, 0).contiguous().numpy() for frame in frames_chw]
    images = [Image.fromarray(frame) for frame in frames_hwc]
    count = len(frames_hwc)
    lines = [("op", "ours us/frame", "PIL us/frame", "OpenCV us/frame", "PIL/ours", "PIL/OpenCV")]
    for name in F.OP_NAMES:
        ours = _median_seconds(lambda name=name: F.apply_op(name, clips, magnitude), 5) / count
        pil = _median_seconds(lambda name=name: [PIL_OPS[name](i, magnitude) for i in images], 3)
        opencv = _median_seconds(
            lambda name=name: [OPENCV_OPS[name](f, magnitude) for f in frames_hwc], 3
        )
        pil, opencv = pil / count, opencv / count
        lines.append(
            (
                name,
                f"{ours * 1e6:.1f}",
                f"{pil * 1e6:.1f}",
                f"{opencv * 1e6:.1f}",
                f"{pil / ours:.2f}",
                f"{pil / opencv:.2f}",
            )
        )
    return lines


def bench_augment_share_of_step(clips: torch.Tensor) -> dict:
    from torchvision.models.video import r3d_18

    torch.manual_seed(SEED)
    model = r3d_18(weights=None, num_classes=10)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    targets = torch.softmax(torch.randn(clips.shape[0], 10), dim=1)
    augment = RandAugmentT(N_OPS, MAGNITUDE, MODE)
    generator = torch.Generator().manual_seed(SEED + 2)
    inputs = clips.float().div_(255.0)

    def train_step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()

    with torch.no_grad():
        augment_seconds = _median_seconds(lambda: augment(clips, generator), repeats=3)
    # One step only (tens of seconds on a CPU); being the first, it also pays one-off
    # allocations, which can only make the augmentation share look smaller by a little.
    step_seconds = _median_seconds(train_step, repeats=1)
    share = augment_seconds / (augment_seconds + step_seconds)
    return row(
        share,
        "<= 0.10",
        share <= 0.10,
        augment_s=round(augment_seconds, 3),
        step_s=round(step_seconds, 2),
        peak_rss_mb=round(peak_rss_mb(), 1),
    )


def run() -> dict[str, dict]:
    """Run both benchmarks; ``{name: {"value", "goal", "ok", ...}}``."""
    clips = _test_batch()
    default = bench_augment_vs_pil_loop(clips)
    released = bench_augment_vs_pil_loop(clips, convention="released")
    released["released_vs_randaugment"] = round(
        released["ours_clips_per_s"] / default["ours_clips_per_s"], 3
    )
    return {
        "augment_vs_pil_loop": default,
        "augment_vs_pil_loop_released": released,
        "augment_share_of_step": bench_augment_share_of_step(clips),
    }


def _print_table(results: dict[str, dict]) -> None:
    print(f"{'benchmark':<30} {'value':>10} {'goal':>8} {'ok':>4}  details")
    for name, entry in results.items():
        details = ", ".join(
            f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
            for key, value in entry.items()
            if key not in ("value", "goal", "ok")
        )
        ok = "yes" if entry["ok"] else "no"
        print(f"{name:<30} {entry['value']:>10.4g} {entry['goal']:>8} {ok:>4}  {details}")


if __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {BATCH_SHAPE}")
    if "--conventions" in sys.argv:
        for line in convention_table(_test_batch()):
            print("".join(f"{cell:>26}" for cell in line))
    if "--only-conventions" in sys.argv:
        sys.exit(0)
    _print_table(run())
    if "--per-op" in sys.argv:
        for line in per_op_table(_test_batch()):
            print("".join(f"{cell:>16}" for cell in line))
