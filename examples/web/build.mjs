// Build the app into dist/ (or --outdir DIR): one bundled script, the page and its styles.
//   node build.mjs [--outdir DIR] [--config amplify-config.dev.json]
// --config copies a deployed stack's Amplify configuration (scripts/deploy writes one) next to
// the page; the devserver serves its own at /web/amplify-config.json instead.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { outdir: { type: "string" }, config: { type: "string" } } });
const outdir = values.outdir ?? join(here, "dist");

mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(here, "src", "main.js")],
  outfile: join(outdir, "app.js"),
  bundle: true,
  format: "esm",
  minify: true,
  sourcemap: true,
  target: "es2020",
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) copyFileSync(join(here, "src", file), join(outdir, file));
if (values.config) copyFileSync(values.config, join(outdir, "amplify-config.json"));
console.log(`built ${outdir}`);
