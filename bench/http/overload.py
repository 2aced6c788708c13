#!/usr/bin/env python3
"""Overload run: slow clients hold connections while normal clients search.

Starts `cardex serve` on INDEX, opens --slow connections (each from its own loopback address) that each send a request header one
byte at a time, slowly, and reconnect when the server closes them (a slowloris), while
--normal clients send real requests back to back and a prober asks /healthz every 100 ms.
Prints the status counts and latency percentiles of the normal requests and of /healthz.
Exits 1 when a normal request failed (no answer, or a status other than 200).
docs/RELIABILITY.md ("Overload") records runs.

  bench/http/overload.py CARDEX INDEX [--slow 1000] [--normal 8] [--seconds 30] [--threads 2]
"""
import argparse
import random
import re
import selectors
import socket
import subprocess
import sys
import threading
import time

QUERIES = ["/api/models?limit=10&sort=downloads", "/api/search?q=bert&facets=task,language,license",
           "/api/models?search=llama", "/api/datasets?limit=5", "/api/suggest?q=deeps",
           "/api/search?q=norwegian+ner", "/?q=translation"]


def one_request(port, path, timeout=10.0):
    start = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        status = int(data[9:12]) if data.startswith(b"HTTP/1.") else 0
    except OSError:
        status = 0
    return status, (time.monotonic() - start) * 1000


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(p / 100 * len(v)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cardex")
    ap.add_argument("index")
    ap.add_argument("--slow", type=int, default=1000)
    ap.add_argument("--normal", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()

    server = subprocess.Popen([a.cardex, "serve", "--index", a.index, "--listen", "127.0.0.1:0",
                               "--threads", str(a.threads)], stderr=subprocess.PIPE, text=True)
    port = None
    while port is None:
        line = server.stderr.readline()
        if not line:
            sys.exit("cardex serve exited before listening")
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        port = int(m.group(1)) if m else None
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()

    stop = time.monotonic() + a.seconds
    # Slow clients: one selector loop, a byte every 1-3 s, reconnect when closed.
    sel = selectors.DefaultSelector()
    slow_stats = {"connects": 0, "closed_by_server": 0}

    def connect(i):
        s = socket.socket()
        # Each slow client is its own address (all of 127/8 is loopback); the normal
        # clients are 127.0.0.1.
        s.bind((f"127.1.{i // 250}.{i % 250 + 1}", 0))
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        slow_stats["connects"] += 1
        sel.register(s, selectors.EVENT_READ, {"i": i, "next": time.monotonic() + random.uniform(0, 1),
                                               "text": b"GET /api/models HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4000})

    def slow_loop():
        for i in range(a.slow):
            connect(i)
        while time.monotonic() < stop:
            for key, _ in sel.select(timeout=0.05):
                s = key.fileobj
                try:
                    if s.recv(4096):
                        continue
                except OSError:
                    pass
                sel.unregister(s)
                s.close()
                slow_stats["closed_by_server"] += 1
                connect(key.data["i"])
            now = time.monotonic()
            for key in list(sel.get_map().values()):
                d = key.data
                if now >= d["next"] and d["text"]:
                    try:
                        key.fileobj.send(d["text"][:1])
                        d["text"] = d["text"][1:]
                    except OSError:
                        pass
                    d["next"] = now + random.uniform(1, 3)
        for key in list(sel.get_map().values()):
            key.fileobj.close()

    results, health = [], []

    def normal():
        rnd = random.Random()
        while time.monotonic() < stop:
            results.append(one_request(port, rnd.choice(QUERIES)))

    def prober():
        while time.monotonic() < stop:
            health.append(one_request(port, "/healthz"))
            time.sleep(0.1)

    threads = [threading.Thread(target=slow_loop)]
    time.sleep(0)
    threads[0].start()
    time.sleep(min(5.0, a.seconds / 4))  # let the slow clients take their connections
    threads += [threading.Thread(target=normal) for _ in range(a.normal)] + [threading.Thread(target=prober)]
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join()
    server.terminate()
    server.wait(timeout=30)

    def report(name, rs):
        codes = {}
        for status, _ in rs:
            codes[status] = codes.get(status, 0) + 1
        ms = [m for _, m in rs]
        print(f"{name}: {len(rs)} requests, statuses {dict(sorted(codes.items()))}, "
              f"p50 {pct(ms, 50):.1f} ms, p99 {pct(ms, 99):.1f} ms, max {max(ms) if ms else 0:.1f} ms")

    print(f"slow clients: {a.slow} held, {slow_stats['connects']} connects, "
          f"{slow_stats['closed_by_server']} closed by the server")
    report("normal", results)
    report("healthz", health)
    bad = sum(1 for s, _ in results + health if s != 200)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
