/**
 * The service's API as the page calls it: same origin, the bearer token from the token field
 * (kept in sessionStorage only), and every problem+json answer turned into a readable message.
 */

const TOKEN_KEY = 'vpce-doctor.token';

export function savedToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function saveToken(token: string): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** A problem the API answered (RFC 9457), or a failure to reach it. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly invalidParams: readonly { name: string; reason: string }[],
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export async function callApi<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  if (!path.startsWith('/v1/')) throw new Error('the page calls the /v1 API only');
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  const token = savedToken();
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  } catch (error) {
    throw new ApiProblem(0, 'The service cannot be reached', (error as Error).message, []);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const problem = (body ?? {}) as { title?: unknown; detail?: unknown; 'invalid-params'?: unknown };
    const invalid = Array.isArray(problem['invalid-params']) ? (problem['invalid-params'] as { name: string; reason: string }[]) : [];
    throw new ApiProblem(
      response.status,
      typeof problem.title === 'string' ? problem.title : `HTTP ${response.status}`,
      typeof problem.detail === 'string' ? problem.detail : undefined,
      invalid.filter((item) => typeof item?.name === 'string' && typeof item?.reason === 'string'),
    );
  }
  return body as T;
}
