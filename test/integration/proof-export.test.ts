import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../src/domain/checkpoint.ts';
import { createExportService } from '../../src/services/export-service.ts';
import { createTransact } from '../../src/services/unit-of-work.ts';
import { createTestApp, slackOrigin, testDatabaseUrl, uniqueTeamId, uniqueUserId, type TestApp } from '../support/db.ts';
import { appendEvents, testKey } from '../support/proof.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';

const run = promisify(execFile);
let app: TestApp;
let dir: string;
const signer = { privateKey: loadSigningKey(testKey.privateKeyPem) };
const docs = await readFile(new URL('../../docs/audit-format.md', import.meta.url), 'utf8');
const pythonRecipe = /```python\n([\s\S]*?)```/.exec(docs)?.[1] ?? '';
const shellRecipe = /```sh\n(python3 verify-export\.py[\s\S]*?)```/.exec(docs)?.[1] ?? '';

beforeAll(async () => {
  app = await createTestApp();
  dir = await mkdtemp(join(tmpdir(), 'audit-export-'));
  await writeFile(join(dir, 'verify-export.py'), pythonRecipe);
  await writeFile(join(dir, 'public.pem'), testKey.publicKeyPem);
});
afterAll(async () => {
  await app.orm.close();
  await rm(dir, { recursive: true, force: true });
});

/** A workspace with real submissions and events whose details stress the canonical encoding. */
async function busyTeam(): Promise<{ teamId: string; submissionId: string }> {
  const teamId = uniqueTeamId();
  const requester = uniqueUserId('REQ');
  const manager = uniqueUserId('MGR');
  const meta = slackOrigin(teamId);
  await app.services.workflows.publish(teamId, app.admin, purchaseOrderWorkflow({ cfo: uniqueUserId('CFO') }), meta);
  await app.services.directory.setRole(teamId, app.admin, { name: 'finance', members: [uniqueUserId('FIN'), uniqueUserId('FIN')] }, meta);
  await app.services.directory.setManager(teamId, app.admin, requester, manager, meta);
  const created = await app.services.submissions.submit({ teamId, workflowKey: 'purchase-order', requesterId: requester, title: 'Ünïcode "quotes" — 😀\nnew line', fields: { vendor: 'Acme, Inc.', amount: 1234.56 } }, meta);
  await app.services.decisions.decide({ teamId, submissionId: created.id, kind: 'approve', actorId: manager, idempotencyKey: `k-${created.id}` }, meta);
  await createTransact(app.deps.orm, app.deps.newId)(teamId, meta, async (_tx, uow) => {
    uow.record({ type: 'role.updated', reason: '', details: { tiny: 1e-7, small: 0.000001, big: 1e21, huge: 123456789012345680000, neg: -2.5, ctrl: '\u0001\t', '😀key': 1, 'ékey': 2, zkey: [null, true, { b: 1, a: 2 }] } });
  });
  await appendEvents(app.deps, teamId, 3);
  return { teamId, submissionId: created.id };
}

async function exportTo(file: string, options: Parameters<ReturnType<typeof createExportService>['exportAudit']>[1]) {
  let text = '';
  const summary = await app.services.exports.exportAudit((chunk) => { text += chunk; }, options);
  await writeFile(join(dir, file), text);
  return { summary, text };
}

const python = (file: string) => run('python3', ['verify-export.py', file], { cwd: dir }).then((r) => ({ code: 0, out: r.stdout }), (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }));

