#!/usr/bin/env python3
"""Generate crates/world/data/zones.geojson: picket's built-in identification zones.

Regenerate (from the repository root, no network, no packages):

    python3 scripts/world/gen_zones.py

Every zone here is an APPROXIMATION and says so in its properties
("approximate": true and a "note"). The published boundary texts
(14 CFR 99.43 and 99.45, and the Canadian Designated Airspace Handbook for
the CADIZ) could not be consulted while this file was written, so the
vertices below are hand-placed from general geography: outer limits roughly
where the published charts put them (over international waters, typically
100-250 NM offshore) and inner limits along a simplified coastline. They are
good enough for "is this aircraft approaching the coast of North America",
and they are the polygons the simulator's scenarios and the tests use, so
truth and detection agree. Replace them with the published coordinates when
those are at hand (keep "approximate": false only for transcribed vertices).

14 CFR 99.41 says the lines between ADIZ points are great circles (rhumb
lines along parallels); picket draws straight lines in lon/lat (GeoJSON's
convention), a difference of a few km on the longest edges.

Coordinates are written as [lon, lat] (GeoJSON order).
"""

import json
import os

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "world", "data", "zones.geojson")

# ---------------------------------------------------------------------------
# Alaska ADIZ (14 CFR 99.45), approximated as a band between an outer line
# over the sea and the Alaska coast. The Aleutians, the Alaska Peninsula and
# Kodiak lie inside; interior Alaska (Fairbanks, Anchorage) lies outside.
ALASKA_OUTER = [
    (-136.0, 54.0),   # off Dixon Entrance, where the CADIZ Pacific band begins
    (-144.0, 56.95),  # Gulf of Alaska
    (-145.0, 57.0),
    (-158.0, 53.0),   # south of the Shumagin Islands
    (-169.0, 50.0),   # south of the eastern Aleutians
    (180.0, 50.0),    # crosses the antimeridian south of the Aleutians
    (170.0, 50.0),    # south-west of Attu
    (170.0, 53.0),    # west of Attu
    (180.0, 60.0),    # Bering Sea, near the US-Russia maritime boundary
    (-169.0, 65.0),   # Bering Strait, on the 1867 convention line (168 58' W)
    (-169.0, 68.0),   # Chukchi Sea
    (-169.0, 72.5),
    (-155.0, 73.0),   # Arctic Ocean, about 100 NM north of Utqiagvik
    (-141.0, 72.5),   # north along the Alaska-Yukon meridian
]
ALASKA_INNER = [  # the coast, from the Yukon border westward and round to the panhandle
    (-141.0, 69.65),  # Demarcation Point
    (-148.3, 70.35),  # Prudhoe Bay
    (-156.6, 71.4),   # Point Barrow
    (-163.0, 69.8),   # Point Lay
    (-166.2, 68.9),   # Cape Lisburne
    (-166.8, 68.35),  # Point Hope
    (-163.0, 67.1),   # Kotzebue Sound
    (-164.5, 66.5),
    (-168.1, 65.6),   # Cape Prince of Wales
    (-165.4, 64.45),  # Nome
    (-161.0, 63.8),   # Norton Sound
    (-165.0, 62.7),   # Yukon delta
    (-165.0, 61.5),
    (-162.5, 60.0),   # Kuskokwim Bay
    (-162.2, 58.65),  # Cape Newenham
    (-158.5, 58.8),   # Dillingham
    (-157.0, 58.7),   # Naknek
    (-153.5, 59.3),   # across the base of the Alaska Peninsula to Kamishak Bay
    (-151.8, 59.2),   # tip of the Kenai Peninsula
    (-149.4, 60.0),   # Seward
    (-145.8, 60.45),  # Cordova
    (-141.0, 60.0),   # Icy Bay, where the land border meets the coast region
    (-139.7, 59.55),  # Yakutat
    (-136.6, 58.2),   # Cape Spencer
    (-135.3, 57.05),  # Sitka
    (-133.5, 55.8),
    (-132.7, 54.65),  # Dixon Entrance
]

