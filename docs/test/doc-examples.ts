/**
 * Extracts every ```ts fence that follows an `@example` tag in the packages' TSDoc, and turns each
 * into a module that can be type-checked and run:
 *
 * - the public exports of every @gd entry point (and `fc` from fast-check) are imported, unless the
 *   snippet imports or declares the name itself;
 * - the snippet's own imports are hoisted, the rest becomes the body of `export async function run()`;
 * - a statement with a trailing comment that starts with a literal (`x.shape; // [2, 3]`,
 *   `const s = t.sum().item(); // 21`) is checked against it (tensors by `toArray()`, numbers to 1e-4
 *   relative); `// throws` or `// TypeError: …` (any `…Error`) expects the statement to throw. Other comments (`// e.g. ...`) are prose.
 */
import ts from 'typescript';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Generated modules live in docs/.doc-examples (gitignored): `@gd/*` resolves through docs/node_modules, and vitest transforms files outside node_modules. */
// One folder per process: several test runs in the same tree must not delete each other's files.
export const GEN_DIR = join(ROOT, 'docs', '.doc-examples', String(process.pid));

/** One extracted snippet. */
export interface DocExample {
  /** `packages/tensor/src/ops/reduce.ts:120` */
  where: string;
  code: string;
  /** Path of the generated module (shared by the snippets of one source file). */
  file: string;
  /** Name of the snippet's exported function in that module. */
  fn: string;
  /** 0-based first and last line of the function in the module. */
  lines: [number, number];
  /** Number of value checks generated from trailing comments. */
  checks: number;
}

/** An entry point `@gd/x[/sub]` and its source file. */
export interface EntryPoint { specifier: string; source: string }

/** Entry points from each package.json `exports` map (`source` condition). */
export function entryPoints(): EntryPoint[] {
  const out: EntryPoint[] = [];
  for (const pkg of ['tensor', 'autograd', 'optim', 'nn']) {
    const dir = join(ROOT, 'packages', pkg);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { source?: string }> };
    for (const [sub, conds] of Object.entries(manifest.exports)) {
      if (!conds.source) continue;
      const source = join(dir, conds.source);
      if (!existsSync(source)) continue;
      out.push({ specifier: sub === '.' ? manifest.name : `${manifest.name}/${sub.replace(/^\.\//, '')}`, source });
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    if (name.isDirectory()) out.push(...sourceFiles(p));
    // `_name.ts` files are private scratch files, not part of any package's API
    else if (name.name.endsWith('.ts') && !name.name.endsWith('.test.ts') && !name.name.endsWith('.d.ts') && !name.name.startsWith('_')) out.push(p);
  }
  return out;
}

/** Every `@example` ```ts fence in packages/*\/src (test files excluded) and every ```ts fence of docs/guides/*.md, with its location. */
export function findSnippets(): { where: string; code: string; file?: string }[] {
  const found: { where: string; code: string; file?: string }[] = [];
  const seen = new Set<string>();
  for (const pkg of ['tensor', 'autograd', 'optim', 'nn']) {
    const src = join(ROOT, 'packages', pkg, 'src');
    if (!existsSync(src)) continue;
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, 'utf8');
      for (const block of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
        const lines = block[0].split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\*\/\s*$/, ''));
        let inExample = false;
        let fence: string[] | null = null;
        let fenceLine = 0;
        const blockLine = text.slice(0, block.index).split('\n').length;
        lines.forEach((line, i) => {
          if (fence) {
            if (/^\s*```/.test(line)) {
              const code = fence.join('\n');
              const key = `${file}\n${code}`;
              if (!seen.has(key)) {
                seen.add(key);
                found.push({ where: `${relative(ROOT, file)}:${blockLine + fenceLine}`, code, file });
              }
              fence = null;
            } else fence.push(line);
            return;
          }
          // a one-line form: `@example ```ts code ``` ` (typedoc warns about it too)
          const inline = /@example\s*```(?:ts|typescript)\s+(.*?)```/.exec(line);
          if (inline) {
            const key = `${file}\n${inline[1]}`;
            if (!seen.has(key)) {
              seen.add(key);
              found.push({ where: `${relative(ROOT, file)}:${blockLine + i}`, code: inline[1]!.trim(), file });
            }
            return;
          }
          if (/^\s*@example\b/.test(line)) inExample = true;
          else if (/^\s*@\w+/.test(line)) inExample = false;
          if (inExample && /^\s*```(ts|typescript)\s*$/.test(line)) { fence = []; fenceLine = i; }
        });
      }
    }
  }
  // the guides' ```ts fences (the documents the site publishes)
  const guides = join(ROOT, 'docs', 'guides');
  if (existsSync(guides)) {
    for (const name of readdirSync(guides).filter((n) => n.endsWith('.md')).sort()) {
      const text = readFileSync(join(guides, name), 'utf8');
      for (const m of text.matchAll(/^```(?:ts|typescript)\s*\n([\s\S]*?)^```/gm)) {
        found.push({ where: `docs/guides/${name}:${text.slice(0, m.index).split('\n').length}`, code: m[1]! });
      }
    }
  }
  return found;
}

