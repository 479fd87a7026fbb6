import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiScope } from '../../src/domain/index.ts';
import { slackOrigin, testDatabaseUrl, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startTestApi, testEnv, testKey } from '../support/proof.ts';
import { apiClient } from '../support/api-client.ts';

const run = promisify(execFile);
let app: Awaited<ReturnType<typeof startTestApi>>;
const call = apiClient(() => app.url);
const teamId = uniqueTeamId();
const admin = uniqueUserId('ADM');
const requester = uniqueUserId('REQ');

beforeAll(async () => {
  app = await startTestApi(testEnv({ APPROVAL_ADMINS: admin }));
});
afterAll(() => app.stop());

const token = (ownerId: string, scopes: ApiScope[], team = teamId, name = 'test') =>
  app.services.apiTokens.createToken({ teamId: team, ownerId, name, scopes, createdBy: admin }, slackOrigin(team));

interface EventRow { type: string; actor_id: string | null; origin: Record<string, unknown>; details: Record<string, unknown> }
const eventsOf = (team: string, type: string) =>
  app.orm.em.fork().execute<EventRow[]>('select type, actor_id, origin, details from audit_event where chain_id = ? and type = ? order by seq', [team, type]);

const cli = (script: string, args: string[]) => run(process.execPath, ['--experimental-strip-types', '--no-warnings', `src/cli/${script}.ts`, ...args], {
  env: { ...process.env, DATABASE_URL: testDatabaseUrl(), AUDIT_SIGNING_KEY: testKey.privateKeyPem },
}).then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));

