// Bundles every entry point. `node esbuild.js` builds once; `--watch` rebuilds; `--production` minifies.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };

/** A Node bundle: the CLI, the extension, and the workers that keep work off the host's main thread. */
const nodeBundle = (entry, outfile, extra = {}) => ({ ...common, entryPoints: [entry], outfile, platform: 'node', format: 'cjs', target: 'node20', ...extra });

/** @type {import('esbuild').BuildOptions[]} */
const builds = [
  nodeBundle('src/cli/main.ts', 'dist/cli.js', { banner: { js: '#!/usr/bin/env node' } }),
  nodeBundle('src/extension/extension.ts', 'dist/extension.js', { external: ['vscode'] }),
  // Indexes captures (the catalog, a connection read again).
  nodeBundle('src/extension/indexWorker.ts', 'dist/indexWorker.js'),
  // Lists a big capture's connections (the quick count) beside the index worker's analysis.
  nodeBundle('src/extension/quickTableWorker.ts', 'dist/quickTableWorker.js'),
  // Reads capture text (detection, hovers).
  nodeBundle('src/extension/textWorker.ts', 'dist/textWorker.js'),
  {
    ...common,
    // The webview's own folder: its localResourceRoots hold this folder and nothing else.
    entryPoints: { webview: 'src/webview/main.ts', capture: 'media/capture.css' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

async function main() {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
