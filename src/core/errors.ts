/**
 * Why an analysis could not start: the request names something the model does not have,
 * or lacks what it needs. Callers map `code` to HTTP 4xx or CLI exit 2.
 */
export type AnalysisErrorCode =
  | 'endpoint_not_found'
  | 'ambiguous_id'
  | 'client_not_found'
  | 'client_invalid'
  | 'port_required'
  | 'port_invalid'
  | 'ephemeral_ports_invalid'
  | 'change_invalid';

export class AnalysisError extends Error {
  constructor(
    readonly code: AnalysisErrorCode,
    message: string,
    /** The request field at fault, for problem+json `invalid-params`. */
    readonly field?: string,
    /** Every field at fault, when there are several (a list of changes). */
    readonly invalidParams?: readonly { readonly name: string; readonly reason: string }[],
  ) {
    super(message);
    this.name = 'AnalysisError';
  }
}
