#!/usr/bin/env bash
# One-shot GPU check, for a CUDA machine lent for a few minutes (`make gpu-check`).
#
# On a machine with nothing installed: sets up .venv (make setup), runs the tests marked `cuda`
# (CUDA output against CPU output within stated tolerances: augmentation kernels, mixing, a
# classifier training step, the WGAN-GP steps, device selection) and the benchmarks whose goals
# speak of a GPU (bench/bench_gpu.py), and writes one JSON: results/gpu_check.json.
# Without a GPU it says so and exits 0 in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${GPU_CHECK_OUT:-results/gpu_check.json}
mkdir -p "$(dirname "$OUT")"
started=$(date +%s)

if ! { command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; }; then
    echo "gpu-check: no NVIDIA GPU on this machine (nvidia-smi lists none); nothing to check"
    printf '{"gpu": null, "status": "skipped: no GPU", "seconds": %d}\n' $(( $(date +%s) - started )) > "$OUT"
    exit 0
fi

make setup
PY=.venv/bin/python
if ! $PY -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "gpu-check: nvidia-smi sees a GPU but torch does not (driver/CUDA mismatch?):" >&2
    $PY -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' >&2
    exit 1
fi

junit=$(mktemp --suffix=.xml)
set +e
$PY -m pytest -q -m cuda tests/cuda --junitxml="$junit" -p no:cacheprovider
tests_rc=$?
set -e
bench_json=$(mktemp --suffix=.json)
(cd bench && ../$PY -c 'import json, sys, bench_gpu; json.dump(bench_gpu.run(), open(sys.argv[1], "w"))' "$bench_json")

$PY - "$junit" "$bench_json" "$OUT" "$started" "$tests_rc" <<'PYEOF'
import json, sys, time, xml.etree.ElementTree as ET
import torch
junit, bench, out, started, rc = sys.argv[1:6]
suite = ET.parse(junit).getroot()
suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
cases = []
for case in suite.iter("testcase"):
    failed = case.find("failure") is not None or case.find("error") is not None
    skipped = case.find("skipped") is not None
    cases.append({"test": case.get("name"), "seconds": float(case.get("time", 0)),
                  "outcome": "failed" if failed else "skipped" if skipped else "passed"})
result = {
    "gpu": torch.cuda.get_device_name(0),
    "torch": torch.__version__,
    "cuda": torch.version.cuda,
    "tests": cases,
    "tests_passed": sum(c["outcome"] == "passed" for c in cases),
    "tests_failed": sum(c["outcome"] == "failed" for c in cases),
    "benchmarks": json.load(open(bench)),
    "seconds": round(time.time() - float(started), 1),
    "status": "ok" if rc == "0" else "tests failed",
}
json.dump(result, open(out, "w"), indent=1, sort_keys=True)
print(json.dumps({k: result[k] for k in ("gpu", "tests_passed", "tests_failed", "status")}))
PYEOF
echo "gpu-check: wrote $OUT"
exit "$tests_rc"
