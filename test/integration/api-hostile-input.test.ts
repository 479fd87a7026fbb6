/**
 * A hostile client against every operation the OpenAPI document lists: each path parameter, query parameter and
 * body field (every leaf of a valid request, and every documented property a valid request leaves out) is sent
 * with the whole class of bad input — control characters, NUL, lone surrogates, the wrong JSON type, deep nesting,
 * huge sizes, `toString` and `__proto__` members, impossible dates and numbers. Each answer is a 400 whose body
 * names the field, never a 5xx, and no table gains or loses a row. The valid request is sent last, so a 400 means
 * the one bad value was refused, not that the rest of the request was wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiScope } from '../../src/domain/index.ts';
import { API_SCOPES } from '../../src/domain/index.ts';
import { slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startTestApi, testEnv } from '../support/proof.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';
import { apiClient, type JsonBody } from '../support/api-client.ts';

type App = Awaited<ReturnType<typeof startTestApi>>;
let app: App;
const teamId = uniqueTeamId();
const admin = uniqueUserId('ADM');
const manager = uniqueUserId('MGR');
const cfo = uniqueUserId('CFO');
const call = apiClient(() => app.url);
let doc: JsonBody;
const tokens: Record<'admin' | 'manager', string> = { admin: '', manager: '' };
const HOOK = 'https://hooks.example.com/approvals';

/** The form of the workflow the hostile requests are made against: one field of every type, all required. */
const hostileFields = [
  { id: 'vendor', label: 'Vendor', type: 'short_text', required: true },
  { id: 'amount', label: 'Amount', type: 'currency', currency: 'USD', required: true },
  { id: 'due', label: 'Due', type: 'date', required: true },
  { id: 'tier', label: 'Tier', type: 'single_select', options: ['gold', 'silver'], required: true },
  { id: 'link', label: 'Link', type: 'url', required: true },
  { id: 'buyer', label: 'Buyer', type: 'user', required: true },
  { id: 'notes', label: 'Notes', type: 'long_text', required: true },
];
const definition = (key: string) => purchaseOrderWorkflow({ cfo }, {
  key, name: 'Hostile PO', fields: hostileFields as never,
  stages: [{ id: 'manager', name: 'Manager review', step: 1, approvers: [{ type: 'manager' }], rule: { kind: 'any' }, slaHours: 24 }],
  webhooks: [{ url: HOOK, events: ['approved'] }] as never,
});
const validFields = { vendor: 'Acme', amount: 300, due: '2026-03-01', tier: 'gold', link: 'https://example.com/po', buyer: admin, notes: 'two chairs' };

/** A request with a valid value everywhere: the starting point each hostile value is put into. */
interface Baseline {
  readonly token: keyof typeof tokens;
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
  readonly body?: JsonBody;
}
let baselines: Record<string, Baseline>;

/** Rate-limit counters count every request, refused or not: they are the one thing a refused request may add. */
const COUNTERS = ['api_request_window', 'api_auth_failure_window'];

async function tableCounts(): Promise<Record<string, number>> {
  const em = app.orm.em.fork();
  const tables = (await em.execute<{ tablename: string }[]>(`select tablename from pg_tables where schemaname = current_schema() and tablename not like 'mikro_orm%' order by 1`))
    .filter((t) => !COUNTERS.includes(t.tablename));
  const [row] = await em.execute<Record<string, string>[]>(`select ${tables.map((t) => `(select count(*) from "${t.tablename}") as "${t.tablename}"`).join(', ')}`);
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
}

const rawTexts: string[] = [];
/** A value JSON.stringify cannot produce (1e309, a deep array, a `__proto__` member), put into the body text as it stands. */
const raw = (text: string) => `\u{E000}raw:${rawTexts.push(text) - 1}`;
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const bodyText = (body: unknown) => JSON.stringify(body).replace(/"\u{E000}raw:(\d+)"/gu, (_m, i: string) => rawTexts[Number(i)] as string);

