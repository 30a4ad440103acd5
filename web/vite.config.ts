import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { compression } from 'vite-plugin-compression2';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * The splash in each index.html paints at once on a slow network: a stylesheet in <head> would hold
 * back the first paint until it arrives, so the built pages load their styles at the end of <body>
 * (the splash before them paints; the app's script still waits for them, so no unstyled flash).
 */
const stylesAfterSplash = (): Plugin => ({
  name: 'safeguard:styles-after-splash',
  apply: 'build',
  transformIndexHtml: {
    order: 'post',
    handler(html) {
      const links: string[] = [];
      const rest = html.replace(/\s*<link rel="stylesheet"[^>]*>/g, (tag) => {
        links.push(tag.trim());
        return '';
      });
      return rest.replace('</body>', `${links.map((l) => `  ${l}\n`).join('')}  </body>`);
    },
  },
});

// Four apps, one build: / visitor, /staff/, /kiosk/, /admin/
export default defineConfig({
  root,
  base: '/',
  plugins: [
    vue(),
    // admin: each page pulls in only the Element Plus components (and their CSS) it uses, instead
    // of the whole library in the entry chunk; the Vant apps are unaffected (no El* tags)
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false, dirs: [] }),
    // precompressed .br/.gz next to every asset: the server sends them as they are (preCompressed)
    stylesAfterSplash(),
    compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 1024, logLevel: 'silent' }),
  ],
  resolve: { alias: { '@shared': path.join(root, 'src/shared'), '@contracts': path.join(root, '../contracts') } },
  build: {
    outDir: path.join(root, '../dist/web'),
    emptyOutDir: true,
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
