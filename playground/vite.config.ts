import { defineConfig } from 'vite';

// The playground: a static app; `npm run playground` serves it, `npm run playground:build`
// writes playground/dist. Preact's JSX through Vite's own transform (no framework plugin).
export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  worker: { format: 'es' },
  // Scan the worker too, so the dev server pre-bundles the engine's dependencies before the first
  // run (instead of discovering them mid-run and reloading the page).
  optimizeDeps: { entries: ['index.html', 'src/sim.worker.ts'] },
  // The entry holds CodeMirror (~500 KB minified, ~160 KB gz: under the 300 KB gz budget that
  // `npm run bench -- playground` measures); the compiler and the engine are lazy or in the worker.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 700 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
