import { rmSync } from 'node:fs';

interface Stoppable {
  stop(): Promise<void>;
}

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as Record<string, unknown>).__signalboxStack as { db: Stoppable; temporal: Stoppable } | undefined;
  await Promise.all([stack?.temporal.stop(), stack?.db.stop()]);
  if (process.env.SIGNALBOX_TEST_DIR && !process.env.SIGNALBOX_KEEP_TEST_DIR) rmSync(process.env.SIGNALBOX_TEST_DIR, { recursive: true, force: true });
}
