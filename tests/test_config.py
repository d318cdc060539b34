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


def test_command_line_strings_become_the_numbers_the_schema_asks_for():
    # what `snakemake --config 'train={"epochs": 5, "lr": "1e-3"}'` hands over
    from videoaug.config import validate_config

    base = yaml.safe_load(open(ROOT / "config.yaml"))
    base["train"].update({"epochs": "5", "lr": "1e-3", "num_workers": "0"})
    base["sps"]["ccs"] = "false"
    base["frames"]["short_side"] = "null"
    config = validate_config(base)
    assert config["train"]["epochs"] == 5 and config["train"]["lr"] == pytest.approx(1e-3)
    assert config["sps"]["ccs"] is False and config["frames"]["short_side"] is None
    base["train"]["epochs"] = "5.5"  # still not an integer
    with pytest.raises(ConfigError, match="train.epochs"):
        validate_config(base)


@pytest.mark.parametrize(
    "override,key",
    [
        ({"tda": {"policies": ["bogusaug:n2"]}}, "tda.policies.0"),
        ({"tda": {"report_policies": ["none", "randaug-t:n2,fademix:a1"]}},
         "tda.report_policies.1"),
        ({"report": {"datasets": ["synth4; touch pwned"]}}, "report.datasets.0"),
        ({"report": {"imbalance_datasets": ["$(id)"]}}, "report.imbalance_datasets.0"),
        ({"dataset": "a b"}, "dataset"),
    ],
)
def test_policy_and_dataset_names_are_checked_at_validation(tmp_path, override, key):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(override))
    with pytest.raises(ConfigError) as err:
        load_config([ROOT / "config.yaml", path])
    assert f"  {key}: " in str(err.value) and "allowed form" in str(err.value)


def test_schema_policy_names_are_the_policy_grammar_names():
    import re

    from videoaug.augment.policy import RECIPE_NAMES
    from videoaug.config import load_schema

    pattern = load_schema()["$defs"]["tda_policy"]["pattern"]
    names = set(re.search(r"\^\(none\|\(([^)]*)\)", pattern).group(1).split("|"))
    assert names | {"none"} == set(RECIPE_NAMES)


def test_report_datasets_per_family():
    from videoaug.config import report_datasets

    config = {"report": {"datasets": ["synth4"], "datasets_by_family": {"tda": ["hmdb51"]}}}
    assert report_datasets(config, "tda") == ["hmdb51"]
    assert report_datasets(config, "sps") == ["synth4"]
    with pytest.raises(ValueError, match="unknown report family"):
        report_datasets(config, "xyz")
    paper = load_config(["config.yaml", "workflow/presets/paper.yaml"])
    assert report_datasets(paper, "sps") == ["ucf4", "hmdb4"]
    assert report_datasets(paper, "avd") == ["ucf101", "hmdb51"]
