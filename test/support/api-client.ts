/** A tiny fetch wrapper for API tests: JSON in, status + headers + parsed JSON out. */
// Response bodies are checked field by field in the tests; typing them loosely keeps those checks short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = Record<string, any>;

export function apiClient(baseUrl: () => string) {
  return async function call(method: string, path: string, bearer: string | null, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as JsonBody };
  };
}
