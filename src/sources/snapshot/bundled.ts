import { fileURLToPath } from 'node:url';

/** The bundled example snapshot: the embedded default of the CLI and the service. */
export const DEFAULT_SNAPSHOT_DIR = fileURLToPath(new URL('../../../examples/healthy-aws-service', import.meta.url));
