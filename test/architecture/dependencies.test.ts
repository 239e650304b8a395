// The rules of dependency from DESIGN.md, checked by reading import lines:
// api → analysis → actors → execution → storage (a layer imports only itself and layers to its
// right); machines/ imports only src/protocol and error types; protocol/, observability/ and
// api/errors.ts are leaves (type-only imports aside, which vanish at run time).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

interface Import {
  readonly target: string;
  readonly typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: Import[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const spec = m[3] as string;
    if (!spec.startsWith('.')) continue;
    out.push({ target: relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts'), typeOnly: m[2] !== undefined });
  }
  return out;
}

const LEAVES = ['src/protocol/', 'src/observability/', 'src/api/errors.ts'];
const isLeaf = (p: string): boolean => LEAVES.some((l) => p.startsWith(l));

function layer(p: string): number | null {
  if (isLeaf(p)) return null;
  if (p.startsWith('src/api/') || p === 'src/index.ts' || p.startsWith('src/cli/')) return 0;
  if (p.startsWith('src/analysis/')) return 1;
  if (p.startsWith('actors/') || p.startsWith('src/plugins/')) return 2;
  if (p.startsWith('src/execution/') || p.startsWith('src/concurrency/')) return 3;
  if (p.startsWith('src/storage/')) return 4;
  return null;
}

const all = [...files('src'), ...files('actors'), ...files('machines')];

describe('rules of dependency', () => {
  it('finds the source files', () => {
    expect(all.length).toBeGreaterThan(20);
    // The reader itself must see real imports, or every rule below would pass vacuously.
    expect(importsOf('src/api/database.ts').map((i) => i.target)).toContain('actors/system.ts');
    expect(importsOf('actors/session.ts').some((i) => i.typeOnly)).toBe(true);
  });

  it('layers import only themselves and the layers to their right', () => {
    const bad: string[] = [];
    for (const f of all) {
      const from = layer(f);
      if (from === null) continue;
      for (const imp of importsOf(f)) {
        if (imp.typeOnly || isLeaf(imp.target) || imp.target.startsWith('machines/')) continue;
        if (imp.target === 'src/storage/ports.ts') continue;
        const to = layer(imp.target);
        if (to !== null && to < from) bad.push(`${f} → ${imp.target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('machines import only machines, src/protocol and error types', () => {
    const bad: string[] = [];
    for (const f of all.filter((p) => p.startsWith('machines/'))) {
      for (const imp of importsOf(f)) {
        const ok =
          imp.target.startsWith('machines/') || imp.target.startsWith('src/protocol/') || imp.target === 'src/api/errors.ts';
        if (!ok) bad.push(`${f} → ${imp.target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('leaves import only leaves (or types)', () => {
    const bad: string[] = [];
    for (const f of all.filter(isLeaf)) {
      for (const imp of importsOf(f)) {
        if (!imp.typeOnly && !isLeaf(imp.target)) bad.push(`${f} → ${imp.target}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('execution reaches storage only through ports.ts and key helpers', () => {
    const bad: string[] = [];
    for (const f of all.filter((p) => p.startsWith('src/execution/'))) {
      for (const imp of importsOf(f)) {
        if (imp.typeOnly) continue;
        if (imp.target.startsWith('src/storage/') && imp.target !== 'src/storage/ports.ts' && imp.target !== 'src/storage/key-order.ts') {
          bad.push(`${f} → ${imp.target}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
