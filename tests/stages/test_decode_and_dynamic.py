"""Stages on a tiny folder dataset of real videos: manifest, decode (both bad-video modes), SSDI."""

import json
import shutil

import numpy as np
import pytest

from videoaug.dynamic import dynamic_image
from videoaug.io.store import FrameStore, ImageStore
from videoaug.io.video import VideoDecodeError, read_frames
from videoaug.stages.decode import DecodeParams, decode_shard, evenly_spaced, gather_frames_index
from videoaug.stages.dynamic_images import (
    SSDI_SCHEMA,
    DynamicParams,
    dynamic_images_shard,
    gather_ssdi_index,
)
from videoaug.stages.manifest import build_manifest


@pytest.fixture()
def folder_dataset(tmp_path, tiny_video, bad_videos):
    root = tmp_path / "ds"
    for cls in ("Alpha", "Beta"):
        for k in range(3):
            (root / cls).mkdir(parents=True, exist_ok=True)
            shutil.copy(tiny_video, root / cls / f"{cls.lower()}_{k}.mp4")
    shutil.copy(bad_videos["truncated"], root / "Beta" / "broken.mp4")
    return root


def _manifest(tmp_path, root):
    cfg = {"kind": "folder", "root": str(root), "test_fraction": 0.3}
    return build_manifest("mine", cfg, 0, tmp_path / "manifest.json")


def test_manifest_lists_every_video(tmp_path, folder_dataset):
    manifest = _manifest(tmp_path, folder_dataset)
    assert manifest["classes"] == ["Alpha", "Beta"] and len(manifest["videos"]) == 7
    assert all(v["size"] > 0 or v["id"].endswith("broken") for v in manifest["videos"])
    assert {v["split"] for v in manifest["videos"]} == {"train", "test"}


def test_decode_fail_mode_names_the_file(tmp_path, folder_dataset):
    _manifest(tmp_path, folder_dataset)
    out = tmp_path / "frames.h5"
    with pytest.raises(VideoDecodeError, match="broken.mp4"):
        decode_shard(tmp_path / "manifest.json", 0, 1, DecodeParams(short_side=24), out)
    assert not out.exists() and not (tmp_path / "frames.h5.tmp").exists()


def test_decode_skip_mode_keeps_the_rest(tmp_path, folder_dataset):
    _manifest(tmp_path, folder_dataset)
    params = DecodeParams(short_side=24, on_bad_video="skip")
    paths = []
    for shard in range(2):
        paths.append(tmp_path / f"{shard}.h5")
        decode_shard(tmp_path / "manifest.json", shard, 2, params, paths[-1])
    index = gather_frames_index(paths, tmp_path / "index.json")
    assert index["videos"] == 6 and [s["id"] for s in index["skipped"]] == ["Beta/broken"]
    assert index["skipped"][0]["reason"]
    stores = [FrameStore(p) for p in paths]
    ids = sorted(i for s in stores for i in s.video_ids)
    assert "Beta/broken" not in ids and len(ids) == 6
    expected = read_frames(folder_dataset / "Alpha" / "alpha_0.mp4", short_side=24)
    store = next(s for s in stores if "Alpha/alpha_0" in s.video_ids)
    np.testing.assert_array_equal(store.read(store.video_ids.index("Alpha/alpha_0")), expected)


def test_decode_and_ssdi_are_deterministic(tmp_path, folder_dataset):
    (folder_dataset / "Beta" / "broken.mp4").unlink()
    _manifest(tmp_path, folder_dataset)
    outputs = []
    for run in ("a", "b"):
        frames = tmp_path / f"frames_{run}.h5"
        ssdi = tmp_path / f"ssdi_{run}.h5"
        decode_shard(tmp_path / "manifest.json", 0, 1, DecodeParams(short_side=24), frames)
        dynamic_images_shard(
            frames,
            tmp_path / "manifest.json",
            DynamicParams(subvideos=3, height=24, width=32),
            ssdi,
        )
        outputs.append((frames.read_bytes(), ssdi.read_bytes()))
    assert outputs[0] == outputs[1]


