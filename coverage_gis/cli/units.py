"""``coverage-gis units``: list the administrative units of 2025 bundled with the package
(code, type, name, area), optionally with the pre-2025 units merged into each."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXAMPLES = """examples:
  coverage-gis units                                  # every bundled unit
  coverage-gis units --province "Thanh Hóa"           # one province (code 38 works too)
  coverage-gis units --search "quang trung" --old     # with the pre-2025 units merged in
  coverage-gis units --format csv > units.csv         # also: json
"""

FORMATS = ("table", "csv", "json")


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    u = sub.add_parser("units", parents=[common],
                       help="list the administrative units of 2025 (codes, names, areas)",
                       description="List the communes, wards and special zones (xã, phường, "
                                   "đặc khu) of 1 July 2025 bundled with coverage-gis: code, "
                                   "type, name and area (km², geodesic); with --old, the "
                                   "pre-2025 units merged into each. A scenario names its "
                                   "unit by code or name: [scenario] unit = \"14818\".",
                       epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    u.add_argument("--province", metavar="NAME",
                   help="only this province, by name (with or without diacritics) or code")
    u.add_argument("--search", metavar="TEXT",
                   help="only units whose code is TEXT or whose name holds it (diacritics "
                        "optional); with --old, also the units an old unit of that code or "
                        "name went into")
    u.add_argument("--old", action="store_true",
                   help="also list the pre-2025 units merged into each unit")
    u.add_argument("--format", choices=FORMATS, default="table",
                   help="table (default), csv or json, on standard output")
    u.set_defaults(run=run)


def _records(units: Any, mapping: Any, old: bool) -> list[dict[str, Any]]:
    from coverage_gis.io.units import find_unit

    rows = []
    for row in units.itertuples(index=False):
        record: dict[str, Any] = {
            "unit_code": row.unit_code, "unit_type": row.unit_type, "name": row.name,
            "full_name": row.full_name, "province_code": row.province_code,
            "province_name": row.province_name, "area_km2": round(float(row.area_km2), 2)}
        if old:
            unit = find_unit(row.unit_code, units, mapping)
            record["old_units"] = [
                {"code": o.code, "full_name": o.full_name, "district": o.district,
                 "share": o.share_in(unit.code)} for o in unit.old_units]
        rows.append(record)
    return rows


def _print_table(records: list[dict[str, Any]], old: bool, quiet: bool) -> None:
    width = max((len(r["full_name"]) for r in records), default=4)
    head = f"{'code':<6} {'type':<8} {'name':<{width}} {'area km²':>9}"
    print(head)
    for r in records:
        print(f"{r['unit_code']:<6} {r['unit_type']:<8} {r['full_name']:<{width}} "
              f"{r['area_km2']:>9.2f}")
        if old:
            for o in r["old_units"]:
                where = ", ".join(x for x in (o["district"], "part" if o["share"] == "partial"
                                                   else "") if x)
                print(f"{'':<6}   <- {o['code']} {o['full_name']}"
                      + (f" ({where})" if where else ""))
    if quiet:
        return
    provinces = sorted({(r["province_code"], r["province_name"]) for r in records})
    print(f"\n{len(records)} unit(s); province(s): "
          f"{', '.join(f'{c} {n}' for c, n in provinces)}", file=sys.stderr)


def _print_csv(records: list[dict[str, Any]], old: bool) -> None:
    import csv

    columns = ["unit_code", "unit_type", "name", "full_name", "province_code", "province_name",
               "area_km2"] + (["old_units"] if old else [])
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in records:
        row = dict(r)
        if old:
            row["old_units"] = "; ".join(
                f"{o['code']} {o['full_name']}" + (" (part)" if o["share"] == "partial" else "")
                for o in r["old_units"])
        writer.writerow(row)


def run(args: argparse.Namespace) -> int:
    from coverage_gis.errors import InputError
    from coverage_gis.io.units import (
        fold,
        load_mapping,
        load_units,
        search_units,
        select_province,
    )

    units, mapping = load_units(), load_mapping()
    if args.province is not None:  # "" too: refused, not "every province" (fuzzing)
        units = select_province(units, args.province)
    if args.search is not None:
        if not fold(args.search):  # "" or ".*(": nothing to search for, not "every unit"
            raise InputError(f"--search {args.search!r}: holds no letter or digit to look "
                             "for; expected part of a unit's name or code, e.g. --search "
                             "\"quang trung\" (leave --search out to list every unit)")
        found = search_units(units, args.search, mapping if args.old else None)
        if found.empty:
            hint = "" if args.old else "; add --old to search the pre-2025 units too"
            raise InputError(f"--search {args.search!r}: no unit's code or name holds "
                             f"'{fold(args.search)}'{hint}")
        units = found
    records = _records(units, mapping, args.old)
    if args.format == "json":
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        print()
    elif args.format == "csv":
        _print_csv(records, args.old)
    else:
        _print_table(records, args.old, args.quiet)
    return 0
