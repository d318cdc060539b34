"""TDA stage (Kim et al. 2020) on a tiny synthetic frames store: result contract, determinism, the
policy reaching the trainer, errors, stage parameters, the gallery and the CLI."""

import hashlib
import json

import numpy as np
import pytest
import torch

import videoaug.train.trainer as trainer_module
from tests.result_contract import RESULT_KEYS
from videoaug.cli import main as cli_main
from videoaug.config import load_config
from videoaug.io.store import FRAMES_SCHEMA, FrameStoreWriter, atomic_store
from videoaug.methods.tda.params import tda_params
from videoaug.methods.tda.stage import (
    TdaParams,
    evaluation_views,
    gallery_rows,
    gallery_video_ids,
    label_text,
    op_rows,
    tda_gallery,
    train_tda,
    visible_example,
)
from videoaug.provenance import input_hash

CLASSES = ["Alpha", "Beta", "Gamma"]
TRAIN_PER_CLASS, TEST_PER_CLASS, FRAMES, HEIGHT, WIDTH = 4, 2, 12, 24, 32


def _video(label: int, number: int) -> np.ndarray:
    """uint8 (T, H, W, 3): class ``label`` lights its own channel, with a moving bright bar."""
    rng = np.random.default_rng(100 * label + number)
    frames = rng.integers(0, 60, (FRAMES, HEIGHT, WIDTH, 3)).astype(np.uint8)
    frames[..., label] += 120
    for t in range(FRAMES):
        frames[t, :, (t * (label + 1)) % WIDTH] = 255
    return frames


@pytest.fixture()
def tiny_store(tmp_path):
    """Two frames shards and a manifest of 3 classes x (4 train + 2 test) videos."""
    videos = [
        {"id": f"{cls}/{split}_{k}", "label": label, "class": cls, "split": split}
        for label, cls in enumerate(CLASSES)
        for split, count in (("train", TRAIN_PER_CLASS), ("test", TEST_PER_CLASS))
        for k in range(count)
    ]
    shards = [tmp_path / "frames" / f"{s}.h5" for s in range(2)]
    for s, path in enumerate(shards):
        with atomic_store(path, FRAMES_SCHEMA, {"test": True}) as handle:
            writer = FrameStoreWriter(handle, "lz4")
            for number, video in enumerate(videos[s::2]):
                writer.add(video["id"], _video(video["label"], number), label=video["label"],
                           fps=25.0, source=video["id"])
            writer.close()
    manifest = {"dataset": "tiny", "classes": CLASSES, "videos": videos}
    manifest_path = tmp_path / "manifest.json"
    manifest_path.write_text(json.dumps(manifest))
    return manifest_path, shards


def tiny_params(policy="none", seed=0, **overrides) -> TdaParams:
    values = dict(
        policy=policy, backbone="slowfast_tiny",
        model_options={"base_width": 4, "alpha": 2, "depths": [1, 1, 1, 1]},
        dropout=0.2, clip_len=4, stride=2, crop=16, short_side=(16, 20), num_test_clips=3,
        eval_batch_size=4,
        train={"epochs": 2, "batch_size": 4, "lr": 0.05, "schedule": "cosine", "device": "cpu",
               "log_every": 0},
        seed=seed, dataset="tiny",
    )
    values.update(overrides)
    return TdaParams(**values)


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _without_seconds(history):
    return [{k: v for k, v in record.items() if k != "seconds"} for record in history]


def test_result_follows_the_contract(tmp_path, tiny_store):
    manifest, shards = tiny_store
    out = tmp_path / "results" / "tiny_tda_mixup-a1.json"
    scores = tmp_path / "results" / "scores" / "tiny_tda_mixup-a1.npz"
    returned = train_tda(manifest, shards, tiny_params("mixup"), out, scores)
    result = json.loads(out.read_text())
    assert result == json.loads(json.dumps(returned))
    assert RESULT_KEYS | {"policy"} <= set(result)
    assert result["method"] == "tda_mixup-a1" and result["policy"] == "mixup:a1"
    assert result["dataset"] == "tiny" and result["seed"] == 0
    metrics = result["metrics"]
    assert list(metrics["per_class"]) == CLASSES
    confusion = np.array(metrics["confusion"])
    assert confusion.shape == (3, 3) and confusion.sum() == 3 * TEST_PER_CLASS
    assert metrics["top1"] == pytest.approx(np.trace(confusion) / confusion.sum())
    assert metrics["top5"] == 1.0  # 3 classes: the true one is always among the top 5
    # the per-video scores of the paired comparisons agree with the metrics
    with np.load(scores, allow_pickle=False) as data:
        probs, labels, ids = data["probs"], data["labels"], data["video_ids"]
    assert len(ids) == len(set(ids.tolist())) == 3 * TEST_PER_CLASS
    assert metrics["top1"] == pytest.approx(np.mean(probs.argmax(1) == labels))
    assert [r["epoch"] for r in result["history"]] == [0, 1]
    assert result["counts"]["train_real"] == 3 * TRAIN_PER_CLASS
    assert result["counts"]["test_videos"] == 3 * TEST_PER_CLASS
    assert result["inputs"] == {str(p): input_hash(p) for p in [manifest, *shards]}
    assert result["inputs"][str(shards[0])] == _sha256(shards[0])
    assert result["config"]["short_side"] == [16, 20] and result["config"]["clip_len"] == 4


