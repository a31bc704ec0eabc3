#!/usr/bin/env bash
# Downloads the public originals the demo needs into ./data (or $1), for machines without ../shared/data:
#   MR (Pang and Lee 2005) from Cornell, and GloVe 6B (Pennington et al. 2014) from Stanford (822 MB zip).
# The 100-d GloVe text file is imported as it is (the store reads GloVe text); then run:
#   DATA=./data VECTORS=./data/vectors/glove.6B.100d.txt scripts/demo.sh
# Note: written for machines with internet access; the development machines have none, so it is untested there.
set -euo pipefail
DEST=${1:-data}
mkdir -p "$DEST/sentences" "$DEST/vectors"
fetch() { curl -fL --retry 3 -o "$2" "$1" || { echo "download failed: $1" >&2; exit 1; }; }

if [ ! -f "$DEST/sentences/rt-polarity.pos" ]; then
  fetch "https://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz" "$DEST/rt-polaritydata.tar.gz"
  tar -xzf "$DEST/rt-polaritydata.tar.gz" -C "$DEST"
  mv "$DEST"/rt-polaritydata/rt-polarity.pos "$DEST"/rt-polaritydata/rt-polarity.neg "$DEST/sentences/"
  rm -rf "$DEST/rt-polaritydata" "$DEST/rt-polaritydata.tar.gz"
fi
if [ ! -f "$DEST/vectors/glove.6B.100d.txt" ]; then
  fetch "https://nlp.stanford.edu/data/glove.6B.zip" "$DEST/glove.6B.zip"
  unzip -o -j "$DEST/glove.6B.zip" glove.6B.100d.txt -d "$DEST/vectors"
  rm -f "$DEST/glove.6B.zip"
fi
echo "data ready in $DEST: run  DATA=$DEST VECTORS=$DEST/vectors/glove.6B.100d.txt scripts/demo.sh"
