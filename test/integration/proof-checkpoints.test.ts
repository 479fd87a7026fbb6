import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, computeHash, encodeBody, type AuditRow } from '../../src/domain/index.ts';
import { generateSigningKey, loadSigningKey, publicKeyOf, signCheckpoint } from '../../src/domain/checkpoint.ts';
import { createTestApp, testDatabaseUrl, uniqueTeamId, type TestApp } from '../support/db.ts';
import { appendEvents, chainRows, insertRow, tamperConnection, testEnv, testKey } from '../support/proof.ts';
import { startApp } from '../../src/app.ts';
import { checkpointPlugin } from '../../src/jobs/checkpoint-signer.ts';
import { createSlackClient } from '../../src/jobs/slack-client.ts';
import { singleWorkspaceClients } from '../../src/jobs/slack-clients.ts';
import { createSlackDirectory } from '../../src/slack/slack-directory.ts';

const run = promisify(execFile);
let app: TestApp;
const privateKey = loadSigningKey(testKey.privateKeyPem);
const publicKey = publicKeyOf(privateKey);
const signer = { privateKey };

beforeAll(async () => { app = await createTestApp(); });
afterAll(() => app.orm.close());

/** A chain of `before` events, a checkpoint over them, then `after` more events. */
async function chainWithCheckpoint(before: number, after: number): Promise<{ teamId: string; checkpointSeq: number }> {
  const teamId = uniqueTeamId();
  await appendEvents(app.deps, teamId, before);
  const signed = await app.services.checkpoints.signChain(teamId, signer);
  if (after > 0) await appendEvents(app.deps, teamId, after, 'after');
  return { teamId, checkpointSeq: signed?.checkpoint.seq ?? -1 };
}

async function tamper(work: (client: Awaited<ReturnType<typeof tamperConnection>>) => Promise<void>): Promise<void> {
  const client = await tamperConnection();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

const verify = (teamId: string) => app.services.checkpoints.verify(teamId, publicKey);

describe('signed checkpoints', () => {
  it('sign the head before their own event, record it, and queue a post for the witness channel', async () => {
    const teamId = uniqueTeamId();
    await appendEvents(app.deps, teamId, 5);
    const first = await app.services.checkpoints.signChain(teamId, { privateKey, channelId: 'C0WITNESS' });
    expect(first?.created).toBe(true);
    expect(first?.checkpoint).toMatchObject({ chainId: teamId, seq: 5, count: 5, eventSeq: 6, keyId: testKey.keyId });
    const [event] = await app.orm.em.fork().execute<{ type: string; seq: string; details: Record<string, unknown> }[]>('select type, seq, details from audit_event where chain_id = ? and seq = 6', [teamId]);
    expect(event?.type).toBe('checkpoint.signed');
    expect(event?.details).toMatchObject({ seq: 5, hash: first?.checkpoint.hash, signature: first?.checkpoint.signature });
    const [fifth] = await app.orm.em.fork().execute<{ hash: string }[]>('select hash from audit_event where chain_id = ? and seq = 5', [teamId]);
    expect(first?.checkpoint.hash).toBe(fifth?.hash);
    const outbox = await app.orm.em.fork().execute<{ topic: string; payload: { channelId: string; text: string } }[]>('select topic, payload from outbox where team_id = ? and topic = ?', [teamId, 'checkpoint.post']);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]?.payload.channelId).toBe('C0WITNESS');
    expect(outbox[0]?.payload.text).toContain(`seq=5\nhash=${fifth?.hash}`);
    expect(outbox[0]?.payload.text).toContain('signature=');

    // Nothing new but its own event: the same checkpoint again, no new event.
    const again = await app.services.checkpoints.signChain(teamId, signer);
    expect(again).toMatchObject({ created: false, checkpoint: { seq: 5 } });
    await appendEvents(app.deps, teamId, 2);
    const next = await app.services.checkpoints.signChain(teamId, signer);
    expect(next?.checkpoint).toMatchObject({ seq: 8, eventSeq: 9 });
    expect(await verify(teamId)).toMatchObject({ ok: true, checked: 9, checkpoints: 2, signaturesChecked: true });
  });

  it('signAll signs every changed chain', async () => {
    const a = uniqueTeamId();
    await appendEvents(app.deps, a, 1);
    const signed = await app.services.checkpoints.signAll(signer);
    expect(signed.map((c) => c.chainId)).toContain(a);
    const again = await app.services.checkpoints.signAll(signer);
    expect(again.map((c) => c.chainId)).not.toContain(a);
  });
});

