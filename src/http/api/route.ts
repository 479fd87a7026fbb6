import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { findHostileJson, type ApiScope } from '../../domain/index.ts';
import { currentTraceId } from '../../observability/log-context.ts';
import type { RequestMeta } from '../../services/deps.ts';
import type { TokenSummary } from '../../services/api-token-service.ts';
import { ApiError } from './errors.ts';

export interface AuthContext {
  readonly token: TokenSummary;
  readonly teamId: string;
  /** The Slack user the token acts for. */
  readonly userId: string;
  readonly meta: RequestMeta;
}

export interface HandlerContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly auth: AuthContext;
  readonly req: IncomingMessage;
}

export interface HandlerResult<R> {
  readonly status?: number;
  readonly body: R;
  readonly headers?: Record<string, string>;
}

/** One endpoint: its schemas (validation and the OpenAPI document) and its handler. */
export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Express-style path, e.g. /api/v1/submissions/:id */
  readonly path: string;
  readonly summary: string;
  /** Any one of these scopes admits the caller; null means no token is needed. */
  readonly scopes: readonly ApiScope[] | null;
  readonly params: z.ZodType;
  readonly query: z.ZodType;
  /** 'json' bodies are parsed as JSON; 'json-or-yaml' also accepts YAML text (handed over as a string). */
  readonly body: { readonly schema: z.ZodType; readonly kind: 'json' | 'json-or-yaml' } | null;
  readonly status: number;
  readonly response: z.ZodType;
  readonly headers?: Readonly<Record<string, string>>;
  readonly errors: readonly number[];
  readonly handle: (ctx: HandlerContext<unknown, unknown, unknown>) => Promise<HandlerResult<unknown>>;
}

// Strict: a query parameter an operation does not take is refused by name, not silently ignored.
const noParams = z.object({}).strict();

/** Declares a route with handler types inferred from its schemas. */
export function defineRoute<P extends z.ZodType = typeof noParams, Q extends z.ZodType = typeof noParams, B extends z.ZodType = typeof noParams, R extends z.ZodType = z.ZodType>(def: {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  summary: string;
  scopes: readonly ApiScope[] | null;
  params?: P;
  query?: Q;
  body?: { schema: B; kind: 'json' | 'json-or-yaml' };
  status?: number;
  response: R;
  headers?: Record<string, string>;
  errors?: number[];
  handle: (ctx: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<HandlerResult<z.input<R>>>;
}): ApiRoute {
  return {
    method: def.method,
    path: def.path,
    summary: def.summary,
    scopes: def.scopes,
    params: def.params ?? noParams,
    query: def.query ?? noParams,
    body: def.body ?? null,
    status: def.status ?? 200,
    response: def.response,
    ...(def.headers ? { headers: def.headers } : {}),
    errors: def.errors ?? [],
    handle: def.handle as ApiRoute['handle'],
  };
}

export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(':')) {
      if (!g) return null;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        // Not UTF-8 once decoded (a lone surrogate, a cut escape): kept as sent, so validation names the parameter.
        params[w.slice(1)] = g;
      }
    } else if (w !== g) return null;
  }
  return params;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function readBody(req: IncomingMessage, kind: 'json' | 'json-or-yaml'): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'payload_too_large', `The request body must be at most ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (kind === 'json-or-yaml' && /(^|\/|\+)(x-)?yaml$|^text\/plain$/.test(type)) return text;
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new ApiError(415, 'unsupported_media_type', kind === 'json' ? 'Send the body as application/json.' : 'Send the body as application/json or application/yaml.');
  }
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'invalid_input', `The body is not valid JSON: ${(error as Error).message}`, { body: 'not valid JSON' });
  }
  return parsed;
}

/** Refuses, naming where it is, what no field of ours may hold: see findHostileJson. */
export function refuseHostile(value: unknown, where: string): void {
  const hostile = findHostileJson(value);
  if (!hostile) return;
  const field = hostile.path.map(String).join('.') || where;
  throw new ApiError(400, 'invalid_input', `Invalid ${where}: ${field} ${hostile.problem}`, { [field]: hostile.problem });
}

/** Path, query or body checked for what no field may hold, then against its schema: a 400 with one line per problem. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  refuseHostile(value, where);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues.flatMap(closestIssues)) {
    const at = issue.path.map(String);
    // An unknown member is named itself: `fields.colour`, not `fields: Unrecognized key`.
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) fields[[...at, key].join('.')] ??= `is not ${where === 'query' ? 'a parameter' : 'a member'} this operation takes`;
    else fields[at.join('.') || where] ??= issue.message;
  }
  throw new ApiError(400, 'invalid_input', `Invalid ${where}: ${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('; ')}`, fields);
}

/**
 * A value that matches no option of a union (a workflow definition as JSON, or its YAML text) is described by
 * the option it came closest to: the one whose problems are not all "wrong type at the top", so a bad name in a
 * definition reads `name: …`, not `Invalid input`.
 */
function closestIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const branches = issue.errors.filter((errors) => errors.length > 0);
  const closest = branches.find((errors) => !errors.every((e) => e.code === 'invalid_type' && e.path.length === 0)) ?? null;
  if (!closest) return [issue];
  return closest.flatMap((inner) => closestIssues({ ...inner, path: [...issue.path, ...inner.path] }));
}

export const clientIp = (req: IncomingMessage): string | null => req.socket.remoteAddress ?? null;

/** The request's trace id is the one the server answers in `x-request-id`, so the caller can find its events. */
export const apiMeta = (tokenId: string | null, req: IncomingMessage): RequestMeta =>
  ({ origin: { kind: 'api', clientId: tokenId ?? 'anonymous', ip: clientIp(req) }, traceId: currentTraceId() });

export type { ServerResponse };
