"""Benchmarks of batched RandAugment-T, each measured side by side in one run.

* ``augment_vs_pil_loop``: clips/s of our batched RandAugment-T on a ``(8, 3, 16, 112, 112)``
  uint8 batch divided by clips/s of a per-frame PIL implementation of the same ops with the same
  drawn ops, signs and per-frame magnitudes (``PIL.ImageOps`` / ``ImageEnhance`` /
  ``Image.transform`` in a Python loop over clips, ops and frames). Goal >= 10. Both run on one
  thread (the PIL loop cannot use more); the ratio with torch's default threads is reported too.
  The mean absolute difference of the two outputs (0..255 levels) shows they compute the same
  thing.
* ``augment_share_of_step``: time of RandAugment-T on the batch divided by (that + one
  forward/backward of torchvision's ``r3d_18(weights=None)`` on the batch). Goal <= 10 %.

Each entry also carries the process's peak RSS (``resource.getrusage``) after it ran.
Run: ``python bench/bench_augment.py`` (about a minute on 2 CPU cores).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from common import peak_rss_mb, row
from PIL import Image, ImageEnhance, ImageOps

from videoaug.augment import functional as F
from videoaug.augment.randaugment_t import RandAugmentT, RandAugmentTParams

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


# ----------------------------------------------------------------------------- PIL reference


def _enhance(kind: type) -> Callable[[Image.Image, float], Image.Image]:
    return lambda image, m: kind(image).enhance(max(0.0, 1.0 + F.ENHANCE_MAX_DELTA * m / 30.0))


def _affine(coefficients: Callable[[float, int, int], tuple]) -> Callable:
    def op(image: Image.Image, m: float) -> Image.Image:
        width, height = image.size
        data = coefficients(m, width, height)
        return image.transform(image.size, Image.Transform.AFFINE, data, Image.Resampling.BILINEAR)

    return op


def _shear(m: float) -> float:
    return F.SHEAR_MAX * m / F.MAX_MAGNITUDE


def _shift(m: float, size: int) -> float:
    return F.TRANSLATE_MAX_FRACTION * size * m / F.MAX_MAGNITUDE


# Same parameter mapping as videoaug.augment.functional, one PIL call per frame.
PIL_OPS: dict[str, Callable[[Image.Image, float], Image.Image]] = {
    "identity": lambda image, m: image,
    "autocontrast": lambda image, m: ImageOps.autocontrast(image),
    "equalize": lambda image, m: ImageOps.equalize(image),
    "rotate": lambda image, m: image.rotate(
        F.ROTATE_MAX_DEGREES * m / F.MAX_MAGNITUDE, resample=Image.Resampling.BILINEAR
    ),
    "solarize": lambda image, m: ImageOps.solarize(image, 256.0 * (1.0 - m / F.MAX_MAGNITUDE)),
    "posterize": lambda image, m: ImageOps.posterize(
        image, int(min(8, max(1, round(8 - F.POSTERIZE_MAX_BITS_REMOVED * m / F.MAX_MAGNITUDE))))
    ),
    "color": _enhance(ImageEnhance.Color),
    "contrast": _enhance(ImageEnhance.Contrast),
    "brightness": _enhance(ImageEnhance.Brightness),
    "sharpness": _enhance(ImageEnhance.Sharpness),
    # PIL's affine data maps output (x, y) to input; shear about the centre like ours.
    "shear_x": _affine(lambda m, w, h: (1, _shear(m), -_shear(m) * h / 2, 0, 1, 0)),
    "shear_y": _affine(lambda m, w, h: (1, 0, 0, _shear(m), 1, -_shear(m) * w / 2)),
    "translate_x": _affine(lambda m, w, h: (1, 0, -_shift(m, w), 0, 1, 0)),
    "translate_y": _affine(lambda m, w, h: (1, 0, 0, 0, 1, -_shift(m, h))),
}


def pil_randaugment_t(clips: torch.Tensor, params: RandAugmentTParams) -> torch.Tensor:
    """The same RandAugment-T ops, frame by frame with PIL: ``(B, C, T, H, W)`` uint8 in/out."""
    frames = clips.permute(0, 2, 3, 4, 1).numpy()  # (B, T, H, W, C)
    op_indices = params.op_indices.tolist()
    magnitudes = params.magnitudes.tolist()
    out = np.empty_like(frames)
    for b, clip in enumerate(frames):
        for t, frame in enumerate(clip):
            image = Image.fromarray(frame)
            for slot, op_index in enumerate(op_indices[b]):
                image = PIL_OPS[F.OP_NAMES[op_index]](image, magnitudes[b][slot][t])
            out[b, t] = np.asarray(image)
    return torch.from_numpy(out).permute(0, 4, 1, 2, 3).contiguous()


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


def _alternating_rates(clips: torch.Tensor, augment: RandAugmentT, rounds: int) -> tuple:
    """Median clips/s of (ours, PIL), alternating the two on the same fresh draws so that both
    see the same machine load; ours includes drawing its parameters."""
    generator = torch.Generator().manual_seed(SEED)
    ours_times, pil_times = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        params = augment.make_params(clips.shape, generator)
        augment.apply(clips, params)
        ours_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        pil_randaugment_t(clips, params)
        pil_times.append(time.perf_counter() - start)
    batch = clips.shape[0]
    return batch / statistics.median(ours_times), batch / statistics.median(pil_times)


def bench_augment_vs_pil_loop(clips: torch.Tensor, rounds: int = 5) -> dict:
    """Ratio measured with torch on one thread, like the PIL loop (per-core throughput); the
    ratio with torch's default thread count is reported beside it."""
    augment = RandAugmentT(N_OPS, MAGNITUDE, MODE)
    params = augment.make_params(clips.shape, torch.Generator().manual_seed(SEED))
    ours = augment.apply(clips, params)
    theirs = pil_randaugment_t(clips, params)
    mean_abs_diff = float((ours.float() - theirs.float()).abs().mean())

    threads = torch.get_num_threads()
    ours_all, pil_all = _alternating_rates(clips, augment, rounds)
    torch.set_num_threads(1)
    try:
        ours_rate, pil_rate = _alternating_rates(clips, augment, rounds)
    finally:
        torch.set_num_threads(threads)
    ratio = ours_rate / pil_rate
    return row(
        ratio,
        ">= 10",
        ratio >= 10.0,
        ours_clips_per_s=round(ours_rate, 2),
        pil_clips_per_s=round(pil_rate, 2),
        **{f"ratio_with_{threads}_threads": round(ours_all / pil_all, 3)},
        mean_abs_diff_vs_pil=round(mean_abs_diff, 3),
        peak_rss_mb=round(peak_rss_mb(), 1),
    )


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
    return {
        "augment_vs_pil_loop": bench_augment_vs_pil_loop(clips),
        "augment_share_of_step": bench_augment_share_of_step(clips),
    }


def _print_table(results: dict[str, dict]) -> None:
    print(f"{'benchmark':<24} {'value':>10} {'goal':>8} {'ok':>4}  details")
    for name, entry in results.items():
        details = ", ".join(
            f"{key}={value:.4g}"
            for key, value in entry.items()
            if key not in ("value", "goal", "ok")
        )
        ok = "yes" if entry["ok"] else "no"
        print(f"{name:<24} {entry['value']:>10.4g} {entry['goal']:>8} {ok:>4}  {details}")


if __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {BATCH_SHAPE}")
    _print_table(run())
