// The history timeline in the browser: `picket run` of the caracas scenario with a store and
// the map, paced so the server stays up; opens the page in Debian's headless Chromium
// (playwright-core), opens the timeline, and checks that it shows the stored sky at a past
// moment and plays forward. Asserts on the page's state, never on pixels.
//
// Environment: PICKET_BIN is the picket binary (default: target/release/picket, built by
// `cargo build --release -p picket`); CHROMIUM the browser. Without a browser the test
// skips, unless PICKET_REQUIRE_TESTDATA=1.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const browser = process.env.CHROMIUM || "/usr/bin/chromium";
if (!existsSync(browser)) {
  if (process.env.PICKET_REQUIRE_TESTDATA === "1") {
    console.error(`timeline test: FAILED: no browser at ${browser} (PICKET_REQUIRE_TESTDATA=1)`);
    process.exit(1);
  }
  console.log(`timeline test: skipped: no browser at ${browser}`);
  process.exit(0);
}
const bin = process.env.PICKET_BIN || join(root, "target/release/picket");
const store = mkdtempSync(join(tmpdir(), "picket-timeline-store-"));
const args = ["run", "--scenario", "caracas", "--from", "4600", "--duration", "10m", "--speed", "5",
  "--store", join(store, "s"), "--http", "127.0.0.1:0", "--jsonl", "/dev/null"];
console.log(`timeline test: ${bin} ${args.join(" ")}`);
const run = spawn(bin, args, { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
let exited = null;
run.on("exit", (code, signal) => (exited = { code, signal }));
let url = null;
let stderr = "";
run.stderr.on("data", (chunk) => {
  stderr += chunk.toString();
  const m = /serving the map at (http:\/\/[0-9.:]+\/)/.exec(stderr);
  if (m && !url) url = m[1];
});

function fail(message) {
  console.error(`timeline test: FAILED: ${message}\n${stderr}`);
  run.kill("SIGTERM");
  process.exit(1);
}

/** Waits for a condition with a deadline. */
async function until(what, seconds, check) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (exited) fail(`picket exited (${JSON.stringify(exited)}) while waiting for ${what}`);
    if (Date.now() > deadline) fail(`no ${what} within ${seconds} s ${globalThis.__state ? await globalThis.__state() : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

await until("server address", 120, () => url);
// Something stored: a range with more than a minute of states.
await until("70 s of history in the store", 120, async () => {
  const r = await fetch(`${url}api/history/range`).then((x) => x.json()).catch(() => null);
  return r && r.from !== null && r.to - r.from >= 70;
});
const profile = mkdtempSync(join(tmpdir(), "picket-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: browser,
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ["--headless", "--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const errors = [];
try {
  const page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (e) => errors.push(String(e)));
  // The browser's own favicon request is no error of the page.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.location().url.endsWith("/favicon.ico")) errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && errors.push(`${r.status()} ${r.url()}`));
  globalThis.__state = () => page.evaluate(() => JSON.stringify(window.picketTimeline));
  await page.goto(url);
  await until("the timeline's button", 90, () => page.locator("#history-timeline .timeline-toggle").count());
  await page.locator("#history-timeline .timeline-toggle").click();
  const first = await until("the stored sky at the first moment", 30, () =>
    page.evaluate(() => {
      const s = window.picketTimeline;
      return s.open && s.loads > 0 && s.shown > 0 ? { t: s.t, from: s.from, shown: s.shown } : null;
    }),
  );
  if (first.t !== first.from + 60) fail(`the timeline opened at ${first.t}, not a minute after the start ${first.from}`);
  // The live aircraft are hidden while the past is shown.
  const hidden = await page.evaluate(() => window.picket.map.getLayoutProperty("planes", "visibility"));
  if (hidden !== "none") fail(`live planes layer visibility ${hidden}`);
  // Play forward: the moment advances and new snapshots load.
  await page.locator("#history-timeline .timeline-speed").selectOption("10");
  await page.locator("#history-timeline .timeline-play").click();
  await until("the timeline playing forward", 30, () =>
    page.evaluate((t0) => window.picketTimeline.t > t0 + 20 && window.picketTimeline.loads > 4, first.t),
  );
  await page.locator("#history-timeline .timeline-live").click();
  await until("back to live", 10, () =>
    page.evaluate(() => !window.picketTimeline.open && window.picket.map.getLayoutProperty("planes", "visibility") !== "none"),
  );
  if (errors.length) fail(`errors on the page: ${errors.join("; ")}`);
  console.log(`timeline test: ${first.shown} aircraft at the start, played forward, back to live`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
run.kill("SIGTERM");
await until("picket exit", 30, () => exited || null).catch(() => {});
rmSync(store, { recursive: true, force: true });
console.log("timeline test: passed");
process.exit(0);