const HOSTILE_TEXT: readonly [string, unknown][] = [
  ['NUL', 'a\u0000b'], ['control character', 'a\u0007b'], ['escape', '\u001b[31m'], ['DEL', 'x\u007f'], ['lone high surrogate', 'a\ud800b'], ['lone low surrogate', '\udfff'],
  ['huge', 'x'.repeat(100_000)], ['object', { a: 1 }], ['array', ['a']], ['toString member', { toString: 'x' }], ['number', 42], ['boolean', true], ['null', null],
  ['deep array', raw(deep(5000))],
];
/** Text that is fine where people write freely (a name, a reason), and wrong where a date, number, key or id is expected. */
const WRONG_FOR_TYPED_TEXT: readonly [string, unknown][] = [['impossible date', '2026-02-30'], ['NaN', 'NaN'], ['1e309 text', '1e309'], ['empty', '']];
/** Body members that hold what people write: any storable text within the limit is valid there. */
const FREE_TEXT = new Set(['name', 'description', 'label', 'hint', 'title', 'reason', 'vendor', 'notes', 'entityKey']);
const HOSTILE_NUMBER: readonly [string, unknown][] = [
  ['NaN text', 'NaN'], ['1e309', raw('1e309')], ['-1e309', raw('-1e309')], ['negative', -1], ['non-integer', 1.005], ['text', 'abc'], ['object', { a: 1 }], ['array', [1]],
  ['boolean', true], ['null', null], ['toString member', { toString: 'x' }], ['deep array', raw(deep(5000))], ['huge', 1e300],
];
const HOSTILE_BOOLEAN: readonly [string, unknown][] = [['text', 'true'], ['number', 1], ['null', null], ['object', {}], ['array', [true]], ['NUL', '\u0000']];
const HOSTILE_CONTAINER: readonly [string, unknown][] = [
  ['text', 'x\u0000'], ['number', 1], ['null', null], ['boolean', false], ['deep array', raw(deep(5000))], ['toString member', { toString: 'x' }], ['__proto__ member', raw('{"__proto__": {"polluted": true}}')],
];
/** Path and query values arrive as text: only text can be sent there, percent-encoded as a client would. */
const HOSTILE_URL_TEXT: readonly [string, string][] = [
  ['NUL', '%00'], ['control character', '%07x'], ['escape', '%1B%5B31m'], ['DEL', 'x%7F'], ['encoded lone surrogate', '%ED%A0%80'], ['broken escape', '%E0%A4%A'],
  ['huge', 'x'.repeat(5000)], ['impossible date', '2026-02-30T00%3A00%3A00Z'], ['NaN', 'NaN'], ['1e309', '1e309'], ['negative', '-1'], ['non-integer', '1.5'],
  ['object notation', '%5Bobject%20Object%5D'], ['__proto__', '__proto__'], ['empty', ''],
];

function hostileFor(value: unknown, path: Path): readonly [string, unknown][] {
  const freeText = path.some((p) => typeof p === 'string' && FREE_TEXT.has(p)) || path.includes('options');
  if (typeof value === 'string') return freeText ? HOSTILE_TEXT : [...HOSTILE_TEXT, ...WRONG_FOR_TYPED_TEXT];
  // Hours may have decimals (an SLA of 1.5 hours); amounts two, and other numbers none.
  if (typeof value === 'number') return path.includes('slaHours') ? HOSTILE_NUMBER.filter(([label]) => label !== 'non-integer') : HOSTILE_NUMBER;
  if (typeof value === 'boolean') return HOSTILE_BOOLEAN;
  return HOSTILE_CONTAINER;
}

/** A value of the documented type, standing for a member the valid request leaves out. */
const sampleOf = (type: unknown): unknown => ({ boolean: false, number: 1, integer: 1, array: [], object: {} } as Record<string, unknown>)[String(type)] ?? 'text';

type Path = (string | number)[];
/** Every place in a body a value can be put: each leaf and each container, by path. */
function slotsOf(value: unknown, path: Path = []): { path: Path; value: unknown }[] {
  const here = path.length ? [{ path, value }] : [];
  if (value === null || typeof value !== 'object') return here;
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [...here, ...entries.flatMap(([k, v]) => slotsOf(v, [...path, k]))];
}

function withValue(body: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
  return copy;
}

const fill = (template: string, params: Record<string, string>) => template.replace(/\{(\w+)\}/g, (_m, name: string) => params[name] ?? '');
const queryString = (query: Record<string, string>) => Object.entries(query).map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
const encodedQuery = (query: Record<string, string>) => Object.fromEntries(Object.entries(query).map(([k, v]) => [k, encodeURIComponent(v)]));

/** Names the field: a key of error.fields or the message mentions it (the last named part of its path). */
function namesField(body: JsonBody, path: Path): boolean {
  const name = String([...path].reverse().find((p) => typeof p === 'string') ?? path[0] ?? 'body');
  return Object.keys(body.error?.fields ?? {}).some((k) => k.includes(name)) || String(body.error?.message ?? '').includes(name);
}

