"""Few-shot pieces (Table 4): labelled subsets, foreground pairs, episodes, prototypes, 95 % CI."""

import numpy as np
import pytest

from videoaug.methods.l2a.fewshot import (
    Episode,
    class_prototypes,
    episode_accuracy,
    fewshot_labelled,
    foreground_pairs,
    mean_ci95,
    nearest_prototype,
    novel_labels,
    sample_episodes,
)

CLASSES = [f"C{i}" for i in range(10)]
TRAIN = {k: [f"c{k}_tr{i:02d}" for i in range(20)] for k in range(10)}
TEST = {k: [f"c{k}_te{i:02d}" for i in range(20)] for k in range(5, 10)}


def test_novel_labels_default_names_and_errors():
    assert novel_labels(CLASSES, None) == [5, 6, 7, 8, 9]
    assert novel_labels(CLASSES, ["C1", "C0"]) == [0, 1]
    with pytest.raises(ValueError, match="novel_classes.*'Nope'"):
        novel_labels(CLASSES, ["Nope"])
    with pytest.raises(ValueError, match="no seen class"):
        novel_labels(CLASSES[:5], None)


@pytest.mark.parametrize("shots", [1, 3, 5])
def test_labelled_keeps_seen_classes_and_n_novel_examples(shots):
    novel = [5, 6, 7, 8, 9]
    out = fewshot_labelled(TRAIN, novel, shots, seed=3)
    for k in range(10):
        if k in novel:
            assert len(out[k]) == shots and set(out[k]) <= set(TRAIN[k])
            assert len(set(out[k])) == shots
        else:
            assert out[k] == sorted(TRAIN[k])
    shuffled = {k: list(reversed(v)) for k, v in TRAIN.items()}
    assert fewshot_labelled(shuffled, novel, shots, seed=3) == out  # order-independent
    assert fewshot_labelled(TRAIN, novel, shots, seed=4) != out
    with pytest.raises(ValueError, match="fewer than shots"):
        fewshot_labelled(TRAIN, novel, 21, seed=0)


def test_foreground_pairs_augment_novel_classes_only():
    novel = [5, 6, 7, 8, 9]
    labelled = fewshot_labelled(TRAIN, novel, 2, seed=0)
    owner = {v: k for k, ids in labelled.items() for v in ids}
    pairs = foreground_pairs(labelled, novel, per_example=4, seed=1)
    assert len(pairs) == 5 * 2 * 4
    assert {owner[fg] for fg, _ in pairs} == set(novel)  # only novel foregrounds
    assert all(owner[fg] != owner[bg] for fg, bg in pairs)
    assert pairs == foreground_pairs(labelled, novel, 4, seed=1)
    matched = foreground_pairs(labelled, novel, 3, seed=1, matches={k: k - 5 for k in novel},
                               mode="matched")
    assert all(owner[bg] == owner[fg] - 5 for fg, bg in matched)
    # fewer candidate backgrounds than composites: cycled, every one used
    tiny = {0: ["a"], 1: ["b", "c"]}
    cyc = foreground_pairs(tiny, [0], per_example=5, seed=0, mode="other")
    assert len(cyc) == 5 and {bg for _, bg in cyc} == {"b", "c"}


@pytest.mark.parametrize("ways,shots,queries", [(5, 1, 15), (5, 5, 10), (3, 2, 4)])
def test_episodes_counts_disjoint_and_seeded(ways, shots, queries):
    support_pool = fewshot_labelled({k: TRAIN[k] for k in range(5, 10)}, range(5, 10), shots, 0)
    episodes = sample_episodes(support_pool, TEST, ways, shots, queries, 50, seed=7)
    assert len(episodes) == 50
    for ep in episodes:
        assert len(ep.classes) == ways == len(set(ep.classes))
        assert set(ep.classes) <= set(support_pool)
        assert len(ep.support) == ways * shots and len(ep.query) == ways * queries
        assert not set(ep.support) & set(ep.query)
        assert len(set(ep.query)) == len(ep.query)
        for label in ep.classes:
            sup = [v for v, y in zip(ep.support, ep.support_labels, strict=True) if y == label]
            qry = [v for v, y in zip(ep.query, ep.query_labels, strict=True) if y == label]
            assert len(sup) == shots and set(sup) <= set(support_pool[label])
            assert len(qry) == queries and set(qry) <= set(TEST[label])
    assert sample_episodes(support_pool, TEST, ways, shots, queries, 50, seed=7) == episodes
    assert sample_episodes(support_pool, TEST, ways, shots, queries, 50, seed=8) != episodes


def test_episodes_never_query_a_support_video_and_reject_small_pools():
    pool = {0: ["a", "b"], 1: ["c", "d"]}
    queries = {0: ["a", "b", "x"], 1: ["c", "d", "y"]}  # support videos also in the query pool
    for ep in sample_episodes(pool, queries, 2, 2, 1, 20, seed=0):
        assert set(ep.query) == {"x", "y"}
    with pytest.raises(ValueError, match="queries = 2"):
        sample_episodes(pool, queries, 2, 2, 2, 1, seed=0)
    with pytest.raises(ValueError, match="ways = 3"):
        sample_episodes(pool, queries, 3, 1, 1, 1, seed=0)


def test_prototypes_and_nearest_match_an_independent_computation():
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(12, 6))
    labels = [4, 2, 9, 4, 2, 9, 4, 2, 9, 4, 2, 9]
    classes = [2, 4, 9]
    protos = class_prototypes(feats, labels, classes)
    for row, label in enumerate(classes):
        members = [feats[i] for i in range(12) if labels[i] == label]
        np.testing.assert_allclose(protos[row], sum(members) / len(members))
    queries = rng.normal(size=(30, 6))
    loop = [min(range(3), key=lambda j: sum((q[d] - protos[j][d]) ** 2 for d in range(6)))
            for q in queries]
    assert nearest_prototype(queries, protos).tolist() == loop
    cos = [max(range(3), key=lambda j: q @ protos[j] / np.linalg.norm(q) / np.linalg.norm(
        protos[j])) for q in queries]
    assert nearest_prototype(queries, protos, "cosine").tolist() == cos
    with pytest.raises(ValueError, match="metric"):
        nearest_prototype(queries, protos, "manhattan")
    with pytest.raises(ValueError, match="class 3"):
        class_prototypes(feats, labels, [3])


def test_episode_accuracy_and_ci():
    feats = {"s0": np.array([0.0, 0.0]), "s1": np.array([10.0, 0.0]),
             "q0": np.array([1.0, 0.0]), "q1": np.array([9.0, 1.0]), "q2": np.array([6.0, 0.0])}
    ep = Episode((3, 7), ("s0", "s1"), (3, 7), ("q0", "q1", "q2"), (3, 7, 3))
    assert episode_accuracy(ep, feats) == pytest.approx(2 / 3)
    values = [0.5, 0.7, 0.6, 0.9]
    mean, half = mean_ci95(values)
    assert mean == pytest.approx(0.675)
    s = np.sqrt(sum((v - 0.675) ** 2 for v in values) / 3)
    assert half == pytest.approx(1.96 * s / 2)
    assert mean_ci95([0.4]) == (0.4, 0.0)
