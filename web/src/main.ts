// picket's live map: aircraft from the server's SSE stream over an offline base map, the
// alert feed, the events timeline and the aircraft panel.

import maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import "./style.css";
import { feature } from "topojson-client";
import type { Topology } from "topojson-specification";
import type { Feature, FeatureCollection, Geometry, LineString, Point } from "geojson";
import { installTimeline } from "./timeline";

// ---------- types of the server's JSON ----------

/** The stream's short form of an aircraft. */
interface Plane {
  hex: string;
  flight?: string;
  lat?: number;
  lon?: number;
  alt?: number | "ground";
  gs?: number;
  track?: number;
  cat?: string;
  sq?: string;
  mil: boolean;
  watch: boolean;
  t?: string;
  r?: string;
  cc?: string;
  op?: string;
  cls?: string;
}

interface Evidence {
  time: number;
  hex: string;
  lat?: number;
  lon?: number;
  alt_baro?: number;
  gs?: number;
  note: string;
}

/** An alert or event record (events.md's schema with the hub's seq and acked). */
interface RecordJson {
  seq: number;
  acked: boolean;
  id: string;
  kind: string;
  phase: "started" | "updated" | "ended";
  hex: string;
  others?: string[];
  onset: number;
  time: number;
  end?: number;
  zone?: string;
  zone_name?: string;
  airport?: string;
  airport_name?: string;
  evidence?: Evidence[];
  rule?: string;
  aircraft?: {
    flight?: string;
    registration?: string;
    type?: string;
    operator?: string;
    country?: string;
    military?: boolean;
  };
}

interface AircraftDetail {
  now: number;
  aircraft: Record<string, unknown> & {
    hex: string;
    flight?: string;
    registration?: string;
    type?: string;
    description?: string;
    operator?: string;
    country?: string;
    country_name?: string;
    alt_baro?: number;
    on_ground?: boolean;
    gs?: number;
    track?: number;
    squawk?: string;
    watched?: boolean;
    /** Written once, in the aircraft: the class, the layer that set it, and why. */
    classification?: { class: string; layer: string; detail: string };
  };
  receivers: { id: number; name?: string }[];
  trail: [number, number, number, number | "ground" | null][];
  events: RecordJson[];
}

// ---------- state ----------

const planes = new Map<string, Plane>();
const trails = new Map<string, [number, number][]>();
const records: RecordJson[] = [];
const seenSeq = new Set<number>();
let selected: string | null = null;
/** The event id of the alert or timeline entry last clicked. */
let activeId: string | null = null;
let now = 0;
let replay: { hex: string; points: [number, number][]; step: number } | null = null;

/** State the browser test and benchmarks look at. */
const picketState = {
  planes,
  records,
  get selected() {
    return selected;
  },
  firstAircraftAt: 0,
  /** When the aircraft layer first rendered aircraft (performance.now()). */
  firstDrawnAt: 0,
  /** When the stand-in canvas first showed aircraft, before the layer could. */
  firstPaintAt: 0,
  mapReadyAt: 0,
  /** The server accepts state-changing requests (it has a token configured). */
  actions: false,
  map: null as maplibregl.Map | null,
  streamOpens: 0,
  messages: 0,
  /** Aircraft messages dropped unread while the map moved (the next `hello` replaces them). */
  droppedWhileMoving: 0,
};
(window as unknown as { picket: typeof picketState }).picket = picketState;

const TRAIL_POINTS = 120;

// ---------- helpers ----------

const $ = <T extends HTMLElement>(sel: string): T => document.querySelector(sel) as T;

function flag(cc?: string): string {
  if (!cc || cc.length !== 2) return "";
  const A = 0x1f1e6;
  return String.fromCodePoint(A + cc.charCodeAt(0) - 65, A + cc.charCodeAt(1) - 65);
}

