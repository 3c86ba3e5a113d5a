/**
 * A small typed client for the Careleaf public API.
 *
 * Every type comes from `schema.d.ts`, which openapi-typescript generates from the API's OpenAPI
 * schema (`clients/update.sh`). The types are read from the *paths* (what `GET /api/v1/...`
 * answers), not from component names, so a renamed component does not break callers; a changed
 * path or field does, at compile time (`clients/check.sh`).
 *
 * No runtime dependency: plain `fetch`. Every call resolves (never throws for HTTP errors) to an
 * `ApiResult`: the typed body on 2xx, or the status, the API's `detail` message and, for 429 and
 * 503, how many seconds `Retry-After` asks to wait (the API exposes it to browsers through CORS).
 *
 * A path parameter that cannot name anything ("", ".", "..", "a/b", a slug outside the API's slug
 * pattern) resolves to a 404 failure without a request: encoded as it is, "." or ".." would be a dot
 * segment of the URL, and /api/v1/articles/../ is /api/v1/, whose answer is not an article.
 */
import type { components, operations, paths } from "./schema";

export type { components, operations, paths };
export type Schemas = components["schemas"];

type GetOperation<P extends keyof paths> = paths[P] extends { get: infer O } ? O : never;
type JsonBody<R> = R extends { content: { "application/json": infer T } } ? T : never;

/** The API paths whose GET answers JSON with a 200 (not sitemap.xml or feeds). */
export type JsonGetPath = {
  [P in keyof paths]: GetOperation<P> extends { responses: { 200: { content: { "application/json": unknown } } } }
    ? P
    : never;
}[keyof paths];

/** What GET `P` answers with a 200. */
export type Ok<P extends JsonGetPath> = GetOperation<P> extends { responses: { 200: infer R } } ? JsonBody<R> : never;
/** The query parameters GET `P` accepts (all optional). */
export type Query<P extends JsonGetPath> = GetOperation<P> extends { parameters: { query?: infer Q } }
  ? NonNullable<Q>
  : never;
/** The path parameters of `P` ({slug}, {token}...). */
export type PathParams<P extends JsonGetPath> = GetOperation<P> extends { parameters: { path: infer T } }
  ? T
  : never;

export type ArticleList = Ok<"/api/v1/articles/">;
export type ArticleSummary = ArticleList["results"][number];
export type ArticleDetail = Ok<"/api/v1/articles/{slug}/">;
export type ArticlePreview = Ok<"/api/v1/preview/{token}/">;
export type ClinicProfile = ArticleDetail["clinic"];
export type Section = ArticleDetail["sections"][number];
export type Reference = ArticleDetail["references"][number];
export type ContactLink = ClinicProfile["contact_links"][number];

export type ApiSuccess<T> = {
  ok: true;
  status: number;
  data: T;
  /** The response's ETag (exposed through CORS): send it back as If-None-Match. */
  etag: string | null;
  response: Response;
};

export type ApiFailure = {
  ok: false;
  /** The HTTP status; 0 when there was no answer (network error, CORS refusal, abort). */
  status: number;
  /** The API's `detail` message, or a description of what went wrong. */
  detail: string;
  /** Seconds to wait, from Retry-After (429, 503); null without one. */
  retryAfter: number | null;
  response: Response | null;
};

export type ApiResult<T> = ApiSuccess<T> | ApiFailure;

export type ClientOptions = {
  /** Where the API is, e.g. "https://api.clinic.example" (no /api/v1). */
  baseUrl: string;
  /** A fetch to use instead of the global one (tests, SSR). */
  fetch?: typeof fetch;
};

export type GetOptions<P extends JsonGetPath> = {
  path?: PathParams<P>;
  query?: Query<P>;
  signal?: AbortSignal;
  headers?: Record<string, string>;
};

