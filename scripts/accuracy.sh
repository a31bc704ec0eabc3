#!/usr/bin/env bash
# Accuracy runs behind docs/accuracy.md: every variant on MR, non-static on SST-2 and TREC, all through one
# store on 127.0.0.1. Kim's protocol is EPOCHS=25 FOLDS=10; the defaults are what 2 CPU cores allow.
#   EPOCHS=10 FOLDS=1 scripts/accuracy.sh        # results under runs/accuracy/<dataset>-<variant>/
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-${EMBSTORE_SHARED_DATA:-../shared/data}}
EPOCHS=${EPOCHS:-10}
FOLDS=${FOLDS:-1}
PORT=${PORT:-5197}
OUT=${OUT:-runs/accuracy}
BIN=${BIN:-}
VARIANTS=${VARIANTS:-"rand static non-static multichannel overlay"}
if [ -z "$BIN" ]; then dotnet build EmbeddingStore.sln -c Release -v quiet -nologo | tail -n 2; fi
bin() { if [ -n "$BIN" ]; then echo "$BIN/$2.dll"; else echo "src/$1/bin/Release/net10.0/$2.dll"; fi; }

mkdir -p "$OUT"
dotnet "$(bin EmbeddingStore EmbeddingStore)" --port "$PORT" --data-dir "$OUT/store" --import-dir "$DATA/vectors" >"$OUT/store.log" 2>&1 &
STORE_PID=$!
trap 'kill -TERM $STORE_PID 2>/dev/null; wait $STORE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "EmbeddingStore listening on" "$OUT/store.log" && break; sleep 0.5; done

train() { # dataset variant
  dotnet "$(bin Trainer Trainer)" train --address "http://127.0.0.1:$PORT" --dataset "$1" --data-dir "$DATA/sentences" \
    --table glove --vectors "$DATA/vectors/glove-6b-100d-top100k.bin" --variant "$2" --epochs "$EPOCHS" --max-folds "$FOLDS" \
    --name "$1-$2" --out "$OUT/$1-$2" | tee "$OUT/$1-$2.log"
}
for v in $VARIANTS; do train mr "$v"; done
train sst2 non-static
train trec non-static
for f in "$OUT"/*/results.md; do sed -n 5p "$f"; done | tee "$OUT/summary.txt"