describe('checkpointPlugin', () => {
  it('signs changed chains on its timer and stops cleanly', async () => {
    const teamId = uniqueTeamId();
    await appendEvents(app.deps, teamId, 3);
    const running = await startApp(testEnv(), [checkpointPlugin({ intervalMs: 50 })]);
    try {
      await expect.poll(async () => (await app.services.checkpoints.latest(teamId))?.seq ?? 0, { timeout: 5000, interval: 50 }).toBe(3);
      await appendEvents(app.deps, teamId, 2);
      await expect.poll(async () => (await app.services.checkpoints.latest(teamId))?.seq ?? 0, { timeout: 5000, interval: 50 }).toBe(6);
    } finally {
      await running.stop();
    }
    expect(await verify(teamId)).toMatchObject({ ok: true, checkpoints: 2 });
  });

  it('signs nothing without a signing key: it schedules nothing at all', async () => {
    // The plug-ins' Slack clients and directory, which checkpoint signing never asks.
    const unusedClients = singleWorkspaceClients(createSlackClient('xoxb-unused', 'http://127.0.0.1:9/'));
    const unused = { slackClients: unusedClients, slackDirectory: createSlackDirectory((team) => unusedClients.forTeam(team)) };
    const teamId = uniqueTeamId();
    await appendEvents(app.deps, teamId, 2);
    const withKey = await checkpointPlugin({ intervalMs: 50 })({ env: testEnv(), services: app.services, deps: app.deps, ...unused });
    expect(withKey.components?.map((c) => c.name)).toEqual(['audit-checkpoints']);
    await Promise.all(withKey.components?.map((c) => c.stop()) ?? []);
    expect((await app.services.checkpoints.latest(teamId))?.seq).toBe(2);
    const otherTeam = uniqueTeamId();
    await appendEvents(app.deps, otherTeam, 2);

    // Started without a key, the plug-in hands back nothing to stop: no timer, no round in flight, so nothing can sign later.
    const withoutKey = await checkpointPlugin({ intervalMs: 50 })({ env: testEnv({ AUDIT_SIGNING_KEY: '' }), services: app.services, deps: app.deps, ...unused });
    expect(withoutKey).toEqual({});
    expect(await app.services.checkpoints.latest(otherTeam)).toBeNull();
  });
});

