import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/**
 * Structure checks that fail `npm test`: no import cycle (type-only imports count: ownership
 * points one way), no source file over 400 lines, no export that nothing uses.
 * The allowlists name today's violators; whoever fixes one removes its entry (a stale entry
 * fails too, so the lists only shrink).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const DIRS = ['core', 'plugins', 'transports', 'eventhandlers', 'examples', 'bench', 'test'];
const MAX_LINES = 400;

/** Files in an import cycle today, per owner. */
const CYCLE_ALLOW = new Set<string>([]);

/** Longer than MAX_LINES because a table or generated list makes them so (the reason stays here). */
const LONG_BY_NATURE: Record<string, string> = {};

/** Longer than MAX_LINES today, to be split by their owners. */
const LONG_TODAY = new Set<string>([]);

/** Exported, imported nowhere and unused in their own file, today. */
const DEAD_TODAY = new Set<string>([]);

/** Everything these export is the public API (`janus-ts`, `janus-ts/plugin-api`): used by definition. */
const PUBLIC = ['core/index.ts', 'core/plugin-api/index.ts'];

interface SourceFile {
  rel: string;
  lines: number;
  /** Relative imports: target file and the names taken (`*` for all, `default`). */
  imports: { to: string; names: string[] }[];
  /** Package imports (`werift`, `node:fs`, ...). */
  packages: string[];
  /** `export * from` targets. */
  reexportAll: string[];
  /** Names this file declares and exports itself. */
  exported: string[];
  /** How often each identifier appears in the file (declaration included). */
  idCount: Map<string, number>;
}

function listFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of DIRS) if (fs.existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  return out;
}

function resolveImport(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base + '.ts', path.join(base, 'index.ts'), base.replace(/\.js$/, '.ts')]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return path.relative(ROOT, c);
  }
  return undefined;
}

const hasExport = (n: ts.Node) => ts.canHaveModifiers(n) && !!ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

function parse(file: string): SourceFile {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const f: SourceFile = { rel: path.relative(ROOT, file), lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), imports: [], packages: [], reexportAll: [], exported: [], idCount: new Map() };
  const addImport = (spec: string, names: string[]) => {
    if (!spec.startsWith('.')) {
      f.packages.push(spec);
      return;
    }
    const to = resolveImport(file, spec);
    if (to) f.imports.push({ to, names });
  };
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const c = st.importClause;
      const names: string[] = [];
      if (c?.name) names.push('default');
      if (c?.namedBindings && ts.isNamespaceImport(c.namedBindings)) names.push('*');
      if (c?.namedBindings && ts.isNamedImports(c.namedBindings)) for (const e of c.namedBindings.elements) names.push((e.propertyName ?? e.name).text);
      addImport(st.moduleSpecifier.text, names);
    } else if (ts.isExportDeclaration(st)) {
      if (st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
        if (!st.exportClause) {
          const to = resolveImport(file, st.moduleSpecifier.text);
          if (to) {
            f.reexportAll.push(to);
            f.imports.push({ to, names: [] });
          }
        } else if (ts.isNamedExports(st.exportClause)) {
          addImport(st.moduleSpecifier.text, st.exportClause.elements.map((e) => (e.propertyName ?? e.name).text));
          for (const e of st.exportClause.elements) f.exported.push(e.name.text);
        }
      } else if (st.exportClause && ts.isNamedExports(st.exportClause)) {
        for (const e of st.exportClause.elements) f.exported.push(e.name.text);
      }
    } else if (hasExport(st)) {
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) f.exported.push(d.name.text);
      } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && st.name) {
        const isDefault = ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
        if (!isDefault) f.exported.push(st.name.text);
      }
    }
  }
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n)) f.idCount.set(n.text, (f.idCount.get(n.text) ?? 0) + 1);
    // import('./x') and require('./x'): everything of x counts as used
    if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0])
      && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) {
      addImport(n.arguments[0].text, ['*']);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return f;
}

const files = new Map<string, SourceFile>();
for (const p of listFiles()) {
  const f = parse(p);
  files.set(f.rel, f);
}

/** Strongly connected components of the import graph with more than one file (or a self-import). */
function cycles(): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    const deps = files.get(v)!.imports.map((i) => i.to).filter((t) => files.has(t));
    for (const w of deps) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || deps.includes(v)) out.push(scc.sort());
    }
  };
  for (const v of files.keys()) if (!index.has(v)) strong(v);
  return out;
}

