#!/usr/bin/env python3
"""Stdlib-only consistency check of the indicator catalogues in this folder.

- every line of seed_questions.txt is contained in some leaf's `question`, or is the `split_of`
  of a group of leaves whose questions together make up that cell;
- every leaf question (or split_of) is a cell of the seed table, verbatim (if the seed is readable);
- ids are unique, ASCII, dotted; every leaf has units and a valid typed time_limit;
- every rule uses a known kind with exactly the documented parameters, and known column keys;
- prints counts: leaves, automatic, manual.
"""
import pathlib, re, sys, tomllib

HERE = pathlib.Path(__file__).resolve().parent
SEED = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else str(pathlib.Path(__file__).resolve().parents[2] / "docs/sources/zhoucun-task-table-2019.txt"))
COLUMNS = tomllib.loads((HERE / "columns.toml").read_text(encoding="utf-8"))["columns"]
errors = []
def err(msg): errors.append(msg)

PERIODS = {"P14D", "P3M", "P6M", "P1Y"}
EVERY = {"month", "quarter", "fortnight"}
# kind -> (required params, optional params); "column" values must be column keys
RULES = {
    "manual": ({"why"}, set()),
    "column_exists": ({"column"}, set()),
    "column_not_empty": ({"column"}, set()),
    "freshness": ({"column", "within"}, {"each"}),
    "periodic_coverage": ({"column", "every"}, set()),
    "timeliness": ({"column", "limit_days", "day_type", "event_source"}, set()),
    "deadline": ({"column", "title_pattern", "month", "day", "year"}, set()),
    "contains_all": ({"terms"}, {"column", "page", "items"}),
    "contains_any": ({"terms"}, {"column", "page", "items"}),
    "table_headers": ({"column", "headers"}, {"items"}),
    "attachment_present": ({"column", "ext"}, set()),
    "link_to": ({"hosts", "texts"}, {"column"}),
    "form_present": ({"form"}, set()),
    "image_near": ({"terms"}, {"column"}),
    "validity_labelled": ({"column"}, set()),
    "cross_linked": ({"column", "other"}, set()),
    "consultation_feedback": ({"column", "terms"}, {"grace"}),
    "annual_report_arithmetic": ({"column"}, set()),
    "all": ({"rules"}, set()),
    "na_unless": ({"capability", "then"}, set()),
    "no_blank_columns": ({"max"}, set()),
    "links_available": ({"scope"}, set()),
    "interaction_replied": ({"within"}, set()),
    "pub_date_consistent": (set(), set()),
}
EVENT_SOURCES = {"doc_date", "decision_date", "meeting_date", "linked_doc_date"}
def check_rule(r, where, kinds):
    k = r.get("kind")
    if k not in RULES:
        return err(f"{where}: unknown rule kind {k!r}")
    kinds.append(k)
    req, opt = RULES[k]
    keys = set(r) - {"kind"}
    if not req <= keys: err(f"{where}: {k} missing {req - keys}")
    if keys - req - opt: err(f"{where}: {k} unexpected {keys - req - opt}")
    if k in ("contains_all", "contains_any") and ("column" in r) == ("page" in r):
        err(f"{where}: {k} needs exactly one of column/page")
    for ck in ("column", "page", "other"):
        if ck in r and any(a not in COLUMNS for a in r[ck].split("|")): err(f"{where}: unknown column key {r[ck]!r}")
    if "items" in r:
        try: re.compile(r["items"].replace("{Y-1}", "2018").replace("{Y}", "2019"))
        except re.error as e: err(f"{where}: bad items regex {e}")
    if "within" in r and r["within"] not in PERIODS: err(f"{where}: bad within {r['within']}")
    if k == "periodic_coverage" and r["every"] not in EVERY: err(f"{where}: bad every")
    if k == "timeliness":
        if r["day_type"] not in ("calendar", "working"): err(f"{where}: bad day_type")
        if r["event_source"] not in EVENT_SOURCES: err(f"{where}: bad event_source")
        if not (isinstance(r["limit_days"], int) and r["limit_days"] > 0): err(f"{where}: bad limit_days")
    if k == "deadline":
        if r["year"] != "Y": err(f"{where}: year must be 'Y'")
        pat = r["title_pattern"].replace("{Y-1}", "2018").replace("{Y}", "2019")
        try: re.compile(pat)
        except re.error as e: err(f"{where}: bad regex {e}")
        if re.search(r"\(\?[=!<]", pat): err(f"{where}: lookaround is not supported by Rust regex")
    if k in ("contains_all", "contains_any", "image_near") and not r["terms"]: err(f"{where}: empty terms")
    if k == "form_present" and r["form"] not in ("search", "apply"): err(f"{where}: bad form")
    if k == "links_available" and r["scope"] not in ("home", "site"): err(f"{where}: bad scope")
    if k == "na_unless":
        if r["capability"] not in ("land_transfer", "mining_rights"): err(f"{where}: bad capability")
        check_rule(r["then"], where + ".then", kinds)
    if k == "all":
        if len(r["rules"]) < 2: err(f"{where}: all with <2 rules")
        for i, sub in enumerate(r["rules"]): check_rule(sub, f"{where}.rules[{i}]", kinds)
    if k == "manual" and not r["why"].strip(): err(f"{where}: manual without why")

