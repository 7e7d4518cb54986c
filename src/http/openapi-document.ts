import { loadConfig } from '../config.js';
import { Doctor, snapshotSource } from '../doctor.js';
import { createMetrics } from '../metrics/registry.js';
import { buildApp } from './app.js';

/** The OpenAPI document as the code generates it, with the default configuration. */
export async function generateOpenApiDocument(): Promise<string> {
  const config = loadConfig({});
  const metrics = createMetrics({ modelLoadedAt: () => undefined, defaultMetrics: false });
  const doctor = new Doctor(snapshotSource(config.snapshotDir), { cacheTtlMs: 1000, cacheMaxEntries: 1 });
  const app = await buildApp({ doctor, config, metrics });
  await app.ready();
  try {
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
