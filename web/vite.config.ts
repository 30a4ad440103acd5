import { defineConfig, type Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { compression } from 'vite-plugin-compression2';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * One splash for the four apps: web/splash.html's <style> goes at the end of each index.html's
 * <head> and its markup into <div id="app"> (which the app replaces when it mounts). In dev too.
 */
const splash = (): Plugin => ({
  name: 'safeguard:splash',
  transformIndexHtml: {
    order: 'pre',
    handler(html, { filename }) {
      const snippet = fs.readFileSync(path.join(root, 'splash.html'), 'utf8').replace(/<!--[\s\S]*?-->\s*/g, '');
      const style = snippet.match(/<style>[\s\S]*?<\/style>/)?.[0];
      const markup = snippet.replace(/<style>[\s\S]*?<\/style>/, '').trim();
      const app = /<div id="app">[\s\S]*?<\/div>/;
      if (!style || !markup || !app.test(html)) throw new Error(`splash: ${path.relative(root, filename)} needs <div id="app"></div> and splash.html a <style> and markup`);
      return html.replace('</head>', `  ${style}\n  </head>`).replace(app, `<div id="app">${markup}</div>`);
    },
  },
});

/**
 * The splash (splash()) paints at once on a slow network: a stylesheet in <head> would hold
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
    splash(),
    stylesAfterSplash(),
    // precompressed .br/.gz next to every asset: the server sends them as they are (preCompressed)
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
