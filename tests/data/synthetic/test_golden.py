"""synth4, synth4shift and synth10 (and difficulty 0) stay byte for byte what they were before the
diagnostic splits were added: the rendered pixels and masks of every clip, the mask files, the split
files and synth4.json (golden.py says what is hashed and how golden_hashes.json was made)."""

import json

import pytest

from tests.data.synthetic import golden


@pytest.fixture(scope="module")
def current(tmp_path_factory):
    return golden.compute(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("name", list(golden.VARIANTS))
def test_existing_datasets_are_unchanged(current, name):
    expected = json.loads(golden.GOLDEN.read_text())[name]
    assert current[name]["rendered"] == expected["rendered"]
    assert current[name]["files"] == expected["files"]