function utc(t: number): string {
  return new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

function label(p: { flight?: string; r?: string; hex: string }): string {
  return p.flight || p.r || p.hex;
}

function el(tag: string, cls?: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const KIND_NAMES: Record<string, string> = {
  landing: "Landed",
  takeoff: "Took off",
  zone_entry: "Entered zone",
  zone_exit: "Left zone",
  dwell: "On the ground",
  formation: "Formation",
  intercept: "Intercept",
  escort: "Escort",
  loiter: "Loitering",
  emergency: "Emergency",
  went_dark: "Went dark",
  first_seen: "First seen",
};

function kindName(k: string): string {
  return KIND_NAMES[k] || k.replace(/_/g, " ");
}

function where(r: RecordJson): string {
  if (r.airport) return `${r.airport_name || r.airport} (${r.airport})`;
  if (r.zone) return r.zone_name || r.zone;
  return "";
}

function who(r: RecordJson): string {
  const a = r.aircraft || {};
  const p = planes.get(r.hex);
  const parts = [a.flight || p?.flight || a.registration || r.hex];
  if (a.type) parts.push(a.type);
  if (a.country) parts.push(a.country);
  return parts.join(" · ");
}

// ---------- the map ----------

function icon(shape: string, fill: string): ImageData {
  const size = 32;
  const c = document.createElement("canvas");
  c.width = c.height = size;
  const g = c.getContext("2d")!;
  g.translate(size / 2, size / 2);
  g.fillStyle = fill;
  g.strokeStyle = "#111";
  g.lineWidth = 1.2;
  g.beginPath();
  if (shape === "heavy" || shape === "jet") {
    const w = shape === "heavy" ? 14 : 11;
    g.moveTo(0, -14);
    g.lineTo(2, -6);
    g.lineTo(w, 1);
    g.lineTo(w, 4);
    g.lineTo(2, 1);
    g.lineTo(2, 9);
    g.lineTo(6, 13);
    g.lineTo(-6, 13);
    g.lineTo(-2, 9);
    g.lineTo(-2, 1);
    g.lineTo(-w, 4);
    g.lineTo(-w, 1);
    g.lineTo(-2, -6);
  } else if (shape === "light") {
    g.moveTo(0, -10);
    g.lineTo(2, -4);
    g.lineTo(10, -3);
    g.lineTo(10, 0);
    g.lineTo(2, 0);
    g.lineTo(1, 7);
    g.lineTo(4, 9);
    g.lineTo(-4, 9);
    g.lineTo(-1, 7);
    g.lineTo(-2, 0);
    g.lineTo(-10, 0);
    g.lineTo(-10, -3);
    g.lineTo(-2, -4);
  } else if (shape === "heli") {
    g.arc(0, 0, 6, 0, Math.PI * 2);
    g.moveTo(-12, -1);
    g.lineTo(12, -1);
    g.lineTo(12, 1);
    g.lineTo(-12, 1);
  } else if (shape === "ground") {
    g.rect(-5, -7, 10, 14);
  } else {
    g.moveTo(0, -12);
    g.lineTo(8, 10);
    g.lineTo(0, 6);
    g.lineTo(-8, 10);
  }
  g.closePath();
  g.fill();
  g.stroke();
  return g.getImageData(0, 0, size, size);
}

const SHAPES = ["heavy", "jet", "light", "heli", "ground", "generic"];
const COLOURS: Record<string, string> = {
  normal: "#f2f2f2",
  mil: "#e53935",
  watch: "#ff9800",
  sel: "#ffeb3b",
};

function shapeOf(cat?: string): string {
  switch (cat) {
    case "A5":
    case "A4":
      return "heavy";
    case "A3":
    case "A6":
      return "jet";
    case "A1":
    case "A2":
    case "B1":
    case "B4":
      return "light";
    case "A7":
      return "heli";
    default:
      return cat && cat.startsWith("C") ? "ground" : cat ? "generic" : "jet";
  }
}

function colourOf(p: Plane): string {
  if (p.hex === selected) return "sel";
  if (p.mil) return "mil";
  if (p.watch) return "watch";
  return "normal";
}

const emptyCollection = (): FeatureCollection => ({ type: "FeatureCollection", features: [] });

let map: maplibregl.Map;
let dirty = false;

function planesGeoJson(): FeatureCollection<Point> {
  const features: Feature<Point>[] = [];
  for (const p of planes.values()) {
    if (p.lat === undefined || p.lon === undefined) continue;
    features.push({
      type: "Feature",
      geometry: { type: "Point", coordinates: [p.lon, p.lat] },
      properties: {
        hex: p.hex,
        icon: `${shapeOf(p.cat)}-${colourOf(p)}`,
        rot: p.track ?? 0,
        label: label(p),
        z: p.hex === selected ? 3 : p.mil ? 2 : p.watch ? 1 : 0,
      },
    });
  }
  return { type: "FeatureCollection", features };
}

function trailsGeoJson(): FeatureCollection<LineString> {
  const features: Feature<LineString>[] = [];
  for (const [hex, pts] of trails) {
    const p = planes.get(hex);
    if (!p || pts.length < 2) continue;
    // Trails of every aircraft cost too much with thousands: the selected aircraft and
    // aircraft of interest only.
    if (hex !== selected && !p.mil && !p.watch) continue;
    features.push({
      type: "Feature",
      geometry: { type: "LineString", coordinates: pts },
      properties: { hex, colour: COLOURS[colourOf(p)] },
    });
  }
  return { type: "FeatureCollection", features };
}

// ---------- the first aircraft, before MapLibre's worker has them ----------

/**
 * A plain 2D canvas over the map that shows the aircraft from the stream's first message
 * until MapLibre's own layer renders them: that layer waits for MapLibre's worker to start
 * (parse its code), cut the tile and lay the symbols out, which on a slow machine takes
 * seconds. Same icons, positions (`map.project`) and turns; redrawn as the map moves;
 * removed at the aircraft layer's first render.
 */
let quick: HTMLCanvasElement | null = null;
const quickIcons = new Map<string, HTMLCanvasElement>();

function quickIcon(key: string): HTMLCanvasElement {
  let c = quickIcons.get(key);
  if (!c) {
    const [shape, colour] = key.split("-");
    c = document.createElement("canvas");
    c.width = c.height = 32;
    c.getContext("2d")!.putImageData(icon(shape, COLOURS[colour]), 0, 0);
    quickIcons.set(key, c);
  }
  return c;
}

function drawQuick() {
  if (picketState.firstDrawnAt) {
    quick?.remove();
    quick = null;
    return;
  }
  const box = map.getContainer();
  const w = box.clientWidth;
  const h = box.clientHeight;
  const dpr = window.devicePixelRatio || 1;
  if (!quick) {
    quick = document.createElement("canvas");
    quick.className = "quick-planes";
    box.append(quick);
  }
  if (quick.width !== Math.round(w * dpr) || quick.height !== Math.round(h * dpr)) {
    quick.width = Math.round(w * dpr);
    quick.height = Math.round(h * dpr);
    quick.style.width = `${w}px`;
    quick.style.height = `${h}px`;
  }
  const g = quick.getContext("2d")!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const bearing = map.getBearing();
  let shown = 0;
  for (const p of planes.values()) {
    if (p.lat === undefined || p.lon === undefined) continue;
    const pt = map.project([p.lon, p.lat]);
    if (pt.x < -20 || pt.y < -20 || pt.x > w + 20 || pt.y > h + 20) continue;
    g.save();
    g.translate(pt.x, pt.y);
    g.rotate((((p.track ?? 0) - bearing) * Math.PI) / 180);
    // The map's icons are 32 px at pixel ratio 1.6: 20 CSS pixels.
    g.drawImage(quickIcon(`${shapeOf(p.cat)}-${colourOf(p)}`), -10, -10, 20, 20);
    g.restore();
    shown++;
  }
  if (shown > 0 && !picketState.firstPaintAt) {
    picketState.firstPaintAt = performance.now();
    document.body.dataset.painted = "1";
  }
}

/** New aircraft data arrived while the map was moving: drawn at the move's end. */
let heldWhileMoving = false;

function redraw() {
  dirty = false;
  if (!picketState.firstDrawnAt) drawQuick();
  const src = map.getSource("planes") as maplibregl.GeoJSONSource | undefined;
  if (!src) return;
  // While the map moves (a drag, a zoom, a fly-to) the aircraft layer is not re-cut: with
  // thousands of aircraft that work (in MapLibre's worker, then uploading the new tiles)
  // would take the frames the move needs. The data is kept and drawn at the move's end.
  if (map.isMoving() && picketState.firstDrawnAt) {
    heldWhileMoving = true;
    return;
  }
  src.setData(planesGeoJson());
  (map.getSource("trails") as maplibregl.GeoJSONSource).setData(trailsGeoJson());
  document.body.dataset.aircraft = String(planes.size);
}

function scheduleRedraw() {
  if (!dirty) {
    dirty = true;
    requestAnimationFrame(redraw);
  }
}

async function loadBaseMap(): Promise<FeatureCollection<Geometry>> {
  const topo = (await (await fetch("world.json")).json()) as Topology;
  const key = Object.keys(topo.objects)[0];
  return feature(topo, topo.objects[key]) as unknown as FeatureCollection<Geometry>;
}

/**
 * The whole style at once, every source empty: the map is "loaded" as soon as MapLibre has
 * read it, and the aircraft layer exists from the start, so the first aircraft are drawn
 * without waiting for the base map (1:50m countries, parsed after the first aircraft are on
 * the screen), the zones or the airports.
 */
function initialStyle(): maplibregl.StyleSpecification {
  const empty = (): maplibregl.GeoJSONSourceSpecification => ({ type: "geojson", data: emptyCollection() });
  return {
    version: 8,
    sources: {
      world: empty(),
      zones: empty(),
      airports: empty(),
      trails: empty(),
      evidence: empty(),
      // No tile buffer for the aircraft: a symbol is laid out only in the tile that holds its
      // anchor and drawn unclipped, so the copies a buffer puts in the neighbouring tiles
      // (128 px each side by default: 2.25 times the features per tile) were cut, evaluated
      // and thrown away by MapLibre's worker for every tile a pan brings into view.
      planes: { ...empty(), buffer: 0 },
    },
    layers: [
      { id: "sea", type: "background", paint: { "background-color": "#0d2235" } },
      { id: "land", type: "fill", source: "world", paint: { "fill-color": "#1f3b2f" } },
      { id: "borders", type: "line", source: "world", paint: { "line-color": "#4c6b5c", "line-width": 0.7 } },
      { id: "zones-fill", type: "fill", source: "zones", paint: { "fill-color": "#ff5252", "fill-opacity": 0.06 } },
      {
        id: "zones-line",
        type: "line",
        source: "zones",
        paint: { "line-color": "#ff5252", "line-width": 1.4, "line-dasharray": [3, 2] },
      },
      {
        id: "airports",
        type: "circle",
        source: "airports",
        paint: {
          "circle-radius": ["case", ["get", "military"], 5, 3.5],
          "circle-color": ["case", ["get", "military"], "#8e24aa", "#90a4ae"],
          "circle-stroke-color": "#111",
          "circle-stroke-width": 1,
        },
      },
      {
        id: "trails",
        type: "line",
        source: "trails",
        paint: { "line-color": ["get", "colour"], "line-width": 1.5, "line-opacity": 0.8 },
      },
      {
        id: "evidence-line",
        type: "line",
        source: "evidence",
        filter: ["==", ["geometry-type"], "LineString"],
        paint: { "line-color": "#00e5ff", "line-width": 2.5 },
      },
      {
        id: "evidence-points",
        type: "circle",
        source: "evidence",
        filter: ["==", ["geometry-type"], "Point"],
        paint: { "circle-radius": 6, "circle-color": "#00e5ff", "circle-stroke-color": "#003", "circle-stroke-width": 1.5 },
      },
      {
        id: "planes",
        type: "symbol",
        source: "planes",
        layout: {
          "icon-image": ["get", "icon"],
          "icon-rotate": ["get", "rot"],
          "icon-rotation-alignment": "map",
          "icon-allow-overlap": true,
          "icon-ignore-placement": true,
          "symbol-sort-key": ["get", "z"],
        },
      },
    ],
  };
}

/** Resolves when the first aircraft are on the screen (the aircraft layer rendered some). */
let firstDrawn: Promise<void>;

function watchFirstDraw() {
  firstDrawn = new Promise<void>((resolve) => {
    const check = () => {
      if (!document.body.dataset.aircraft || document.body.dataset.aircraft === "0") return;
      try {
        if (map.queryRenderedFeatures({ layers: ["planes"] }).length === 0) return;
      } catch {
        return; // the style is not read yet
      }
      picketState.firstDrawnAt = performance.now();
      document.body.dataset.drawn = "1";
      drawQuick(); // the stand-in goes
      map.off("render", check);
      resolve();
    };
    map.on("render", check);
  });
}

/** The online tiles, when configured, in place of the offline land and borders. */
async function applyConfig() {
  const config = await (await fetch("api/config")).json().catch(() => ({}));
  picketState.actions = Boolean(config.actions);
  renderFeed();
  installTimeline(map, Boolean(config.history));
  if (!config.tile_url) return false;
  map.addSource("tiles", {
    type: "raster",
    tiles: [config.tile_url],
    tileSize: 256,
    attribution: config.tile_attribution || "",
  });
  map.addLayer({ id: "tiles", type: "raster", source: "tiles" }, "land");
  for (const l of ["land", "borders"]) map.setLayoutProperty(l, "visibility", "none");
  return true;
}

/** Where the page opens. */
const START = { center: [-66.9, 10.9] as [number, number], zoom: 6 };

/**
 * The box the map will show at START in the #map element (MapLibre's 512-pixel Web
 * Mercator world), so that the stream can be asked for before the map exists.
 */
function startBounds(): [number, number, number, number] {
  const box = $("#map");
  const world = 512 * 2 ** START.zoom;
  const dlon = (box.clientWidth / world) * 360;
  const y = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const lat = (v: number) => (360 / Math.PI) * Math.atan(Math.exp(v)) - 90;
  const dy = (box.clientHeight / 2 / world) * 2 * Math.PI;
  const y0 = y(START.center[1]);
  return [START.center[0] - dlon / 2, lat(y0 - dy), START.center[0] + dlon / 2, lat(y0 + dy)];
}

async function setupMap() {
  // The stream first: its request goes out while MapLibre sets itself up.
  connect();
  map = new maplibregl.Map({
    container: "map",
    style: initialStyle(),
    center: START.center,
    zoom: START.zoom,
    attributionControl: false,
    // MapLibre's default fade (300 ms), not 0: with 0 it places every symbol again in every
    // frame, 2,600 aircraft each frame of a pan. The aircraft layer never fades anyway: its
    // icons allow overlap and ignore placement, so every icon is always placed, and new
    // ones (each data update) are shown at once, before their first placement.
  });
  picketState.map = map;
  // Icons are drawn when a layer first asks for them (only the ones in use).
  map.on("styleimagemissing", (e) => {
    const [shape, colour] = e.id.split("-");
    if (SHAPES.includes(shape) && COLOURS[colour] && !map.hasImage(e.id)) {
      map.addImage(e.id, icon(shape, COLOURS[colour]), { pixelRatio: 1.6 });
    }
  });
  watchFirstDraw();
  map.on("move", () => {
    if (quick) drawQuick();
  });
  // The aircraft are drawn as soon as the style is read: the planes source is in it.
  map.once("style.load", () => scheduleRedraw());
  map.addControl(new maplibregl.NavigationControl({ showCompass: true }), "top-left");
  map.addControl(new maplibregl.ScaleControl({ unit: "nautical" }));
  await new Promise<void>((resolve) => map.once("load", () => resolve()));
  picketState.mapReadyAt = performance.now();
  const online = applyConfig().catch(() => false);

  map.on("click", "planes", (e) => {
    const f = e.features?.[0];
    if (f) select(String(f.properties!.hex));
  });
  map.on("click", "airports", (e) => {
    const f = e.features?.[0];
    if (!f) return;
    const p = f.properties!;
    new maplibregl.Popup({ closeButton: false })
      .setLngLat((f.geometry as Point).coordinates as [number, number])
      .setText(`${p.name} (${p.ident})${p.military ? " · military" : ""}`)
      .addTo(map);
  });
  for (const layer of ["planes", "airports"]) {
    map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
  }
  map.on("moveend", () => {
    if (heldWhileMoving) {
      heldWhileMoving = false;
      scheduleRedraw();
    }
    reconnectSoon();
    loadAirportsSoon();
  });

  // The base map after the first aircraft are drawn (MapLibre's worker would otherwise cut
  // the 1:50m countries into tiles before the aircraft), or after 2 s of an empty sky.
  Promise.race([firstDrawn, new Promise((r) => setTimeout(r, 2000))])
    .then(() => online)
    .then((tiles) => (tiles ? undefined : loadBaseMap()))
    .then((world) => world && (map.getSource("world") as maplibregl.GeoJSONSource | undefined)?.setData(world))
    .catch(() => setStatus("base map unavailable"));
  loadZones();
  loadAirports();
}

async function loadZones() {
  const zones = (await (await fetch("api/zones")).json()) as FeatureCollection;
  (map.getSource("zones") as maplibregl.GeoJSONSource).setData(zones);
  // Names as HTML labels: the offline map has no glyphs for symbol text.
  for (const z of zones.features) {
    const c = centroid(z.geometry);
    if (!c) continue;
    const e = el("div", "zone-label", String(z.properties?.name ?? z.properties?.id));
    new maplibregl.Marker({ element: e }).setLngLat(c).addTo(map);
  }
}

function centroid(g: Geometry): [number, number] | null {
  let ring: number[][] | undefined;
  if (g.type === "Polygon") ring = g.coordinates[0];
  else if (g.type === "MultiPolygon") ring = g.coordinates[0]?.[0];
  if (!ring || ring.length === 0) return null;
  let x = 0,
    y = 0;
  for (const [lon, lat] of ring) {
    x += lon;
    y += lat;
  }
  return [x / ring.length, y / ring.length];
}

let airportTimer = 0;
function loadAirportsSoon() {
  clearTimeout(airportTimer);
  airportTimer = window.setTimeout(loadAirports, 400);
}

async function loadAirports() {
  const b = map.getBounds();
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(3)).join(",");
  const res = (await (await fetch(`api/airports?bbox=${bbox}&limit=600`)).json()) as {
    airports: { ident: string; name: string; military: boolean; lat: number; lon: number; kind: string }[];
  };
  (map.getSource("airports") as maplibregl.GeoJSONSource).setData({
    type: "FeatureCollection",
    features: res.airports.map((a) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [a.lon, a.lat] },
      properties: { ident: a.ident, name: a.name, military: a.military, kind: a.kind },
    })),
  });
}

