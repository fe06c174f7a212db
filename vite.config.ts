/**
 * Vite config for the console client. The client lives in client/; the server
 * serves the built files from dist/client. In dev, /api and /socket.io go to the
 * Express + Socket.IO server on :8080 so the browser sees one origin.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

const API_TARGET = 'http://127.0.0.1:8080';

export default defineConfig({
  root: resolve(import.meta.dirname, 'client'),
  // Relative asset URLs would break under deep links; the console is served at /.
  base: '/',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist/client'),
    emptyOutDir: true,
    // maplibre alone is ~1 MB minified: warning about it on every build is noise.
    chunkSizeWarningLimit: 1500,
    // Source maps and gzip size reporting roughly double build time on a 2-core box.
    sourcemap: false,
    reportCompressedSize: false,
    // Fonts must ship as files (never inlined data: URIs) so map font-faces can fetch them.
    assetsInlineLimit: 0,
    rolldownOptions: {
      output: {
        // Keep maplibre in its own long-cached chunk: app changes then do not bust it.
        codeSplitting: {
          groups: [{ name: 'maplibre', test: /node_modules[\\/]maplibre-gl/ }],
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: API_TARGET, changeOrigin: false },
      '/socket.io': { target: API_TARGET, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: API_TARGET },
      '/socket.io': { target: API_TARGET, ws: true },
    },
  },
});
