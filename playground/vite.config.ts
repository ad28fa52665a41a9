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
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
