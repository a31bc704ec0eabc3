#!/usr/bin/env bash
# The fuzzer (issue 24): builds Release, starts the real store process on 127.0.0.1, sends CALLS random and mutated
# requests of every RPC (default 1,000,000) and checks after each batch that the server is alive and serving and that no
# sentinel row changed; prints a table of the statuses seen per method. Exit 1 when a call got an undocumented status
# (INTERNAL, UNKNOWN, UNAVAILABLE...) or an invariant broke, 2 for a wrong command line.
#   benchmarks/fuzz.sh [CALLS] [--seed S] [--concurrency C] [--batch B] [--report PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
calls=1000000
if [[ $# -ge 1 && $1 =~ ^[0-9]+$ ]]; then calls=$1; shift; fi
dotnet build benchmarks/StoreFuzz -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet build src/EmbeddingStore -c Release --nologo -v quiet -clp:ErrorsOnly
exec dotnet benchmarks/StoreFuzz/bin/Release/net10.0/StoreFuzz.dll --calls "$calls" "$@"
