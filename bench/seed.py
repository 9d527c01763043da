#!/usr/bin/env python3
"""Writes NDJSON for the benchmarks: N published posts over a set of tags.

    seed.py N [PARAGRAPHS] [TAGS]    # defaults: 15 paragraphs (~1,500 words), 20 tags

Every 5,000th post also carries the rare word `quokka`; `video` is in almost every post.
"""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
paragraph_count = int(sys.argv[2]) if len(sys.argv) > 2 else 15
tag_count = int(sys.argv[3]) if len(sys.argv) > 3 else 20
rng = random.Random(42)
words = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut "
         "labore et dolore magna aliqua video training sourdough rust blog reader writer frontend "
         "cache search feed comment subscriber gift contact message editor author").split()
tags = [f"Topic {i}" for i in range(tag_count)]
for i in range(n):
    paragraphs = []
    for _ in range(paragraph_count):
        paragraphs.append(" ".join(rng.choice(words) for _ in range(100)).capitalize() + ".")
    if i % 5000 == 0:
        paragraphs.append("A quokka appears.")
    body = f"# Post {i}\n\n" + "\n\n".join(paragraphs)
    print(json.dumps({
        "title": f"Benchmark post {i}",
        "slug": f"post-{i}",
        "markdown": body,
        "status": "published",
        "published_at": f"{1990 + i // 40000}-{1 + i // 4000 % 10:02d}-{1 + i // 160 % 25:02d}T{i // 2 % 20:02d}:{i % 60:02d}:{i % 37:02d}Z",
        "tags": rng.sample(tags, 3),
    }))
