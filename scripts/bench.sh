#!/usr/bin/env bash
# The store against its peers, in one command: installs Redis, Garnet and gensim if missing, builds Release,
# starts Redis and Garnet on free ports of 127.0.0.1 with persistence off, runs benchmarks/StoreBench --peers
# (pull and push against Redis and Garnet, a plain loopback TCP copy, import against gensim), stops the
# peers by process id, and writes docs/bench-results.md and docs/bench-results.png. About 5 minutes on 2 cores (3.6-5.1 measured).
#
#   scripts/bench.sh                          # everything, with a generated 3,000,000 x 300 import file (3.6 GB)
#   IMPORT_ROWS=300000 SECONDS_EACH=2 scripts/bench.sh   # a quicker run (CI-like)
#   DATA=/path/to/data scripts/bench.sh       # vectors/glove-6b-100d-top100k.bin read from there
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-${EMBSTORE_SHARED_DATA:-../shared/data}}
VECTORS=${VECTORS:-$DATA/vectors/glove-6b-100d-top100k.bin}
SECONDS_EACH=${SECONDS_EACH:-5}
CLIENTS=${CLIENTS:-1,16}
IMPORT_ROWS=${IMPORT_ROWS:-3000000}
RESULTS=${RESULTS:-docs/bench-results.md}
CHART=${CHART:-docs/bench-results.png}
TOOLS=${TOOLS:-$HOME/.cache/embstore-bench/tools}
LIMIT=${LIMIT:-840}   # seconds: the whole comparison is stopped after 14 minutes whatever happens
GARNET_VERSION=2.2.8

[ -f "$VECTORS" ] || { echo "missing $VECTORS: point DATA=... at the shared data, or run scripts/fetch-data.sh" >&2; exit 1; }

echo "== installing what is missing"
missing=()
command -v redis-server >/dev/null || missing+=(redis-server redis-tools)
/usr/bin/python3 -c 'import gensim' 2>/dev/null || missing+=(python3-gensim)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -x "$TOOLS/garnet-server" ]; then
  dotnet tool install garnet-server --version "$GARNET_VERSION" --tool-path "$TOOLS" >/dev/null
fi

echo "== building (Release)"
dotnet build benchmarks/StoreBench/StoreBench.csproj -c Release -v quiet -nologo | tail -n 2

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(free_port)
GARNET_PORT=$(free_port)
PIDS=()
stop_peers() { for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done; for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done; }
trap stop_peers EXIT

echo "== starting Redis on 127.0.0.1:$REDIS_PORT and Garnet on 127.0.0.1:$GARNET_PORT (no persistence)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning >/dev/null &
PIDS+=($!)
"$TOOLS/garnet-server" --port "$GARNET_PORT" --bind 127.0.0.1 --memory 1g -q >/dev/null &
PIDS+=($!)
for port in "$REDIS_PORT" "$GARNET_PORT"; do
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done
  [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] || { echo "the peer on port $port did not start" >&2; exit 1; }
done

echo "== running the comparison (at most $LIMIT s)"
timeout --kill-after=10 "$LIMIT" dotnet benchmarks/StoreBench/bin/Release/net10.0/StoreBench.dll --peers \
  --vectors "$VECTORS" --seconds "$SECONDS_EACH" --clients "$CLIENTS" \
  --redis "127.0.0.1:$REDIS_PORT" --redis-pid "${PIDS[0]}" --garnet "127.0.0.1:$GARNET_PORT" --garnet-pid "${PIDS[1]}" \
  --python /usr/bin/python3 \
  --import-rows "$IMPORT_ROWS" --results "$RESULTS" --chart "$CHART"
