import { analyze, type AnalysisRequest } from './core/analyze.js';
import { listInterfaceEndpoints, type EndpointSummary } from './core/inventory.js';
import type { NetworkModel } from './core/model.js';
import type { Report } from './core/report.js';
import { readSnapshot } from './sources/snapshot/read.js';

/** Where the model comes from: a snapshot directory now, live AWS later. */
export interface ModelSource {
  readonly description: string;
  load(): Promise<NetworkModel>;
}

export function snapshotSource(dir: string): ModelSource {
  return { description: `snapshot ${dir}`, load: () => readSnapshot(dir) };
}

/**
 * The one place where source -> model -> analysis -> report runs, for the CLI and the
 * HTTP service alike.
 */
export class Doctor {
  constructor(private readonly source: ModelSource) {}

  loadModel(): Promise<NetworkModel> {
    return this.source.load();
  }

  async analyze(request: AnalysisRequest): Promise<Report> {
    return analyze(await this.loadModel(), request);
  }

  async listEndpoints(): Promise<EndpointSummary[]> {
    return listInterfaceEndpoints(await this.loadModel());
  }
}
