// tar1090's own page against picket's /data, in Debian's headless Chromium (playwright-core,
// no browser download). Run by scripts/check-tar1090.sh, which serves tar1090's html
// directory and picket's /data on one origin; this script only drives the browser:
//
//   node tar1090.mjs http://127.0.0.1:PORT/ SCREENSHOT.png
//
// It reads picket's /data/aircraft.json through the same origin, opens tar1090's index.html
// and waits until tar1090 lists every aircraft of picket's that it should (readsb's rules as
// tar1090 applies them: at least 4 messages, seen within 58 s) in its table, draws a marker
// for each one with a position, and counts them in "Total Aircraft". Asserts on the page's
// DOM and state, never on pixels; saves a screenshot. Exit 0 only when all of it held.

import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

const [origin, shot] = process.argv.slice(2);
if (!origin || !shot) {
  console.error("usage: node tar1090.mjs ORIGIN_URL SCREENSHOT.png");
  process.exit(2);
}
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";
if (!existsSync(browserPath)) {
  console.error(`tar1090 check: FAILED: no browser at ${browserPath}`);
  process.exit(1);
}

function fail(message, extra) {
  console.error(`tar1090 check: FAILED: ${message}`);
  if (extra) console.error(extra);
  process.exit(1);
}

async function getJson(path) {
  const r = await fetch(new URL(path, origin));
  if (!r.ok) fail(`${path}: HTTP ${r.status}`);
  return r.json();
}

/** Waits for a condition with a deadline (the condition is the check, not the wait). */
async function until(what, seconds, check) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  for (;;) {
    last = await check();
    if (last && last.ok) return last;
    if (Date.now() > deadline) fail(`timed out after ${seconds} s waiting for ${what}`, JSON.stringify(last, null, 1));
    await new Promise((r) => setTimeout(r, 250));
  }
}

const receiver = await getJson("data/receiver.json");
console.log(`tar1090 check: receiver.json ${JSON.stringify(receiver)}`);
const first = await getJson("data/aircraft.json");
const located = first.aircraft.filter((a) => a.lat !== undefined && a.lon !== undefined);
if (located.length === 0) fail("picket's aircraft.json has no aircraft with a position");
// Centre the map on picket's aircraft (tar1090 keeps its view in localStorage, as a user's
// earlier visit would); without a published receiver position it opens on its default.
const lat = located.reduce((s, a) => s + a.lat, 0) / located.length;
const lon = located.reduce((s, a) => s + a.lon, 0) / located.length;

