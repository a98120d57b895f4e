import { join } from 'node:path';
import { defineConfig } from 'vite';

// Bundles the two playground pages into docs/site/playground next to the typedoc pages. The @gd
// packages resolve as in a user's Vite project: through their published `exports` (the built
// `dist` files, no source condition), so the site exercises the browser path of the packages as
// shipped; docs/scripts/build.ts builds them first.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: {
    outDir: '../site/playground',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { index: join(import.meta.dirname, 'index.html'), classifier: join(import.meta.dirname, 'classifier.html') } },
  },
});
