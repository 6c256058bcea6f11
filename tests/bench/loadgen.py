"""A bounded load generator: a fixed number of POSTs over keep-alive connections, then it stops."""
from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    statuses: Counter

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def post_many(port: int, path_for: Callable[[int], str], body: bytes, headers: dict[str, str], *,
              requests: int, concurrency: int) -> Result:
    """Client ``k`` sends requests k, k + concurrency, …; each status (0 for a broken connection) is counted."""
    counters = [Counter() for _ in range(concurrency)]
    start = threading.Barrier(concurrency + 1)

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        for i in range(k, requests, concurrency):
            try:
                conn.request("POST", path_for(i), body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                counters[k][response.status] += 1
            except (http.client.HTTPException, OSError):
                counters[k][0] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(concurrency)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return Result(requests, time.perf_counter() - began, sum(counters, Counter()))
