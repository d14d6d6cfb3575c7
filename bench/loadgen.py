"""A small HTTP load generator: threads, each sending GET requests over http.client in a loop."""

import http.client
import statistics
import threading
import time

from bench.common import percentile


def run(host, port, path, *, cookie="", threads=4, seconds=10.0):
    """Requests/s and latency (ms) of GET `path` with `threads` concurrent clients for `seconds`."""
    latencies, failures = [], []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        mine, errors = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            try:
                connection.request("GET", path, headers={"Cookie": cookie})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                ok = False
            finally:
                connection.close()
            if ok:
                mine.append((time.perf_counter() - started) * 1000)
            else:
                errors += 1
        with lock:
            latencies.extend(mine)
            failures.append(errors)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "requests": len(latencies),
        "errors": sum(failures),
        "concurrency": threads,
        "seconds": round(elapsed, 1),
        "latency_median_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
    }