// ---------- the stream ----------

let source: EventSource | null = null;
let reconnectTimer = 0;

function filterQuery(): string {
  const q = new URLSearchParams();
  {
    const b = map ? map.getBounds() : null;
    const [w, s, e, n] = b ? [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] : startBounds();
    // A margin around the view, so aircraft come in from the edges.
    const dx = (e - w) * 0.2,
      dy = (n - s) * 0.2;
    const west = Math.max(-180, w - dx),
      east = Math.min(180, e + dx);
    q.set("bbox", [west, Math.max(-90, s - dy), east, Math.min(90, n + dy)].map((v) => v.toFixed(4)).join(","));
  }
  if ($<HTMLInputElement>("#f-military").checked) q.set("military", "1");
  if ($<HTMLInputElement>("#f-watched").checked) q.set("watched", "1");
  const t = $<HTMLInputElement>("#f-type").value.trim();
  if (t) q.set("type", t);
  const c = $<HTMLInputElement>("#f-country").value.trim();
  if (c) q.set("country", c);
  return q.toString();
}

function setStatus(s: string) {
  $("#status").textContent = s;
}

function connect() {
  source?.close();
  const es = new EventSource(`api/stream?${filterQuery()}`);
  source = es;
  picketState.streamOpens++;
  es.addEventListener("hello", (ev) => {
    const m = JSON.parse((ev as MessageEvent).data) as { now: number; aircraft: Plane[]; records: RecordJson[] };
    now = m.now;
    const keep = new Set(m.aircraft.map((p) => p.hex));
    for (const hex of [...planes.keys()]) if (!keep.has(hex)) planes.delete(hex);
    for (const p of m.aircraft) upsert(p);
    for (const r of m.records) addRecord(r);
    renderFeed();
    setStatus(`live · ${utc(now)}`);
    // The first aircraft go to the map at once, not a frame later (drawn on the stand-in
    // canvas at once; the style may not be read yet: then its `style.load` sets them).
    if (!picketState.firstDrawnAt) redraw();
    else scheduleRedraw();
  });
  es.addEventListener("aircraft", (ev) => {
    picketState.messages++;
    // While the map moves, aircraft messages are dropped unread: with thousands of aircraft
    // in view, parsing and applying each one (2,600 aircraft four times a second) takes the
    // main thread from the frames the move needs. Nothing is lost: every move's end reopens
    // the stream for the new view (`moveend` → reconnectSoon), and its `hello` carries the
    // current state of every aircraft in it, replacing what the dropped messages said.
    if (picketState.firstDrawnAt && map && map.isMoving()) {
      picketState.droppedWhileMoving++;
      return;
    }
    const m = JSON.parse((ev as MessageEvent).data) as { now: number; updated: Plane[]; removed: string[] };
    now = m.now;
    for (const p of m.updated) upsert(p);
    for (const hex of m.removed) {
      planes.delete(hex);
      trails.delete(hex);
    }
    setStatus(`live · ${utc(now)} · ${planes.size} aircraft in view`);
    if (selected && planes.has(selected)) refreshPanelLive();
    scheduleRedraw();
  });
  es.addEventListener("record", (ev) => {
    addRecord(JSON.parse((ev as MessageEvent).data) as RecordJson);
    renderFeed();
  });
  es.onerror = () => setStatus("reconnecting…");
}

