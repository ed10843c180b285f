/**
 * Prints the first-load JavaScript of every route of the last `next build` (gzip), and fails when one
 * is above the budget. Next 16 no longer prints these figures, so they are computed from the build's
 * manifests: the root main files plus every chunk the route's layouts and page need at load.
 *   node scripts/first-load-js.ts [--budget-kb 250] [--json]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";

const appDir = path.resolve(import.meta.dirname, "..");
const nextDir = path.join(appDir, ".next");
const args = process.argv.slice(2);
const budgetKb = Number(args[args.indexOf("--budget-kb") + 1] || 250) || 250;

type ClientManifest = { entryJSFiles?: Record<string, string[]> };

function findManifests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) findManifests(full, out);
    else if (name === "page_client-reference-manifest.js") out.push(full);
  }
  return out;
}

const sizeCache = new Map<string, { raw: number; gzip: number }>();
function size(file: string) {
  let s = sizeCache.get(file);
  if (!s) {
    const data = readFileSync(path.join(nextDir, file));
    s = { raw: data.length, gzip: gzipSync(data).length };
    sizeCache.set(file, s);
  }
  return s;
}

const buildManifest = JSON.parse(readFileSync(path.join(nextDir, "build-manifest.json"), "utf8")) as {
  rootMainFiles: string[];
};

const rows: { route: string; files: number; raw: number; gzip: number }[] = [];
for (const file of findManifests(path.join(nextDir, "server", "app"))) {
  const rel = path.relative(path.join(nextDir, "server", "app"), path.dirname(file));
  const route = `/${rel === "" ? "" : rel}`.replace(/\\/g, "/");
  if (route.startsWith("/_")) continue;
  const sandbox: { globalThis?: unknown; __RSC_MANIFEST: Record<string, ClientManifest> } = {
    __RSC_MANIFEST: {},
  };
  sandbox.globalThis = sandbox;
  runInNewContext(readFileSync(file, "utf8"), sandbox);
  const manifest = Object.values(sandbox.__RSC_MANIFEST)[0] ?? {};
  const files = new Set(buildManifest.rootMainFiles);
  for (const [entry, chunks] of Object.entries(manifest.entryJSFiles ?? {})) {
    // The route's own layouts and page load first; not-found and error boundaries only when needed.
    if (/\/(layout|page|template)$/.test(entry)) for (const c of chunks) files.add(c);
  }
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    const s = size(f);
    raw += s.raw;
    gzip += s.gzip;
  }
  rows.push({ route, files: files.size, raw, gzip });
}
rows.sort((a, b) => a.route.localeCompare(b.route));

const kb = (n: number) => (n / 1024).toFixed(1);
if (args.includes("--json")) {
  console.log(JSON.stringify(rows.map((r) => ({ ...r, gzipKb: Number(kb(r.gzip)) }))));
} else {
  console.log(`First-load JS per route (gzip; budget ${budgetKb} kB)`);
  console.log(`${"Route".padEnd(24)} ${"gzip kB".padStart(9)} ${"raw kB".padStart(9)}  chunks`);
  for (const r of rows) {
    console.log(`${r.route.padEnd(24)} ${kb(r.gzip).padStart(9)} ${kb(r.raw).padStart(9)}  ${r.files}`);
  }
}
const over = rows.filter((r) => r.gzip > budgetKb * 1024);
if (over.length > 0) {
  console.error(`Over budget: ${over.map((r) => `${r.route} (${kb(r.gzip)} kB)`).join(", ")}`);
  process.exit(1);
}
