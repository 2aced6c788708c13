#!/usr/bin/env python3
"""Asks two cardex servers the same requests and reports every difference.

    compare.py SINGLE_URL SHARDED_URL JUDGMENTS_TSV [MIN_REQUESTS]

The requests are built from the judged queries' texts (data/queries/judgments.tsv): each
text alone, with facets, with a filter, sorted, and paged; listings with filters and sorts;
the Hub API's /api/models and /api/datasets with search, filter and sort. For /api/search
the answers must agree in total, hit ids in order, and facet counts (values and counts);
for the Hub API in X-Total-Count and ids in order. Exit 1 on any difference (each printed),
or when fewer than MIN_REQUESTS (default 300) requests were compared.

One allowance, counted and printed: hits whose relevance scores are equal up to rounding
(relative difference below 1e-12) may come in another order. Each shard's matcher sums a
document's weight parts in the order of its own query tree, which Xapian arranges by that
shard's term frequencies, so two cards that tie exactly in one index can differ in the last
bit over shards (docs/SCALE.md, "Shards"). Their scores must still agree, and the ids of
each such tie group must be the same set (the page's last group may be cut at another card).
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

FACETS = "type,task,language,license,library,author,modality,reuse,base_model,dataset,tag"


def fetch(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=120) as r:
            return r.status, r.headers, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")[:300]


def search_view(body):
    return {
        "total": body["total"],
        "ids": [h["id"] for h in body["hits"]],
        "facets": body.get("facets", {}),
        "scores": [h.get("score", 0) for h in body["hits"]],
    }


def close(a, b):
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def tie_reordered(v1, v2):
    """True when the hit lists differ only in the order of scores equal up to rounding."""
    s1, s2, i1, i2 = v1["scores"], v2["scores"], v1["ids"], v2["ids"]
    if len(s1) != len(s2) or not all(close(a, b) for a, b in zip(s1, s2)):
        return False
    start = 0
    while start < len(s1):
        end = start + 1
        while end < len(s1) and close(s1[end], s1[start]):
            end += 1
        if set(i1[start:end]) != set(i2[start:end]) and end < len(s1):
            return False
        start = end
    return True


def hub_view(headers, body):
    return {"total": headers.get("X-Total-Count"), "ids": [m["id"] for m in body]}


def requests_from(judgments):
    texts = []
    with open(judgments, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3 and parts[2] not in texts:
                texts.append(parts[2])
    out = []
    variants = [
        "&limit=20&facets=" + FACETS + "&facet_limit=15",
        "&limit=10&type=model&facets=task,language,license&facet_limit=20",
        "&limit=10&language=en&facets=language,license,type",
        "&limit=10&license=apache-2.0&license=mit&facets=license,task",
        "&limit=10&sort=downloads",
        "&limit=10&sort=likes&facets=type",
        "&limit=10&offset=10",
    ]
    for i, t in enumerate(texts):
        q = "/api/search?q=" + urllib.parse.quote(t)
        out.append(("search", q + variants[0]))
        out.append(("search", q + variants[1 + i % (len(variants) - 1)]))
        if i % 3 == 0:
            out.append(("hub", "/api/models?search=" + urllib.parse.quote(t.split()[0]) + "&limit=20"))
    for listing in [
        "/api/search?limit=30&facets=" + FACETS,
        "/api/search?limit=30&type=dataset&facets=task,language,license&sort=downloads",
        "/api/search?limit=30&language=no&facets=language,task",
        "/api/search?limit=30&task=token-classification&facets=language,library",
        "/api/search?limit=30&sort=likes&facets=type",
        "/api/search?limit=30&sort=created&type=model",
        "/api/search?limit=30&sort=modified&offset=30",
        # Listings by downloads read each shard's first cards (docs/SCALE.md): deep pages,
        # a selective filter, a range, and one page past the end.
        "/api/search?limit=25&offset=1000",
        "/api/search?limit=40&offset=2000&type=dataset",
        "/api/search?limit=20&offset=15&language=no",
        "/api/search?limit=20&offset=5&downloads_min=1000",
        "/api/search?limit=10&offset=6630",
        "/api/search?limit=30&has=license&facets=has,quality",
        "/api/search?limit=30&author=google&facets=type,task",
        "/api/models?limit=50&sort=downloads",
        "/api/models?limit=50&filter=text-classification",
        "/api/models?limit=50&sort=likes&author=facebook",
        "/api/datasets?limit=50&sort=downloads",
        "/api/datasets?limit=50&filter=language:en",
    ]:
        out.append(("hub" if listing.startswith("/api/models") or listing.startswith("/api/datasets") else "search", listing))
    return out


def main():
    single, sharded, judgments = sys.argv[1], sys.argv[2], sys.argv[3]
    minimum = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    compared = differ = nonempty = reordered = 0
    for kind, path in requests_from(judgments):
        s1, h1, b1 = fetch(single, path)
        s2, h2, b2 = fetch(sharded, path)
        compared += 1
        if s1 != 200 or s2 != 200:
            if s1 != s2:
                differ += 1
                print(f"DIFF {path}: status {s1} vs {s2}: {b2 if s2 != 200 else b1}")
            continue
        v1 = search_view(b1) if kind == "search" else hub_view(h1, b1)
        v2 = search_view(b2) if kind == "search" else hub_view(h2, b2)
        if v1["ids"]:
            nonempty += 1
        if kind == "search" and v1["ids"] != v2["ids"] and tie_reordered(v1, v2):
            reordered += 1
            print(f"TIE {path}: hits of equal score (up to rounding) in another order")
            v2["ids"], v2["scores"] = v1["ids"], v1["scores"]
        if kind == "search":
            # Scores: equal up to rounding (the order above is what must match).
            if all(close(a, b) for a, b in zip(v1["scores"], v2["scores"])):
                v2["scores"] = v1["scores"]
        if v1 != v2:
            differ += 1
            for k in v1:
                if v1[k] != v2.get(k):
                    a, b = json.dumps(v1[k])[:400], json.dumps(v2.get(k))[:400]
                    print(f"DIFF {path}: {k}\n  single : {a}\n  sharded: {b}")
    print(f"compared {compared} requests ({nonempty} with hits): {differ} differ, "
          f"{reordered} with equal-score hits in another order")
    if compared < minimum:
        print(f"FAIL: only {compared} requests (at least {minimum} expected)")
        return 1
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
