import { packagePath } from '../../package-root.js';

/** The bundled example snapshot: the embedded default of the CLI and the service. */
export const DEFAULT_SNAPSHOT_DIR = packagePath('examples', 'healthy-aws-service');
