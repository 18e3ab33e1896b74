// Builds the map into crates/server/assets (run through scripts/build-web.sh).
import { build } from "esbuild";
import { copyFileSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";

const out = "../crates/server/assets";
mkdirSync(out, { recursive: true });

await build({
  entryPoints: { app: "src/main.ts" },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outdir: out,
  legalComments: "none",
  sourcemap: false,
  logLevel: "warning",
});

copyFileSync("index.html", `${out}/index.html`);
// Natural Earth 1:50m countries (public domain) as TopoJSON, from world-atlas.
copyFileSync("node_modules/world-atlas/countries-50m.json", `${out}/world.json`);

// The libraries' licences beside the bundle.
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const bundled = [
  ["maplibre-gl", "LICENSE.txt"],
  ["topojson-client", "LICENSE"],
  ["world-atlas", "LICENSE"],
];
let text =
  "picket's web map bundles these libraries and data; their licences follow.\n" +
  "The base map data is Natural Earth (naturalearthdata.com), in the public domain,\n" +
  "as packaged by world-atlas.\n";
for (const [name, file] of bundled) {
  const version = lock.packages[`node_modules/${name}`].version;
  text += `\n\n===== ${name} ${version} =====\n\n` + readFileSync(`node_modules/${name}/${file}`, "utf8");
}
writeFileSync(`${out}/licenses.txt`, text);
