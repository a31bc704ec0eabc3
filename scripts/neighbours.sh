#!/usr/bin/env bash
# The nearest neighbours of a few words in a static view of the table and in a fine-tuned view, as a markdown
# table (Kim 2014, Table 3). Needs a running store and a view trained through it, e.g. by scripts/demo.sh:
#   ADDRESS=http://127.0.0.1:5191 scripts/neighbours.sh mr-non-static-20261128124552-f1 good bad
set -euo pipefail
cd "$(dirname "$0")/.."
ADDRESS=${ADDRESS:-http://127.0.0.1:5191}
TABLE=${TABLE:-glove}
K=${K:-5}
BIN=${BIN:-src/Cli/bin/Release/net10.0}
VIEW=${1:?usage: scripts/neighbours.sh FINE_TUNED_VIEW [WORD...]}
shift
WORDS=${*:-good bad}
embstore() { dotnet "$BIN/embstore.dll" --address "$ADDRESS" "$@"; }
STATIC="$TABLE-static"
embstore view describe "$STATIC" >/dev/null 2>&1 || embstore view create "$STATIC" --table "$TABLE" --mode static >/dev/null
row() { embstore neighbours --view "$1" --token "$2" -k "$K" | awk 'NR > 1 { printf "%s%s %s", (NR > 2 ? ", " : ""), $2, $3 }'; }
echo "| word | static ($STATIC) | fine-tuned ($VIEW) |"
echo "|---|---|---|"
for w in $WORDS; do echo "| $w | $(row "$STATIC" "$w") | $(row "$VIEW" "$w") |"; done
