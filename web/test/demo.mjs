// The browser test: runs the README's demo command, opens the map in Debian's headless
// Chromium (driven by playwright-core; no browser is downloaded), waits for the caracas
// aircraft, finds the landing alert in the feed, clicks it and checks the aircraft panel,
// then acknowledges the alert with the token the user gives in the address (`?token=`).
// Asserts on the page's DOM and state, never on pixels; saves a screenshot under target/.
//
// Environment: PICKET_DEMO_CMD replaces the command (default: the README's
// `cargo run --release -p picket -- demo`); CHROMIUM the browser (default
// /usr/bin/chromium). Without a browser the test skips, unless PICKET_REQUIRE_TESTDATA=1.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const browser = process.env.CHROMIUM || "/usr/bin/chromium";
if (!existsSync(browser)) {
  if (process.env.PICKET_REQUIRE_TESTDATA === "1") {
    console.error(`web test: FAILED: no browser at ${browser} (PICKET_REQUIRE_TESTDATA=1)`);
    process.exit(1);
  }
  console.log(`web test: skipped: no browser at ${browser}`);
  process.exit(0);
}

const CARACAS = ["1514c0", "150d8a"]; // the Il-62M and the An-124 of the scenario
const LANDING_HEX = "1514c0"; // lands first, in the demo's first minute

const command = process.env.PICKET_DEMO_CMD || "cargo run --release -p picket -- demo";
// The token the page gets from the user (here in the address) to acknowledge alerts.
const TOKEN = `web-test-${process.pid}-${Date.now()}`;
const full = `${command} --duration 240s --http 127.0.0.1:0 --token ${TOKEN}`;
console.log(`web test: running ${full}`);
const demo = spawn("sh", ["-c", `exec ${full}`], { cwd: root, stdio: ["ignore", "inherit", "pipe"] });
let demoExited = null;
demo.on("exit", (code, signal) => (demoExited = { code, signal }));

let url = null;
let stderr = "";
demo.stderr.on("data", (chunk) => {
  const s = chunk.toString();
  stderr += s;
  process.stderr.write(s);
  const m = /serving the map at (http:\/\/[0-9.:]+\/)/.exec(stderr);
  if (m && !url) url = m[1];
});

function fail(message) {
  console.error(`web test: FAILED: ${message}`);
  demo.kill("SIGTERM");
  process.exit(1);
}

/** Waits for a condition with a deadline (never a fixed sleep as the check). */
async function until(what, seconds, check) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (demoExited) fail(`the demo exited (${JSON.stringify(demoExited)}) while waiting for ${what}`);
    if (Date.now() > deadline) fail(`no ${what} within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The release build may take minutes on a fresh checkout.
await until("server address from the demo", 1200, () => url);
console.log(`web test: the demo serves ${url}`);

const profile = mkdtempSync(join(tmpdir(), "picket-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: browser,
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: [
    "--headless",
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});
const errors = [];
const offsite = [];
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  // The page needs no network beyond picket itself.
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(url) || u.startsWith("data:") || u.startsWith("blob:")) return route.continue();
    offsite.push(u);
    return route.abort();
  });
  await page.goto(`${url}?token=${TOKEN}`);
  // The page keeps the token in the tab's sessionStorage and takes it out of the address.
  if ((await page.evaluate(() => location.search)).includes("token")) fail("the token stays in the address");
  await until("map ready (WebGL through SwiftShader)", 60, () =>
    page.evaluate(() => document.body.dataset.ready === "1"),
  );

  const seen = await until("caracas aircraft on the map", 120, () =>
    page.evaluate((hexes) => hexes.filter((h) => window.picket.planes.has(h)), CARACAS).then((v) => (v.length ? v : null)),
  );
  console.log(`web test: caracas aircraft on the map: ${seen.join(", ")}`);
  // MapLibre's aircraft layer has drawn them, and the stand-in canvas of the first moments
  // is gone.
  await until("aircraft layer drawn", 60, () => page.evaluate(() => document.body.dataset.drawn === "1"));
  await until("stand-in canvas removed", 10, () => page.evaluate(() => !document.querySelector("canvas.quick-planes")));

  const alert = `#alerts li.alert[data-kind="landing"][data-hex="${LANDING_HEX}"]`;
  await until("landing alert in the feed", 150, () => page.locator(alert).count());
  const text = await page.locator(alert).first().innerText();
  if (!/SVMI|Simón Bolívar/.test(text)) fail(`the landing alert does not name the airport: ${text}`);
  await page.locator(alert).first().click();

  await until("aircraft panel", 30, () =>
    page.evaluate(
      (hex) => {
        const p = document.querySelector("#panel");
        return p && !p.hidden && p.dataset.hex === hex && p.dataset.loaded;
      },
      LANDING_HEX,
    ),
  );
  const type = await page.locator("#panel .type").innerText();
  const country = await page.locator("#panel .country").innerText();
  const why = await page.locator("#panel .classification").innerText();
  console.log(`web test: panel type=${JSON.stringify(type)} country=${JSON.stringify(country)} class=${JSON.stringify(why)}`);
  if (!type.includes("IL62")) fail(`panel type is ${JSON.stringify(type)}, not the Il-62`);
  if (!country.includes("Russia")) fail(`panel country is ${JSON.stringify(country)}, not Russia`);
  await until("evidence replayed on the map", 20, () => page.evaluate(() => Number(document.body.dataset.replayed || 0) > 0));

  // The timeline: the landing as one entry, and the search box finds the aircraft.
  await page.locator('#tabs button[data-tab="timeline"]').click();
  await until("landing in the timeline", 20, () => page.locator('#events li.event[data-kind="landing"]').count());
  await page.locator("#search").fill("RA-864");
  await until("search result", 20, () => page.locator(`#search-results .result[data-hex="${LANDING_HEX}"]`).count());
  await page.locator("#search").fill("");
  await until("search closed", 10, () => page.evaluate(() => document.querySelector("#search-results").hidden));
  await page.locator('#tabs button[data-tab="feed"]').click();

  // Acknowledge the landing alert: the button sends the token, the feed marks the alert,
  // and the server has it acknowledged.
  const served = await page.evaluate(async () => {
    const files = ["", "app.js", "app.css", "index.html"];
    return (await Promise.all(files.map(async (f) => (await fetch(f)).text()))).join("\n");
  });
  if (served.includes(TOKEN)) fail("a served file holds the token");
  const landingId = await page.locator(alert).first().getAttribute("data-id");
  await page.locator(`${alert} button.ack`).first().click();
  await until("the landing alert marked acknowledged", 20, () =>
    page.locator(`#alerts li.alert.acked[data-id="${landingId}"]`).count(),
  );
  const acked = await page.evaluate(async (id) => {
    const j = await (await fetch("api/events?kind=landing&limit=5000")).json();
    return j.events.filter((e) => e.id === id).map((e) => e.acked);
  }, landingId);
  if (acked.length === 0 || !acked.every(Boolean)) fail(`the server does not have the landing acknowledged: ${JSON.stringify(acked)}`);
  console.log(`web test: landing alert ${landingId} acknowledged`);

  mkdirSync(join(root, "target"), { recursive: true });
  const shot = join(root, "target", "web-demo.png");
  await page.screenshot({ path: shot });
  console.log(`web test: screenshot ${shot}`);
  if (errors.length) fail(`errors on the page: ${errors.join("; ")}`);
  if (offsite.length) fail(`the page asked for other hosts: ${offsite.join(", ")}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
demo.kill("SIGTERM");
await until("demo exit", 30, () => demoExited || null).catch(() => {});
console.log("web test: passed");
process.exit(0);
