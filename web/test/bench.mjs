// The map's browser benchmarks (docs/BENCHMARKS.md, "The map and the API"); not a test.
//   node bench.mjs 1000    time from navigation to the first aircraft, with 1,000 aircraft
//   node bench.mjs 10000   the same, the share the stream sends, and frame times while panning
//                          (percentiles of three 4 s pans, with what a frame costs in CPU)
// BENCH_ASSETS=DIR serves the page's files from DIR (two versions against one server),
// BENCH_PANS=N pans N times, BENCH_SKIP_STREAM=1 leaves out the stream's rates below.
// Every run also reads the stream itself (from node, not the page) for a few seconds with a
// small viewport, the page's view and the whole world: bytes and messages per second.
// Serves the crowd with `cargo run --release -p picket-server --example crowd` (or
// PICKET_CROWD_CMD), in Debian's headless Chromium (SwiftShader: WebGL on the CPU).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const n = Number(process.argv[2] || 1000);
const cmd = `${process.env.PICKET_CROWD_CMD || "cargo run --release -q -p picket-server --example crowd --"} --aircraft ${n} --serve 127.0.0.1:0`;
// PICKET_CROWD_CMD is run from the current directory when its program is found from there
// (`../../target/release/examples/crowd` from web/test), else from the workspace's root
// (`target/release/examples/crowd`, as earlier sections of docs/BENCHMARKS.md give it).
const program = (process.env.PICKET_CROWD_CMD || "").trim().split(/\s+/)[0];
const fromHere = program && (!program.includes("/") || existsSync(resolve(program)));
const server = spawn("sh", ["-c", `exec ${cmd}`], {
  cwd: fromHere ? process.cwd() : root,
  stdio: ["ignore", "inherit", "pipe"],
});
let url = null;
let err = "";
server.stderr.on("data", (c) => {
  err += c;
  const m = /serving the map at (http:\/\/[0-9.:]+\/)/.exec(err);
  if (m) url = m[1];
});
const t0 = Date.now();
while (!url) {
  if (Date.now() - t0 > 600_000) throw new Error("no server");
  await new Promise((r) => setTimeout(r, 100));
}
const profile = mkdtempSync(join(tmpdir(), "picket-bench-"));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ["--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const result = { aircraft: n };

/**
 * CPU time (ms) used so far by the browser's processes, by kind (Chromium's GPU process,
 * where SwiftShader draws the WebGL canvas; the renderer, where the page and MapLibre run;
 * the rest), read from /proc for every descendant of this node process except the server.
 * Less sensitive to a loaded machine than frame times: what a frame costs, not how long
 * it waited for a core.
 */
function browserCpu() {
  const kids = new Map();
  const ticks = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      const parent = Number(f[1]);
      if (!kids.has(parent)) kids.set(parent, []);
      kids.get(parent).push(Number(d));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch {
      // the process ended
    }
  }
  const cpu = { gpu: 0, renderer: 0, other: 0 };
  const todo = [...(kids.get(process.pid) || [])].filter((p) => p !== server.pid);
  while (todo.length) {
    const p = todo.pop();
    let kind = "other";
    try {
      const cl = readFileSync(`/proc/${p}/cmdline`, "utf8");
      if (cl.includes("--type=gpu-process")) kind = "gpu";
      else if (cl.includes("--type=renderer")) kind = "renderer";
    } catch {
      // the process ended
    }
    cpu[kind] += ((ticks.get(p) || 0) * 1000) / 100; // USER_HZ is 100 on Linux
    todo.push(...(kids.get(p) || []));
  }
  return cpu;
}
const STREAM_SECONDS = 8;

