#!/usr/bin/env bash
# Training speed behind the "Training" section of docs/benchmarks.md:
#  1. examples/s of one training step (forward, backward, Adadelta, max-norm, row update) for SimdCnn (--device cpu),
#     KimCnn on ILGPU's CPU accelerator (ilgpu-cpu) and the PyTorch reference (benchmarks/torch/kim_cnn.py), same
#     batch, positions and dimensions, at (50, 64, 100-d) and (50, 56, 300-d). The three run back to back, ROUNDS
#     times in alternation, and the table shows each one's median, so that they see the same machine state.
#  2. MR epochs (CNN-non-static, 100-d GloVe) through the store (pushes overlapped, then --sync-push), after an
#     unreported warm-up run, against the same trainer on --in-process rows.
#  3. The same for CNN-static and CNN-multichannel, whose frozen rows the trainer keeps (the store marks them
#     immutable): through the store, through the store with --no-row-cache, and on --in-process rows.
# Then it rewrites the part of docs/benchmarks.md between the training markers (raw output in runs/training/).
#   benchmarks/training.sh                      # ROUNDS=3 BATCHES=20 EPOCHS=2 DATA=../shared/data
#   SKIP_STEPS=1 EPOCHS=3 benchmarks/training.sh   # only part 2, reusing the last run's step figures
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-${EMBSTORE_SHARED_DATA:-../shared/data}}
VECTORS=${VECTORS:-$DATA/vectors/glove-6b-100d-top100k.bin}
ROUNDS=${ROUNDS:-3}
BATCHES=${BATCHES:-20}
EPOCHS=${EPOCHS:-2}
PORT=${PORT:-5198}
OUT=${OUT:-runs/training}
PYTHON=${PYTHON:-/usr/bin/python3}
# On a shared machine PyTorch's OpenMP threads spin at every barrier while the other thread is descheduled
# (measured 10x slower under load); the passive policy is its best setting there, so it is the one timed.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

"$PYTHON" -c 'import torch' 2>/dev/null || { echo "PyTorch missing for $PYTHON (Debian: apt-get install python3-torch)" >&2; exit 1; }
[ -f "$VECTORS" ] || { echo "missing $VECTORS (set DATA=...)" >&2; exit 1; }
dotnet build src/Trainer/Trainer.csproj -c Release -v quiet -nologo | tail -n 1
dotnet build src/EmbeddingStore/EmbeddingStore.csproj -c Release -v quiet -nologo | tail -n 1
trainer() { dotnet src/Trainer/bin/Release/net10.0/Trainer.dll "$@"; }
if [ "${SKIP_STEPS:-0}" = 1 ]; then
  [ -f "$OUT/steps.jsonl" ] || { echo "SKIP_STEPS=1 needs an earlier run's $OUT/steps.jsonl" >&2; exit 1; }
  rm -rf "$OUT/store" "$OUT"/*-run* "$OUT"/warm-up*
else
  rm -rf "$OUT"; mkdir -p "$OUT"
fi

[ "${SKIP_STEPS:-0}" = 1 ] || echo "== training steps: SimdCnn, ILGPU CPU accelerator, PyTorch ($ROUNDS rounds)"
for round in $( [ "${SKIP_STEPS:-0}" = 1 ] || seq 1 "$ROUNDS"); do
  for shape in "100 64" "300 56"; do
    set -- $shape
    trainer bench --device cpu,ilgpu-cpu --dim "$1" --positions "$2" --batches "$BATCHES" | tee -a "$OUT/steps.jsonl"
    trainer bench --device cpu --dim "$1" --positions "$2" --batches "$BATCHES" --lengths mr | tee -a "$OUT/steps.jsonl"
    for embedding in train frozen; do
      "$PYTHON" benchmarks/torch/kim_cnn.py --dim "$1" --positions "$2" --batches "$BATCHES" --threads 2 --embedding "$embedding" | tee -a "$OUT/steps.jsonl"
    done
  done
done

echo "== MR epochs through the store and in-process"
dotnet src/EmbeddingStore/bin/Release/net10.0/EmbeddingStore.dll --port "$PORT" --data-dir "$OUT/store" \
  --import-dir "$(dirname "$VECTORS")" >"$OUT/store.log" 2>&1 &
STORE_PID=$!
trap 'kill -TERM $STORE_PID 2>/dev/null; wait $STORE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "listening on" "$OUT/store.log" && break; sleep 0.5; done
common=(--dataset mr --data-dir "$DATA/sentences" --vectors "$VECTORS" --variant non-static --max-folds 1 --device cpu)
# A first run warms the server (JIT, first reads of the table) and is not reported.
trainer train --address "http://127.0.0.1:$PORT" --table glove "${common[@]}" --epochs 1 --name warm-up --out "$OUT/warm-up" >"$OUT/warm-up.log"
trainer train --address "http://127.0.0.1:$PORT" --table glove "${common[@]}" --epochs "$EPOCHS" --name bench --out "$OUT/store-run" | tee "$OUT/store-run.log"
trainer train --address "http://127.0.0.1:$PORT" --table glove "${common[@]}" --epochs "$EPOCHS" --sync-push --name bench-sync --out "$OUT/store-sync-run" | tee "$OUT/store-sync-run.log"
trainer train --in-process "${common[@]}" --epochs "$EPOCHS" --out "$OUT/in-process-run" | tee "$OUT/in-process-run.log"

echo "== CNN-static and CNN-multichannel: frozen rows kept by the trainer, pulled every batch, in-process"
for variant in static multichannel; do
  frozen=(--dataset mr --data-dir "$DATA/sentences" --vectors "$VECTORS" --variant "$variant" --max-folds 1 --device cpu --epochs "$EPOCHS")
  trainer train --address "http://127.0.0.1:$PORT" --table glove "${frozen[@]}" --name "bench-$variant" --out "$OUT/$variant-store-run" | tee "$OUT/$variant-store-run.log"
  trainer train --address "http://127.0.0.1:$PORT" --table glove "${frozen[@]}" --no-row-cache --name "bench-$variant-uncached" \
    --out "$OUT/$variant-uncached-run" | tee "$OUT/$variant-uncached-run.log"
  trainer train --in-process "${frozen[@]}" --out "$OUT/$variant-in-process-run" | tee "$OUT/$variant-in-process-run.log"
done

"$PYTHON" benchmarks/training_table.py "$OUT" docs/benchmarks.md