# ---------------------------------------------------------------------------
# Contiguous U.S. ADIZ (14 CFR 99.43): coastal bands off the Pacific coast and
# off the Atlantic and Gulf coasts. The land strip along the Mexican border
# that the regulation also describes is not modelled.
US_PACIFIC = [
    (-124.7, 48.35),  # Cape Flattery
    (-131.0, 48.3),   # outer limit, US-Canada boundary line
    (-128.5, 42.0),
    (-126.0, 37.0),
    (-121.5, 31.5),
    (-118.5, 30.8),   # US-Mexico maritime boundary, approximately
    (-117.12, 32.53), # Tijuana / San Diego coast
    (-118.5, 34.0),   # Santa Monica
    (-120.6, 34.5),   # Point Conception
    (-121.9, 36.6),   # Monterey
    (-122.5, 37.8),   # San Francisco
    (-123.8, 39.8),
    (-124.4, 42.8),   # Cape Blanco
    (-124.0, 46.2),   # Columbia River
]
US_ATLANTIC_GULF = [
    (-67.0, 44.8),    # Passamaquoddy Bay, US-Canada border on the coast
    (-65.7, 42.0),    # outer limit, end of the Gulf of Maine boundary
    (-67.0, 39.5),
    (-72.5, 37.0),
    (-74.0, 33.5),
    (-77.0, 29.0),
    (-79.0, 26.0),    # between Florida and the Bahamas
    (-79.5, 24.0),
    (-82.0, 23.8),    # Florida Straits
    (-84.5, 24.2),
    (-88.0, 25.8),    # Gulf of Mexico
    (-93.0, 25.8),
    (-96.8, 25.97),   # US-Mexico maritime boundary
    (-97.15, 25.95),  # Brownsville coast
    (-97.4, 27.8),    # Corpus Christi
    (-94.8, 29.3),    # Galveston
    (-91.0, 29.2),
    (-89.2, 29.0),    # Mississippi delta
    (-88.0, 30.4),    # Mobile
    (-85.0, 29.7),
    (-83.0, 29.0),
    (-82.8, 27.8),    # Tampa
    (-81.8, 26.1),
    (-81.1, 25.1),    # Cape Sable
    (-80.4, 25.3),
    (-80.1, 26.7),    # Palm Beach
    (-80.6, 28.4),    # Cape Canaveral
    (-81.4, 30.4),    # Jacksonville
    (-81.1, 32.0),    # Savannah
    (-79.9, 32.8),    # Charleston
    (-78.0, 33.9),
    (-75.5, 35.2),    # Cape Hatteras
    (-76.0, 36.9),    # Norfolk
    (-75.1, 38.3),
    (-74.0, 40.5),    # New York
    (-71.9, 41.07),   # Montauk
    (-70.0, 41.6),    # Cape Cod
    (-70.6, 42.6),
    (-70.2, 43.7),    # Portland
]

# ---------------------------------------------------------------------------
# Canadian ADIZ (CADIZ, Designated Airspace Handbook, as extended in 2018):
# an offshore band along the Pacific coast, and one polygon covering most of
# the Arctic Archipelago north of the mainland coast, Baffin Bay and Davis
# Strait to the median line with Greenland, and an offshore band along
# Labrador, Newfoundland and Nova Scotia.
CA_PACIFIC = [
    (-136.0, 54.5),
    (-134.5, 51.0),
    (-131.0, 48.3),
    (-124.9, 48.35),  # inner limit moved offshore in 2018: about 12 NM off the coast
    (-126.0, 48.9),
    (-128.8, 50.7),
    (-131.8, 52.0),
    (-133.4, 53.5),
    (-133.3, 54.4),
]
CA_ARCTIC_ATLANTIC = [
    (-141.0, 69.65),  # Yukon coast at the Alaska border
    (-141.0, 72.5),
    (-130.0, 76.0),
    (-115.0, 79.5),
    (-95.0, 82.0),
    (-62.0, 82.5),    # Lincoln Sea, Canada-Greenland median line
    (-66.0, 81.0),    # Kennedy Channel, near Hans Island
    (-70.5, 80.0),
    (-73.7, 78.3),    # Smith Sound
    (-72.5, 76.0),    # Baffin Bay median line (Thule/Pituffik stays outside)
    (-68.0, 74.5),
    (-63.5, 72.0),
    (-58.5, 67.0),    # Davis Strait
    (-57.5, 64.0),
    (-55.0, 60.0),    # Labrador Sea, outer limit
    (-50.0, 55.0),
    (-48.0, 50.0),
    (-50.0, 45.0),    # east of the Grand Banks
    (-58.0, 42.5),
    (-65.7, 42.0),    # meets the contiguous U.S. ADIZ at the Gulf of Maine line
    (-67.0, 44.8),    # inner limit: Bay of Fundy / New Brunswick border
    (-65.6, 43.4),    # Cape Sable, Nova Scotia
    (-59.8, 46.0),    # Cape Breton
    (-55.5, 46.6),    # Newfoundland south coast
    (-52.6, 46.6),    # Avalon Peninsula
    (-52.6, 47.6),    # St. John's
    (-53.5, 49.5),
    (-55.5, 51.6),    # northern tip of Newfoundland
    (-57.0, 53.5),    # Labrador coast
    (-60.5, 56.0),
    (-62.5, 58.5),
    (-64.5, 60.3),    # Cape Chidley
    (-70.0, 62.5),    # south coast of Baffin Island
    (-80.0, 64.0),    # Southampton Island / Foxe Basin
    (-88.0, 66.5),    # mainland coast at Repulse Bay
    (-95.0, 68.0),
    (-108.0, 67.8),   # Coronation Gulf
    (-115.0, 67.8),
    (-125.0, 69.5),   # Cape Bathurst
    (-135.0, 68.9),   # Mackenzie delta
]