/** Reads an SSE stream: the hello's size, then bytes, messages and aircraft per second. */
async function streamRate(u) {
  const ctl = new AbortController();
  const res = await fetch(u, { signal: ctl.signal });
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  let hello = null;
  let t0 = 0;
  let bytes = 0;
  let messages = 0;
  let aircraft = 0;
  let end = Infinity;
  try {
    while (Date.now() < end) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const msg = buf.slice(0, i + 2);
        buf = buf.slice(i + 2);
        const size = Buffer.byteLength(msg);
        if (!hello) {
          const data = JSON.parse(msg.split("\n").find((l) => l.startsWith("data: ")).slice(6));
          hello = { bytes: size, aircraft: data.aircraft.length };
          t0 = Date.now();
          end = t0 + STREAM_SECONDS * 1000;
          continue;
        }
        bytes += size;
        messages++;
        const line = msg.split("\n").find((l) => l.startsWith("data: "));
        if (msg.includes("event: aircraft") && line) aircraft += JSON.parse(line.slice(6)).updated.length;
      }
    }
  } finally {
    ctl.abort();
  }
  const secs = (Date.now() - t0) / 1000;
  return {
    hello,
    bytes_per_s: Math.round(bytes / secs),
    messages_per_s: +(messages / secs).toFixed(2),
    aircraft_updates_per_s: Math.round(aircraft / secs),
  };
}
try {
  const page = ctx.pages()[0] || (await ctx.newPage());
  await page.addInitScript(() => {
    // The main-thread time the page spends in its stream's handlers (every EventSource
    // listener timed), read around the pans below.
    window.__streamMs = 0;
    const ES = window.EventSource;
    window.EventSource = class extends ES {
      addEventListener(type, f, opts) {
        return super.addEventListener(
          type,
          (ev) => {
            const t = performance.now();
            try {
              return f(ev);
            } finally {
              window.__streamMs += performance.now() - t;
            }
          },
          opts,
        );
      }
    };
  });
  await page.addInitScript(() => {
    // Marks of the way to the first draw (performance.now(), first frame each was seen).
    const marks = (window.__benchMarks = {});
    const mark = (name, yes) => {
      if (yes && marks[name] === undefined) marks[name] = Math.round(performance.now());
    };
    const watch = () => {
      const map = window.picket && window.picket.map;
      mark("script_ran", Boolean(window.picket));
      mark("map_created", Boolean(map));
      mark("aircraft_received", window.picket && window.picket.firstAircraftAt > 0);
      try {
        mark("style_read", Boolean(map && map.getSource("planes")));
        mark("aircraft_set", Number(document.body.dataset.aircraft || 0) > 0);
        mark("planes_source_loaded", Boolean(map && map.getSource("planes") && map.isSourceLoaded("planes") && document.body.dataset.aircraft));
        if (map && map.getLayer("planes") && map.queryRenderedFeatures({ layers: ["planes"] }).length > 0) {
          window.__benchDrawnAt = performance.now();
          return;
        }
      } catch {
        // the style is not read yet
      }
      requestAnimationFrame(watch);
    };
    requestAnimationFrame(watch);
  });
  // BENCH_ASSETS=DIR: the page's files (index.html, app.js, app.css) from DIR instead of the
  // server's, to compare two versions of the page against the same server.
  if (process.env.BENCH_ASSETS) {
    const dir = process.env.BENCH_ASSETS;
    const types = { "index.html": "text/html", "app.js": "text/javascript", "app.css": "text/css" };
    await page.route(
      (u) => u.href.startsWith(url) && ["/", "/index.html", "/app.js", "/app.css"].includes(u.pathname),
      (route) => {
        const name = new URL(route.request().url()).pathname.slice(1) || "index.html";
        route.fulfill({ path: join(dir, name), contentType: types[name] });
      },
    );
    result.assets = dir;
  }
  // The renderer's main-thread busy time (Chromium's Performance domain), less sensitive to
  // a loaded machine than wall-clock times: how much work the page did up to its first draw.
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Performance.enable");
  await page.goto(url);
  await page.waitForFunction(() => window.picket && window.picket.firstAircraftAt > 0, null, { timeout: 60_000 });
  result.first_aircraft_ms = Math.round(await page.evaluate(() => window.picket.firstAircraftAt));
  // Drawn: the first animation frame in which the map's aircraft layer has rendered
  // aircraft (queryRenderedFeatures finds them), watched from a frame loop the benchmark
  // installs before the page's own script runs, so that any version of the page is timed
  // the same way (BENCH_ASSETS below).
  await page.waitForFunction(() => window.__benchDrawnAt > 0, null, { timeout: 60_000 });
  result.first_drawn_ms = Math.round(await page.evaluate(() => window.__benchDrawnAt));
  result.page_first_drawn_ms = Math.round(await page.evaluate(() => window.picket.firstDrawnAt || 0)) || undefined;
  // The page's stand-in canvas (aircraft drawn before MapLibre's worker has them).
  result.first_painted_ms = Math.round(await page.evaluate(() => window.picket.firstPaintAt || 0)) || undefined;
  result.marks = await page.evaluate(() => window.__benchMarks);
  const metrics = Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  result.main_thread_to_first_draw_ms = {
    task: Math.round(metrics.TaskDuration * 1000),
    script: Math.round(metrics.ScriptDuration * 1000),
  };
  result.map_ready_ms = Math.round(await page.evaluate(() => window.picket.mapReadyAt));
  result.nav = await page.evaluate(() => {
    const n = performance.getEntriesByType("navigation")[0];
    return { dom_content_loaded_ms: Math.round(n.domContentLoadedEventEnd), load_ms: Math.round(n.loadEventEnd) };
  });
  await page.waitForTimeout(3000); // let the stream settle (a measurement, not a test)
  result.in_view = await page.evaluate(() => window.picket.planes.size);
  const total = await page.evaluate(async () => (await (await fetch("data/aircraft.json")).json()).aircraft.length);
  result.total = total;
  result.sent_share = +(result.in_view / total).toFixed(3);
  // BENCH_HIDE_BASE=1: without the base map's land and borders, to see what they cost.
  if (process.env.BENCH_HIDE_BASE === "1") {
    await page.evaluate(() => {
      for (const l of ["land", "borders"]) window.picket.map.setLayoutProperty(l, "visibility", "none");
    });
    result.base_map = "hidden";
  }
  // Pan BENCH_PANS times (3 unless set), 4 s each, alternately 1,200 px east and 400 px
  // south and back: each one animated pan (MapLibre's own easing, so the map is moving
  // throughout, as in a drag), frame times from requestAnimationFrame, 2 s between pans
  // (the page reopens its stream for the new view at each move's end). Reported: the frame
  // times of all pans together as percentiles, and what the frames cost: CPU per frame of
  // the browser's processes, the renderer's main-thread busy time (Performance.getMetrics)
  // and the part of it in the page's stream handlers.
  // First the rest of the map drawn once (base map, zones, airports): MapLibre compiles each
  // layer type's shaders at its first draw, which SwiftShader takes up to a second for; on a
  // slow machine that fell into the first pan.
  await page
    .waitForFunction(
      () => {
        const m = window.picket.map;
        try {
          return ["world", "zones", "airports"].every((s) => m.isSourceLoaded(s));
        } catch {
          return false;
        }
      },
      null,
      { timeout: 60_000, polling: 200 },
    )
    .catch(() => (result.base_map_not_loaded = true));
  await page.waitForTimeout(1000);
  const pans = Number(process.env.BENCH_PANS || 3);
  const times = [];
  const cpu = { gpu: 0, renderer: 0, other: 0 };
  const busy = async () =>
    Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  let mainMs = 0;
  let scriptMs = 0;
  let streamMs = 0;
  const perPan = [];
  for (let k = 0; k < pans; k++) {
    const dir = k % 2 === 0 ? 1 : -1;
    const m0 = await busy();
    const c0 = browserCpu();
    const r = await page.evaluate(
      (dir) =>
        new Promise((done) => {
          const map = window.picket.map;
          const times = [];
          const s0 = window.__streamMs;
          let last = performance.now();
          const end = last + 4000;
          map.panBy([1200 * dir, 400 * dir], { duration: 4000, easing: (t) => t });
          const step = (now) => {
            times.push(now - last);
            last = now;
            if (now < end) requestAnimationFrame(step);
            else done({ times, stream_ms: window.__streamMs - s0 });
          };
          requestAnimationFrame(step);
        }),
      dir,
    );
    const c1 = browserCpu();
    for (const kind of Object.keys(cpu)) cpu[kind] += c1[kind] - c0[kind];
    const m1 = await busy();
    mainMs += (m1.TaskDuration - m0.TaskDuration) * 1000;
    scriptMs += (m1.ScriptDuration - m0.ScriptDuration) * 1000;
    streamMs += r.stream_ms;
    times.push(...r.times);
    const sorted = r.times.slice().sort((a, b) => a - b);
    perPan.push({ frames: sorted.length, p50_ms: +sorted[Math.floor(sorted.length / 2)].toFixed(1) });
    if (k + 1 < pans) await page.waitForTimeout(2000);
  }
  times.sort((a, b) => a - b);
  const pct = (f) => +times[Math.min(times.length - 1, Math.floor(times.length * f))].toFixed(1);
  const frames = times.length;
  result.pan = {
    pans,
    frames,
    mean_ms: +(times.reduce((a, b) => a + b, 0) / frames).toFixed(1),
    p50_ms: pct(0.5),
    p95_ms: pct(0.95),
    max_ms: +times[frames - 1].toFixed(1),
    per_pan: perPan,
    // The browser's CPU during the pans (not the pauses), per frame, by process kind.
    cpu_per_frame_ms: Object.fromEntries(Object.keys(cpu).map((k) => [k, Math.round(cpu[k] / frames)])),
    main_thread_per_frame_ms: { task: +(mainMs / frames).toFixed(1), script: +(scriptMs / frames).toFixed(1) },
    stream_handlers_per_frame_ms: +(streamMs / frames).toFixed(1),
    in_view_after: await page.evaluate(() => window.picket.planes.size),
    dropped_while_moving: await page.evaluate(() => window.picket.droppedWhileMoving),
  };
  // BENCH_REPEAT=N: open the page N more times in the same browser profile (its HTTP cache
  // and Chromium's cache of compiled scripts kept) and time each first draw again.
  const repeats = Number(process.env.BENCH_REPEAT || 0);
  if (repeats > 0) {
    result.repeat = [];
    for (let i = 0; i < repeats; i++) {
      await page.goto(url);
      await page.waitForFunction(() => window.__benchDrawnAt > 0, null, { timeout: 60_000 });
      result.repeat.push(
        await page.evaluate(() => ({
          first_drawn_ms: Math.round(window.__benchDrawnAt),
          dom_content_loaded_ms: Math.round(performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd),
          app_js: performance.getEntriesByName(new URL("app.js", location.href).href)[0]?.transferSize,
        })),
      );
    }
  }
  // The stream's cost per viewport, read from node for STREAM_SECONDS after its `hello`
  // (BENCH_SKIP_STREAM=1: not measured).
  const view = await page.evaluate(() => {
    const b = window.picket.map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  });
  const boxes = {
    small: [-67.5, 10.5, -66.3, 11.3], // about a zoom-9 window over Caracas
    page_view: view,
    world: [-180, -90, 180, 90],
  };
  result.stream = {};
  if (process.env.BENCH_SKIP_STREAM !== "1") await Promise.all(
    Object.entries(boxes).map(async ([name, box]) => {
      result.stream[name] = await streamRate(`${url}api/stream?bbox=${box.map((v) => v.toFixed(3)).join(",")}`);
    }),
  );
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
  server.kill("SIGTERM");
}
console.log(JSON.stringify(result));
process.exit(0);
