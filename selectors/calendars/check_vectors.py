#!/usr/bin/env python3
"""Stdlib-only check of cn-workdays.json against the DOMAIN.md §6 test vectors.

Convention: the anchor day (receipt / formation) is not counted; step forward one
day at a time; a day is a workday if it is listed with isOffDay=false, or if it is
not listed and is Mon-Fri. The deadline is the N-th workday after the anchor.
"""
import datetime as dt, json, pathlib, sys

here = pathlib.Path(__file__).resolve().parent
cal = json.loads((here / "cn-workdays.json").read_text(encoding="utf-8"))
days = {}
for y, obj in cal["years"].items():
    assert obj["year"] == int(y)
    for d in obj["days"]:
        assert d["date"] not in days, d
        days[d["date"]] = d["isOffDay"]
years = {int(y) for y in cal["years"]}

def is_workday(d: dt.date) -> bool:
    if d.year not in years:
        raise KeyError(f"year {d.year} not in calendar")
    off = days.get(d.isoformat())
    return (not off) if off is not None else d.weekday() < 5

def add_workdays(anchor: dt.date, n: int) -> dt.date:
    d = anchor
    while n > 0:
        d += dt.timedelta(days=1)
        if is_workday(d):
            n -= 1
    return d

VECTORS = [("2024-09-30", 20, "2024-11-01"), ("2025-01-20", 20, "2025-02-21"),
           ("2025-09-26", 5, "2025-10-10"), ("2026-02-13", 15, "2026-03-12"),
           ("2023-09-28", 20, "2023-11-01")]
bad = 0
for a, n, want in VECTORS:
    got = add_workdays(dt.date.fromisoformat(a), n).isoformat()
    ok = got == want
    bad += not ok
    print(f"{a} +{n} -> {got} (want {want}) {'ok' if ok else 'FAIL'}")
# sanity: every 调休 is a weekend, every year has 元旦 off
for ds, off in days.items():
    if not off:
        assert dt.date.fromisoformat(ds).weekday() >= 5, ds
for y in years:
    assert days.get(f"{y}-01-01") is True, y
# workday counts per year, for eyeballing (2018..2026: 250 250 249 250 249 249 251 248 248)
for y in sorted(years):
    d, c = dt.date(y, 1, 1), 0
    while d.year == y:
        c += is_workday(d); d += dt.timedelta(days=1)
    print(y, "workdays:", c)
sys.exit(1 if bad else 0)
