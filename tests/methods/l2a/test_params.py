"""Params builders of L2A part 2 over the real config and presets (schema-validated)."""

from pathlib import Path

import pytest

from videoaug.config import load_config
from videoaug.methods.l2a.params import l2a_selector_params, l2a_train_params
from videoaug.methods.l2a.selector_stage import SelectorParams

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("preset", [None, "ci", "paper"])
def test_selector_params_build(preset):
    files = [ROOT / "config.yaml"] + ([ROOT / f"workflow/presets/{preset}.yaml"] if preset else [])
    config = load_config([str(f) for f in files])
    params = SelectorParams.from_dict(l2a_selector_params(config, "synth4"))
    assert params.budget == config["l2a"]["budget"] and params.seed == config["seed"]
    if preset == "paper":
        assert params.hidden == (2048, 1024, 512) and params.feature_net == "r3d_18"


def test_train_params_merge_l2a_classifier_over_tda():
    config = load_config([str(ROOT / "config.yaml")])
    p = l2a_train_params(config, "synth4", "l2a", seed=2)
    assert p["classifier"]["clip_len"] == config["l2a"]["classifier"]["clip_len"]
    assert p["classifier"]["train"]["weight_decay"] == 0.001
    assert p["classifier"]["train"]["batch_size"] == config["tda"]["train"]["batch_size"]  # kept
    assert p["classifier"]["train"]["epochs"] == config["l2a"]["classifier"]["train"]["epochs"]
    assert p["classifier"]["seed"] == 2 and p["classifier"]["policy"] == "none"
    assert p["budget"] == config["l2a"]["budget"] and p["method"] == "l2a"
