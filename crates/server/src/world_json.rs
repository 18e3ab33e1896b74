//! Zones, rules and airports as the API serves them.

use std::fmt::Write as _;

use picket_engine::rules::{EventFilter, RuleSet};
use picket_receive::json::JsonObject;
use picket_world::airports::{airports, AirportKind};
use picket_world::geo::{in_box, LatLon, Ring, Shape};
use picket_world::zones::Zone;

/// Points of a circle drawn as a polygon.
const CIRCLE_POINTS: usize = 72;

/// Appends a closed GeoJSON ring `[[lon,lat],...]`.
fn ring(out: &mut String, points: &[LatLon]) {
    out.push('[');
    for (i, p) in points.iter().chain(points.first()).enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "[{:.5},{:.5}]", p.lon, p.lat);
    }
    out.push(']');
}

/// Appends a polygon's rings `[exterior, holes...]`.
fn polygon(out: &mut String, exterior: &Ring, holes: &[Ring]) {
    out.push('[');
    ring(out, exterior.vertices());
    for h in holes {
        out.push(',');
        ring(out, h.vertices());
    }
    out.push(']');
}

/// The geometry's type and coordinates.
fn geometry(shape: &Shape) -> (&'static str, String) {
    let mut c = String::new();
    match shape {
        Shape::Polygon(p) => {
            polygon(&mut c, &p.exterior, &p.holes);
            ("Polygon", c)
        }
        Shape::MultiPolygon(m) => {
            c.push('[');
            for (i, p) in m.polygons.iter().enumerate() {
                if i > 0 {
                    c.push(',');
                }
                polygon(&mut c, &p.exterior, &p.holes);
            }
            c.push(']');
            ("MultiPolygon", c)
        }
        Shape::Circle(circle) => {
            let points: Vec<LatLon> = (0..CIRCLE_POINTS)
                .map(|i| {
                    circle
                        .centre
                        .destination(i as f64 * 360.0 / CIRCLE_POINTS as f64, circle.radius_m)
                })
                .collect();
            c.push('[');
            ring(&mut c, &points);
            c.push(']');
            ("Polygon", c)
        }
    }
}

/// The zones as a GeoJSON FeatureCollection (circles as polygons of 72 points), each with
/// `id`, `name`, `floor_ft`, `ceiling_ft`, `approximate`.
pub fn zones(zones: &[Zone]) -> String {
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    o.str("type", "FeatureCollection");
    let mut features = o.array("features");
    for z in zones {
        let mut f = features.object();
        f.str("type", "Feature");
        {
            let mut p = f.object("properties");
            p.str("id", &z.id).str("name", &z.name);
            p.opt_num("floor_ft", z.floor_ft)
                .opt_num("ceiling_ft", z.ceiling_ft);
            p.bool("approximate", z.properties.approximate);
        }
        let (kind, coordinates) = geometry(&z.shape);
        f.object("geometry")
            .str("type", kind)
            .raw("coordinates", &coordinates);
    }
    drop(features);
    o.finish();
    out
}

/// The rules and watch lists in use: `{"origin", "rules":[{name, description, when,
/// events, sinks, cooldown_s, enabled}], "watchlists":[{name, description, entries}]}`.
pub fn rules(rules: &RuleSet) -> String {
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    o.str("origin", rules.origin());
    {
        let mut arr = o.array("rules");
        for r in rules.rules() {
            let mut j = arr.object();
            j.str("name", &r.name)
                .opt_str("description", r.description.as_deref());
            j.display("when", &r.when);
            match &r.events {
                EventFilter::Any => {
                    j.str("events", "any");
                }
                EventFilter::Condition => {
                    j.str("events", "condition");
                }
                EventFilter::Kinds(kinds) => {
                    let mut k = j.array("events");
                    for kind in kinds {
                        k.str(kind.as_str());
                    }
                }
            }
            {
                let mut s = j.array("sinks");
                for name in &r.sinks {
                    s.str(name);
                }
            }
            j.num("cooldown_s", r.cooldown_s).bool("enabled", r.enabled);
        }
    }
    {
        let mut arr = o.array("watchlists");
        for w in rules.watchlists() {
            let mut j = arr.object();
            j.str("name", &w.name)
                .opt_str("description", w.description.as_deref());
            j.num("entries", w.entries.len() as u64);
        }
    }
    o.finish();
    out
}

/// Airports and bases inside a box (`[west, south, east, north]`), large and medium ones and
/// every military one, at most `limit`: `{"airports":[{ident, iata, name, kind, military,
/// lat, lon, country}]}`.
pub fn airports_in(bbox: [f64; 4], limit: usize) -> String {
    let mut out = String::new();
    let mut o = JsonObject::new(&mut out);
    let mut arr = o.array("airports");
    let mut n = 0;
    for a in airports() {
        if n >= limit {
            break;
        }
        let keep = a.military || matches!(a.kind, AirportKind::Large | AirportKind::Medium);
        let p = a.position;
        if !keep || !in_box(p, bbox) {
            continue;
        }
        n += 1;
        let mut j = arr.object();
        j.str("ident", a.ident)
            .opt_str("iata", a.iata)
            .str("name", a.name);
        j.str("kind", a.kind.as_str()).bool("military", a.military);
        j.fixed("lat", p.lat, 5)
            .fixed("lon", p.lon, 5)
            .str("country", a.country);
    }
    drop(arr);
    o.finish();
    out
}