function reconnectSoon() {
  clearTimeout(reconnectTimer);
  reconnectTimer = window.setTimeout(connect, 300);
}

function upsert(p: Plane) {
  planes.set(p.hex, p);
  if (!picketState.firstAircraftAt) picketState.firstAircraftAt = performance.now();
  if (p.lat === undefined || p.lon === undefined) return;
  let t = trails.get(p.hex);
  if (!t) trails.set(p.hex, (t = []));
  const last = t[t.length - 1];
  if (!last || last[0] !== p.lon || last[1] !== p.lat) {
    t.push([p.lon, p.lat]);
    if (t.length > TRAIL_POINTS) t.shift();
  }
}

// ---------- alerts feed and timeline ----------

function addRecord(r: RecordJson) {
  if (seenSeq.has(r.seq)) return;
  seenSeq.add(r.seq);
  records.push(r);
  if (records.length > 2000) seenSeq.delete(records.shift()!.seq);
}

function renderFeed() {
  const ol = $("#alerts");
  ol.replaceChildren();
  const alerts = records.filter((r) => r.rule).slice(-300).reverse();
  for (const r of alerts) {
    const li = el("li", `alert kind-${r.kind}${r.aircraft?.military ? " mil" : ""}${r.id === activeId ? " active" : ""}`);
    li.dataset.kind = r.kind;
    li.dataset.hex = r.hex;
    li.dataset.id = r.id;
    li.dataset.phase = r.phase;
    li.append(
      el("div", "what", `${kindName(r.kind)}${r.phase === "ended" ? " (ended)" : r.phase === "updated" ? " (update)" : ""}`),
      el("div", "who", who(r)),
      el("div", "where", where(r)),
      el("time", "when", utc(r.time)),
    );
    if (r.acked) {
      li.classList.add("acked");
      li.append(el("span", "ack-state", "acknowledged"));
    } else if (picketState.actions) {
      const b = el("button", "ack", "Acknowledge") as HTMLButtonElement;
      b.title = "Acknowledge this alert (needs the server's token)";
      b.addEventListener("click", (ev) => {
        ev.stopPropagation();
        b.disabled = true;
        acknowledge(r.id).finally(() => (b.disabled = false));
      });
      li.append(b);
    }
    li.addEventListener("click", () => focusRecord(r));
    ol.append(li);
  }
  $("#feed .empty").hidden = alerts.length > 0;
}