// Names that cannot be imported as plain identifiers (e.g. an export aliased `var`).
const RESERVED = new Set(('break case catch class const continue debugger default delete do else enum export extends false '
  + 'finally for function if import in instanceof new null return super switch this throw true try typeof var void '
  + 'while with yield let static implements interface package private protected public await').split(' '));

/** Exported names of each entry point, read with the TypeScript checker. */
function exportedNames(eps: EntryPoint[], options: ts.CompilerOptions): Map<string, string[]> {
  const program = ts.createProgram(eps.map((e) => e.source), options);
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  for (const ep of eps) {
    const sf = program.getSourceFile(ep.source);
    const sym = sf && checker.getSymbolAtLocation(sf);
    out.set(ep.specifier, sym ? checker.getExportsOfModule(sym).map((s) => s.name).filter((n) => n !== 'default' && !RESERVED.has(n)) : []);
  }
  return out;
}

/** Parses a leading literal of a trailing comment: `[3, 2], no copy` → `[3, 2]`; prose → undefined. */
export function leadingLiteral(comment: string): string | undefined {
  const c = comment.trim();
  let lit: string | undefined;
  const num = /^-?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\b/i.exec(c);
  const str = /^'[^']*'|^"[^"]*"/.exec(c);
  const bool = /^(true|false|null)\b/.exec(c);
  if (num) lit = num[0];
  else if (str) lit = str[0];
  else if (bool) lit = bool[0];
  else if (c.startsWith('[')) {
    let depth = 0;
    for (let i = 0; i < c.length; i++) {
      if (c[i] === '[') depth++;
      else if (c[i] === ']' && --depth === 0) { lit = c.slice(0, i + 1); break; }
    }
  }
  if (lit === undefined) return undefined;
  const rest = c.slice(lit.length).trim();
  if (rest !== '' && !/^[,;(]/.test(rest) && !/^[a-z]/i.test(rest)) return undefined;
  try {
    JSON.parse(lit.replace(/'/g, '"'));
  } catch {
    return undefined;
  }
  return lit.replace(/'/g, '"');
}

function transform(code: string, where: string): { imports: string[]; body: string; declared: Set<string>; checks: number } {
  const sf = ts.createSourceFile('snippet.ts', code, ts.ScriptTarget.ES2022, true);
  const imports: string[] = [];
  const declared = new Set<string>();
  const body: string[] = [];
  let checks = 0;
  for (const st of sf.statements) {
    const text = code.slice(st.getStart(sf), st.end);
    if (ts.isImportDeclaration(st)) {
      imports.push(text);
      const clause = st.importClause;
      if (clause?.name) declared.add(clause.name.text);
      const nb = clause?.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) declared.add(nb.name.text);
      if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) declared.add(el.name.text);
      continue;
    }
    const trailing = ts.getTrailingCommentRanges(code, st.end)?.[0];
    const comment = trailing && trailing.kind === ts.SyntaxKind.SingleLineCommentTrivia ? code.slice(trailing.pos + 2, trailing.end) : undefined;
    const loc = JSON.stringify(`${where} \`${text.split('\n')[0]}\``);
    if (comment !== undefined && /^\s*(throws\b|(Type|Range|Syntax)?Error\b)/i.test(comment) && ts.isExpressionStatement(st)) {
      body.push(`__throws(() => { ${text} }, ${loc});`);
      checks++;
      continue;
    }
    const lit = comment !== undefined ? leadingLiteral(comment) : undefined;
    if (lit !== undefined && ts.isExpressionStatement(st)) {
      body.push(`__check((${code.slice(st.expression.getStart(sf), st.expression.end)}), ${lit}, ${loc});`);
      checks++;
      continue;
    }
    body.push(text);
    if (lit !== undefined && ts.isVariableStatement(st) && st.declarationList.declarations.length === 1) {
      const d = st.declarationList.declarations[0]!;
      if (ts.isIdentifier(d.name)) {
        body.push(`__check(${d.name.text}, ${lit}, ${loc});`);
        checks++;
      }
    }
  }
  return { imports, body: body.join('\n'), declared, checks };
}

const CHECK_HELPERS = `
function __norm(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as { toArray?: unknown }).toArray === 'function') return (v as { toArray(): unknown }).toArray();
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}
function __same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => __same(__norm(x), b[i]));
  return a === b;
}
function __check(value: unknown, expected: unknown, where: string): void {
  const got = __norm(value);
  if (!__same(got, expected)) throw new Error(where + ': expected ' + JSON.stringify(expected) + ', got ' + JSON.stringify(got));
}
function __throws(fn: () => void, where: string): void {
  try { fn(); } catch { return; }
  throw new Error(where + ': expected an error, none was thrown');
}
`;

/** Names an import declaration binds. */
function importBindings(stmt: string): string[] {
  const sf = ts.createSourceFile('i.ts', stmt, ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st)) continue;
    const c = st.importClause;
    if (c?.name) out.push(c.name.text);
    const nb = c?.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) out.push(nb.name.text);
    if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) out.push(el.name.text);
  }
  return out;
}