def test_same_seed_same_result_other_seed_differs(tmp_path, tiny_store):
    manifest, shards = tiny_store
    runs = [train_tda(manifest, shards, tiny_params("cutmix:a2", seed=seed), tmp_path / f"{i}.json")
            for i, seed in enumerate((5, 5, 6))]
    assert runs[0]["metrics"] == runs[1]["metrics"]
    assert _without_seconds(runs[0]["history"]) == _without_seconds(runs[1]["history"])
    assert runs[0]["history"][0]["train_loss"] != runs[2]["history"][0]["train_loss"]


def _targets_seen(monkeypatch, tmp_path, tiny_store, policy):
    """Every target matrix ``(B, C)`` the loss saw while training with ``policy``."""
    seen = []
    original = trainer_module.soft_cross_entropy

    def recording(logits, targets):
        seen.append(targets.detach().clone())
        return original(logits, targets)

    monkeypatch.setattr(trainer_module, "soft_cross_entropy", recording)
    manifest, shards = tiny_store
    train_tda(manifest, shards, tiny_params(policy), tmp_path / f"{policy}.json")
    return torch.cat(seen)


def test_mixing_policy_reaches_the_loss_as_soft_labels(monkeypatch, tmp_path, tiny_store):
    plain = _targets_seen(monkeypatch, tmp_path, tiny_store, "none")
    assert plain.shape == (2 * 3 * TRAIN_PER_CLASS, 3)
    assert set(plain.unique().tolist()) == {0.0, 1.0}  # baseline: one-hot only
    mixed = _targets_seen(monkeypatch, tmp_path, tiny_store, "mixup:a1")
    assert torch.allclose(mixed.sum(1), torch.ones(len(mixed)))
    assert ((mixed > 0.01) & (mixed < 0.99)).any()  # MixUp's mixed labels were trained on


def test_empty_training_class_is_a_clear_error(tmp_path, tiny_store):
    manifest_path, shards = tiny_store
    manifest = json.loads(manifest_path.read_text())
    for video in manifest["videos"]:
        if video["class"] == "Gamma":
            video["split"] = "test"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match=r"classes \['Gamma'\] have no training videos"):
        train_tda(manifest_path, shards, tiny_params(), tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()


def test_test_views_are_evenly_spaced_clips_with_one_centre_crop(tiny_store):
    manifest_path, shards = tiny_store
    manifest = json.loads(manifest_path.read_text())
    views = evaluation_views(shards, manifest, tiny_params(), seed=0)
    assert len(views) == 3 * TEST_PER_CLASS
    clips, label, video_id = views[0]
    assert clips.shape == (3, 3, 4, 16, 16) and clips.dtype == torch.uint8
    assert video_id.split("/")[1].startswith("test_")
    # three clips of 4 frames every 2 over 12 frames start at 0, 2 and 5 (last start = 12 - 7)
    assert not torch.equal(clips[0], clips[1]) and not torch.equal(clips[1], clips[2])


def test_params_validation():
    with pytest.raises(ValueError, match="larger than the smallest short side"):
        tiny_params(crop=32)
    with pytest.raises(ValueError, match="not a video"):
        tiny_params(backbone="tsn_resnet18")


def test_tda_params_from_the_config():
    config = load_config(["config.yaml"])
    params = tda_params(config, "synth4", "randaug-t-n2-m9-temporalp")
    assert params["policy"] == "randaug-t:n2:m9:temporal+"
    assert params["train"]["epochs"] == config["tda"]["train"]["epochs"]
    assert params["train"]["momentum"] == config["train"]["momentum"]  # not overridden
    assert params["seed"] == config["seed"] and tda_params(config, "synth4", "none", 2)["seed"] == 2
    assert params["model_options"] == config["tda"]["model_options"]
    TdaParams.from_dict(params)  # what the CLI builds from the rule's params
    config["tda"]["backbone"] = "r3d_18"
    assert tda_params(config, "synth4", "none")["model_options"] == {}
    with pytest.raises(ValueError, match="not a canonical policy slug"):
        tda_params(config, "synth4", "cutmix-p1-a2")


def test_config_grid_and_report_policies_parse():
    config = load_config(["config.yaml"])
    from videoaug.augment.policy import parse_policy, policy_from_slug

    for text in config["tda"]["policies"] + config["tda"]["report_policies"]:
        policy = parse_policy(text)
        assert policy_from_slug(policy.slug) == policy.text


def test_gallery_draws_one_row_per_policy(tmp_path, tiny_store):
    manifest_path, shards = tiny_store
    manifest = json.loads(manifest_path.read_text())
    assert gallery_video_ids(manifest) == ["Alpha/train_0", "Beta/train_0", "Gamma/train_0"]
    out = tmp_path / "figures" / "gallery.png"
    tda_gallery(manifest_path, shards, ["none", "cutmix:a2", "randaug-t:n2:m9:temporal+"],
                tiny_params(), out, frames_shown=3, magnitude=12.0)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.parent.glob("*.tmp.png"))