// ---------- acknowledging ----------

const TOKEN_KEY = "picket-token";

/**
 * The token for state-changing requests, from the user only: `?token=` in the page's
 * address (taken into this tab's sessionStorage and removed from the address) or a prompt.
 * The served files never hold it.
 */
function takeTokenFromUrl() {
  const u = new URL(location.href);
  const t = u.searchParams.get("token");
  if (t === null) return;
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  u.searchParams.delete("token");
  history.replaceState(null, "", u.pathname + u.search + u.hash);
}

function token(): string | null {
  let t = sessionStorage.getItem(TOKEN_KEY);
  if (!t) {
    t = window.prompt("The server's token (picket's --token), to acknowledge alerts:");
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
  }
  return t || null;
}

/** Acknowledges every record of the event `id` on the server, then marks them here. */
async function acknowledge(id: string) {
  const t = token();
  if (!t) return;
  const res = await fetch(`api/alerts/${id}/ack`, { method: "POST", headers: { Authorization: `Bearer ${t}` } });
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    setStatus("the token was refused; acknowledge again to enter it");
    return;
  }
  if (!res.ok) {
    setStatus(`acknowledging failed: ${res.status}`);
    return;
  }
  for (const r of records) if (r.id === id) r.acked = true;
  renderFeed();
}