const browser = await chromium.launch({
  executablePath: browserPath,
  args: ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--no-sandbox"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const errors = [];
page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
page.on("console", (m) => {
  if (m.type() === "error") errors.push(`console: ${m.text()}`);
});
await page.addInitScript(
  ([la, lo]) => {
    if (!localStorage.getItem("CenterLat")) {
      localStorage.setItem("CenterLat", String(la));
      localStorage.setItem("CenterLon", String(lo));
      localStorage.setItem("ZoomLvl", "6");
    }
  },
  [lat, lon],
);
await page.goto(new URL("index.html", origin).toString());

// The page's own view of the sky, read from tar1090's globals and DOM. Written for the
// version checked (tar1090's first commit: `PlanesOrdered`, `#tableinfo`) and, as far as
// their names are known, later ones (`g.planesOrdered`, `#planesTable`, WebGL markers).
const pageState = () =>
  page.evaluate(() => {
    const visible = (el) => !el.classList.contains("hidden") && el.offsetParent !== null;
    const table = document.getElementById("tableinfo") || document.getElementById("planesTable");
    const rows = table ? [...table.querySelectorAll("tbody tr")].filter(visible) : [];
    const planes =
      typeof PlanesOrdered !== "undefined"
        ? PlanesOrdered
        : typeof g !== "undefined" && g.planesOrdered
          ? g.planesOrdered
          : [];
    const text = (id) => (document.getElementById(id) || { textContent: "" }).textContent.trim();
    const loader = document.getElementById("loader");
    return {
      loaderHidden: !loader || loader.classList.contains("hidden") || loader.offsetParent === null,
      totalText: text("dump1090_total_ac"),
      withPosText: text("dump1090_total_ac_positions"),
      rows: rows.map((tr) => tr.textContent.toLowerCase()),
      markers: planes.filter((p) => p.marker || p.glMarker).map((p) => p.icao),
      planes: planes.length,
      title: document.title,
    };
  });

// What tar1090 should list from picket's current aircraft.json.
const expected = (data) =>
  data.aircraft.filter((a) => a.messages >= 4 && a.seen < 58).map((a) => a.hex.toLowerCase());

const result = await until("tar1090 to list picket's aircraft", 60, async () => {
  const data = await getJson("data/aircraft.json");
  const want = expected(data);
  const wantLocated = data.aircraft
    .filter((a) => a.messages >= 4 && a.seen < 58 && a.lat !== undefined && a.seen_pos < 60)
    .map((a) => a.hex.toLowerCase());
  const s = await pageState();
  const markerSet = new Set(s.markers);
  // A row lists an aircraft when its address is in it (tar1090 writes it in the first cell).
  const missingRows = want.filter((h) => !s.rows.some((r) => r.includes(h.replace("~", ""))));
  const missingMarkers = wantLocated.filter((h) => !markerSet.has(h));
  return {
    ok:
      s.loaderHidden &&
      want.length > 0 &&
      missingRows.length === 0 &&
      missingMarkers.length === 0 &&
      Number(s.totalText) >= want.length,
    picket: data.aircraft.length,
    want: want.length,
    wantLocated: wantLocated.length,
    missingRows: missingRows.slice(0, 10),
    missingMarkers: missingMarkers.slice(0, 10),
    page: { ...s, rows: s.rows.length, firstRow: s.rows[0], markers: s.markers.length },
  };
});

// A callsign picket sends is shown in the row of its aircraft.
const data = await getJson("data/aircraft.json");
const withFlight = data.aircraft.find((a) => a.flight && a.messages >= 4 && a.seen < 58);
if (withFlight) {
  const hex = withFlight.hex.toLowerCase();
  const row = (await pageState()).rows.find((r) => r.includes(hex));
  if (!row || !row.includes(withFlight.flight.trim().toLowerCase()))
    fail(`the row of ${hex} does not show callsign ${JSON.stringify(withFlight.flight)}: ${JSON.stringify(row)}`);
}

// Two more updates of the page before the screenshot, so that the icons it loads for new
// markers are drawn (waits on the page's own requests, with a deadline).
for (let i = 0; i < 2; i++) {
  await page.waitForResponse((r) => r.url().includes("data/aircraft.json") && r.ok(), { timeout: 15000 });
}
await page.screenshot({ path: shot });
const jsErrors = errors.filter((e) => !/Failed to load resource/.test(e));
console.log(
  `tar1090 check: picket ${result.picket} aircraft, tar1090 should list ${result.want} (${result.wantLocated} with a position); ` +
    `the page lists ${result.page.rows} rows, ${result.page.markers} markers, "Total Aircraft" ${result.page.totalText}, ` +
    `"With Positions" ${result.page.withPosText}, title "${result.page.title}"`,
);
console.log(`tar1090 check: screenshot ${shot}`);
// What the page asked for that nobody serves (the proxy of check-tar1090.sh keeps a log).
try {
  const r = await fetch(new URL("__log", origin));
  if (r.ok) {
    const log = await r.json();
    const missing = Object.entries(log)
      .filter(([, codes]) => Object.keys(codes).some((c) => c !== "200" && c !== "304"))
      .map(([path, codes]) => `${path} ${JSON.stringify(codes)}`);
    console.log(`tar1090 check: not served: ${missing.length ? missing.join(", ") : "nothing"}`);
    const data = Object.entries(log).filter(([path]) => path.startsWith("/data/"));
    console.log(`tar1090 check: asked of picket: ${data.map(([p, c]) => `${p} ${JSON.stringify(c)}`).join(", ")}`);
  }
} catch {
  // not behind the check's proxy
}
if (jsErrors.length > 0) fail("JavaScript errors on tar1090's page", jsErrors.join("\n"));
await browser.close();
console.log("tar1090 check: passed");
