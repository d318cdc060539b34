"""The manifest follows the dataset folder: adding, removing, renaming or replacing a video or a
class reruns the manifest and, among the per-shard rules, exactly the shards whose videos
changed (rule params hold a digest of the listing: videoaug.data.preflight.listing_digest)."""

import json
import re
import shutil

import pytest

from tests.conftest import make_video
from tests.workflow.conftest import copy_project, snakemake
from tests.workflow.test_faults import _kitchen

TARGETS = ("cache/kitchen/ssdi/index.json", "cache/kitchen/manifest.json")
PER_SHARD = ("manifest_shard", "decode_frames", "dynamic_images")


def _planned(workdir) -> dict[str, set]:
    """``{rule: {shard or None}}`` of the jobs a dry run of TARGETS plans."""
    out = snakemake(workdir, "--cores", "1", "-n", *TARGETS, extra_config="kitchen.yaml").stdout
    jobs: dict[str, set] = {}
    rule = None
    for line in out.splitlines():
        header = re.match(r"^(?:local)?rule (\w+):$", line.strip())
        if header:
            rule = header.group(1)
            jobs.setdefault(rule, set())
        shard = re.search(r"wildcards: .*shard=(\d+)", line)
        if rule and shard:
            jobs[rule].add(int(shard.group(1)))
    return jobs


def _manifest(workdir) -> dict:
    return json.loads((workdir / "cache/kitchen/manifest.json").read_text())


@pytest.mark.slow  # three builds of a dataset (~25 s): make test-all
def test_the_manifest_and_exactly_the_changed_shards_rerun(tmp_path, tiny_video):
    workdir = copy_project(tmp_path / "p")
    root = _kitchen(workdir, tiny_video)
    snakemake(workdir, "--cores", "2", *TARGETS, extra_config="kitchen.yaml")
    videos = {v["id"]: v for v in _manifest(workdir)["videos"]}
    shard_of = {vid: v["position"] % 2 for vid, v in videos.items()}
    frames = {s: workdir / f"cache/kitchen/frames/{s}.h5" for s in (0, 1)}

    # a video replaced by another one (14 frames instead of 12): the manifest and its shard only
    make_video(root / "Stir" / "Stir_2.mp4", frames=14)
    changed = shard_of["Stir/Stir_2"]
    planned = _planned(workdir)
    assert "manifest" in planned
    assert all(planned[rule] == {changed} for rule in PER_SHARD), planned
    untouched = frames[1 - changed].stat().st_mtime_ns
    snakemake(workdir, "--cores", "2", *TARGETS, extra_config="kitchen.yaml")
    assert frames[1 - changed].stat().st_mtime_ns == untouched
    assert _manifest(workdir)["videos"][videos["Stir/Stir_2"]["position"]]["size"] == (
        (root / "Stir" / "Stir_2.mp4").stat().st_size)

    # a video added, one removed, one renamed, a class renamed: the manifest follows (it used to
    # be kept until `-R manifest`); tests/data/test_preflight.py checks each digest separately
    shutil.copy(tiny_video, root / "Cut" / "Cut_3.mp4")
    (root / "Cut" / "Cut_1.mp4").rename(root / "Cut" / "Cut_1b.mp4")
    (root / "Stir" / "Stir_0.mp4").unlink()
    (root / "Stir").rename(root / "Whisk")
    snakemake(workdir, "--cores", "2", *TARGETS, extra_config="kitchen.yaml")
    manifest = _manifest(workdir)
    assert manifest["classes"] == ["Cut", "Whisk"]
    assert sorted(v["id"] for v in manifest["videos"]) == [
        "Cut/Cut_0", "Cut/Cut_1b", "Cut/Cut_2", "Cut/Cut_3", "Whisk/Stir_1", "Whisk/Stir_2"]
    index = json.loads((workdir / "cache/kitchen/frames/index.json").read_text())
    assert index["videos"] == 6 and _planned(workdir) == {}
