// The web console: a React single-page app, built to web/dist and served by the node
// at `/` (same origin as the API). `npm run build:web` builds it; for development,
// `npx vite web` (or `npx vite preview web` after a build) proxies /v1 to a node.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
// The node the dev server and the preview proxy to (LIAISON_NODE, default the demo's JP node).
const target = process.env.LIAISON_NODE ?? 'http://127.0.0.1:8601';
const proxy = { '/v1': { target, ws: true, changeOrigin: true } };

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The node serves web/dist to anyone who asks (before sign-in): no source maps.
    sourcemap: false,
    target: 'es2022',
    // React DOM alone is most of it; one file keeps the CSP and the static serving simple.
    chunkSizeWarningLimit: 800,
  },
  server: { proxy, fs: { allow: ['..'] } },
  preview: { proxy },
});
