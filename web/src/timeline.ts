// The map's timeline over history (only when picket runs with --store): pick a moment, see
// the sky then (each aircraft's latest stored position before it), play it forward. A
// module of its own; main.ts only calls installTimeline once the map is ready.

import maplibregl from "maplibre-gl";
import type { FeatureCollection, Point } from "geojson";
import "./timeline.css";

/** /api/history/snapshot's aircraft. */
interface PastAircraft {
  hex: string;
  seen: number;
  lat: number;
  lon: number;
  alt_baro?: number;
  gs?: number;
  track?: number;
  on_ground?: boolean;
  flight?: string;
}

/** The live layers hidden while the map shows the past. */
const LIVE_LAYERS = ["planes", "trails"];
/** Seconds before the moment an aircraft's latest position may be to be shown. */
const WINDOW_S = 60;
/** Wall milliseconds between two steps of play. */
const STEP_MS = 500;

/** What a browser test can read: `window.picketTimeline`. */
export const timelineState = {
  open: false,
  playing: false,
  t: 0,
  from: 0,
  to: 0,
  speed: 60,
  shown: 0,
  loads: 0,
};

function utc(t: number): string {
  return new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

async function fetchRange(): Promise<{ from: number; to: number } | null> {
  const r = await fetch("api/history/range");
  if (!r.ok) return null;
  const j = (await r.json()) as { from?: number | null; to?: number | null };
  return j.from != null && j.to != null ? { from: j.from, to: j.to } : null;
}

function collection(aircraft: PastAircraft[]): FeatureCollection<Point> {
  return {
    type: "FeatureCollection",
    features: aircraft.map((a) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [a.lon, a.lat] },
      properties: {
        hex: a.hex,
        flight: a.flight ?? "",
        alt: a.on_ground ? -1 : (a.alt_baro ?? 0),
        track: a.track ?? 0,
        seen: a.seen,
      },
    })),
  };
}

