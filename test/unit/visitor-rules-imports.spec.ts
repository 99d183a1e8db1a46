import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..', '..');
const rulesDir = join(root, 'core', 'visitors', 'rules');

interface Import {
  spec: string;
  /** Erased at compile time: `import type …`, or braces holding only `type X` specifiers. */
  typeOnly: boolean;
}

/** Every import and re-export of a file, with whether it is type-only. */
function importsOf(file: string): Import[] {
  const code = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?([\s\S]*?)\s*from\s+['"]([^'"]+)['"]/gm)) {
    const clause = m[3].trim();
    const braces = /^\{([\s\S]*)\}$/.exec(clause);
    const allTypes = braces !== null && braces[1].split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '));
    found.push({ spec: m[4], typeOnly: m[2] !== undefined || allTypes });
  }
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push({ spec: m[1], typeOnly: false });
  for (const m of code.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ spec: m[1], typeOnly: false });
  return found;
}

function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate)) ?? null;
}

/** Files the rules load at run time: the rules folder and everything it imports by value, transitively. */
function runtimeClosure(): { files: Set<string>; packages: Map<string, string> } {
  const start = readdirSync(rulesDir).filter((f) => f.endsWith('.ts')).map((f) => join(rulesDir, f));
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const { spec, typeOnly } of importsOf(file)) {
      if (typeOnly) continue;
      if (!spec.startsWith('.')) {
        packages.set(spec, relative(root, file));
        continue;
      }
      const target = resolveRelative(file, spec);
      if (target) queue.push(target);
    }
  }
  return { files, packages };
}

const BANNED_PACKAGES = [/^mongoose$/, /^mongodb$/, /^@temporalio\//, /^fast-geoip$/, /^undici$/, /^pino/, /^(node:)?(fs|net|http|https|dns|child_process)(\/|$)/];
const BANNED_FILES = [/\.repository\.ts$/, /\.model\.ts$/, /^core\/platform\/(deps|db|temporal\/)/, /^core\/events\/emit-event\.ts$/, /^core\/visitors\/(geo|apply-effects|apply-visitor-events)\.ts$/, /^workflows\//, /^activities\//];

describe('visitor rules are pure (core/visitors/rules/)', () => {
  const { files, packages } = runtimeClosure();

  it('load no repository, model, database, Temporal or I/O module at run time', () => {
    expect(files.size).toBeGreaterThan(8);
    const loaded = [...files].map((f) => relative(root, f));
    expect(loaded.filter((f) => BANNED_FILES.some((re) => re.test(f)))).toEqual([]);
    expect([...packages].filter(([pkg]) => BANNED_PACKAGES.some((re) => re.test(pkg)))).toEqual([]);
  });

  it('name no repository or shell module, not even for a type, and models only as types', () => {
    const offending = readdirSync(rulesDir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        importsOf(join(rulesDir, f))
          .filter(({ spec, typeOnly }) => /\.repository$|apply-effects$|apply-visitor-events$|^mongoose$|^mongodb$|^@temporalio\//.test(spec) || (/\.model$/.test(spec) && !typeOnly))
          .map(({ spec }) => `${f}: ${spec}`),
      );
    expect(offending).toEqual([]);
  });

  it('the check sees what it must refuse', () => {
    // The parser recognises value and type imports the way the rules folder writes them.
    const sample = join(rulesDir, 'effects.ts');
    expect(importsOf(sample).some((i) => i.spec === '../visitor.model' && i.typeOnly)).toBe(true);
    const decide = importsOf(join(rulesDir, 'decide.ts'));
    expect(decide.some((i) => i.spec === './decide-identify' && !i.typeOnly)).toBe(true);
    expect(files.has(join(root, 'core', 'visitors', 'sessions.ts'))).toBe(true);
  });
});