describe('verification detects tampering at the right sequence number', () => {
  it('an edited row', async () => {
    const { teamId } = await chainWithCheckpoint(6, 4);
    await tamper((c) => c.query(`update audit_event set reason = 'nothing to see' where chain_id = $1 and seq = 4`, [teamId]).then(() => undefined));
    expect((await verify(teamId)).problem).toMatchObject({ kind: 'edited', seq: 4 });
  });

  it('a deleted row', async () => {
    const { teamId } = await chainWithCheckpoint(6, 4);
    await tamper((c) => c.query('delete from audit_event where chain_id = $1 and seq = 9', [teamId]).then(() => undefined));
    expect((await verify(teamId)).problem).toMatchObject({ kind: 'removed', seq: 9 });
  });

  it('an inserted row (later rows shifted up)', async () => {
    const { teamId } = await chainWithCheckpoint(6, 4);
    await tamper(async (c) => {
      const rows = await chainRows(c, teamId);
      await c.query('update audit_event set seq = -seq where chain_id = $1 and seq >= 3', [teamId]);
      await c.query('update audit_event set seq = -seq + 1 where chain_id = $1 and seq < 0', [teamId]);
      const before = rows[1] as AuditRow;
      const fake = { ...before, seq: 3, eventId: '11111111-1111-4111-8111-111111111111', reason: 'backdated approval', prevHash: before.hash };
      await insertRow(c, { ...fake, hash: computeHash(fake.prevHash, teamId, 3, fake.occurredAt, encodeBody(fake)) });
    });
    expect((await verify(teamId)).problem).toMatchObject({ kind: 'inserted', seq: 3 });
  });

  it('reordered rows', async () => {
    const { teamId } = await chainWithCheckpoint(6, 4);
    await tamper(async (c) => {
      await c.query('update audit_event set seq = -1 where chain_id = $1 and seq = 5', [teamId]);
      await c.query('update audit_event set seq = 5 where chain_id = $1 and seq = 6', [teamId]);
      await c.query('update audit_event set seq = 6 where chain_id = $1 and seq = -1', [teamId]);
    });
    expect((await verify(teamId)).problem).toMatchObject({ kind: 'reordered', seq: 5 });
  });

  it('the tail cut off after a checkpoint', async () => {
    const { teamId, checkpointSeq } = await chainWithCheckpoint(8, 3);
    expect(checkpointSeq).toBe(8);
    await tamper((c) => c.query('delete from audit_event where chain_id = $1 and seq >= 6', [teamId]).then(() => undefined));
    const report = await verify(teamId);
    expect(report.problem).toMatchObject({ kind: 'truncated', seq: 6 });
    expect(report.checked).toBe(5);
  });

  it('a whole chain deleted still has its checkpoints', async () => {
    const { teamId } = await chainWithCheckpoint(3, 0);
    await tamper((c) => c.query('delete from audit_event where chain_id = $1', [teamId]).then(() => undefined));
    const reports = await app.services.checkpoints.verifyAll(publicKey);
    expect(reports.find((r) => r.chainId === teamId)?.problem).toMatchObject({ kind: 'truncated', seq: 1 });
  });

  it('a chain rewritten from the start with recomputed hashes (without the signing key)', async () => {
    const { teamId, checkpointSeq } = await chainWithCheckpoint(7, 5);
    await tamper(async (c) => {
      const rows = await chainRows(c, teamId);
      await c.query('delete from audit_event where chain_id = $1', [teamId]);
      let prev = GENESIS_HASH;
      for (const row of rows) {
        const changed = row.seq === 2 ? { ...row, details: { label: 'rewritten' } } : row;
        const hash = computeHash(prev, teamId, row.seq, row.occurredAt, encodeBody(changed));
        await insertRow(c, { ...changed, prevHash: prev, hash });
        prev = hash;
      }
    });
    const report = await verify(teamId);
    expect(report.problem).toMatchObject({ kind: 'rewritten', seq: checkpointSeq });
    expect(report.problem?.message).toContain(`rows 1..${checkpointSeq}`);
    // The chain on its own still looks fine: only the signed checkpoint exposes the rewrite.
    expect((await app.services.audit.verify(teamId)).ok).toBe(true);
  });

  it('a checkpoint forged with another key, or altered', async () => {
    const { teamId } = await chainWithCheckpoint(4, 2);
    const head = await app.orm.em.fork().execute<{ seq: string; hash: string }[]>('select seq, hash from audit_event where chain_id = ? order by seq desc limit 1', [teamId]);
    const forged = signCheckpoint({ chainId: teamId, seq: Number(head[0]?.seq), hash: head[0]?.hash ?? '', count: Number(head[0]?.seq), signedAt: new Date().toISOString() }, loadSigningKey(generateSigningKey().privateKeyPem));
    await tamper((c) => c.query(
      'insert into audit_checkpoint (chain_id, seq, hash, count, signed_at, key_id, payload, signature, event_seq) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)',
      [teamId, forged.seq, forged.hash, forged.count, forged.signedAt, forged.keyId, forged.payload, forged.signature, forged.seq + 1],
    ).then(() => undefined));
    expect((await verify(teamId)).problem).toMatchObject({ kind: 'bad_checkpoint', seq: forged.seq });
    expect((await verify(teamId)).problem?.message).toContain('signed with key');
  });

  it('the database refuses to change or delete checkpoints', async () => {
    const { teamId } = await chainWithCheckpoint(2, 0);
    await expect(app.orm.em.fork().execute('delete from audit_checkpoint where chain_id = ?', [teamId])).rejects.toThrow(/append-only/);
  });
});

describe('npm run audit:verify', () => {
  const cli = (teamId: string, extraEnv: Record<string, string> = {}) => run(process.execPath, ['--experimental-strip-types', '--no-warnings', 'src/cli/audit-verify.ts', '--team', teamId], {
    env: { ...process.env, DATABASE_URL: testDatabaseUrl(), AUDIT_SIGNING_KEY: '', AUDIT_PUBLIC_KEY: testKey.publicKeyPem, ...extraEnv },
  }).then((r) => ({ code: 0, stdout: r.stdout }), (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }));

  it('prints OK with rows/s, or the first problem precisely with exit code 1', async () => {
    const { teamId } = await chainWithCheckpoint(5, 2);
    const ok = await cli(teamId);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`chain ${teamId}: OK, 8 rows up to seq 8, 1 checkpoint\\(s\\), signatures valid \\(\\d+ rows/s\\)`));

    await tamper((c) => c.query('delete from audit_event where chain_id = $1 and seq >= 4', [teamId]).then(() => undefined));
    const broken = await cli(teamId);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`chain ${teamId}: BROKEN at seq 4: truncated`);

    const other = await chainWithCheckpoint(2, 0);
    const wrongKey = await cli(other.teamId, { AUDIT_PUBLIC_KEY: generateSigningKey().publicKeyPem });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toContain(`chain ${other.teamId}: BROKEN at seq 2: bad_checkpoint`);
  });
});
