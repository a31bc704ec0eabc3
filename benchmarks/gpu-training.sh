#!/usr/bin/env bash
# The training comparison of benchmarks/training.sh on a GPU machine: KimCnn on CUDA against the PyTorch reference
# on CUDA (same shapes, same machine, one call; SimdCnn on its CPU cores beside them), then an MR epoch through
# the store against --in-process rows.
# NOT RUN YET: no GPU was lent to the work that wrote it; treat its first run as a check of it too.
#
# Here (no GPU needed):   benchmarks/gpu-training.sh pack     # fills .gpu/ (runtime, apps, MR and the small GloVe file)
# Device tool:            run with carry [".gpu"] and command `bash benchmarks/gpu-training.sh run` (about 5 minutes)
# Results come back as $OUT/gpu-steps.jsonl and $OUT/gpu-epochs.log; benchmarks/training_table.py reads the same format.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-${EMBSTORE_SHARED_DATA:-../shared/data}}
GPU_TOOLS=${GPU_TOOLS:-../shared/gpu}
BATCHES=${BATCHES:-50}
EPOCHS=${EPOCHS:-2}

case "${1:-}" in
pack)
  "$GPU_TOOLS/pack.sh" src/Trainer/Trainer.csproj src/EmbeddingStore/EmbeddingStore.csproj
  mkdir -p .gpu/data/sentences .gpu/data/vectors
  cp "$DATA/sentences/rt-polarity.pos" "$DATA/sentences/rt-polarity.neg" .gpu/data/sentences/
  cp "$DATA/vectors/glove-6b-100d-mr-sst2-trec.bin" .gpu/data/vectors/
  du -sh .gpu
  ;;
run)
  OUT=${OUT:?run this on the device machine, where \$OUT is set}
  [ -f .gpu/run.sh ] || { echo ".gpu/ is missing: run '$0 pack' here and carry .gpu" >&2; exit 1; }
  # run.sh unpacks the runtime and links libcuda.so; everything after runs with dotnet on PATH.
  bash .gpu/run.sh --shell "
    set -euo pipefail
    trainer() { dotnet .gpu/app/Trainer/Trainer.dll \"\$@\"; }
    nvidia-smi > $OUT/nvidia-smi.txt || true
    for shape in '100 64' '300 56'; do
      set -- \$shape
      trainer bench --device cuda,cpu --dim \$1 --positions \$2 --batches $BATCHES | tee -a $OUT/gpu-steps.jsonl
      trainer bench --device cuda --dim \$1 --positions \$2 --batches $BATCHES --lengths mr | tee -a $OUT/gpu-steps.jsonl
      for embedding in train frozen; do
        python3 benchmarks/torch/kim_cnn.py --device cuda --dim \$1 --positions \$2 --batches $BATCHES --embedding \$embedding | tee -a $OUT/gpu-steps.jsonl
      done
    done
    dotnet .gpu/app/EmbeddingStore/EmbeddingStore.dll --port 5199 --data-dir /tmp/gpu-store --in-memory --import-dir .gpu/data/vectors > $OUT/store.log 2>&1 &
    for _ in \$(seq 1 120); do grep -q 'listening on' $OUT/store.log && break; sleep 0.5; done
    common='--dataset mr --data-dir .gpu/data/sentences --vectors .gpu/data/vectors/glove-6b-100d-mr-sst2-trec.bin --variant non-static --epochs $EPOCHS --max-folds 1 --device cuda'
    trainer train --address http://127.0.0.1:5199 --table glove \$common --name gpu --out /tmp/gpu-store-run | tee $OUT/gpu-epochs.log
    trainer train --in-process \$common --out /tmp/gpu-in-process-run | tee -a $OUT/gpu-epochs.log
  "
  ;;
*)
  echo "usage: $0 pack | run" >&2
  exit 2
  ;;
esac