beforeAll(async () => {
  app = await startTestApi(testEnv({ APPROVAL_ADMINS: admin }));
  await app.services.directory.setManager(teamId, admin, admin, manager, slackOrigin(teamId));
  const create = async (ownerId: string, scopes: readonly ApiScope[], name = `hostile ${ownerId}`) =>
    (await app.services.apiTokens.createToken({ teamId, ownerId, name, scopes: [...scopes], createdBy: admin }, slackOrigin(teamId)));
  tokens.admin = (await create(admin, API_SCOPES)).token;
  tokens.manager = (await create(manager, ['submissions:write', 'submissions:read'])).token;
  const spare = await create(admin, ['submissions:read'], 'to be revoked');
  await app.services.workflows.publish(teamId, admin, definition('hostile-po') as never, slackOrigin(teamId));
  const created = await call('POST', '/api/v1/submissions', tokens.admin, { workflowKey: 'hostile-po', title: 'Chairs', fields: validFields });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const submission = created.body;
  const since = new Date(Date.now() - 3_600_000).toISOString();
  const until = new Date(Date.now() + 3_600_000).toISOString();
  const cursor = Buffer.from('seq:0').toString('base64url');
  baselines = {
    'POST /api/v1/workflows': { token: 'admin', params: {}, query: {}, body: definition('hostile-next') },
    'GET /api/v1/workflows/{key}': { token: 'admin', params: { key: 'hostile-po' }, query: { version: '1' } },
    'POST /api/v1/submissions': {
      token: 'admin', params: {}, query: {},
      body: { workflowKey: 'hostile-po', title: 'Tables', fields: validFields, entityKey: 'po-4711' },
    },
    'GET /api/v1/submissions/{id}': { token: 'admin', params: { id: submission.id }, query: {} },
    'POST /api/v1/submissions/{id}/actions': {
      token: 'manager', params: { id: submission.id }, query: {},
      body: { kind: 'approve', stageInstanceId: submission.currentStages[0].id, workflowVersion: 1, reason: 'fine by me' },
    },
    'GET /api/v1/submissions/{id}/audit': { token: 'admin', params: { id: submission.id }, query: {} },
    'GET /api/v1/audit': {
      token: 'admin', params: {},
      query: { cursor, limit: '10', actor: admin, type: 'submission.created,decision.approved', workflow: 'hostile-po', outcome: 'accepted', from: since, to: until },
    },
    'GET /api/v1/audit/changes': { token: 'admin', params: {}, query: { since: cursor, limit: '10', includeReads: 'true' } },
    'GET /api/v1/audit/checkpoints': { token: 'admin', params: {}, query: { cursor, limit: '10' } },
    'GET /api/v1/audit/public-key': { token: 'admin', params: {}, query: {} },
    'GET /api/v1/queue': { token: 'manager', params: {}, query: {} },
    'GET /api/v1/tokens': { token: 'admin', params: {}, query: {} },
    'DELETE /api/v1/tokens/{id}': { token: 'admin', params: { id: spare.summary.id }, query: {} },
    'GET /api/v1/workflows/{key}/webhooks': { token: 'admin', params: { key: 'hostile-po' }, query: {} },
    'POST /api/v1/workflows/{key}/webhooks/rotate-secret': { token: 'admin', params: { key: 'hostile-po' }, query: {}, body: { url: HOOK } },
    'GET /api/v1/workflows/{key}/webhooks/deliveries': { token: 'admin', params: { key: 'hostile-po' }, query: { submission: submission.id, limit: '10' } },
  };
  doc = (await call('GET', '/api/v1/openapi.json', null)).body;
}, 60_000);
afterAll(() => app.stop());

/** Every operation of the document, with its documented parameters and top-level body properties. */
function operations(): { name: string; method: string; path: string; pathParams: string[]; queryParams: string[]; headers: string[]; bodyProperties: { name: string; type: unknown }[] }[] {
  const out = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, JsonBody>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = (op.parameters ?? []) as { name: string; in: string }[];
      const schema = op.requestBody?.content?.['application/json']?.schema as JsonBody | undefined;
      const resolved = schema?.$ref ? doc.components.schemas[String(schema.$ref).split('/').pop() as string] : schema;
      out.push({
        name: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        headers: params.filter((p) => p.in === 'header').map((p) => p.name),
        bodyProperties: Object.entries((resolved?.properties ?? {}) as Record<string, JsonBody>).map(([name, schema]) => ({ name, type: schema.type })),
      });
    }
  }
  return out;
}

