// The source of load-agent.ts as one CommonJS file for the host's node: built once by
// `npm run build` (load-agent.bundle.js beside this file in dist/), or bundled here with
// esbuild when leakhound runs from its TypeScript sources.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const BUNDLE_NAME = 'load-agent.bundle.js';
let cached: string | null = null;

export function loadAgentSource(): string {
  if (cached !== null) return cached;
  const built = path.join(__dirname, BUNDLE_NAME);
  if (existsSync(built)) cached = readFileSync(built, 'utf8');
  else {
    const entry = path.join(__dirname, 'load-agent.ts');
    if (!existsSync(entry))
      throw new Error(`leakhound's remote load generator is missing (no ${built}): run \`npm run build\``);
    // a development-time dependency, present whenever the .ts sources run (tsx brings it)
    const esbuild = require('esbuild') as typeof import('esbuild');
    const out = esbuild.buildSync({ ...bundleOptions(entry), write: false });
    cached = out.outputFiles[0].text;
  }
  return cached;
}

/** the options build.sh uses too (test/build-load-agent.ts) */
export function bundleOptions(entry: string) {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'node' as const,
    format: 'cjs' as const,
    target: 'node18',
    minify: true,
    legalComments: 'none' as const,
  };
}
