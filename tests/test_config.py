from pathlib import Path

import pytest
import yaml

from videoaug.config import ConfigError, dataset_config, deep_merge, load_config, validate_config

ROOT = Path(__file__).resolve().parents[1]


def test_default_config_is_valid_and_filled():
    config = load_config([ROOT / "config.yaml"])
    assert config["seed"] == 0 and config["dataset"] == "synth4"
    assert config["dynamic"]["subvideos"] == 5 and config["frames"]["short_side"] == 112
    assert set(config["datasets"]) >= {
        "synth4",
        "ucf4",
        "hmdb4",
        "ucf101imb",
        "hmdb51imb",
        "ucf101",
        "hmdb51",
    }


def test_defaults_fill_missing_sections():
    config = validate_config({"datasets": {"x": {"kind": "folder", "root": "/tmp/x"}}})
    assert config["compression"] == "lz4" and config["dynamic"]["keep_fraction"] == 0.5
    assert dataset_config(config, "x")["on_bad_video"] == "fail"


@pytest.mark.parametrize(
    ("override", "key", "fragment"),
    [
        ({"dynamic": {"subvideos": 0}}, "dynamic.subvideos", "less than the minimum"),
        ({"on_bad_video": "ignore"}, "on_bad_video", "is not one of"),
        ({"datasets": {"ucf4": {"split": 7}}}, "datasets.ucf4.split", "greater than the maximum"),
        ({"datasets": {"mine": {"kind": "ucf"}}}, "datasets.mine", "root"),
        ({"compresion": "lz4"}, "(top level)", "compresion"),
        ({"device": "gpu"}, "device", "does not match"),
    ],
)
def test_bad_values_name_the_key(tmp_path, override, key, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(override))
    with pytest.raises(ConfigError) as info:
        load_config([ROOT / "config.yaml", path])
    message = str(info.value)
    assert key in message and fragment in message and "bad.yaml" in message


def test_unknown_dataset_message():
    config = load_config([ROOT / "config.yaml"])
    with pytest.raises(ConfigError, match="datasets.nope"):
        dataset_config(config, "nope")


def test_deep_merge_overrides_nested_only():
    merged = deep_merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 5}, "d": [2]})
    assert merged == {"a": {"b": 5, "c": 2}, "d": [2]}


@pytest.mark.parametrize("preset", ["ci.yaml", "paper.yaml"])
def test_presets_validate(preset):
    config = load_config([ROOT / "config.yaml", ROOT / "workflow" / "presets" / preset])
    assert config["datasets"]
