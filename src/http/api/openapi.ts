import { z } from 'zod';
import { errorSchema, REQUEST_COMPONENTS, RESPONSE_COMPONENTS } from './schemas.ts';
import type { ApiRoute } from './route.ts';

type JsonSchema = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input: a path, query, header or body field is wrong (the fields object names each): the wrong type, control characters or broken unicode, nesting deeper than 32 levels, a __proto__/constructor/prototype member, an impossible date or number, or too long. Nothing was changed',
  401: 'Missing, unknown or revoked token',
  403: 'The token lacks the scope, or its owner may not do this',
  404: 'Not found',
  409: 'Stale state, an active request for the same entity, or the first request with this Idempotency-Key still running',
  413: 'The body is larger than 1 MiB',
  415: 'The body is not sent as a content type this operation reads',
  422: 'Refused by an approval rule (the code says which), or idempotency_key_reused: the Idempotency-Key is bound to another request (method, path or body)',
  429: 'Rate limited: the token made more than API_REQUESTS_PER_MINUTE requests this minute (default 600), or its client address made more than API_AUTH_FAILURES_PER_MINUTE failed authentications (default 30). Retry after the seconds in Retry-After',
  500: 'Something went wrong on our side; nothing was changed',
};

const componentRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
/** The id an unnamed schema is converted under, to be inlined where it is used. */
const INLINE = '__inline';

/** Drops what zod puts on each top-level schema and OpenAPI resolves differently (`$schema`, a fragment `$id`). */
function asComponent(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * Every named schema as a component: nested named schemas become `$ref`s to `#/components/schemas/<name>`,
 * which resolve from the document's root (no `$defs` inside a response schema).
 */
function components(names: ReadonlyMap<z.ZodType, string>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of names) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io, unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, asComponent(schema as JsonSchema)]));
}

/** A schema inline, with the named ones it contains as `$ref`s (or a `$ref` itself when it is named). */
function schemaFor(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const names = io === 'output' ? RESPONSE_COMPONENTS : REQUEST_COMPONENTS;
  const named = names.get(schema);
  if (named) return componentRef(named);
  const registry = z.registry<{ id: string }>();
  for (const [shared, id] of names) registry.add(shared, { id });
  registry.add(schema, { id: INLINE });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', io, unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  return asComponent(schemas[INLINE] as JsonSchema);
}

function parameters(schema: z.ZodType, where: 'path' | 'query'): JsonSchema[] {
  const json = schemaFor(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name, in: where, required: where === 'path' || required.has(name), schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

const hasFields = (schema: z.ZodType): boolean => Object.keys((schemaFor(schema, 'input').properties ?? {}) as object).length > 0;

/** The JSON form of a body that also accepts YAML text: the union's non-string option. */
function jsonBody(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodUnion) {
    const objects = (schema.options as z.ZodType[]).filter((option) => !(option instanceof z.ZodString));
    if (objects.length === 1 && objects[0]) return objects[0];
  }
  return schema;
}

/**
 * Every status an operation can answer with: its own, 400 when it reads path, query or body fields, 401, 403
 * and 429 when it takes a token, 413 and 415 when it reads a body, and 500.
 */
export function statusesOf(route: ApiRoute): number[] {
  const statuses = new Set<number>([...route.errors, 500]);
  if (route.scopes) [401, 403, 429].forEach((s) => statuses.add(s));
  if (route.body) [400, 413, 415].forEach((s) => statuses.add(s));
  if (hasFields(route.params) || hasFields(route.query)) statuses.add(400);
  return [...statuses].sort((a, b) => a - b);
}

const operationId = (route: ApiRoute, path: string): string =>
  `${route.method.toLowerCase()}${path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`;

/** OpenAPI 3.1 for /api/v1, generated from the same zod schemas that validate requests and responses. */
export function openApiDocument(routes: readonly ApiRoute[]): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const operation: JsonSchema = {
      summary: route.summary,
      operationId: operationId(route, path),
      parameters: [
        ...parameters(route.params, 'path'),
        ...parameters(route.query, 'query'),
        ...Object.entries(route.headers ?? {}).map(([name, description]) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } })),
      ],
      ...(route.scopes ? { security: [{ bearer: [] }], 'x-scopes': route.scopes } : { security: [] }),
      responses: {
        [String(route.status)]: { description: 'OK', content: { 'application/json': { schema: schemaFor(route.response, 'output') } } },
        ...Object.fromEntries(statusesOf(route).map((status) => [String(status), {
          description: STATUS_TEXT[status] ?? 'Error',
          ...(status === 429 ? { headers: { 'Retry-After': { description: 'Seconds until the current rate-limit window ends.', schema: { type: 'integer', minimum: 1 } } } } : {}),
          content: { 'application/json': { schema: schemaFor(errorSchema, 'output') } },
        }])),
      },
    };
    if (route.body) {
      const content: Record<string, JsonSchema> = { 'application/json': { schema: schemaFor(jsonBody(route.body.schema), 'input') } };
      if (route.body.kind === 'json-or-yaml') content['application/yaml'] = { schema: { type: 'string', description: 'The same definition as YAML.' } };
      operation.requestBody = { required: true, content };
    }
    paths[path] ??= {};
    (paths[path] as Record<string, JsonSchema>)[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Approvals API',
      version: '1.0.0',
      description: 'Submit and decide approval requests, and read the signed, hash-chained audit trail. Tokens: `npm run token:create`. '
        + 'Rate limits (429 with Retry-After, counted across every replica): each token may make API_REQUESTS_PER_MINUTE requests a minute (default 600); '
        + 'a client address that made API_AUTH_FAILURES_PER_MINUTE failed authentications in a minute (default 30) is refused until the minute is over.',
      license: { name: 'MIT', identifier: 'MIT' },
      contact: { name: 'Approvals maintainers (security reports: see SECURITY.md in the repository)' },
    },
    // Relative: the API is served by the deployment that serves this document.
    servers: [{ url: '/', description: 'The deployment serving this document' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `npm run token:create`; each route lists the scopes it accepts in x-scopes.' } },
      schemas: { ...components(RESPONSE_COMPONENTS, 'output'), ...components(REQUEST_COMPONENTS, 'input') },
    },
  };
}
