"""Run every benchmark module's run(), print one table, write bench/results.json."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

MODULES = [
    "bench_foundation",
    "bench_decode_memory",
    "bench_augment",
    "bench_train",
    "bench_gan",
    "bench_dag",
    "bench_gpu",
    "bench_l2a",
]


def main() -> int:
    results: dict[str, dict] = {}
    for name in MODULES:
        if not (HERE / f"{name}.py").exists():
            continue
        print(f"== {name}", flush=True)
        module = importlib.import_module(name)
        for key, value in module.run().items():
            results[key] = value
            extra = {k: v for k, v in value.items() if k not in ("value", "goal", "ok")}
            print(
                f"{key:34s} {value['value']:>10} goal {value['goal']:>12}  "
                f"{'ok' if value['ok'] else 'MISSED'}  {extra}",
                flush=True,
            )
    (HERE / "results.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    missed = [k for k, v in results.items() if not v["ok"]]
    print(f"{len(results)} measurements, {len(missed)} missed goals: {missed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
