/**
 * The guides the site must publish are there, titled, grouped and listed for typedoc, and the lessons
 * guide embeds every picture the examples write. (Static checks: no build, no browser.)
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './doc-examples.js';

const guides = join(ROOT, 'docs', 'guides');
const required = [
  'getting-started.md', 'tensors-and-views.md', 'autograd.md', 'optimizers.md', 'schedules.md', 'training.md',
  'property-testing.md', 'pytorch-cheatsheet.md', 'lessons.md', 'playground.md',
];

describe('guides', () => {
  const cfg = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as { projectDocuments: string[] };

  it.each(required)('%s exists, is listed in typedoc.json and has a title in the Guides group', (name) => {
    const path = join(guides, name);
    expect(existsSync(path), path).toBe(true);
    expect(cfg.projectDocuments).toContain(`docs/guides/${name}`);
    const front = /^---\n([\s\S]*?)\n---\n/.exec(readFileSync(path, 'utf8'));
    expect(front, `${name} starts with a front-matter block`).not.toBeNull();
    expect(front![1]).toMatch(/^title: \S/m);
    expect(front![1]).toMatch(/^group: Guides$/m);
  });

  it('every guide in docs/guides is published', () => {
    for (const name of readdirSync(guides).filter((n) => n.endsWith('.md'))) {
      expect(cfg.projectDocuments).toContain(`docs/guides/${name}`);
    }
  });

  it('the lessons guide embeds every picture an example writes, and one per lesson at least', () => {
    const lessons = readFileSync(join(guides, 'lessons.md'), 'utf8');
    const embedded = new Set([...lessons.matchAll(/\]\(\.\.\/\.\.\/examples\/out\/([^)]+)\.svg\)/g)].map((m) => m[1]!));
    const files = readdirSync(join(ROOT, 'examples')).filter((n) => /^(\d\d-.*|demo)\.ts$/.test(n));
    expect(files.length).toBe(12);
    for (const file of files) {
      const src = readFileSync(join(ROOT, 'examples', file), 'utf8');
      // literal names, and the fixed prefix of template names (`03-paths-${name}`)
      for (const m of src.matchAll(/saveSvg\(\s*['`]([^'`$]+)(\$\{)?/g)) {
        if (m[2]) expect([...embedded].some((e) => e.startsWith(m[1]!)), `${file}: ${m[1]}…`).toBe(true);
        else expect(embedded.has(m[1]!), `${file}: ${m[1]}`).toBe(true);
      }
      const prefix = file === 'demo.ts' ? 'demo' : file.slice(0, 2);
      expect([...embedded].some((e) => e.startsWith(prefix)), `a picture of ${file}`).toBe(true);
    }
  });
});