/** Adds the timeline control when the server has history. */
export function installTimeline(map: maplibregl.Map, hasHistory: boolean): void {
  (window as unknown as { picketTimeline: typeof timelineState }).picketTimeline = timelineState;
  if (!hasHistory) return;

  map.addSource("history-planes", { type: "geojson", data: collection([]) });
  map.addLayer({
    id: "history-planes",
    type: "circle",
    source: "history-planes",
    layout: { visibility: "none" },
    paint: {
      "circle-radius": 4.5,
      "circle-color": [
        "case",
        ["<", ["get", "alt"], 0],
        "#9e9e9e",
        ["interpolate", ["linear"], ["get", "alt"], 0, "#ffd54f", 20000, "#4fc3f7", 40000, "#ba68c8"],
      ],
      "circle-stroke-color": "#111",
      "circle-stroke-width": 1,
    },
  });
  map.on("click", "history-planes", (e) => {
    const f = e.features?.[0];
    if (!f) return;
    const p = f.properties as { hex: string; flight: string; alt: number; seen: number };
    const alt = p.alt < 0 ? "ground" : `${p.alt} ft`;
    new maplibregl.Popup({ closeButton: false })
      .setLngLat((f.geometry as Point).coordinates as [number, number])
      .setText(`${p.flight || p.hex} (${p.hex}) · ${alt} · ${utc(p.seen)}`)
      .addTo(map);
  });

  const bar = el("div", "timeline-bar");
  bar.id = "history-timeline";
  const toggle = el("button", "timeline-toggle", "History");
  toggle.title = "Show the sky at a past moment from the store";
  const body = el("div", "timeline-body");
  const slider = el("input", "timeline-slider");
  slider.type = "range";
  slider.step = "1";
  const label = el("span", "timeline-time", "");
  const play = el("button", "timeline-play", "▶");
  play.title = "Play forward";
  const speed = el("select", "timeline-speed");
  for (const s of [1, 10, 60, 600]) {
    const o = el("option", "", `${s}×`);
    o.value = String(s);
    if (s === timelineState.speed) o.selected = true;
    speed.append(o);
  }
  const count = el("span", "timeline-count", "");
  const live = el("button", "timeline-live", "Live");
  live.title = "Back to the live sky";
  body.append(play, slider, label, speed, count, live);
  bar.append(toggle, body);
  map.getContainer().append(bar);

  let inFlight = false;
  let pending = false;
  let timer: number | undefined;
  let rangeTimer: number | undefined;

  async function load(): Promise<void> {
    if (inFlight) {
      pending = true;
      return;
    }
    inFlight = true;
    try {
      const t = timelineState.t;
      // Rounded up to the millisecond: the moment's own positions are included.
      const r = await fetch(`api/history/snapshot?t=${(Math.ceil(t * 1000) / 1000).toFixed(3)}&window=${WINDOW_S}`);
      if (r.ok) {
        const j = (await r.json()) as { aircraft: PastAircraft[] };
        (map.getSource("history-planes") as maplibregl.GeoJSONSource).setData(collection(j.aircraft));
        timelineState.shown = j.aircraft.length;
        timelineState.loads++;
        count.textContent = `${j.aircraft.length} aircraft`;
      } else {
        count.textContent = "history unavailable";
      }
    } finally {
      inFlight = false;
      if (pending) {
        pending = false;
        void load();
      }
    }
  }

  function show(t: number): void {
    timelineState.t = Math.min(Math.max(t, timelineState.from), timelineState.to);
    slider.value = String(Math.round(timelineState.t));
    label.textContent = utc(timelineState.t);
    void load();
  }

  async function refreshRange(): Promise<boolean> {
    const range = await fetchRange().catch(() => null);
    if (!range) {
      count.textContent = "nothing stored yet";
      return false;
    }
    timelineState.from = range.from;
    timelineState.to = range.to;
    slider.min = String(Math.floor(range.from));
    slider.max = String(Math.ceil(range.to));
    return true;
  }

  function setPlaying(on: boolean): void {
    timelineState.playing = on;
    play.textContent = on ? "❚❚" : "▶";
    if (timer !== undefined) window.clearInterval(timer);
    timer = undefined;
    if (!on) return;
    timer = window.setInterval(() => {
      const next = timelineState.t + (timelineState.speed * STEP_MS) / 1000;
      if (next < timelineState.to) {
        show(next);
        return;
      }
      // At the end of the span: the store may have grown since (picket still running).
      show(timelineState.to);
      void refreshRange().then(() => {
        if (timelineState.t >= timelineState.to) setPlaying(false);
      });
    }, STEP_MS);
  }

  function setLive(visible: boolean): void {
    for (const id of LIVE_LAYERS) {
      if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
    }
    map.setLayoutProperty("history-planes", "visibility", visible ? "none" : "visible");
  }

  async function open(): Promise<void> {
    if (!(await refreshRange())) return;
    timelineState.open = true;
    bar.classList.add("open");
    setLive(false);
    // The store grows while picket runs: the span is read again every 30 s.
    rangeTimer = window.setInterval(() => void refreshRange(), 30_000);
    // First opened: a minute into the span, when every aircraft has a stored position.
    show(timelineState.t > 0 ? timelineState.t : Math.min(timelineState.from + WINDOW_S, timelineState.to));
  }

  function close(): void {
    setPlaying(false);
    if (rangeTimer !== undefined) window.clearInterval(rangeTimer);
    rangeTimer = undefined;
    timelineState.open = false;
    bar.classList.remove("open");
    setLive(true);
  }

  toggle.addEventListener("click", () => (timelineState.open ? close() : void open()));
  live.addEventListener("click", close);
  slider.addEventListener("input", () => {
    setPlaying(false);
    show(Number(slider.value));
  });
  play.addEventListener("click", () => setPlaying(!timelineState.playing));
  speed.addEventListener("change", () => (timelineState.speed = Number(speed.value)));
}
