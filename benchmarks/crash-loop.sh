#!/usr/bin/env bash
# The kill loop (issue 23, item 4): builds Release, then runs N cycles of load -> SIGKILL -> restart -> checks against the
# real store process on 127.0.0.1, prints a table of figures, and exits 1 when any check failed (2: a wrong command line).
#   benchmarks/crash-loop.sh N [--seed S] [--keep] [--min-load-ms MS] [--max-load-ms MS] [--margin-ms MS] [--file PATH]
# --seed repeats a failing run's plan (load lengths, kill moments, rows); --keep keeps a copy of the data folder as each
# failed cycle's kill left it. The table and the server's data folder live under $TMPDIR (default /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]]; then
    echo "usage: benchmarks/crash-loop.sh CYCLES [--seed S] [--keep] [--min-load-ms MS] [--max-load-ms MS] [--margin-ms MS] [--file PATH]" >&2
    exit 2
fi
cycles=$1
shift
dotnet build benchmarks/CrashLoop -c Release --nologo -v quiet -clp:ErrorsOnly
exec dotnet benchmarks/CrashLoop/bin/Release/net10.0/CrashLoop.dll --cycles "$cycles" "$@"
