#!/usr/bin/env bash
# The main job, on a fresh clone: build, start the store on 127.0.0.1, import the GloVe table, train
# Kim's CNN on MR through the store, and report accuracy. Everything it writes goes under ./runs/demo.
#
#   scripts/demo.sh                      # MR, CNN-non-static, 1 of 10 folds, 8 epochs
#   EPOCHS=25 FOLDS=10 scripts/demo.sh   # Kim's full protocol (hours on 2 CPU cores)
#   VARIANT=multichannel scripts/demo.sh # rand | static | non-static | multichannel | overlay
#   DATA=/path/to/data scripts/demo.sh   # your own copy: sentences/rt-polarity.{pos,neg}, vectors/*.bin
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-${EMBSTORE_SHARED_DATA:-../shared/data}}
VECTORS=${VECTORS:-$DATA/vectors/glove-6b-100d-top100k.bin}
DATASET=${DATASET:-mr}
VARIANT=${VARIANT:-non-static}
EPOCHS=${EPOCHS:-8}
FOLDS=${FOLDS:-1}
DEVICE=${DEVICE:-auto}
PORT=${PORT:-5191}
OUT=${OUT:-runs/demo}
ADDRESS="http://127.0.0.1:$PORT"

for f in "$VECTORS" "$DATA/sentences/rt-polarity.pos" "$DATA/sentences/rt-polarity.neg"; do
  if [ ! -f "$f" ]; then
    echo "missing data file: $f" >&2
    echo "point DATA=... at a folder holding sentences/ and vectors/, or run scripts/fetch-data.sh to download the public originals" >&2
    exit 1
  fi
done

echo "== building (Release)"
dotnet build EmbeddingStore.sln -c Release -v quiet -nologo | tail -n 2

bin() { echo "src/$1/bin/Release/net10.0/$2.dll"; }
rm -rf "$OUT"; mkdir -p "$OUT"
echo "== starting the store on $ADDRESS (data in $OUT/store)"
dotnet "$(bin EmbeddingStore EmbeddingStore)" --port "$PORT" --data-dir "$OUT/store" \
  --import-dir "$(dirname "$VECTORS")" >"$OUT/store.log" 2>&1 &
STORE_PID=$!
trap 'kill -TERM $STORE_PID 2>/dev/null; wait $STORE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do grep -q "EmbeddingStore listening on" "$OUT/store.log" && break; sleep 0.5; done
grep -q "EmbeddingStore listening on" "$OUT/store.log" || { echo "store did not start:"; cat "$OUT/store.log"; exit 1; }

embstore() { dotnet "$(bin Cli embstore)" --address "$ADDRESS" "$@"; }
echo "== importing $(basename "$VECTORS")"
embstore import "$(basename "$VECTORS")" --table glove --server-path
embstore tables

echo "== training CNN-$VARIANT on $DATASET ($FOLDS fold(s) of 10, $EPOCHS epochs)"
dotnet "$(bin Trainer Trainer)" train --address "$ADDRESS" --dataset "$DATASET" --data-dir "$DATA/sentences" \
  --table glove --variant "$VARIANT" --epochs "$EPOCHS" --max-folds "$FOLDS" --device "$DEVICE" --out "$OUT/model"

echo "== result ($OUT/model/results.md, curves in $OUT/model/curves.png)"
cat "$OUT/model/results.md"
echo "== a prediction with the trained model"
dotnet "$(bin Trainer Trainer)" predict --model "$OUT/model" "a gripping , beautifully acted film" "a dull , lifeless mess"