describe('GET /api/v1/tokens and DELETE /api/v1/tokens/{id}', () => {
  it('let an admin list the workspace\'s tokens and revoke one, which is refused from the next request on; both audited', async () => {
    const adminToken = await token(admin, ['tokens:admin'], teamId, 'token admin');
    const erp = await token(requester, ['submissions:read'], teamId, 'erp');
    const elsewhere = await token(uniqueUserId('OTHER'), ['submissions:read'], uniqueTeamId());

    const listed = await call('GET', '/api/v1/tokens', adminToken.token);
    expect(listed.status).toBe(200);
    expect(listed.body.tokens.map((t: { name: string }) => t.name)).toEqual(['erp', 'token admin']);
    expect(listed.body.tokens[0]).toEqual({
      id: erp.summary.id, teamId, ownerId: requester, name: 'erp', scopes: ['submissions:read'], createdBy: admin,
      createdAt: expect.any(String), lastUsedAt: null, revokedAt: null, revokedBy: null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(erp.token);
    expect(await eventsOf(teamId, 'api.tokens_listed')).toEqual([
      expect.objectContaining({ actor_id: admin, origin: expect.objectContaining({ kind: 'api', clientId: adminToken.summary.id }), details: { count: 2, active: 2 } }),
    ]);

    expect((await call('GET', `/api/v1/submissions/${erp.summary.id}`, erp.token)).status).toBe(404); // authenticated: the token works
    const revoked = await call('DELETE', `/api/v1/tokens/${erp.summary.id}`, adminToken.token);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: erp.summary.id, revokedAt: expect.any(String), revokedBy: admin });
    const refused = await call('GET', `/api/v1/submissions/${erp.summary.id}`, erp.token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toBe('This API token was revoked.');

    // Again: nothing changes and nothing new is recorded.
    expect((await call('DELETE', `/api/v1/tokens/${erp.summary.id}`, adminToken.token)).body.revokedAt).toBe(revoked.body.revokedAt);
    expect(await eventsOf(teamId, 'api.token_revoked')).toEqual([
      expect.objectContaining({ actor_id: admin, origin: expect.objectContaining({ kind: 'api', clientId: adminToken.summary.id }), details: { tokenId: erp.summary.id, ownerId: requester, name: 'erp', revokedBy: admin } }),
    ]);

    // Another workspace's token is not found here; a malformed id names the field.
    expect((await call('DELETE', `/api/v1/tokens/${elsewhere.summary.id}`, adminToken.token)).status).toBe(404);
    expect((await call('GET', '/api/v1/submissions/00000000-0000-4000-8000-000000000000', elsewhere.token)).status).toBe(404);
    const bad = await call('DELETE', '/api/v1/tokens/not-a-token', adminToken.token);
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual({ id: 'must be an API token id' });
  });

  it('refuse a token without tokens:admin, and a tokens:admin token whose owner is not an admin', async () => {
    const team = uniqueTeamId();
    const victim = await token(requester, ['submissions:read'], team);
    const noScope = await token(admin, ['submissions:read'], team);
    const notAdmin = await token(uniqueUserId('NOTADM'), ['tokens:admin'], team);
    expect((await call('GET', '/api/v1/tokens', noScope.token)).body.error.code).toBe('missing_scope');
    for (const [method, path] of [['GET', '/api/v1/tokens'], ['DELETE', `/api/v1/tokens/${victim.summary.id}`]] as const) {
      const answer = await call(method, path, notAdmin.token);
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('forbidden');
    }
    expect((await call('GET', '/api/v1/submissions/00000000-0000-4000-8000-000000000000', victim.token)).status).toBe(404);
    expect(await eventsOf(team, 'api.token_revoked')).toEqual([]);
  });

  it('are in the OpenAPI document with their scope', async () => {
    const doc = await call('GET', '/api/v1/openapi.json', null);
    expect(doc.body.paths['/api/v1/tokens'].get['x-scopes']).toEqual(['tokens:admin']);
    expect(doc.body.paths['/api/v1/tokens/{id}'].delete).toMatchObject({ 'x-scopes': ['tokens:admin'], parameters: [expect.objectContaining({ name: 'id', in: 'path' })] });
    expect(Object.keys(doc.body.paths['/api/v1/tokens/{id}'].delete.responses).sort()).toEqual(['200', '400', '401', '403', '404', '429', '500']);
  });
});

describe('npm run token:list, token:revoke and token:create', () => {
  it('list and revoke, the revoked token refused by the running app from its next request, each recorded with who ran the command', async () => {
    const team = uniqueTeamId();
    const erp = await token(requester, ['submissions:read'], team, 'erp');
    expect((await call('GET', '/api/v1/submissions/00000000-0000-4000-8000-000000000000', erp.token)).status).toBe(404);

    const listed = await cli('token-list', ['--team', team]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${erp.summary.id}  ${team}  "erp"  owner ${requester}  scopes submissions:read`);
    expect(listed.stdout).not.toContain(erp.token);
    expect((await eventsOf(team, 'api.tokens_listed')).at(-1)).toMatchObject({
      actor_id: null, origin: { kind: 'cli', command: 'token:list', ranBy: userInfo().username, ranByFrom: 'os_user' }, details: { count: 1, active: 1 },
    });

    const revoked = await cli('token-revoke', ['--id', erp.summary.id, '--actor', 'alice@example.com']);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Token "erp" (${erp.summary.id}) of ${requester} in ${team} is revoked since`);
    expect((await call('GET', '/api/v1/submissions/00000000-0000-4000-8000-000000000000', erp.token)).status).toBe(401);
    expect(await eventsOf(team, 'api.token_revoked')).toEqual([expect.objectContaining({
      actor_id: null, origin: { kind: 'cli', command: 'token:revoke', ranBy: 'alice@example.com', ranByFrom: 'actor_flag' },
      details: { tokenId: erp.summary.id, ownerId: requester, name: 'erp', revokedBy: 'cli:alice@example.com' },
    })]);
    expect((await cli('token-list', ['--team', team, '--json'])).stdout).toContain('"revokedBy":"cli:alice@example.com"');

    const unknown = await cli('token-revoke', ['--id', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no such API token.');
    expect((await cli('token-revoke', [])).code).toBe(2);
    const badActor = await cli('token-revoke', ['--id', erp.summary.id, '--actor', 'a\u0007b']);
    expect(badActor.code).toBe(2);
    expect(badActor.stderr).toContain('--actor must be 1 to 100 characters');
  });

  it('token:create and audit:export record who ran them too', async () => {
    const team = uniqueTeamId();
    const created = await cli('token-create', ['--team', team, '--owner', admin, '--scopes', 'tokens:admin', '--name', 'ops', '--actor', 'ops-ticket-42']);
    expect(created.code).toBe(0);
    expect(await eventsOf(team, 'api.token_created')).toEqual([expect.objectContaining({ origin: { kind: 'cli', command: 'token:create', ranBy: 'ops-ticket-42', ranByFrom: 'actor_flag' } })]);
    const exported = await cli('audit-export', ['--format', 'jsonl', '--team', team]);
    expect(exported.code).toBe(0);
    expect(await eventsOf(team, 'checkpoint.signed')).toEqual([expect.objectContaining({ origin: { kind: 'cli', command: 'audit:export', ranBy: userInfo().username, ranByFrom: 'os_user' } })]);
    // The export itself is in the trail, with who ran it and what went out.
    expect(await eventsOf(team, 'audit.exported')).toEqual([expect.objectContaining({
      origin: { kind: 'cli', command: 'audit:export', ranBy: userInfo().username, ranByFrom: 'os_user' }, details: expect.objectContaining({ format: 'jsonl', rows: 1 }),
    })]);
  });
});
