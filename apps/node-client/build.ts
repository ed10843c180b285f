/**
 * Builds the relay for deployment: `pnpm --filter @sesh/node-client build` writes dist/sesh-node.js
 * (the whole CLI and daemon, @sesh/sdk and the JavaScript dependencies in one ES module) and
 * dist/queue-writer.js (the queue database's writer thread). Only sodium-native, a native addon, is
 * loaded from node_modules at run time, so dist/ must stay inside apps/node-client.
 *
 * Why: `bin/sesh-node.js` runs the TypeScript sources directly, and Node's type stripper costs a
 * relay process about 17 MB of resident memory; the bundle loads none of it (no .ts file is
 * imported) and starts faster. The systemd unit in deploy/ runs the bundle.
 *   node build.ts [--outdir DIR]
 */
import { stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const ROOT = dirname(fileURLToPath(import.meta.url));

/** Packages loaded from node_modules at run time instead of being bundled. */
export const EXTERNAL = ["sodium-native"];

export interface BuildOptions {
  /** Where the files go; must be inside apps/node-client so `sodium-native` resolves (default dist/). */
  readonly outdir?: string;
  /** Bundles by output name (without .js) and entry file; default: sesh-node and queue-writer. */
  readonly entries?: Readonly<Record<string, string>>;
}

export const DEFAULT_ENTRIES: Readonly<Record<string, string>> = {
  "sesh-node": join(ROOT, "bin/sesh-node.js"),
  // Found by the daemon next to itself: new URL("./queue-writer.js", import.meta.url).
  "queue-writer": join(ROOT, "src/queue-writer.js"),
};

/** Bundles the entries into `outdir`; returns the files written and their sizes in bytes. */
export async function buildRelay(options: BuildOptions = {}): Promise<{ file: string; bytes: number }[]> {
  const outdir = resolve(options.outdir ?? join(ROOT, "dist"));
  const inside = relative(ROOT, outdir);
  if (inside.startsWith("..") || resolve(ROOT, inside) !== outdir) {
    throw new Error(
      `the output directory ${outdir} is outside ${ROOT}: the bundle loads sodium-native from this package's node_modules`,
    );
  }
  const entries = options.entries ?? DEFAULT_ENTRIES;
  const result = await build({
    entryPoints: Object.entries(entries).map(([out, entry]) => ({ in: entry, out })),
    outdir,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    external: EXTERNAL,
    // CommonJS dependencies (pino, prom-client) call require() for Node's built-in modules.
    banner: {
      js: 'import { createRequire as __seshCreateRequire } from "node:module"; const require = __seshCreateRequire(import.meta.url);',
    },
    legalComments: "linked",
    logLevel: "silent",
    metafile: true,
  });
  for (const warning of result.warnings) process.stderr.write(`build: ${warning.text}\n`);
  return Promise.all(
    Object.keys(result.metafile.outputs)
      .filter((file) => file.endsWith(".js"))
      .map(async (file) => ({ file: resolve(file), bytes: (await stat(file)).size })),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: "string" } } });
  const started = performance.now();
  try {
    const files = await buildRelay(values.outdir ? { outdir: values.outdir } : {});
    for (const { file, bytes } of files) {
      process.stdout.write(`${relative(process.cwd(), file)}  ${(bytes / 1024).toFixed(0)} KiB\n`);
    }
    process.stdout.write(
      `built in ${((performance.now() - started) / 1000).toFixed(1)} s; run it with: node ${relative(process.cwd(), files[0]!.file)} --help\n`,
    );
  } catch (error) {
    process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