/** Groups records by event id: one entry per event with its start, updates and end. */
function groupEvents(list: RecordJson[]): { first: RecordJson; last: RecordJson; updates: number; ended?: RecordJson }[] {
  const byId = new Map<string, RecordJson[]>();
  for (const r of list) {
    const g = byId.get(r.id);
    if (g) g.push(r);
    else byId.set(r.id, [r]);
  }
  const out = [];
  for (const g of byId.values()) {
    g.sort((a, b) => a.time - b.time);
    out.push({
      first: g[0],
      last: g[g.length - 1],
      updates: g.filter((r) => r.phase === "updated").length,
      ended: g.find((r) => r.phase === "ended"),
    });
  }
  return out.sort((a, b) => b.last.time - a.last.time);
}

async function loadTimeline() {
  const q = new URLSearchParams({ limit: "2000" });
  const kind = $<HTMLSelectElement>("#t-kind").value;
  if (kind) q.set("kind", kind);
  const since = $<HTMLSelectElement>("#t-since").value;
  if (since && now) q.set("since", String(now - Number(since)));
  const res = (await (await fetch(`api/events?${q}`)).json()) as { events: RecordJson[] };
  const ol = $("#events");
  ol.replaceChildren();
  const kinds = new Set<string>();
  for (const g of groupEvents(res.events)) {
    kinds.add(g.first.kind);
    const li = el("li", `event kind-${g.first.kind}`);
    li.dataset.id = g.first.id;
    li.dataset.kind = g.first.kind;
    const span = g.ended
      ? `${utc(g.first.onset)} → ${utc(g.ended.end ?? g.ended.time)}`
      : `${utc(g.first.onset)} → ongoing`;
    li.append(
      el("div", "what", kindName(g.first.kind)),
      el("div", "who", who(g.last)),
      el("div", "where", where(g.last)),
      el("div", "span", span + (g.updates ? ` · ${g.updates} update${g.updates > 1 ? "s" : ""}` : "")),
    );
    li.addEventListener("click", () => focusRecord(g.last));
    ol.append(li);
  }
  const sel = $<HTMLSelectElement>("#t-kind");
  for (const k of kinds) {
    if (![...sel.options].some((o) => o.value === k)) sel.append(new Option(kindName(k), k));
  }
}

