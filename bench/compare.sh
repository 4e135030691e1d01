#!/usr/bin/env bash
# The Rust SDK, its raw tokio-tungstenite floor, jsonrpsee's websocket client and the official
# Python client (brayns==3.10.1) against one brayns-mock, one after the other, in one run.
#
#   bench/compare.sh [--pin] [--quick]
#
# --pin   the mock on core 0 and every client on core 1 (`taskset`), so each side owns a core
#         and the client's own CPU time per call decides its rate.
# --quick short rounds (about 40 s in all once built, instead of about 2.5 min).
#
# Prints the machine's load, then a Markdown table (rates, SDK / raw ratios, client CPU time
# per call) ready to paste into BENCHMARKS.md, then each client's raw JSON line. The lines are
# also kept in $CARGO_TARGET_DIR/compare/ (default target/compare/).
#
# Needs python3 (3.9+) and PyPI for the Python client (installed into a virtualenv under the
# target folder on first use), and util-linux's taskset for --pin. The jsonrpsee peer is its
# own crate (bench/peers/jsonrpsee), outside the workspace: built here, never by
# `cargo build --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
venv="$target/python-brayns"
out="$target/compare"
port="${BENCH_PORT:-5988}"
pin=false
quick=""
for arg in "$@"; do
    case "$arg" in
        --pin) pin=true ;;
        --quick) quick="--quick" ;;
        *) echo "usage: bench/compare.sh [--pin] [--quick]" >&2; exit 2 ;;
    esac
done
server=()
client=()
if $pin; then
    server=(taskset -c 0)
    client=(taskset -c 1)
fi

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet brayns==3.10.1
fi
cargo build --quiet --release -p brayns-mock -p brayns-sdk --example bench --bin brayns-mock
CARGO_TARGET_DIR="$target/peers" cargo build --quiet --release \
    --manifest-path bench/peers/jsonrpsee/Cargo.toml
mkdir -p "$out"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"${server[@]}" "$target/release/brayns-mock" --port "$port" --worker-threads 1 \
    --binary-payload-size $((64 << 20)) >"$out/mock.log" 2>&1 &
mock=$!
trap 'kill $mock 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

uri="127.0.0.1:$port"
bench_pin=()
$pin && bench_pin=(--pin-client 1) # already on core 1; this records it in the JSON line
"${client[@]}" "$target/release/examples/bench" --uri "$uri" $quick "${bench_pin[@]}" \
    >"$out/sdk.json"
"${client[@]}" "$target/peers/release/jsonrpsee-peer" --uri "$uri" $quick >"$out/jsonrpsee.json"
if [ -n "$quick" ]; then
    "${client[@]}" "$venv/bin/python" bench/python_client.py --uri "$uri" --seconds 1 --rounds 1 \
        >"$out/python.json"
else
    "${client[@]}" "$venv/bin/python" bench/python_client.py --uri "$uri" --seconds 3 --rounds 3 \
        >"$out/python.json"
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$out" "$pin" "$quick" "$load_before" "$load_after" <<'EOF'
import json, sys
out, pin, quick, before, after = sys.argv[1:]
sdk = json.load(open(f"{out}/sdk.json"))
peer = json.load(open(f"{out}/jsonrpsee.json"))
py = json.load(open(f"{out}/python.json"))

def num(value, digits=0):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"

condition = "pinned: mock on core 0, client on core 1" if pin == "true" else "unpinned"
print(f"condition: {condition}{' (--quick)' if quick else ''}; "
      f"load average (1, 5, 15 min) before {before}, after {after}")
print()
print("| workload | SDK | jsonrpsee | raw floor | Python | SDK / raw |")
print("|---|---:|---:|---:|---:|---:|")
rows = [
    ("sequential `get-version`, calls/s", "sequential_rps", "sequential_ratio", 0),
    ("pipelined, 64 in flight, calls/s", "pipelined_rps", "pipelined_ratio", 0),
    ("`snapshot`, 64 MiB binary reply, MiB/s", "binary_mib_s", "binary_ratio", 0),
    ("`add-spheres`, 64.2 MiB params, MiB/s", "large_params_mib_s", "large_params_ratio", 1),
]
for label, key, ratio, digits in rows:
    print(f"| {label} | {num(sdk.get(key), digits)} | {num(peer.get(key), digits)} "
          f"| {num(sdk.get('raw_' + key), digits)} | {num(py.get(key), digits)} "
          f"| **{num(sdk.get(ratio), 2)}** |")
cpu = [
    ("client CPU per sequential call, µs", "sequential_cpu_us_per_call"),
    ("client CPU per pipelined call, µs", "pipelined_cpu_us_per_call"),
    ("client CPU per 64 MiB `snapshot`, ms", "binary_cpu_ms_per_call"),
]
for label, key in cpu:
    print(f"| {label} | {num(sdk.get(key), 2)} | {num(peer.get(key), 2)} "
          f"| {num(sdk.get('raw_' + key), 2)} | {num(py.get(key), 2)} | |")
print(f"| peak RSS, 64 MiB binary reply | {num(sdk.get('peak_rss_payload_ratio'), 2)} × payload "
      f"| | | | |")
print()
print(f"No jsonrpsee binary figure: {peer.get('binary_note')}.")
print(f"server_rps (the mock's own small-request rate, 4 raw connections × 16 in flight): "
      f"{num(sdk.get('server_rps'))}")
print()
for name in ("sdk", "jsonrpsee", "python"):
    print(f"{name}: {open(f'{out}/{name}.json').read().strip()}")
EOF