def test_op_rows_show_every_op_in_both_conventions():
    from videoaug.augment import functional

    clip = torch.rand((3, 4, 16, 16), generator=torch.Generator().manual_seed(0))
    rows = op_rows(clip, 12.0)
    assert [name for name, _, _ in rows] == list(functional.op_names("released"))
    by_name = {name: (ours, released) for name, ours, released in rows}
    assert by_name["invert"][0] is None  # not a RandAugment op
    assert torch.allclose(by_name["invert"][1], 1.0 - clip, atol=1 / 255)
    assert torch.allclose(by_name["translate_x"][0],
                          functional.apply_op("translate_x", clip[None], 12.0)[0])
    # same M, different mapping: released translates by 40 px (all out of a 16 px frame)
    assert float(by_name["translate_x"][1].abs().max()) == 0.0
    assert float(by_name["translate_x"][0].abs().max()) > 0.0


def test_visible_example_changes_the_shown_clip_and_mixes_its_label():
    from videoaug.augment.policy import parse_policy

    clips = torch.stack([torch.zeros(3, 4, 8, 8), torch.ones(3, 4, 8, 8)])
    labels = torch.eye(2)
    augmented, mixed = visible_example(parse_policy("mixup:p0.5"), clips, labels, seed=1)
    assert not torch.equal(augmented[0], clips[0])
    # clip 0 is all zeros and its partner all ones: the mean pixel is the partner's share
    assert mixed[0, 1].item() == pytest.approx(augmented[0].mean().item(), abs=1e-5)
    unchanged, same = visible_example(parse_policy("none"), clips, labels, seed=1)
    assert torch.equal(unchanged, clips) and torch.equal(same, labels)
    titles = [row[0] for row in gallery_rows(["none", "cutmix"], clips, labels, seed=1)]
    assert titles == ["none", "cutmix:a1"]
    rows = gallery_rows(["framemixup"], clips, labels, seed=1)
    assert [row[0] for row in rows] == ["clip", "framecutmixup:a1"]
    assert torch.equal(rows[0][1], clips[0]) and not torch.equal(rows[1][1], clips[0])
    assert label_text(torch.tensor([0.25, 0.75]), ["A", "B"]) == "B 0.75 + A 0.25"


def test_cli_train_tda_with_params_json(tmp_path, tiny_store):
    manifest, shards = tiny_store
    params = json.loads(json.dumps(tiny_params("framecutmix:a2").__dict__))
    out = tmp_path / "cli.json"
    code = cli_main(["train-tda", "--params", json.dumps(params), "--manifest", str(manifest),
                     "--frames", *map(str, shards), "--out", str(out)])
    assert code == 0 and json.loads(out.read_text())["method"] == "tda_framecutmix-a2"
    code = cli_main(["train-tda", "--params", "{not json", "--manifest", str(manifest),
                     "--frames", str(shards[0]), "--out", str(out)])
    assert code == 1


def test_cli_params_from_config_files():
    import argparse

    from videoaug.methods.tda.cli import _tda_params

    args = argparse.Namespace(params=None, config=["config.yaml"], dataset="synth4")
    params = _tda_params(args, "randaug-t:n2:m9:temporal+")
    assert params.policy == "randaug-t:n2:m9:temporal+" and params.dataset == "synth4"
    assert params.short_side == tuple(load_config(["config.yaml"])["tda"]["short_side"])
