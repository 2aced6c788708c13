#!/usr/bin/env python3
"""bench/http: the macro harness's query mix (queries.json) as /api/search request paths.

Each query asks what cardex_bench_macro asks in process (bench/macro.cpp, cardex_request):
the words (quoted when a phrase), one filter per facet, downloads order for pure filter
queries, 20 hits, no snippets, and the four counted facets for the "+counts" classes.
Usage: queries_to_paths.py queries.json > paths.txt
"""
import json
import sys
from urllib.parse import urlencode

COUNT_FACETS = ["task", "language", "license", "author"]

for q in json.load(open(sys.argv[1]))["queries"]:
    params = []
    text = " ".join(q.get("words", []))
    if text:
        params.append(("q", f'"{text}"' if q.get("phrase") else text))
    for facet, value in q.get("filters", []):
        params.append((facet, value))
    if q["class"] == "filters":
        params.append(("sort", "downloads"))
    params += [("limit", "20"), ("snippets", "false")]
    if q.get("counts"):
        params += [("facets", ",".join(COUNT_FACETS)), ("facet_limit", "10")]
    print("/api/search?" + urlencode(params))
