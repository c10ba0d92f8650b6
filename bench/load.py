"""The load generator: N concurrent clients (threads, one keep-alive HTTP connection each)
GET one URL until a number of requests or a time limit is reached; prints one JSON object
with throughput and latency percentiles. Runs as its own process so its work does not share
the server's interpreter.

`python -m bench.load --url http://127.0.0.1:8000/x --clients 10 --requests 500 --seconds 10
--cookie sessionid=…`"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from bench.common import percentile


def load_run(
    url: str, *, clients: int, requests: int, seconds: float, cookie: str = ""
) -> dict[str, Any]:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Cookie": cookie} if cookie else {}
    lock = threading.Lock()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    issued = 0
    deadline = time.monotonic() + seconds

    def client() -> None:
        nonlocal issued
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        while True:
            with lock:
                if issued >= requests or time.monotonic() > deadline:
                    break
                issued += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
            elapsed = time.perf_counter() - t0
            with lock:
                if status == "200":
                    latencies.append(elapsed)
                else:
                    errors[status] = errors.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started

    def ms(share: float) -> float | None:
        value = percentile(latencies, share)
        return None if value is None else round(value * 1000, 1)

    return {
        "clients": clients,
        "ok": len(latencies),
        "errors": errors,
        "seconds": round(wall, 2),
        "rps": round(len(latencies) / wall, 1) if wall else None,
        "p50_ms": ms(0.5),
        "p95_ms": ms(0.95),
        "p99_ms": ms(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--cookie", default="")
    args = parser.parse_args()
    result = load_run(
        args.url,
        clients=args.clients,
        requests=args.requests,
        seconds=args.seconds,
        cookie=args.cookie,
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
