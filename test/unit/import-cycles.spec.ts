import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..', '..');
const folders = ['api', 'activities', 'cli', 'core', 'worker', 'workflows'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const inFolder = (folder: string, file: string) => relative(root, file).startsWith(`${folder}/`);

/**
 * Relative imports of a file (value and type imports alike), resolved to files. One kind of edge
 * is left out: workflows import their activities' types (Temporal's pattern; the workflow lint
 * allows nothing else from activities/), erased at compile time, while the code that starts those
 * workflows imports them by value, so the two directions meet only in types.
 */
function importsOf(file: string): string[] {
  const specs = [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s+|\bimport\s+)['"](\.{1,2}(?:\/[^'"]*)?)['"]/g)].map((m) => m[1]);
  return specs.flatMap((spec) => {
    const base = resolve(dirname(file), spec);
    const found = [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate));
    if (!found || (inFolder('workflows', file) && inFolder('activities', found))) return [];
    return [found];
  });
}

/** Every cycle found by a depth-first walk, as the chain of files that closes it. */
function findCycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  const visit = (file: string, path: string[]): void => {
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), file, next].map((f) => relative(root, f)));
      else if (!state.has(next)) visit(next, [...path, file]);
    }
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file, []);
  return cycles;
}

describe('module graph', () => {
  it('has no import cycles (a module that needs a piece of another gets it from a third)', () => {
    const files = folders.flatMap((folder) => sourceFiles(join(root, folder)));
    expect(files.length).toBeGreaterThan(50);
    expect(findCycles(files)).toEqual([]);
  });
});
