"""CUDA output equals CPU output within a stated tolerance (marker ``cuda``).

Skipped on machines without a GPU (tests/conftest.py says so); ``scripts/gpu_check.sh`` runs them
on a CUDA machine in one go. Tolerances: uint8 kernels (augmentation) may differ by one grey level
where float rounding lands on .5 (mean < 0.05 levels); float32 network steps agree to 1e-3
relative (cuDNN and CPU sum in other orders).
"""

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.cuda

CUDA = torch.device("cuda")


def _clips(seed=0, shape=(4, 3, 8, 48, 64)):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, shape, generator=gen, dtype=torch.uint8)


def test_randaugment_t_kernels():
    from videoaug.augment.randaugment_t import RandAugmentT

    clips = _clips()
    augment = RandAugmentT(2, 9.0, "temporal+")
    params = augment.make_params(clips.shape, torch.Generator().manual_seed(1))
    on_cpu = augment.apply(clips, params).float()
    on_gpu = augment.apply(clips.to(CUDA), params).cpu().float()
    diff = (on_cpu - on_gpu).abs()
    assert diff.max() <= 1 and diff.mean() < 0.05


def test_mixing_labels_and_clips():
    from videoaug.augment.mixing import CutMix

    clips = _clips(2)
    labels = torch.eye(4)
    mix = CutMix(alpha=1.0)
    params = mix.make_params(clips.shape, torch.Generator().manual_seed(3))
    cpu_clips, cpu_labels = mix.apply(clips, labels, params)
    gpu_clips, gpu_labels = mix.apply(clips.to(CUDA), labels.to(CUDA), params)
    assert (cpu_clips.float() - gpu_clips.cpu().float()).abs().max() <= 1
    torch.testing.assert_close(cpu_labels, gpu_labels.cpu(), rtol=0, atol=1e-6)


def test_classifier_training_step():
    from videoaug.models.factory import build_model

    torch.manual_seed(0)
    inputs = torch.rand(4, 3, 3, 48, 48)  # (B, segments, C, H, W) for TSN
    targets = torch.tensor([0, 1, 2, 3])
    losses = {}
    for device in ("cpu", "cuda"):
        # no dropout: its random masks come from different generators on the two devices
        model = build_model("tsn_mobilenet_v3_small", 4, dropout=0.0, seed=0).to(device)
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        out = model(inputs.to(device))
        loss = torch.nn.functional.cross_entropy(out, targets.to(device))
        loss.backward()
        optimizer.step()
        losses[device] = (loss.item(), [p.detach().cpu() for p in model.parameters()])
    assert losses["cpu"][0] == pytest.approx(losses["cuda"][0], rel=1e-3)
    for a, b in zip(losses["cpu"][1], losses["cuda"][1], strict=True):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-4)


def test_wgan_gp_critic_and_generator_steps():
    from videoaug.methods.sps.gan.training import (
        WGANConfig,
        build_state,
        critic_step,
        generator_step,
        make_critic_step_params,
    )

    config = WGANConfig(image_size=16, base_channels=8, batch_size=8, iterations=1)
    images = np.random.default_rng(0).integers(0, 256, (32, 16, 16, 3), dtype=np.uint8)
    from videoaug.methods.sps.gan.training import array_batch_sampler

    sampler = array_batch_sampler(images, 16)
    results = {}
    for device in ("cpu", "cuda"):
        state = build_state(config, device)
        params = make_critic_step_params(sampler, torch.Generator().manual_seed(5), 8, config.z_dim)
        critic = critic_step(state, params, config, device)
        gen = generator_step(state, params.z, device)
        results[device] = (float(critic.total), float(gen))
    assert results["cpu"] == pytest.approx(results["cuda"], rel=1e-3, abs=1e-4)


def test_device_auto_picks_cuda():
    from videoaug.train.device import resolve_device

    assert resolve_device("auto").type == "cuda"