EVENTS = {"形成", "变更", "形成或变更", "作出决定", "会议", "收到申请", "人代会结束", "文件公开"}
def check_time(t, where):
    k = t.get("kind")
    spec = {"within_days": {"days", "day_type", "event"}, "immediate": set(), "next_day": {"event"},
            "periodic": {"every"}, "annual_deadline": {"month", "day"}, "none": set()}
    if k not in spec: return err(f"{where}: bad time_limit kind {k!r}")
    if set(t) - {"kind"} != spec[k]: err(f"{where}: time_limit {k} params {set(t) - {'kind'}}")
    if k == "within_days" and (t["day_type"] not in ("calendar", "working") or t["event"] not in EVENTS): err(f"{where}: bad within_days")
    if k == "next_day" and t["event"] != "会议": err(f"{where}: bad next_day event")
    if k == "periodic" and t["every"] not in ("fortnight", "month", "quarter", "half_year", "year"): err(f"{where}: bad every")

ID_RE = re.compile(r"^[a-z0-9]+(\.[a-z0-9]+)*\.[0-9]+$")
def check_file(name):
    data = tomllib.loads((HERE / name).read_text(encoding="utf-8"))
    leaves = data["leaf"]
    ids = [l["id"] for l in leaves]
    for i in {i for i in ids if ids.count(i) > 1}: err(f"{name}: duplicate id {i}")
    auto = manual = 0
    kinds_all = []
    for l in leaves:
        w = f"{name}:{l.get('id')}"
        if not ID_RE.match(l["id"]): err(f"{w}: id not ASCII dotted")
        for f in ("path", "question", "units", "time_limit", "rule"):
            if f not in l: err(f"{w}: missing {f}")
        if not l["units"] or any(not u.strip() for u in l["units"]): err(f"{w}: empty units")
        check_time(l["time_limit"], w)
        kinds = []
        check_rule(l["rule"], w + ".rule", kinds)
        kinds_all += kinds
        if l["rule"]["kind"] == "manual": manual += 1
        else: auto += 1
    return data, leaves, auto, manual, kinds_all

zc, zleaves, za, zm, zk = check_file("zhoucun-2019.toml")
na, nleaves, nna, nnm, nk = check_file("national-inspection.toml")

# seed coverage
qs = [l.strip() for l in (HERE / "seed_questions.txt").read_text(encoding="utf-8").split("\n") if l.strip()]
squash = lambda x: re.sub(r"[\s，,]", "", x)
groups = {}
for l in zleaves:
    if "split_of" in l: groups.setdefault(l["split_of"], []).append(l["question"])
for cell, parts in groups.items():
    if squash("".join(parts)) != squash(cell): err(f"split leaves do not add up to {cell!r}")
    for p in parts:
        if p not in cell: err(f"split part {p!r} not in its cell")
uncovered = [q for q in qs if not any(q in l["question"] for l in zleaves) and q not in groups]
for q in uncovered: err(f"seed question not covered: {q}")

# every leaf question is verbatim from the seed
if SEED.exists():
    lines = SEED.read_text(encoding="utf-8").split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("一级指标\t"))
    cells = set()
    for l in lines[start + 1:]:
        if l.startswith("---"): break
        cells.update(c.strip() for c in l.split("\t") if c.strip())
    for l in zleaves:
        src = l.get("split_of", l["question"])
        if src not in cells: err(f"{l['id']}: question not verbatim in seed: {src!r}")
        for p in l["path"]:
            if p not in cells: err(f"{l['id']}: path element not in seed: {p!r}")
    nonq = [l for l in zleaves if "是否" not in l["question"]]
else:
    print(f"(seed {SEED} not found: verbatim check skipped)")
    nonq = [l for l in zleaves if "是否" not in l["question"]]

for e in errors: print("ERROR", e)
print(f"zhoucun-2019.toml: {len(zleaves)} leaves, {za} automatic ({za / len(zleaves):.0%}), {zm} manual; "
      f"{len(nonq)} leaves are 五级 topics without 是否 or split halves; {len(groups)} split cells")
print(f"seed_questions.txt: {len(qs)} lines ({len(set(qs))} distinct), uncovered {len(uncovered)}")
print(f"national-inspection.toml: {len(nleaves)} leaves, {nna} automatic, {nnm} manual")
used = sorted({k for k in zk + nk})
print("rule kinds used:", ", ".join(used))
print("rule kinds never used:", ", ".join(sorted(set(RULES) - set(used))) or "-")
sys.exit(1 if errors else 0)
