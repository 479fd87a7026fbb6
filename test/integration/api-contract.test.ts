/**
 * The REST API's contract: the served OpenAPI document passes a real validator (swagger-parser), and the
 * responses the API actually sends, success and error alike, carry a documented status and match the schema
 * documented for it.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiScope } from '../../src/domain/index.ts';
import { slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startTestApi, testEnv } from '../support/proof.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';
import { apiClient, type JsonBody } from '../support/api-client.ts';

type App = Awaited<ReturnType<typeof startTestApi>>;
let app: App;
let doc: JsonBody;
const teamId = uniqueTeamId();
const admin = uniqueUserId('ADM');
const requester = uniqueUserId('REQ');
const manager = uniqueUserId('MGR');
const cfo = uniqueUserId('CFO');
const call = apiClient(() => app.url);
const tokens: Record<string, string> = {};

async function token(ownerId: string, scopes: ApiScope[]): Promise<string> {
  return (await app.services.apiTokens.createToken({ teamId, ownerId, name: `contract ${ownerId}`, scopes, createdBy: admin }, slackOrigin(teamId))).token;
}

beforeAll(async () => {
  app = await startTestApi(testEnv({ APPROVAL_ADMINS: admin }));
  await app.services.directory.setManager(teamId, admin, requester, manager, slackOrigin(teamId));
  tokens.admin = await token(admin, ['workflows:write', 'submissions:read', 'audit:read']);
  tokens.requester = await token(requester, ['submissions:write', 'submissions:read']);
  tokens.manager = await token(manager, ['submissions:write', 'submissions:read']);
  const served = await call('GET', '/api/v1/openapi.json', null);
  expect(served.status).toBe(200);
  doc = served.body;
});
afterAll(() => app.stop());

describe('the OpenAPI document at /api/v1/openapi.json', () => {
  it('passes swagger-parser\'s validation, every $ref resolving from the document root', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(ref).toMatch(/"\$ref":"#\/components\/schemas\/[A-Za-z]+"/);
  });

  it('names its servers, licence and contact, and keeps shared schemas under components/schemas', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.info.license).toMatchObject({ name: 'MIT' });
    expect(doc.info.contact).toHaveProperty('name');
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Error', 'Submission', 'Stage', 'WorkflowVersion', 'AuditEvent', 'Checkpoint', 'SubmissionInput', 'WorkflowDefinitionInput']));
    expect(JSON.stringify(doc)).not.toContain('$defs');
  });

  it('documents 413 and 415 on every operation that reads a body, and 401/403 on every one that takes a token', () => {
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, JsonBody>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const statuses = Object.keys(operation.responses);
        if (operation.requestBody) expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['400', '413', '415']));
        if (operation.security.length) expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
  });
});

describe('responses the API sends', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  let added = false;

  /** The operation a concrete request hits, found by matching the documented path templates. */
  function operationFor(method: string, url: string): { template: string; operation: JsonBody } {
    const path = new URL(url, 'http://x').pathname;
    for (const [template, operations] of Object.entries(doc.paths as Record<string, Record<string, JsonBody>>)) {
      const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
      const operation = operations[method.toLowerCase()];
      if (pattern.test(path) && operation) return { template, operation };
    }
    throw new Error(`no documented operation for ${method} ${path}`);
  }

  const seen: string[] = [];
  /** Sends the request and checks the answer against the document: a documented status, a body of its schema. */
  async function checked(method: string, path: string, bearer: string | null, body?: unknown, headers: Record<string, string> = {}) {
    if (!added) {
      ajv.addSchema(doc, 'openapi.json');
      added = true;
    }
    const response = await call(method, path, bearer, body, headers);
    const { template, operation } = operationFor(method, path);
    const documented = operation.responses[String(response.status)];
    expect(documented, `${method} ${path} answered ${response.status}, which is not documented`).toBeDefined();
    const pointer = ['paths', template, method.toLowerCase(), 'responses', String(response.status), 'content', 'application/json', 'schema']
      .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    const validate = ajv.compile({ $ref: `openapi.json#/${pointer}` });
    expect(validate(response.body), `${method} ${path} ${response.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    seen.push(`${method} ${template} ${response.status}`);
    return response;
  }

  it('match their documented schemas, for successes and for every kind of refusal', async () => {
    const definition = purchaseOrderWorkflow({ cfo }, { stages: [{ id: 'manager', name: 'Manager review', step: 1, approvers: [{ type: 'manager' }], rule: { kind: 'any' } }] });
    await checked('POST', '/api/v1/workflows', tokens.admin as string, definition);
    await checked('POST', '/api/v1/workflows', tokens.admin as string, 'key: [unclosed', { 'content-type': 'application/yaml' });
    await checked('POST', '/api/v1/workflows', tokens.admin as string, '<xml/>', { 'content-type': 'text/html' });
    await checked('POST', '/api/v1/workflows', tokens.admin as string, JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }), { 'content-type': 'application/json' });
    await checked('POST', '/api/v1/workflows', null, definition);
    await checked('POST', '/api/v1/workflows', tokens.requester as string, definition);
    await checked('GET', '/api/v1/workflows/purchase-order', tokens.requester as string);
    await checked('GET', '/api/v1/workflows/no-such-flow', tokens.requester as string);
    await checked('GET', '/api/v1/workflows/Not_A_Key', tokens.requester as string);

    const created = await checked('POST', '/api/v1/submissions', tokens.requester as string, { workflowKey: 'purchase-order', title: 'Laptops', fields: { vendor: 'Acme', amount: 1200 } }, { 'idempotency-key': 'contract-key-1' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await checked('POST', '/api/v1/submissions', tokens.requester as string, { workflowKey: 'purchase-order', title: 'Other', fields: { vendor: 'Acme', amount: 1 } }, { 'idempotency-key': 'contract-key-1' });
    await checked('POST', '/api/v1/submissions', tokens.requester as string, { workflowKey: 'nope', title: 'x' });
    await checked('POST', '/api/v1/submissions', tokens.requester as string, { title: 42 });
    await checked('GET', `/api/v1/submissions/${id}`, tokens.requester as string);
    await checked('GET', '/api/v1/submissions/3f2a9c1b-0000-4000-8000-000000000000', tokens.requester as string);
    await checked('GET', '/api/v1/submissions/not-a-uuid', tokens.requester as string);
    await checked('POST', `/api/v1/submissions/${id}/actions`, tokens.requester as string, { kind: 'approve' });
    await checked('POST', `/api/v1/submissions/${id}/actions`, tokens.manager as string, { kind: 'approve', stageInstanceId: '3f2a9c1b-0000-4000-8000-000000000000' });
    await checked('GET', '/api/v1/queue', tokens.manager as string);
    await checked('POST', `/api/v1/submissions/${id}/actions`, tokens.manager as string, { kind: 'approve' });
    await checked('GET', `/api/v1/submissions/${id}/audit`, tokens.admin as string);
    await checked('GET', '/api/v1/audit?limit=5', tokens.admin as string);
    await checked('GET', '/api/v1/audit?cursor=bm9wZQ', tokens.admin as string);
    await checked('GET', '/api/v1/audit/changes?limit=2', tokens.admin as string);
    await checked('GET', '/api/v1/audit/checkpoints', tokens.admin as string);
    await checked('GET', '/api/v1/audit/public-key', null);
    await checked('GET', '/api/v1/workflows/purchase-order/webhooks', tokens.admin as string);
    await checked('GET', '/api/v1/workflows/purchase-order/webhooks/deliveries?limit=5', tokens.admin as string);
    await checked('POST', '/api/v1/workflows/purchase-order/webhooks/rotate-secret', tokens.admin as string, { url: 'https://elsewhere.example.com/x' });
    await checked('POST', '/api/v1/workflows/purchase-order/webhooks/rotate-secret', tokens.admin as string, { url: 42 });

    expect(seen).toEqual(expect.arrayContaining([
      'POST /api/v1/workflows 201', 'POST /api/v1/workflows 400', 'POST /api/v1/workflows 415', 'POST /api/v1/workflows 413', 'POST /api/v1/workflows 401', 'POST /api/v1/workflows 403',
      'GET /api/v1/workflows/{key} 200', 'GET /api/v1/workflows/{key} 404', 'GET /api/v1/workflows/{key} 400',
      'POST /api/v1/submissions 201', 'POST /api/v1/submissions 422', 'POST /api/v1/submissions 404', 'POST /api/v1/submissions 400',
      'GET /api/v1/submissions/{id} 200', 'GET /api/v1/submissions/{id} 404', 'GET /api/v1/submissions/{id} 400',
      'POST /api/v1/submissions/{id}/actions 422', 'POST /api/v1/submissions/{id}/actions 409', 'POST /api/v1/submissions/{id}/actions 200',
      'GET /api/v1/queue 200', 'GET /api/v1/submissions/{id}/audit 200', 'GET /api/v1/audit 200', 'GET /api/v1/audit 400',
      'GET /api/v1/audit/changes 200', 'GET /api/v1/audit/checkpoints 200', 'GET /api/v1/audit/public-key 200',
      'GET /api/v1/workflows/{key}/webhooks 200', 'GET /api/v1/workflows/{key}/webhooks/deliveries 200',
      'POST /api/v1/workflows/{key}/webhooks/rotate-secret 404', 'POST /api/v1/workflows/{key}/webhooks/rotate-secret 400',
    ]));
  });
});