/**
 * Writes the snippets into {@link GEN_DIR}, one module per source file (each snippet its own
 * exported function, so one failing snippet does not hide another); a snippet whose imports clash
 * with the module's gets a module of its own. Returns one entry per snippet.
 */
export function generate(options: ts.CompilerOptions): DocExample[] {
  const eps = entryPoints();
  const names = exportedNames(eps, options);
  rmSync(GEN_DIR, { recursive: true, force: true });
  mkdirSync(GEN_DIR, { recursive: true });
  const snippets = findSnippets();
  // An example on a function its package does not re-export may use the names its own module exports.
  const ownFiles = [...new Set(snippets.map((sn) => sn.file).filter((f): f is string => f !== undefined))];
  const own = exportedNames(ownFiles.map((f) => ({ specifier: f, source: f })), options);

  interface Part { where: string; code: string; body: string; checks: number }
  interface Group { source: string | undefined; key: string; imports: string[]; bound: Map<string, string>; parts: Part[] }
  const groups: Group[] = [];
  const open = new Map<string, Group>();
  for (const { where, code, file: source } of snippets) {
    const key = source ?? where.replace(/:\d+$/, '');
    const t = transform(code, where);
    let g = open.get(key);
    const clashes = (grp: Group) => t.imports.some((imp) => importBindings(imp).some((n) => grp.bound.has(n) && grp.bound.get(n) !== imp));
    if (!g || clashes(g)) {
      g = { source, key, imports: [], bound: new Map(), parts: [] };
      groups.push(g);
      open.set(key, g);
    }
    for (const imp of t.imports) {
      if (!g.imports.includes(imp)) g.imports.push(imp);
      for (const n of importBindings(imp)) g.bound.set(n, imp);
    }
    g.parts.push({ where, code, body: t.body, checks: t.checks });
  }

  const out: DocExample[] = [];
  groups.forEach((g, gi) => {
    const file = join(GEN_DIR, `m${String(gi).padStart(3, '0')}.ts`);
    const taken = new Set(g.bound.keys());
    const prelude: string[] = [];
    const lists: [string, string[]][] = [...names];
    if (g.source) {
      let rel = relative(GEN_DIR, g.source).replace(/\\/g, '/').replace(/\.ts$/, '.js');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      lists.push([rel, own.get(g.source) ?? []]);
    }
    for (const [spec, list] of lists) {
      const mine = list.filter((n) => !taken.has(n));
      mine.forEach((n) => taken.add(n));
      if (mine.length > 0) prelude.push(`import { ${mine.join(', ')} } from '${spec}';`);
    }
    if (!taken.has('fc')) prelude.push(`import fc from 'fast-check';`);
    const lines: string[] = [`// ${g.key}`, '/* eslint-disable */', ...prelude, ...g.imports, ...CHECK_HELPERS.split('\n')];
    g.parts.forEach((part, k) => {
      const fn = `run${k}`;
      lines.push(`// ${part.where}`, `export async function ${fn}(): Promise<void> {`);
      const firstLine = lines.length;
      lines.push(...part.body.split('\n'), '}');
      out.push({ where: part.where, code: part.code, file, fn, lines: [firstLine, lines.length - 1], checks: part.checks });
    });
    writeFileSync(file, lines.join('\n') + '\n');
  });
  return out;
}

/** Compiler options: the repo's strict settings, resolving @gd/* to their TypeScript sources. */
export function compilerOptions(): ts.CompilerOptions {
  const cfgPath = join(ROOT, 'tsconfig.base.json');
  const cfg = ts.readConfigFile(cfgPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, ROOT);
  return {
    ...parsed.options,
    noEmit: true, composite: false, declaration: false, declarationMap: false, sourceMap: false,
    customConditions: ['source'], noUnusedLocals: false, allowUnreachableCode: true,
  };
}

/**
 * Type-checks the generated modules; returns the diagnostics of each snippet (keyed by `where`).
 * A diagnostic outside every snippet's function (in the shared imports) is given to all of the
 * module's snippets.
 */
export function typeCheck(examples: DocExample[], options: ts.CompilerOptions): Map<string, string[]> {
  const files = [...new Set(examples.map((e) => e.file))];
  const program = ts.createProgram(files, options);
  const out = new Map<string, string[]>(examples.map((e) => [e.where, []]));
  for (const file of files) {
    const sf = program.getSourceFile(file);
    const diags = sf ? [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)] : [];
    const mine = examples.filter((e) => e.file === file);
    for (const d of diags) {
      const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const line = pos && d.file ? d.file.text.split('\n')[pos.line]?.trim() : '';
      const msg = `${ts.flattenDiagnosticMessageText(d.messageText, '\n')}${line ? `  at: ${line}` : ''}`;
      const owners = pos ? mine.filter((e) => pos.line >= e.lines[0] && pos.line <= e.lines[1]) : [];
      for (const e of owners.length > 0 ? owners : mine) out.get(e.where)!.push(msg);
    }
  }
  return out;
}