/** Focuses an alert's aircraft and replays its evidence positions on the map. */
function focusRecord(r: RecordJson) {
  activeId = r.id;
  for (const li of document.querySelectorAll(".alert.active, .event.active")) li.classList.remove("active");
  for (const li of document.querySelectorAll(`[data-id="${r.id}"]`)) li.classList.add("active");
  const pts = (r.evidence || [])
    .filter((e) => e.lat !== undefined && e.lon !== undefined)
    .map((e) => [e.lon!, e.lat!] as [number, number]);
  select(r.hex, pts.length === 0);
  if (pts.length) {
    map.flyTo({ center: pts[pts.length - 1], zoom: Math.max(map.getZoom(), 8) });
    replay = { hex: r.hex, points: pts, step: 0 };
    stepReplay();
  }
}

function stepReplay() {
  if (!replay) return;
  const shown = replay.points.slice(0, replay.step + 1);
  const features: Feature[] = shown.map((c) => ({ type: "Feature", geometry: { type: "Point", coordinates: c }, properties: {} }));
  if (shown.length > 1) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: shown }, properties: {} });
  (map.getSource("evidence") as maplibregl.GeoJSONSource).setData({ type: "FeatureCollection", features });
  document.body.dataset.replayed = String(shown.length);
  if (replay.step + 1 < replay.points.length) {
    replay.step++;
    window.setTimeout(stepReplay, 400);
  }
}

// ---------- aircraft panel ----------

function select(hex: string, fly = true) {
  selected = hex;
  const p = planes.get(hex);
  if (fly && p?.lat !== undefined && p.lon !== undefined) {
    map.flyTo({ center: [p.lon, p.lat], zoom: Math.max(map.getZoom(), 7) });
  }
  scheduleRedraw();
  loadPanel(hex);
}

