#!/usr/bin/env bash
# The Rust SDK and the official Python client (brayns==3.10.1) against the same brayns-mock,
# one after the other, in one run. Prints two JSON lines: Python's, then the Rust bench's.
#
#   bench/python_compare.sh [--quick]
#
# Needs python3 (3.9+) and PyPI: the client is installed into a virtualenv under
# $CARGO_TARGET_DIR (default target/) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
venv="$target/python-brayns"
port="${BENCH_PORT:-5987}"
quick="${1:-}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet brayns==3.10.1
fi
cargo build --quiet --release -p brayns-mock -p brayns-sdk --example bench --bin brayns-mock

# MOCK_THREADS: the mock's runtime threads (default 1, its lowest-latency setting).
"$target/release/brayns-mock" --port "$port" --worker-threads "${MOCK_THREADS:-1}" \
    --binary-payload-size $((64 << 20)) >"$target/python-compare-mock.log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

if [ "$quick" = "--quick" ]; then
    "$venv/bin/python" bench/python_client.py --uri "127.0.0.1:$port" --seconds 1 --rounds 1
else
    "$venv/bin/python" bench/python_client.py --uri "127.0.0.1:$port" --seconds 3 --rounds 3
fi
"$target/release/examples/bench" --uri "127.0.0.1:$port" $quick
