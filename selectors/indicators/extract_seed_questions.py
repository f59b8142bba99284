#!/usr/bin/env python3
"""Write seed_questions.txt: every table cell of the seed that contains 是否, whitespace-trimmed,
one per line, in document order (repeated questions are repeated).

Usage: python3 extract_seed_questions.py [SEED] [OUT]
"""
import pathlib, sys

seed = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else str(pathlib.Path(__file__).resolve().parents[2] / "docs/sources/zhoucun-task-table-2019.txt"))
out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else pathlib.Path(__file__).with_name("seed_questions.txt"))
lines = seed.read_text(encoding="utf-8").split("\n")
start = next(i for i, l in enumerate(lines) if l.startswith("一级指标\t"))
qs = []
for l in lines[start + 1:]:
    if l.startswith("---"):
        break
    for cell in l.split("\t"):
        cell = cell.strip()
        if "是否" in cell:
            qs.append(cell)
out.write_text("\n".join(qs) + "\n", encoding="utf-8")
print(f"{len(qs)} question cells ({len(set(qs))} distinct) -> {out}")
