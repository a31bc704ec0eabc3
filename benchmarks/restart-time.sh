#!/usr/bin/env bash
# Restart time (issue 23, item 6): builds Release, then, for each size, starts the real store on 127.0.0.1 with a data folder
# of its own under $TMPDIR (default /tmp), creates that many 100-d rows in an overlay view (Resolve, policy CREATE),
# SIGKILLs it (every row still in the write-ahead log) and restarts it, then stops it with SIGTERM (a checkpoint, empty WAL)
# and restarts it again, timing each start to SERVING; prints the table (docs/benchmarks.md, "Restart time").
#   benchmarks/restart-time.sh [SIZES] [--cold] [--memory-mb MB] [--out FILE]
# SIZES: comma-separated row counts (default 1000000,10000000). --cold (root only) also restarts with the page cache
# dropped. --memory-mb (default 8192) must exceed the log's size (about 510 bytes a row) to keep the fill in the WAL.
# The data folders are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=1000000,10000000
if [[ $# -gt 0 && $1 =~ ^[0-9,]+$ ]]; then sizes=$1; shift; fi
timeout 900 dotnet build benchmarks/StoreBench -c Release --nologo -v quiet -clp:ErrorsOnly
exec dotnet benchmarks/StoreBench/bin/Release/net10.0/StoreBench.dll --restart "$sizes" --work "${TMPDIR:-/tmp}" "$@"