describe('audit export', () => {
  it('writes JSONL ending in a signed checkpoint that the documented recipe verifies with python3 and openssl', async () => {
    const { teamId } = await busyTeam();
    const { summary, text } = await exportTo('full.jsonl', { format: 'jsonl', teamId, signer });
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { record: string; seq: number });
    expect(summary.rows).toBe(lines.length - 1);
    expect(lines.at(-1)).toMatchObject({ record: 'checkpoint', seq: summary.rows });
    expect(lines.slice(0, -1).map((l) => l.seq)).toEqual(Array.from({ length: summary.rows }, (_, i) => i + 1));

    // The two documented blocks, verbatim, with the export's name put in.
    const { stdout } = await run('sh', ['-c', shellRecipe.replace(/audit\.jsonl/g, 'full.jsonl')], { cwd: dir });
    expect(stdout).toContain(`${teamId}: rows verified from genesis to the checkpoint`);
    expect(stdout).toContain('OK');
    expect(stdout).toContain('Signature Verified Successfully');
    expect((await readdir(dir)).filter((f) => f.endsWith('.sig'))).toHaveLength(1);
  });

  it('the recipe catches an edited row and a forged checkpoint signature', async () => {
    const { teamId } = await busyTeam();
    const { text } = await exportTo('edited.jsonl', { format: 'jsonl', teamId, signer });
    await writeFile(join(dir, 'edited.jsonl'), text.replace('"amount":1234.56', '"amount":99'));
    const edited = await python('edited.jsonl');
    expect(edited.code).toBe(1);
    expect(edited.out).toMatch(new RegExp(`${teamId} seq \\d+: hash does not match the row`));

    const lines = text.trim().split('\n');
    const checkpoint = JSON.parse(lines.at(-1) as string) as { payload: string; signature: string; seq: number };
    const forged = { ...checkpoint, payload: checkpoint.payload.replace(/signed_at=.*/, 'signed_at=2020-01-01T00:00:00.000Z') };
    await writeFile(join(dir, 'forged.jsonl'), `${[...lines.slice(0, -1), JSON.stringify(forged)].join('\n')}\n`);
    await rm(join(dir, `checkpoint-${teamId}-${checkpoint.seq}.payload`), { force: true });
    await python('forged.jsonl');
    const verify = await run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'public.pem', '-rawin', '-in', `checkpoint-${teamId}-${checkpoint.seq}.payload`, '-sigfile', `checkpoint-${teamId}-${checkpoint.seq}.sig`], { cwd: dir })
      .then((r) => r.stdout, (e: { stdout: string }) => e.stdout);
    expect(verify).toContain('Signature Verification Failure');
  });

  it('filters by submission, workflow and time, still ending in the checkpoint', async () => {
    const { teamId, submissionId } = await busyTeam();
    const bySubmission = await exportTo('sub.jsonl', { format: 'jsonl', teamId, submissionId, signer });
    const rows = bySubmission.text.trim().split('\n').map((l) => JSON.parse(l) as { record: string; submissionId?: string });
    expect(rows.slice(0, -1).every((r) => r.submissionId === submissionId)).toBe(true);
    expect(rows.slice(0, -1).length).toBeGreaterThan(3);
    expect(rows.at(-1)?.record).toBe('checkpoint');
    expect((await python('sub.jsonl')).out).toContain('individually (filtered export)');

    const byWorkflow = await exportTo('wf.jsonl', { format: 'jsonl', teamId, workflowKey: 'purchase-order', signer });
    expect(byWorkflow.summary.rows).toBeGreaterThan(bySubmission.summary.rows);
    const none = await exportTo('none.jsonl', { format: 'jsonl', teamId, from: new Date(Date.now() + 3_600_000), signer });
    expect(none.summary.rows).toBe(0);
    expect(none.text.trim().split('\n')).toHaveLength(1);
  });

  it('writes CSV that the documented recipe verifies, holding every column to the hashed body', async () => {
    const { teamId } = await busyTeam();
    const { text } = await exportTo('full.csv', { format: 'csv', teamId, signer });
    // Only this export's checkpoint files (an earlier case leaves a forged one behind on purpose).
    for (const file of (await readdir(dir)).filter((f) => f.startsWith('checkpoint-'))) await rm(join(dir, file));
    const { stdout } = await run('sh', ['-c', shellRecipe.replace(/audit\.jsonl/g, 'full.csv')], { cwd: dir });
    expect(stdout).toContain(`${teamId}: rows verified from genesis to the checkpoint`);
    expect(stdout).toContain('OK');
    expect(stdout).toContain('Signature Verified Successfully');

    // A column that repeats a body member is not hashed itself: editing it alone must still be caught.
    const lines = text.split('\n');
    const index = lines.findIndex((l) => l.startsWith(`event,${teamId},`) && /,U[A-Z0-9]+,/.test(l));
    const line = lines[index] as string;
    const actor = /,(U[A-Z0-9]+),/.exec(line)?.[1] as string;
    const edited = [...lines];
    edited[index] = line.replace(`,${actor},`, ',UMALLORY01,');
    expect(edited[index]).not.toBe(line);
    await writeFile(join(dir, 'actor.csv'), edited.join('\n'));
    const seq = line.split(',')[2];
    const actorEdit = await python('actor.csv');
    expect(actorEdit.code).toBe(1);
    expect(actorEdit.out).toContain(`${teamId} seq ${seq}: column actor_id differs from the hashed body`);
    expect(actorEdit.out).not.toContain('hash does not match');

    const bodyEdit = [...lines];
    bodyEdit[index] = line.replace(`""actorId"": ""${actor}""`, '""actorId"": ""UMALLORY01""');
    expect(bodyEdit[index]).not.toBe(line);
    await writeFile(join(dir, 'body.csv'), bodyEdit.join('\n'));
    const bodyResult = await python('body.csv');
    expect(bodyResult.code).toBe(1);
    expect(bodyResult.out).toContain(`${teamId} seq ${seq}: hash does not match the row`);
  });

  it('npm run audit:export streams a chain to a file, and without a key ends at the newest stored checkpoint', async () => {
    const { teamId } = await busyTeam();
    const env = { ...process.env, DATABASE_URL: testDatabaseUrl(), AUDIT_SIGNING_KEY: testKey.privateKeyPem };
    const cli = (args: string[], extra: Record<string, string> = {}) => run(process.execPath, ['--experimental-strip-types', '--no-warnings', 'src/cli/audit-export.ts', ...args], { env: { ...env, ...extra } });
    const out = join(dir, 'cli.jsonl');
    const signed = await cli(['--format', 'jsonl', '--team', teamId, '--out', out]);
    expect(signed.stderr).toMatch(/exported \d+ rows from 1 chain/);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    const checkpoint = JSON.parse(lines.at(-1) as string) as { seq: number; hash: string };
    expect(checkpoint.seq).toBe(lines.length - 1);
    await appendEvents(app.deps, teamId, 2);
    const unsigned = await cli(['--format', 'csv', '--team', teamId], { AUDIT_SIGNING_KEY: '' });
    // The checkpoint row (its payload is a quoted multi-line field) ends the file at the stored checkpoint.
    expect(unsigned.stdout).toContain(`\ncheckpoint,${teamId},${checkpoint.seq},`);
    expect(unsigned.stdout).toContain(`\nevent,${teamId},${checkpoint.seq},`);
    expect(unsigned.stdout).not.toContain(`\nevent,${teamId},${checkpoint.seq + 1},`);
    const bad = await cli(['--format', 'xml']).then(() => 0, (e: { code: number }) => e.code);
    expect(bad).toBe(2);
  });
});
