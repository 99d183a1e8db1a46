/** `npm run build:web`: writes dist/web/{console,portal}.js and dist/web/styles.css (what the compiled API serves). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildWebApp, readWebStyles, WEB_APPS } from '../api/web/build-web';

const OUT = path.resolve(__dirname, '../dist/web');

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  for (const app of WEB_APPS) writeFileSync(path.join(OUT, `${app}.js`), await buildWebApp(app));
  writeFileSync(path.join(OUT, 'styles.css'), await readWebStyles());
  console.log(`${path.relative(process.cwd(), OUT)}: ${WEB_APPS.join(', ')} and styles.css`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
