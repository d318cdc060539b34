"""Benchmarks whose goals speak of a GPU; they run only where CUDA is available.

* ``augment_vs_pil_loop_cuda``: clips/s of batched RandAugment-T on the GPU (the same
  ``(8, 3, 16, 112, 112)`` uint8 batch and drawn ops as ``bench_augment``) divided by clips/s of the
  per-frame PIL loop on one CPU thread. Goal >= 10 (issue 4's goal, out of reach on a CPU core).
* ``wgan_iters_per_s_cuda``: WGAN-GP generator iterations per second at the CPU-scale settings
  (32 px, base 16, batch 16, 5 critic steps), beside the same on the CPU.
* ``paper_steps``: seconds per unit of every GPU rule at the paper preset's shapes
  (``bench_paper_steps.py``), for ``docs/paper_scale.md``.

On a machine without CUDA ``run()`` returns nothing. ``scripts/gpu_check.sh`` calls this module.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from augment_references import pil_randaugment_t
from bench_augment import MAGNITUDE, MODE, N_OPS, SEED, _test_batch
from common import row

from videoaug.augment.randaugment_t import RandAugmentT


def _rate(run, count: int, seconds: float = 3.0, sync: bool = False) -> float:
    run()  # warm-up: kernels, allocations
    if sync:
        torch.cuda.synchronize()
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run()
        done += count
    if sync:
        torch.cuda.synchronize()
    return done / (time.perf_counter() - start)


def bench_augment_vs_pil_loop_cuda() -> dict:
    clips = _test_batch()
    augment = RandAugmentT(N_OPS, MAGNITUDE, MODE)
    params = augment.make_params(clips.shape, torch.Generator().manual_seed(SEED))
    gpu_clips = clips.cuda()
    ours = _rate(lambda: augment.apply(gpu_clips, params), len(clips), sync=True)
    torch.set_num_threads(1)
    pil = _rate(lambda: pil_randaugment_t(clips, params), len(clips), seconds=5.0)
    diff = (augment.apply(gpu_clips, params).cpu().float()
            - pil_randaugment_t(clips, params).float()).abs().mean()
    ratio = ours / pil
    return row(ratio, ">= 10", ratio >= 10, gpu_clips_per_s=round(ours, 1),
               pil_clips_per_s=round(pil, 2), mean_abs_diff_vs_pil=round(float(diff), 3),
               device=torch.cuda.get_device_name(0))


def bench_wgan_iters_per_s_cuda() -> dict:
    from videoaug.methods.sps.gan.training import (
        WGANConfig,
        array_batch_sampler,
        build_state,
        critic_step,
        generator_step,
        make_critic_step_params,
        make_generator_step_params,
    )

    config = WGANConfig(image_size=32, base_channels=16, batch_size=16, iterations=1)
    images = np.random.default_rng(0).integers(0, 256, (100, 112, 144, 3), dtype=np.uint8)
    sampler = array_batch_sampler(images, config.image_size)
    rates = {}
    for device in ("cuda", "cpu"):
        state = build_state(config, device)

        def iteration(state=state, device=device):
            for _ in range(config.n_critic):
                params = make_critic_step_params(sampler, state.rng, 16, config.z_dim)
                critic_step(state, params, config, device)
            generator_step(state, make_generator_step_params(state.rng, 16, config.z_dim), device)

        rates[device] = _rate(iteration, 1, sync=device == "cuda")
    speedup = rates["cuda"] / rates["cpu"]
    return row(rates["cuda"], "report", True, cpu_iters_per_s=round(rates["cpu"], 2),
               cuda_vs_cpu=round(speedup, 2))


def run() -> dict[str, dict]:
    if not torch.cuda.is_available():
        return {}
    from bench_paper_steps import paper_step_rates

    return {
        "augment_vs_pil_loop_cuda": bench_augment_vs_pil_loop_cuda(),
        "wgan_iters_per_s_cuda": bench_wgan_iters_per_s_cuda(),
        # seconds per training step / test video / iteration / frame of every GPU rule at the
        # paper preset's shapes: docs/paper_scale.md multiplies them by the paper tables' counts
        "paper_steps": paper_step_rates("cuda"),
    }