/** Seconds from a Retry-After header: delta-seconds or an HTTP date; null if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const when = Date.parse(trimmed);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - now) / 1000));
}

/**
 * What each path parameter may be. A slug: the API's SLUG_PATTERN (cms/lib/lookups.py), anything
 * else is a 404 there. A preview token: Django's signing format (articles/previews.py), URL-safe
 * base64 and base62 parts joined by ":", with a leading "." when compressed.
 */
const PATH_PARAMETER_PATTERNS: Record<string, RegExp> = {
  slug: /^[-a-zA-Z0-9_]+$/,
  token: /^[-a-zA-Z0-9_.:]+$/,
};

/** Why `value` cannot be the path parameter `name`; null when it can. */
function invalidPathParameter(name: string, value: string): string | null {
  const pattern = PATH_PARAMETER_PATTERNS[name];
  // Whatever the parameter: never empty, never a dot segment (".", ".."), never a path of its own.
  const acceptable = value !== "" && !/^\.+$/.test(value) && !value.includes("/") && (!pattern || pattern.test(value));
  return acceptable ? null : `Not found: ${JSON.stringify(value)} is not a valid ${name} (no request was sent).`;
}

type BuiltPath = { ok: true; path: string } | { ok: false; detail: string };

function buildPath(template: string, params: Record<string, unknown> | undefined): BuiltPath {
  const refusals: string[] = [];
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === null) throw new Error(`Missing path parameter "${name}"`);
    const text = String(value);
    const refused = invalidPathParameter(name, text);
    if (refused !== null) refusals.push(refused);
    return encodeURIComponent(text);
  });
  const [refusal] = refusals;
  return refusal === undefined ? { ok: true, path } : { ok: false, detail: refusal };
}

function buildQuery(query: Record<string, unknown> | undefined): string {
  if (!query) return "";
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    // The API takes lists comma-separated (ordering, condition...).
    search.set(key, Array.isArray(value) ? value.map(String).join(",") : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function failureDetail(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (body && typeof body === "object" && "detail" in body && typeof body.detail === "string") {
      return body.detail;
    }
    return JSON.stringify(body);
  } catch {
    return response.statusText || `HTTP ${response.status}`;
  }
}

export function createClient(options: ClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function get<P extends JsonGetPath>(path: P, init: GetOptions<P> = {}): Promise<ApiResult<Ok<P>>> {
    const built = buildPath(path, init.path as Record<string, unknown> | undefined);
    if (!built.ok) {
      // Nothing the API could answer with a 200 for: the same 404 it gives an unknown slug.
      return { ok: false, status: 404, detail: built.detail, retryAfter: null, response: null };
    }
    const url = baseUrl + built.path + buildQuery(init.query as Record<string, unknown> | undefined);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: "GET",
        headers: { Accept: "application/json", ...init.headers },
        signal: init.signal,
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { ok: false, status: 0, detail: `No answer from the API: ${detail}`, retryAfter: null, response: null };
    }
    if (!response.ok) {
      return {
        ok: false,
        status: response.status,
        detail: await failureDetail(response),
        retryAfter: parseRetryAfter(response.headers.get("Retry-After")),
        response,
      };
    }
    const data = (await response.json()) as Ok<P>;
    return { ok: true, status: response.status, data, etag: response.headers.get("ETag"), response };
  }

  return {
    get,
    /** GET /api/v1/articles/: published articles, newest first, paginated. */
    listArticles: (query?: Query<"/api/v1/articles/">, signal?: AbortSignal) =>
      get("/api/v1/articles/", { query, signal }),
    /** GET /api/v1/articles/{slug}/: one published article; 404 if none is live. */
    getArticle: (slug: string, signal?: AbortSignal) =>
      get("/api/v1/articles/{slug}/", { path: { slug }, signal }),
    /** GET /api/v1/preview/{token}/: a saved version from a preview link; 403 with the reason if refused. */
    getPreview: (token: string, signal?: AbortSignal) =>
      get("/api/v1/preview/{token}/", { path: { token }, signal }),
  };
}

export type CareleafClient = ReturnType<typeof createClient>;