def ring(points):
    pts = [[lon, lat] for lon, lat in points]
    return pts + [pts[0]]


def band(outer, inner):
    """A ring that runs along the outer limit and back along the inner one."""
    return ring(list(outer) + list(inner))


def feature(zone_id, name, source, note, rings_list):
    if len(rings_list) == 1:
        geometry = {"type": "Polygon", "coordinates": [rings_list[0]]}
    else:
        geometry = {"type": "MultiPolygon", "coordinates": [[r] for r in rings_list]}
    return {
        "type": "Feature",
        "id": zone_id,
        "properties": {
            "name": name,
            "source": source,
            "approximate": True,
            "note": note,
        },
        "geometry": geometry,
    }


def main():
    features = [
        feature(
            "alaska_adiz",
            "Alaska ADIZ",
            "14 CFR 99.45",
            "Approximation: outer limit hand-placed over the Gulf of Alaska, south of the "
            "Aleutians (50N, across the antimeridian to 170E), along the Bering Sea near the "
            "US-Russia boundary (169W through the Bering Strait) and about 100 NM off the "
            "Arctic coast (72.5-73N); inner limit is a simplified coastline. Interior Alaska is "
            "outside. Not transcribed from the regulation.",
            [band(ALASKA_OUTER, ALASKA_INNER)],
        ),
        feature(
            "us_contiguous_adiz",
            "Contiguous U.S. ADIZ",
            "14 CFR 99.43",
            "Approximation: Pacific and Atlantic/Gulf coastal bands, outer limits hand-placed "
            "100-250 NM offshore, inner limits a simplified coastline; the land strip along the "
            "Mexican border is not modelled. Not transcribed from the regulation.",
            [band(US_PACIFIC, []), band(US_ATLANTIC_GULF, [])],
        ),
        feature(
            "cadiz",
            "Canadian ADIZ (CADIZ)",
            "Designated Airspace Handbook (NAV CANADA), 2018 boundary",
            "Approximation: Pacific offshore band, and the Arctic Archipelago north of the "
            "mainland coast to the Greenland median line joined to an offshore band along "
            "Labrador, Newfoundland and Nova Scotia. Not transcribed from the handbook.",
            [band(CA_PACIFIC, []), band(CA_ARCTIC_ATLANTIC, [])],
        ),
    ]
    collection = {"type": "FeatureCollection", "features": features}
    # One feature per line keeps line numbers in error messages meaningful and diffs small.
    lines = ['{"type":"FeatureCollection","features":[']
    for i, f in enumerate(features):
        sep = "," if i + 1 < len(features) else ""
        lines.append(json.dumps(f, ensure_ascii=False, separators=(",", ":")) + sep)
    lines.append("]}")
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == collection
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"{len(features)} zones written to {OUT}")


if __name__ == "__main__":
    main()
