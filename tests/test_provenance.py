"""result_record: the shared keys of every result, hashes of the inputs, extras kept."""

import hashlib
import time

from tests.result_contract import RESULT_KEYS
from videoaug import __version__
from videoaug.provenance import result_record


def test_result_record_has_the_contract_and_extras(tmp_path):
    data = tmp_path / "input.bin"
    data.write_bytes(b"frames")
    started = time.time() - 2.0
    result = result_record(
        dataset="synth4",
        method="ssdi",
        metrics={"top1": 0.5},
        history=[],
        counts={"classes": 4},
        config={"lr": 0.01},
        inputs=[data],
        seed=3,
        started=started,
        policy="mixup:a1",
    )
    assert set(result) == RESULT_KEYS | {"policy"}
    assert result["inputs"] == {str(data): hashlib.sha256(b"frames").hexdigest()}
    assert result["versions"]["videoaug"] == __version__
    assert 2.0 <= result["wall_seconds"] < 60.0
    assert (result["seed"], result["policy"], result["metrics"]) == (3, "mixup:a1", {"top1": 0.5})


def test_manifest_hash_ignores_where_the_dataset_sits(tmp_path):
    from videoaug.provenance import input_hashes, write_json

    def manifest(root, size=10):
        return {
            "dataset": "kitchen",
            "root": str(root),
            "config": {"kind": "folder", "root": str(root), "test_fraction": 0.3},
            "videos": [{"id": "Cut/a", "path": f"{root}/Cut/a.mp4", "label": 0, "size": size}],
        }

    a, b, c = (tmp_path / n / "manifest.json" for n in "abc")
    write_json(a, manifest("/data/kitchen"))
    write_json(b, manifest("/scratch/me/kitchen"))
    write_json(c, manifest("/data/kitchen", size=11))  # another file: another hash
    hashes = input_hashes([a, b, c])
    assert hashes[str(a)] == hashes[str(b)] != hashes[str(c)]


def test_versions_do_not_import_torch_and_match_the_modules():
    import subprocess
    import sys

    code = ("import sys, json; from videoaug.provenance import versions; v = versions(); "
            "print(json.dumps([v, 'torch' in sys.modules, 'cv2' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    import json

    found, torch_loaded, cv2_loaded = json.loads(out)
    assert not torch_loaded and not cv2_loaded
    import cv2
    import h5py
    import numpy
    import snakemake
    import torch
    import torchvision

    from videoaug.provenance import versions

    assert found["torch"] == torch.__version__ and found["cv2"] == cv2.__version__
    assert found == versions()  # every module imported now: the same strings
    assert {numpy, h5py, snakemake, torchvision}
