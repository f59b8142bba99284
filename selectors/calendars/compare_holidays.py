#!/usr/bin/env python3
"""Compare zwgk's working-day calendar with Python's `holidays` package, a peer that also
computes China's holidays by rule for years without a notice.

    python3 compare_holidays.py ZWGK_BINARY [FIRST_YEAR LAST_YEAR]

For each year: the days zwgk gives off (`zwgk calendar show YEAR --json`) against
`holidays.China(years=YEAR)`.
- Years with a notice (zwgk's bundled ones): every day the peer lists must be off in zwgk.
- Years zwgk estimates: the statutory holidays and 补假 must be the same days in both (the
  peer's "substituted" days are 调休 it knows from notices; none exist for such years).
  One difference is deliberate: when 中秋 falls on a 国庆 weekday, zwgk makes up the second
  holiday of that day (as the 2020 notice did: 8 days off), the peer does not.
Exits non-zero on any other difference.
"""
import json
import subprocess
import sys

import holidays  # pip install holidays


def zwgk_days(binary, year):
    out = subprocess.run([binary, "calendar", "show", str(year), "--json"], check=True, capture_output=True, text=True)
    data = json.loads(out.stdout)
    off = {d["date"] for d in data["days"] if not d["is_workday"]}
    # A weekday holding two holidays owes one more 补假 in zwgk's reading (see above).
    doubled = [d for d in data["days"] if "、" in (d["name"] or "") and not d["is_makeup"]
               and d["date"] in off]
    return data["source"], off, doubled


def main():
    binary = sys.argv[1]
    first, last = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (2018, 2035)
    problems = 0
    for year in range(first, last + 1):
        source, ours, doubled = zwgk_days(binary, year)
        peer = holidays.China(years=year)
        theirs = {str(d) for d, name in peer.items() if "substituted" not in name.lower()}
        if source == "estimated":
            only_ours, only_theirs = sorted(ours - theirs), sorted(theirs - ours)
            ok = not only_ours and not only_theirs
            detail = "" if ok else f" only zwgk: {only_ours}; only holidays: {only_theirs}"
            if not ok and not only_theirs and len(only_ours) == 1 and doubled:
                ok, detail = True, f" (as documented: {doubled[0]['date']} holds two holidays, zwgk adds {only_ours[0]})"
        else:
            missing = sorted(str(d) for d in peer if str(d) not in ours)
            ok = not missing
            detail = "" if ok else f" off in holidays but not in the notice: {missing}"
        print(f"{year} {source:9} {'same' if ok else 'DIFFERENT'}{detail}")
        problems += not ok
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
