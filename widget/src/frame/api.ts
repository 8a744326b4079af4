// The widget API over fetch (section 4): the frame token on every call, the visitor token
// on visitor calls, errors as ApiError (status 0 when the network failed).
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
  get offline(): boolean {
    return this.status === 0;
  }
}

export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

export type FetchFn = typeof fetch;

export class Api {
  visitorToken: string | null = null;

  constructor(
    readonly base: string,
    private readonly token: string,
    private readonly fetchFn: FetchFn = (input, init) => fetch(input, init),
  ) {}

  private headers(json: boolean): Record<string, string> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    if (this.visitorToken) headers["X-Visitor-Token"] = this.visitorToken;
    if (json) headers["Content-Type"] = "application/json";
    return headers;
  }

  /** One call; the Response when it is 2xx, else an ApiError. */
  async call(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchFn(this.base + path, {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? null : JSON.stringify(body),
        credentials: "omit",
        signal: signal ?? null,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new ApiError(0, "offline", "network error");
    }
    if (!response.ok) throw await toError(response);
    return response;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.call(method, path, body);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}

async function toError(response: Response): Promise<ApiError> {
  let code = "http_" + String(response.status);
  let message = response.statusText || code;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    /* not JSON */
  }
  return new ApiError(
    response.status,
    code,
    message,
    parseRetryAfter(response.headers.get("Retry-After")),
  );
}
