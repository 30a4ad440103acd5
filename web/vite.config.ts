import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

// Four apps, one build: / visitor, /staff/, /kiosk/, /admin/
export default defineConfig({
  root,
  base: '/',
  plugins: [vue()],
  resolve: { alias: { '@shared': path.join(root, 'src/shared'), '@contracts': path.join(root, '../contracts') } },
  build: {
    outDir: path.join(root, '../dist/web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: {
        visitor: path.join(root, 'index.html'),
        staff: path.join(root, 'staff/index.html'),
        kiosk: path.join(root, 'kiosk/index.html'),
        admin: path.join(root, 'admin/index.html'),
      },
    },
  },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
