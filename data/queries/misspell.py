#!/usr/bin/env python3
"""Misspelt copies of the judged set, for measuring typo tolerance (docs/RELEVANCE.md, "Typos").

Each query's longest word of 5+ ASCII letters is misspelt one way: `swap` exchanges its two
middle letters (drops one of them when they are the same), `drop` removes its middle letter.
Queries without such a word are left out. Usage:
    data/queries/misspell.py swap > /tmp/swap.tsv
    cardex eval --index IDX --queries /tmp/swap.tsv
"""
import re
import sys
from pathlib import Path


def misspell(query, kind):
    words = query.split(" ")
    candidates = [(len(w), i) for i, w in enumerate(words) if re.fullmatch("[a-z]+", w) and len(w) >= 5]
    if not candidates:
        return None
    _, i = max(candidates)
    w = words[i]
    m = len(w) // 2
    if kind == "swap" and w[m - 1] != w[m]:
        words[i] = w[: m - 1] + w[m] + w[m - 1] + w[m + 1 :]
    else:
        words[i] = w[:m] + w[m + 1 :]
    return " ".join(words)


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else "swap"
    if kind not in ("swap", "drop"):
        sys.exit("usage: misspell.py swap|drop")
    src = Path(__file__).with_name("judgments.tsv")
    print("#qid\tclass\tquery\tcard\tgrade")
    for line in src.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        qid, cls, query, card, grade = line.split("\t")
        typo = misspell(query, kind)
        if typo is not None:
            print("\t".join([qid, cls, typo, card, grade]))


if __name__ == "__main__":
    main()
