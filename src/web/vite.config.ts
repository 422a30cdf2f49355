import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The admin web app: sources here, built into dist/web, served by src/http/webApp.ts at /app/.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    // dist/web is outside the root: vite only empties it when told to.
    emptyOutDir: true,
    // One admin app with a graph library and the shared plan schema; a large chunk is expected.
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // zod's sources carry /*#__PURE__*/ notes rollup cannot place; it drops them, harmlessly.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