async function loadPanel(hex: string) {
  const panel = $("#panel");
  panel.hidden = false;
  panel.dataset.hex = hex;
  const res = await fetch(`api/aircraft/${hex}`);
  if (!res.ok) {
    // Not tracked now: what the alert said.
    const r = [...records].reverse().find((x) => x.hex === hex);
    fillPanel({
      hex,
      flight: r?.aircraft?.flight,
      registration: r?.aircraft?.registration,
      type: r?.aircraft?.type,
      operator: r?.aircraft?.operator,
      country_name: r?.aircraft?.country,
    });
    panel.dataset.loaded = "alert";
    return;
  }
  const d = (await res.json()) as AircraftDetail;
  if (selected !== hex) return;
  fillPanel(d.aircraft, d);
  panel.dataset.loaded = "live";
  const t = d.trail.map((x) => [x[2], x[1]] as [number, number]);
  if (t.length > 1) trails.set(hex, t.slice(-TRAIL_POINTS));
  scheduleRedraw();
}

function text(sel: string, v: string | undefined | null) {
  $(`#panel ${sel}`).textContent = v && v !== "" ? v : "—";
}

function fillPanel(a: AircraftDetail["aircraft"], d?: AircraftDetail) {
  text(".callsign", (a.flight as string) || (a.registration as string) || a.hex);
  text(".hex", a.hex);
  $("#panel .flag").textContent = flag(a.country);
  text(".registration", a.registration);
  text(".type", [a.type, a.description].filter(Boolean).join(" — "));
  text(".operator", a.operator);
  text(".country", [a.country_name, a.country].filter(Boolean).join(" · "));
  text(".altitude", a.on_ground ? "on the ground" : a.alt_baro !== undefined ? `${a.alt_baro} ft` : undefined);
  text(".speed", a.gs !== undefined ? `${Math.round(a.gs)} kt` : undefined);
  text(".track", a.track !== undefined ? `${Math.round(a.track)}°` : undefined);
  text(".squawk", a.squawk);
  const c = d?.aircraft.classification;
  text(".classification", c ? `${c.class} (by ${c.layer.replace(/_/g, " ")})` : undefined);
  text(".why", c?.detail);
  text(".receivers", d ? d.receivers.map((r) => r.name || `#${r.id}`).join(", ") : undefined);
  const ol = $("#panel .aircraft-events");
  ol.replaceChildren();
  for (const r of d?.events ?? []) {
    const li = el("li", "", `${utc(r.time)} ${kindName(r.kind)} ${where(r)}`);
    li.addEventListener("click", () => focusRecord(r));
    ol.append(li);
  }
}

let panelTimer = 0;
function refreshPanelLive() {
  if (panelTimer) return;
  panelTimer = window.setTimeout(() => {
    panelTimer = 0;
    if (selected) loadPanel(selected);
  }, 2000);
}

// ---------- search ----------

let searchTimer = 0;
async function runSearch() {
  const q = $<HTMLInputElement>("#search").value.trim();
  const box = $("#search-results");
  if (!q) {
    box.hidden = true;
    return;
  }
  const res = (await (await fetch(`api/search?q=${encodeURIComponent(q)}&limit=20`)).json()) as {
    aircraft: { hex: string; flight?: string; registration?: string; type?: string; operator?: string; country?: string; lat?: number; lon?: number }[];
  };
  box.replaceChildren();
  for (const a of res.aircraft) {
    const div = el(
      "div",
      "result",
      `${flag(a.country)} ${a.flight || a.registration || a.hex} · ${[a.registration, a.type, a.operator].filter(Boolean).join(" · ")}`,
    );
    div.dataset.hex = a.hex;
    div.addEventListener("click", () => {
      box.hidden = true;
      if (a.lat !== undefined && a.lon !== undefined) map.flyTo({ center: [a.lon, a.lat], zoom: Math.max(map.getZoom(), 8) });
      select(a.hex, false);
    });
    box.append(div);
  }
  if (res.aircraft.length === 0) box.append(el("div", "none", "nothing found"));
  box.hidden = false;
}

// ---------- wiring ----------

function wire() {
  $("#search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(runSearch, 200);
  });
  for (const id of ["#f-military", "#f-watched", "#f-type", "#f-country"]) {
    $(id).addEventListener("change", () => connect());
  }
  $("#panel-close").addEventListener("click", () => {
    $("#panel").hidden = true;
    selected = null;
    replay = null;
    (map.getSource("evidence") as maplibregl.GeoJSONSource).setData(emptyCollection());
    scheduleRedraw();
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>("#tabs button")) {
    b.addEventListener("click", () => {
      for (const x of document.querySelectorAll("#tabs button")) x.classList.toggle("active", x === b);
      for (const t of document.querySelectorAll<HTMLElement>("#side .tab")) t.hidden = t.id !== b.dataset.tab;
      if (b.dataset.tab === "timeline") loadTimeline();
    });
  }
  $("#t-refresh").addEventListener("click", () => loadTimeline());
  $("#t-kind").addEventListener("change", () => loadTimeline());
  $("#t-since").addEventListener("change", () => loadTimeline());
}

async function main() {
  takeTokenFromUrl();
  wire();
  await setupMap();
  scheduleRedraw();
  document.body.dataset.ready = "1";
}

main().catch((e) => {
  setStatus(`error: ${e}`);
  console.error(e);
});
