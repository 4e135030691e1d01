"""Measures the official Brayns Python client (pip install brayns==3.10.1) against a
running server, with the same three workloads as the Rust bench example:

- sequential: `get-version`, one call at a time;
- pipelined: `get-version` with WINDOW calls in flight (the client keeps at most 100
  unread messages and silently drops the rest, so WINDOW stays at 64 like the Rust bench);
- binary: `snapshot` replies carrying the server's binary payload (with brayns-mock:
  `--binary-payload-size`).

Prints one line of JSON, with the client's CPU time per call (`*_cpu_us_per_call`,
`binary_cpu_ms_per_call`: user + system time of this process, `time.process_time()`, over
the calls of a round; the median round's). Usage:

    python bench/python_client.py --uri 127.0.0.1:5000 [--seconds 3] [--window 64]

See bench/python_compare.sh for the full run against brayns-mock.
"""

import argparse
import collections
import json
import statistics
import time
import warnings

# brayns 3.10.1 uses the legacy `websockets.client` API, deprecated in websockets >= 14.
warnings.filterwarnings("ignore", category=DeprecationWarning)

import brayns  # noqa: E402


def rounds(seconds, count, body):
    """Runs `body(deadline)` `count` times for `seconds` each; `body` returns (amount, calls).

    Returns the median rate (amount per second) and the median CPU seconds per call."""
    rates = []
    cpu = []
    for _ in range(count):
        started = time.perf_counter()
        cpu_started = time.process_time()
        amount, calls = body(started + seconds)
        cpu.append((time.process_time() - cpu_started) / max(calls, 1))
        rates.append(amount / (time.perf_counter() - started))
    return statistics.median(rates), statistics.median(cpu)


def sequential(instance):
    def body(deadline):
        calls = 0
        while time.perf_counter() < deadline:
            instance.request("get-version")
            calls += 1
        return calls, calls

    return body


def pipelined(instance, window):
    def body(deadline):
        in_flight = collections.deque(instance.task("get-version") for _ in range(window))
        calls = 0
        while in_flight:
            in_flight.popleft().wait_for_reply()
            calls += 1
            if time.perf_counter() < deadline:
                in_flight.append(instance.task("get-version"))
        return calls, calls

    return body


def binary(instance, sizes):
    def body(deadline):
        received = 0
        calls = 0
        while True:
            reply = instance.execute("snapshot", {})
            sizes.append(len(reply.binary))
            received += len(reply.binary)
            calls += 1
            if time.perf_counter() >= deadline:
                return received / (1 << 20), calls

    return body


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uri", required=True, help="host:port of the server")
    parser.add_argument("--seconds", type=float, default=3.0, help="per round")
    parser.add_argument("--rounds", type=int, default=3, help="median of this many rounds")
    parser.add_argument("--window", type=int, default=64, help="calls in flight")
    args = parser.parse_args()
    if args.window > 100:
        parser.error("the Python client loses replies beyond 100 in flight")

    with brayns.Connector(args.uri).connect() as instance:
        sizes = []
        seq, seq_cpu = rounds(args.seconds, args.rounds, sequential(instance))
        pipe, pipe_cpu = rounds(args.seconds, args.rounds, pipelined(instance, args.window))
        binary_rate, binary_cpu = rounds(args.seconds, args.rounds, binary(instance, sizes))
        figures = {
            "client": "brayns (Python) " + brayns.__version__,
            "uri": args.uri,
            "sequential_rps": round(seq, 2),
            "sequential_cpu_us_per_call": round(seq_cpu * 1e6, 2),
            "pipelined_rps": round(pipe, 2),
            "pipelined_cpu_us_per_call": round(pipe_cpu * 1e6, 2),
            "window": args.window,
            "binary_mib_s": round(binary_rate, 2),
            "binary_cpu_ms_per_call": round(binary_cpu * 1e3, 2),
            "binary_payload_mib": max(sizes) / (1 << 20),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
