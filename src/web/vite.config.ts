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
    // The largest chunk is date-holidays with its rules for every country (about 0.9 MB), which
    // the plan editor needs for opening hours and loads only when it opens.
    chunkSizeWarningLimit: 1000,
    rollupOptions: {
      // Libraries in chunks of their own, cached across releases of the app's own code.
      output: {
        manualChunks(id) {
          if (!id.includes('/node_modules/')) return undefined;
          if (/\/node_modules\/(react|react-dom|react-router|scheduler)\//.test(id)) return 'react';
          if (id.includes('/node_modules/@mantine/')) return 'mantine';
          if (/\/node_modules\/(@xyflow|@dagrejs)\//.test(id)) return 'graph';
          if (/\/node_modules\/(date-holidays|date-holidays-parser|astronomia|caldate|date-bengali-revised|date-chinese|date-easter|jalaali-js|moment-timezone)\//.test(id)) return 'holidays';
          return undefined;
        },
      },
      // zod's sources carry /*#__PURE__*/ notes rollup cannot place; it drops them, harmlessly.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
