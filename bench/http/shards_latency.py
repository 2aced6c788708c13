#!/usr/bin/env python3
# Latency of a cardex server over HTTP, one request at a time (docs/PERFORMANCE.md, "Shards
# over Xapian's remote backend"): the judged query texts in three forms, then listings.
#   shards_latency.py BASE_URL JUDGMENTS_TSV   (e.g. http://127.0.0.1:8080 data/queries/judgments.tsv)
import sys, time, urllib.request, urllib.parse, statistics
base = sys.argv[1]; judg = sys.argv[2]; texts = []
for line in open(judg, encoding='utf-8'):
    if line.startswith('#') or not line.strip(): continue
    p = line.rstrip('\n').split('\t')
    if len(p) >= 3 and p[2] not in texts: texts.append(p[2])
kinds = {'text': '&limit=10', 'text+4 facets': '&limit=10&facets=type,task,language,license',
         'text+filter+facets': '&limit=10&type=model&facets=task,language,license'}
listings = {'listing by downloads': ["/api/search?limit=20", "/api/models?limit=50&sort=downloads", "/api/search?limit=20&type=dataset"],
            'listing by likes': ["/api/search?limit=20&sort=likes&type=dataset", "/api/models?limit=50&sort=likes"],
            'listing + facets': ["/api/search?limit=20&facets=type,task,language,license", "/api/search?limit=20&language=en&facets=task,license"]}
def get(path):
    t0 = time.perf_counter(); urllib.request.urlopen(base + path, timeout=300).read(); return (time.perf_counter() - t0) * 1000
def pct(ms): ms = sorted(ms); return statistics.median(ms), ms[max(0, int(len(ms) * 0.99) - 1)]
for name, extra in kinds.items():
    p50, p99 = pct([get("/api/search?q=" + urllib.parse.quote(t) + extra) for t in texts])
    print(f"{name}\t{len(texts)}\tp50 {p50:.1f} ms\tp99 {p99:.1f} ms", flush=True)
for name, paths in listings.items():
    p50, p99 = pct([get(p) for p in paths * 20])
    print(f"{name}\t{len(paths) * 20}\tp50 {p50:.1f} ms\tp99 {p99:.1f} ms", flush=True)
