"""The keys every results/*.json must have, shared by the tests.

Documented in docs/reproducibility.md, "Reading results".
"""

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