/** Exports nothing imports and their own file does not use. */
function deadExports(): string[] {
  const used = new Set<string>();
  const markAll = (rel: string, seen = new Set<string>()): void => {
    const f = files.get(rel);
    if (!f || seen.has(rel)) return;
    seen.add(rel);
    for (const n of f.exported) used.add(`${rel}: ${n}`);
    for (const t of f.reexportAll) markAll(t, seen);
  };
  const mark = (rel: string, name: string, seen = new Set<string>()): void => {
    const f = files.get(rel);
    if (!f || seen.has(rel)) return;
    seen.add(rel);
    if (f.exported.includes(name)) used.add(`${rel}: ${name}`);
    else for (const t of f.reexportAll) mark(t, name, seen);
  };
  for (const p of PUBLIC) markAll(p);
  for (const f of files.values()) {
    for (const imp of f.imports) for (const n of imp.names) (n === '*' ? markAll(imp.to) : mark(imp.to, n));
  }
  const dead: string[] = [];
  for (const f of files.values()) {
    for (const n of f.exported) {
      const key = `${f.rel}: ${n}`;
      if (!used.has(key) && (f.idCount.get(n) ?? 0) <= 1) dead.push(key);
    }
  }
  return dead.sort();
}

describe('Codebase structure', () => {
  it('has no import cycle (type-only imports included) outside the allowlist', () => {
    const found = cycles();
    const inCycle = new Set(found.flat());
    const fresh = found.filter((c) => c.some((f) => !CYCLE_ALLOW.has(f)));
    assert.deepEqual(fresh, [], `new import cycle(s):\n${fresh.map((c) => '  ' + c.join(' <-> ')).join('\n')}`);
    const stale = [...CYCLE_ALLOW].filter((f) => !inCycle.has(f));
    assert.deepEqual(stale, [], 'no longer in a cycle: remove from CYCLE_ALLOW in test/codebase.spec.ts');
  });

  it(`has no source file over ${MAX_LINES} lines outside the allowlists`, () => {
    const long = [...files.values()].filter((f) => f.lines > MAX_LINES).map((f) => f.rel);
    const fresh = long.filter((f) => !LONG_TODAY.has(f) && !(f in LONG_BY_NATURE)).map((f) => `${f} (${files.get(f)!.lines} lines)`);
    assert.deepEqual(fresh, [], 'split these files (or justify them in LONG_BY_NATURE)');
    const stale = [...LONG_TODAY, ...Object.keys(LONG_BY_NATURE)].filter((f) => !long.includes(f));
    assert.deepEqual(stale, [], `no longer over ${MAX_LINES} lines (or gone): remove from the allowlist in test/codebase.spec.ts`);
  });

  it('has no dead export outside the allowlist', () => {
    const dead = deadExports();
    const fresh = dead.filter((d) => !DEAD_TODAY.has(d));
    assert.deepEqual(fresh, [], 'exported, imported nowhere and unused in its own file: delete it');
    const stale = [...DEAD_TODAY].filter((d) => !dead.includes(d));
    assert.deepEqual(stale, [], 'now used or gone: remove from DEAD_TODAY in test/codebase.spec.ts');
  });

  it('modules (plugins, transports, event handlers, examples) import only the plugin API of the core, never werift', () => {
    const bad: string[] = [];
    for (const f of files.values()) {
      if (!/^(plugins|transports|eventhandlers|examples)\//.test(f.rel)) continue;
      for (const imp of f.imports) if (imp.to.startsWith('core/') && !imp.to.startsWith('core/plugin-api/')) bad.push(`${f.rel} -> ${imp.to}`);
      for (const p of f.packages) if (p === 'werift' || p.startsWith('werift/')) bad.push(`${f.rel} -> ${p}`);
    }
    assert.deepEqual(bad, []);
  });

  it('sees the whole tree (the checks cannot pass by reading nothing)', () => {
    assert.ok(files.size > 200, `only ${files.size} files found under ${ROOT}`);
    assert.ok(files.get('core/plugin-api/index.ts')!.reexportAll.length > 5);
    assert.ok(cycles().length > 0 || CYCLE_ALLOW.size === 0);
  });
});
