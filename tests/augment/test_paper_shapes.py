"""Every policy of the paper preset at the paper's clip shape (Kim et al.: 16 clips of 64 frames at
160 x 160): the smoke run trains three of them (workflow/presets/paper_smoke.yaml), this checks the
transform of every row of Kim Tables 2-6 without training 49 SlowFast-50s."""

from __future__ import annotations

import pytest
import torch

from videoaug.augment.policy import parse_policy
from videoaug.config import load_config

PAPER = load_config(["config.yaml", "workflow/presets/paper.yaml"])
POLICIES = list(dict.fromkeys([*PAPER["tda"]["report_policies"], *PAPER["tda"]["policies"]]))


@pytest.fixture(scope="module")
def paper_batch() -> tuple[torch.Tensor, torch.Tensor]:
    tda = PAPER["tda"]
    batch, frames, size = tda["train"]["batch_size"], tda["clip_len"], tda["crop"]
    assert (batch, frames, size) == (16, 64, 160)
    generator = torch.Generator().manual_seed(0)
    clips = torch.rand(batch, 3, frames, size, size, generator=generator)
    labels = torch.nn.functional.one_hot(torch.arange(batch) % 101, 101).float()
    return clips, labels


@pytest.mark.slow
@pytest.mark.parametrize("text", POLICIES)
def test_policy_keeps_the_paper_batch_shape(paper_batch, text):
    clips, labels = paper_batch
    out, soft = parse_policy(text)(clips.clone(), labels.clone(), torch.Generator().manual_seed(1))
    assert out.shape == clips.shape and out.dtype == clips.dtype
    assert soft.shape == labels.shape
    assert torch.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    assert torch.allclose(soft.sum(1), torch.ones(len(soft)), atol=1e-5)
