import { z } from 'zod';
import { errorSchema } from './schemas.ts';
import type { ApiRoute } from './route.ts';

type JsonSchema = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input', 401: 'Missing, unknown or revoked token', 403: 'The token lacks the scope, or the owner may not do this',
  404: 'Not found', 409: 'Stale state or idempotency conflict', 413: 'Body too large', 415: 'Unsupported content type', 422: 'Refused by an approval rule',
};

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;

function parameters(schema: z.ZodType, where: 'path' | 'query'): JsonSchema[] {
  const json = toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name, in: where, required: where === 'path' || required.has(name), schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

/** OpenAPI 3.1 for /api/v1, generated from the same zod schemas that validate requests and responses. */
export function openApiDocument(routes: readonly ApiRoute[], serverUrl?: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const errors = new Set([...route.errors, ...(route.scopes ? [401, 403] : [])]);
    const operation: JsonSchema = {
      summary: route.summary,
      operationId: `${route.method.toLowerCase()}${path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      parameters: [
        ...parameters(route.params, 'path'),
        ...parameters(route.query, 'query'),
        ...Object.entries(route.headers ?? {}).map(([name, description]) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } })),
      ],
      ...(route.scopes ? { security: [{ bearer: [] }], 'x-scopes': route.scopes } : { security: [] }),
      responses: {
        [String(route.status)]: { description: 'OK', content: { 'application/json': { schema: toSchema(route.response, 'output') } } },
        ...Object.fromEntries([...errors].sort().map((status) => [String(status), { description: STATUS_TEXT[status] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }])),
      },
    };
    if (route.body) {
      const content: Record<string, JsonSchema> = { 'application/json': { schema: toSchema(route.body.schema, 'input') } };
      if (route.body.kind === 'json-or-yaml') content['application/yaml'] = { schema: { type: 'string', description: 'The same definition as YAML.' } };
      operation.requestBody = { required: true, content };
    }
    paths[path] ??= {};
    (paths[path] as Record<string, JsonSchema>)[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Approvals API', version: '1.0.0', description: 'Submit and decide approval requests, and read the signed, hash-chained audit trail. Tokens: `npm run token:create`.' },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token from `npm run token:create`; each route lists the scopes it accepts in x-scopes.' } },
      schemas: { Error: toSchema(errorSchema, 'output') },
    },
  };
}
