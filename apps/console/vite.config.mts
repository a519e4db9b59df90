import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The web console: Preact (JSX through Vite's own transform, no Babel), built into `dist/console` and served by the
 * server under `/console/`. Nothing is inlined into index.html: the server's CSP allows no inline script or style.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: resolve(import.meta.dirname, '../../dist/console'),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    target: 'es2022',
  },
  logLevel: 'warn',
});
