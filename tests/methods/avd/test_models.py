"""AVD networks: shapes for several clip lengths, output range and size."""

import pytest
import torch

from videoaug.methods.avd.models import Decoder, Encoder, Teacher, temporal_sizes


@pytest.mark.parametrize("frames", [1, 5, 16, 32, 40])
def test_encoder_gives_an_image_of_the_frame_size_and_decoder_gives_the_clip_back(frames):
    torch.manual_seed(0)
    encoder, decoder = Encoder((4, 4, 4, 4)), Decoder((4, 4, 4, 4))
    clips = torch.rand(2, 3, frames, 12, 20) * 2 - 1
    images = encoder(clips)
    assert images.shape == (2, 3, 12, 20)
    assert images.min() >= -1 and images.max() <= 1
    assert decoder(images, frames).shape == (2, 3, frames, 12, 20)


def test_temporal_sizes_halve_to_one_for_32_frames():
    assert temporal_sizes(32) == [32, 16, 8, 4, 2, 1]
    assert temporal_sizes(16)[-1] == 1 and temporal_sizes(40)[-1] == 2


def test_encoder_layers_match_the_paper():
    convs = [m for m in Encoder().modules() if isinstance(m, torch.nn.Conv3d)]
    assert len(convs) == 5
    assert all(c.kernel_size == (3, 5, 5) and c.stride == (2, 1, 1) for c in convs)
    assert convs[-1].out_channels == 3
    assert sum(isinstance(m, torch.nn.BatchNorm3d) for m in Encoder().modules()) == 4


def test_teacher_is_five_linear_layers_with_probabilities():
    teacher = Teacher((12, 20))
    assert sum(isinstance(m, torch.nn.Linear) for m in teacher.modules()) == 5
    p = teacher(torch.rand(3, 3, 12, 20))
    assert p.shape == (3,) and ((p > 0) & (p < 1)).all()
    with pytest.raises(ValueError, match="built for"):
        teacher(torch.rand(1, 3, 8, 8))


def test_bad_widths_are_rejected():
    with pytest.raises(ValueError, match="hidden widths"):
        Encoder((4, 4))