def test_ssdi_contents(tmp_path, folder_dataset):
    (folder_dataset / "Beta" / "broken.mp4").unlink()
    manifest = _manifest(tmp_path, folder_dataset)
    frames_path, ssdi_path = tmp_path / "f.h5", tmp_path / "s.h5"
    decode_shard(tmp_path / "manifest.json", 0, 1, DecodeParams(short_side=32), frames_path)
    dynamic_images_shard(
        frames_path,
        tmp_path / "manifest.json",
        DynamicParams(subvideos=4, height=32, width=42),
        ssdi_path,
    )
    sparse = ImageStore(ssdi_path, SSDI_SCHEMA)
    full = ImageStore(ssdi_path, SSDI_SCHEMA, prefix="full_")
    assert len(sparse) == 6 * 4 and len(full) == 6
    assert sparse.image_shape == (32, 42, 3)
    splits = {v["id"]: v["split"] for v in manifest["videos"]}
    for vid, split in zip(sparse.column("video_ids"), sparse.column("splits"), strict=True):
        assert splits[vid] == split
    frames = FrameStore(frames_path)
    np.testing.assert_array_equal(
        full.image(0), dynamic_image(frames.read(0))
    )  # same size: no resize
    index = gather_ssdi_index([ssdi_path], tmp_path / "index.json")
    assert index["images"] == 24
    assert json.loads((tmp_path / "index.json").read_text())["shards"][0]["image_shape"] == [
        32,
        42,
        3,
    ]


def test_evenly_spaced():
    assert evenly_spaced(10, None) is None and evenly_spaced(5, 8) is None
    picks = evenly_spaced(100, 5)
    assert picks.tolist() == [0, 25, 50, 74, 99]


def test_a_shard_manifest_decodes_the_same_shard(tmp_path, folder_dataset):
    (folder_dataset / "Beta" / "broken.mp4").unlink()
    whole = _manifest(tmp_path, folder_dataset)
    cfg = {"kind": "folder", "root": str(folder_dataset), "test_fraction": 0.3}
    for shard in range(2):
        part = build_manifest("mine", cfg, 0, tmp_path / f"m{shard}.json", shard, 2)
        assert (part["shard"], part["shards"], part["classes"]) == (shard, 2, whole["classes"])
        assert part["videos"] == whole["videos"][shard::2]  # round-robin, positions kept
        assert [v["position"] for v in part["videos"]] == list(range(shard, 6, 2))
        a, b = tmp_path / f"a{shard}.h5", tmp_path / f"b{shard}.h5"
        decode_shard(tmp_path / "manifest.json", shard, 2, DecodeParams(short_side=24), a)
        decode_shard(tmp_path / f"m{shard}.json", shard, 2, DecodeParams(short_side=24), b)
        assert a.read_bytes() == b.read_bytes()
    with pytest.raises(ValueError, match="shard 1 of 2 given for shard 0 of 2"):
        decode_shard(tmp_path / "m1.json", 0, 2, DecodeParams(short_side=24), tmp_path / "x.h5")


def test_kept_frames_at_another_size_match_the_store_index_for_index(tmp_path, tiny_video):
    """What pose_crop reads from the source: the frames the decode stage kept (fps resampling,
    evenly spaced max_frames), at another short side, one for one."""
    import cv2

    from videoaug.stages.decode import stream_kept_frames

    for max_frames in (None, 5):
        params = DecodeParams(short_side=24, max_frames=max_frames)
        kept = np.concatenate(list(stream_kept_frames(tiny_video, 48, None, max_frames)))
        decoded = read_frames(tiny_video, short_side=24)
        picks = evenly_spaced(len(decoded), max_frames)
        store_frames = decoded if picks is None else decoded[picks]
        assert len(kept) == len(store_frames) and min(kept.shape[1:3]) == 48
        assert params.max_frames == max_frames
        size = store_frames.shape[2:0:-1]
        for k, big in enumerate(kept):  # each is closest to the store's frame of its index
            down = cv2.resize(big, size, interpolation=cv2.INTER_AREA).astype(int)
            errors = [np.abs(down - small.astype(int)).mean() for small in store_frames]
            assert int(np.argmin(errors)) == k, errors
