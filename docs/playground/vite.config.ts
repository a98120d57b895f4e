import { defineConfig } from 'vite';

// Bundles the playground with the @gd packages taken from their TypeScript sources (`source`
// export condition), into docs/site/playground next to the typedoc pages.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  resolve: { conditions: ['source', 'module', 'browser', 'development|production'] },
  build: { outDir: '../site/playground', emptyOutDir: true, target: 'es2022' },
});
