#!/usr/bin/env python3
"""Generate crates/world/data/countries.tsv from Natural Earth's 1:110m admin-0
countries, as shipped in the npm package `world-atlas` (TopoJSON).

Regenerate (from the repository root):

    apt-get install -y iso-codes            # ISO 3166-1 numeric -> alpha-2 table
    (cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz)
    python3 scripts/world/gen_borders.py /tmp/package/countries-110m.json

Output, one country per line, tab-separated:

    alpha2  name  polygons

where polygons are separated by '|', the rings of a polygon by ';' (the first
ring is the exterior, the others holes), and positions by ' ' as 'lon,lat'
with three decimals (the TopoJSON is quantized to 0.0036 x 0.0017 degrees, so
nothing is lost). Antarctica is left out: its ring encloses the South Pole,
which picket's planar ring test does not model, and no one monitors it.
"""

import json
import sys
import os

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "world", "data", "countries.tsv")
ISO = "/usr/share/iso-codes/json/iso_3166-1.json"

# Natural Earth features with no ISO numeric id in world-atlas, by name.
NAME_CODES = {
    "Kosovo": "XK",  # user-assigned code in common use
    "N. Cyprus": "CY",  # not recognised as a state; ISO places it in Cyprus
    "Somaliland": "SO",  # not recognised as a state; ISO places it in Somalia
}
SKIP = {"010"}  # Antarctica


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring_points(arcs, indices):
    pts = []
    for i in indices:
        arc = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        pts.extend(arc if not pts else arc[1:])
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    return pts


def fmt(v):
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def winds_round_pole(pts):
    """True when the ring's longitudes, unwrapped, do not come back to the start."""
    total = 0.0
    for (a, _), (b, _) in zip(pts, pts[1:] + pts[:1]):
        total += (b - a + 180.0) % 360.0 - 180.0
    return abs(total) > 180.0


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    topo = json.load(open(sys.argv[1], encoding="utf-8"))
    numeric_to_alpha2 = {c["numeric"]: c["alpha_2"] for c in json.load(open(ISO))["3166-1"]}
    arcs = decode_arcs(topo)
    rows = {}
    for g in topo["objects"]["countries"]["geometries"]:
        gid = g.get("id")
        name = g["properties"]["name"]
        if gid in SKIP:
            continue
        code = numeric_to_alpha2.get(gid) if gid else NAME_CODES.get(name)
        if code is None:
            sys.exit(f"no ISO code for {name!r} (id {gid!r})")
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
        out_polys = []
        for poly in polys:
            rings = [ring_points(arcs, r) for r in poly]
            if any(winds_round_pole(r) for r in rings):
                sys.exit(f"{name}: a ring winds round a pole")
            texts = []
            for r in rings:
                # Drop repeated positions (after rounding) and degenerate slivers.
                pts = []
                for x, y in r:
                    t = f"{fmt(x)},{fmt(y)}"
                    if not pts or pts[-1] != t:
                        pts.append(t)
                while len(pts) > 1 and pts[0] == pts[-1]:
                    pts.pop()
                if len(set(pts)) >= 3:
                    texts.append(" ".join(pts))
                elif not texts:
                    break  # the exterior is degenerate: drop the whole polygon
            if texts:
                out_polys.append(";".join(texts))
        # Several Natural Earth features can share one ISO code (e.g. N. Cyprus): merge.
        entry = rows.setdefault(code, [name, []])
        entry[1].extend(out_polys)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("# alpha2\tname\tpolygons ('|' between polygons, ';' between rings, 'lon,lat' positions)\n")
        for code in sorted(rows):
            name, polys = rows[code]
            f.write(f"{code}\t{name}\t{'|'.join(polys)}\n")
    print(f"{len(rows)} countries written to {OUT}")


if __name__ == "__main__":
    main()