describe('every API operation against hostile input', () => {
  it('has a valid baseline request for every operation the OpenAPI document lists', () => {
    expect(operations().map((o) => o.name).sort()).toEqual(Object.keys(baselines).sort());
  });

  it('answers each bad path parameter, query parameter and body field with a 400 naming it, and changes nothing', async () => {
    const problems: string[] = [];
    let sent = 0;
    for (const op of operations()) {
      const base = baselines[op.name] as Baseline;
      const token = tokens[base.token];
      const send = (params: Record<string, string>, query: Record<string, string>, body?: unknown, headers: Record<string, string> = {}) => {
        const qs = queryString(query);
        const url = `${fill(op.path, params)}${qs ? `?${qs}` : ''}`;
        return call(op.method, url, token, body === undefined ? undefined : bodyText(body), { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      };
      const baseParams = Object.fromEntries(Object.entries(base.params).map(([k, v]) => [k, encodeURIComponent(v)]));
      const baseQuery = encodedQuery(base.query);
      const cases: { where: string; path: Path; request: () => ReturnType<typeof send> }[] = [];
      for (const name of op.pathParams) {
        for (const [label, value] of HOSTILE_URL_TEXT) {
          if (value === '') continue; // an empty segment is another path, not this parameter
          cases.push({ where: `path ${name}: ${label}`, path: [name], request: () => send({ ...baseParams, [name]: value }, baseQuery, base.body) });
        }
      }
      for (const name of op.queryParams) {
        for (const [label, value] of HOSTILE_URL_TEXT) {
          cases.push({ where: `query ${name}: ${label}`, path: [name], request: () => send(baseParams, { ...baseQuery, [name]: value }, base.body) });
        }
      }
      for (const name of ['unexpected', '__proto__', 'bad\u0000name']) {
        cases.push({ where: `unknown query parameter ${name}`, path: [name], request: () => send(baseParams, { ...baseQuery, [name]: '1' }, base.body) });
      }
      for (const name of op.headers) {
        // fetch itself refuses control characters and non-Latin-1 in headers, so these are what a client can send.
        for (const [label, value] of [['too short', 'short'], ['huge', 'k'.repeat(5000)], ['space', 'has a space'], ['DEL-free high byte', 'key-\u00e9-12345']] as const) {
          cases.push({ where: `header ${name}: ${label}`, path: [name], request: () => send(baseParams, baseQuery, base.body, { [name]: value }) });
        }
      }
      if (base.body) {
        // The body as a whole: not an object, or nested past any sane depth.
        for (const [label, value] of [['null', null], ['array', []], ['number', 42], ['text', 'just text'], ['deep', raw(deep(100))], ['boolean', true]] as const) {
          cases.push({ where: `whole body: ${label}`, path: [], request: () => send(baseParams, baseQuery, value) });
        }
        const slots = slotsOf(base.body);
        const absent = op.bodyProperties.filter((p) => !(p.name in (base.body as object))).map((p) => ({ path: [p.name], value: sampleOf(p.type) }));
        for (const slot of [...slots, ...absent]) {
          for (const [label, value] of hostileFor(slot.value, slot.path)) {
            cases.push({ where: `body ${slot.path.join('.')}: ${label}`, path: slot.path, request: () => send(baseParams, baseQuery, withValue(base.body, slot.path, value)) });
          }
        }
      }
      const before = await tableCounts();
      for (const c of cases) {
        const response = await c.request();
        sent++;
        if (response.status !== 400) problems.push(`${op.name} ${c.where}: ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`);
        else if (!namesField(response.body, c.path)) problems.push(`${op.name} ${c.where}: 400 without naming the field: ${JSON.stringify(response.body).slice(0, 200)}`);
      }
      const after = await tableCounts();
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        const changed = Object.keys(after).filter((t) => after[t] !== before[t]).map((t) => `${t} ${before[t]}→${after[t]}`);
        problems.push(`${op.name}: rows changed: ${changed.join(', ')}`);
      }
      // The valid request itself is accepted: the 400s were the bad values'.
      const valid = await send(baseParams, baseQuery, base.body);
      if (valid.status >= 300) problems.push(`${op.name} valid request: ${valid.status} ${JSON.stringify(valid.body).slice(0, 300)}`);
    }
    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
  }, 300_000);
});
