#!/usr/bin/env bash
# The Rust SDK and the official Python client (brayns==3.10.1) against the same brayns-mock,
# one after the other, in one run. Prints two JSON lines: Python's, then the Rust bench's.
#
#   bench/python_compare.sh [--pin] [--quick]
#
# --pin: the mock on core 0, both clients on core 1 (taskset). bench/compare.sh runs the same
# clients and jsonrpsee's, and prints them as a table.
#
# Needs python3 (3.9+) and PyPI: the client is installed into a virtualenv under
# $CARGO_TARGET_DIR (default target/) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
venv="$target/python-brayns"
port="${BENCH_PORT:-5987}"
quick=""
server=()
client=()
for arg in "$@"; do
    case "$arg" in
        --pin) server=(taskset -c 0); client=(taskset -c 1) ;;
        --quick) quick="--quick" ;;
        *) echo "usage: bench/python_compare.sh [--pin] [--quick]" >&2; exit 2 ;;
    esac
done

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet brayns==3.10.1
fi
cargo build --quiet --release -p brayns-mock -p brayns-sdk --example bench --bin brayns-mock

# MOCK_THREADS: the mock's runtime threads (default 1, its lowest-latency setting).
"${server[@]}" "$target/release/brayns-mock" --port "$port" --worker-threads "${MOCK_THREADS:-1}" \
    --binary-payload-size $((64 << 20)) >"$target/python-compare-mock.log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

if [ "$quick" = "--quick" ]; then
    "${client[@]}" "$venv/bin/python" bench/python_client.py --uri "127.0.0.1:$port" --seconds 1 --rounds 1
else
    "${client[@]}" "$venv/bin/python" bench/python_client.py --uri "127.0.0.1:$port" --seconds 3 --rounds 3
fi
"${client[@]}" "$target/release/examples/bench" --uri "127.0.0.1:$port" $quick
