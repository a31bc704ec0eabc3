#!/usr/bin/env bash
# Repeated MR runs of one variant through the store, each on a fresh store: the spread of epoch times, of the time
# each epoch waited on the store, and of the checkpoint durations the server logged. Rare stalls (a slow checkpoint
# in one run of three) only show over many runs; this is what docs/benchmarks.md's "log-device requests on dedicated
# threads" row was measured with.
#   benchmarks/epoch-repeats.sh                 # RUNS=10 EPOCHS=3 VARIANT=non-static
#   SERVER_TREE=/path/to/other/checkout RUNS=25 benchmarks/epoch-repeats.sh   # the server built in another checkout
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-${EMBSTORE_SHARED_DATA:-../shared/data}}
VECTORS=${VECTORS:-$DATA/vectors/glove-6b-100d-top100k.bin}
RUNS=${RUNS:-10}
EPOCHS=${EPOCHS:-3}
VARIANT=${VARIANT:-non-static}
PORT=${PORT:-5197}
OUT=${OUT:-runs/epoch-repeats}
SERVER_TREE=${SERVER_TREE:-.}

[ -f "$VECTORS" ] || { echo "missing $VECTORS (set DATA=...)" >&2; exit 1; }
dotnet build src/Trainer/Trainer.csproj -c Release -v quiet -nologo | tail -n 1
dotnet build "$SERVER_TREE/src/EmbeddingStore/EmbeddingStore.csproj" -c Release -v quiet -nologo | tail -n 1
rm -rf "$OUT"; mkdir -p "$OUT"
common=(--dataset mr --data-dir "$DATA/sentences" --vectors "$VECTORS" --variant "$VARIANT" --max-folds 1 --device cpu)
trainer() { timeout 300 dotnet src/Trainer/bin/Release/net10.0/Trainer.dll "$@"; }
for run in $(seq 1 "$RUNS"); do
  dir="$OUT/$run"; mkdir -p "$dir"
  dotnet "$SERVER_TREE/src/EmbeddingStore/bin/Release/net10.0/EmbeddingStore.dll" --port "$PORT" --data-dir "$dir/store" \
    --import-dir "$(dirname "$VECTORS")" >"$dir/store.log" 2>&1 &
  store=$!
  # A failed run (set -e) must not leave its server behind.
  trap 'kill -TERM $store 2>/dev/null; wait $store 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do grep -q "listening on" "$dir/store.log" && break; sleep 0.5; done
  # The first run on a fresh store imports the table and warms the server; it is not reported.
  trainer train --address "http://127.0.0.1:$PORT" --table glove "${common[@]}" --epochs 1 --name warm-up --out "$dir/warm-up" >"$dir/warm-up.log"
  trainer train --address "http://127.0.0.1:$PORT" --table glove "${common[@]}" --epochs "$EPOCHS" --name bench --out "$dir/run" >"$dir/run.log"
  kill -TERM "$store"; wait "$store" 2>/dev/null || true
  grep -E "epoch [0-9]+/" "$dir/run.log" | sed -E 's/.*(epoch [0-9]+).*waited on store ([0-9.]+) of ([0-9.]+) s/run '"$run"' \1: \3 s, waited \2 s/'
done
python3 - "$OUT" "$RUNS" "$EPOCHS" <<'PY'
import re, statistics, sys
out, runs, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
times = {e: [] for e in range(1, epochs + 1)}
waits = {e: [] for e in range(1, epochs + 1)}
checkpoints = []
for run in range(1, runs + 1):
    for m in re.finditer(r"epoch (\d+)/\d+:.*waited on store ([\d.]+) of ([\d.]+) s", open(f"{out}/{run}/run.log").read()):
        times[int(m[1])].append(float(m[3])); waits[int(m[1])].append(float(m[2]))
    # The first checkpoint follows the import; the others fall in the reported run (or the warm-up).
    checkpoints += [int(ms) for ms in re.findall(r"Checkpoint \S+ took (\d+) ms", open(f"{out}/{run}/store.log").read())[1:]]
spread = lambda v: f"{min(v)} / {statistics.median(v)} / {max(v)}" if v else "-"
print(f"| epoch ({runs} runs) | epoch time, s: min / median / max | waited on the store, s: min / median / max |")
print("|---|---:|---:|")
for e in times: print(f"| {e} | {spread(times[e])} | {spread(waits[e])} |")
print(f"\ncheckpoints after the import, ms: min / median / max {spread(checkpoints)} ({len(checkpoints)})")
PY
