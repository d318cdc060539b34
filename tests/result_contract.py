"""The keys every results/*.json must have (README "Reading results"), shared by the tests."""

RESULT_KEYS = frozenset(
    {
        "dataset",
        "method",
        "metrics",
        "history",
        "counts",
        "config",
        "inputs",
        "versions",
        "seed",
        "wall_seconds",
        "compute",
    }
)
