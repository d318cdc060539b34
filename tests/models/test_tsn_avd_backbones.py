"""The 2D CNNs added for AVD's Table 2 (AlexNet, Inception-V1/GoogLeNet, ResNet-101): logits of
the right width, ImageNet checkpoints load by torchvision's key names (head skipped)."""

import pytest
import torch
import torchvision

from videoaug.models.factory import build_model


# ResNet-101 loads like ResNet-50 (same code path); its shapes are in test_tsn.py
@pytest.mark.parametrize("name", ["alexnet", "googlenet"])
def test_backbone_builds_and_loads_torchvision_keys(tmp_path, name):
    kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
    reference = torchvision.models.get_model(name, weights=None, num_classes=1000, **kwargs)
    path = tmp_path / f"{name}.pth"
    torch.save(reference.state_dict(), path)
    model = build_model(f"tsn_{name}", 5, dropout=0.1, pretrained=str(path), seed=0)
    assert model.init_report["missing"] == ["head.weight", "head.bias"]
    first = next(k for k in reference.state_dict() if k.endswith("weight"))
    assert torch.equal(model.state_dict()["backbone." + first], reference.state_dict()[first])
    model.eval()
    assert model(torch.rand(2, 3, 64, 64)).shape == (2, 5)
