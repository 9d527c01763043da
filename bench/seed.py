#!/usr/bin/env python3
"""Writes NDJSON for the benchmark: N published posts of about 1,500 words over 20 tags."""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
rng = random.Random(42)
words = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut "
         "labore et dolore magna aliqua video training sourdough rust blog reader writer frontend "
         "cache search feed comment subscriber gift contact message editor author").split()
tags = [f"Topic {i}" for i in range(20)]
for i in range(n):
    paragraphs = []
    for _ in range(15):
        paragraphs.append(" ".join(rng.choice(words) for _ in range(100)).capitalize() + ".")
    body = f"# Post {i}\n\n" + "\n\n".join(paragraphs)
    print(json.dumps({
        "title": f"Benchmark post {i}",
        "slug": f"post-{i}",
        "markdown": body,
        "status": "published",
        "published_at": f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
        "tags": rng.sample(tags, 3),
    }))
