import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, computeHash, encodeBody } from '../../src/domain/index.ts';
import { checkpointText, generateSigningKey, loadSigningKey, publicKeyOf, signCheckpoint } from '../../src/domain/checkpoint.ts';
import { checkpointsInFile } from '../../src/domain/witness.ts';
import { testDatabaseUrl, uniqueTeamId } from '../support/db.ts';
import { appendEvents, chainRows, insertRow, tamperConnection, testKey } from '../support/proof.ts';
import { createHarness, waitUntil, type Harness } from './jobs-harness.ts';

const run = promisify(execFile);
const privateKey = loadSigningKey(testKey.privateKeyPem);
const publicKey = publicKeyOf(privateKey);
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await createHarness();
  // The witness channel, with the bot invited (the fake refuses channels it does not know or the bot is not in).
  h.fake.addChannel('C0WITNESS', { name: 'audit-witness' });
  dir = await mkdtemp(join(tmpdir(), 'audit-witness-'));
});
afterAll(async () => {
  await h.stop();
  await rm(dir, { recursive: true, force: true });
});

/** What someone able to switch triggers off does to hide a change: the rows, the head, and every stored checkpoint. */
async function tamper(teamId: string, how: 'cut' | 'rewrite', at: number): Promise<void> {
  const c = await tamperConnection();
  try {
    const rows = await chainRows(c, teamId);
    if (how === 'cut') {
      await c.query('delete from audit_event where chain_id = $1 and seq >= $2', [teamId, at]);
      const last = rows[at - 2];
      await c.query('update audit_chain_head set seq = $2, hash = $3 where chain_id = $1', [teamId, at - 1, last?.hash]);
    } else {
      await c.query('delete from audit_event where chain_id = $1', [teamId]);
      let prev = GENESIS_HASH;
      for (const row of rows) {
        const changed = row.seq === at ? { ...row, details: { label: 'rewritten' } } : row;
        const hash = computeHash(prev, teamId, row.seq, row.occurredAt, encodeBody(changed));
        await insertRow(c, { ...changed, prevHash: prev, hash });
        prev = hash;
      }
      await c.query('update audit_chain_head set hash = $2 where chain_id = $1', [teamId, prev]);
    }
    await c.query('delete from audit_checkpoint where chain_id = $1', [teamId]);
  } finally {
    await c.end();
  }
}

/** A chain of 6 events, a checkpoint over them kept in an export file, then 3 more events. */
async function chainWithExport(file: string): Promise<{ teamId: string; seq: number }> {
  const teamId = uniqueTeamId();
  await appendEvents(h.deps, teamId, 6);
  let text = '';
  await h.services.exports.exportAudit((chunk) => { text += chunk; }, { format: 'jsonl', teamId, signer: { privateKey } });
  await writeFile(join(dir, file), text);
  await appendEvents(h.deps, teamId, 3, 'after');
  return { teamId, seq: 6 };
}

const cli = (args: string[], env: Record<string, string> = {}) => run(process.execPath, ['--experimental-strip-types', '--no-warnings', 'src/cli/audit-verify.ts', ...args], {
  env: { ...process.env, DATABASE_URL: testDatabaseUrl(), AUDIT_SIGNING_KEY: '', AUDIT_PUBLIC_KEY: testKey.publicKeyPem, AUDIT_CHANNEL_ID: '', ...env },
}).then((r) => ({ code: 0, stdout: r.stdout }), (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }));

describe('checkpoints kept outside the database catch what deleting the stored ones hides', () => {
  it('a cut tail: the export the auditors kept still covers the cut rows', async () => {
    const { teamId } = await chainWithExport('cut.jsonl');
    const kept = checkpointsInFile(await readFile(join(dir, 'cut.jsonl'), 'utf8'), 'cut.jsonl');
    expect(kept.map((c) => c.seq)).toEqual([6]);
    await tamper(teamId, 'cut', 4);

    // The database alone now looks fine: a shorter, intact chain and no checkpoints.
    expect(await h.services.checkpoints.verify(teamId, publicKey)).toMatchObject({ ok: true, checked: 3, checkpoints: 0 });
    const report = await h.services.checkpoints.verify(teamId, publicKey, kept);
    expect(report.problem).toMatchObject({ kind: 'truncated', seq: 4, source: `cut.jsonl line 7` });
    expect(report.problem?.message).toContain('(cut.jsonl line 7) covers seq 6');

    const out = await cli(['--team', teamId, '--checkpoints', join(dir, 'cut.jsonl')]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`chain ${teamId}: BROKEN at seq 4: truncated: the chain ends at seq 3, but the checkpoint signed at`);
    expect(out.stdout).toContain('(cut.jsonl line 7)');
    expect((await cli(['--team', teamId])).code).toBe(0);
  });

  it('a rewrite from genesis with recomputed hashes: the kept checkpoint no longer matches', async () => {
    const { teamId, seq } = await chainWithExport('rewrite.jsonl');
    await tamper(teamId, 'rewrite', 2);
    expect((await h.services.checkpoints.verify(teamId, publicKey)).ok).toBe(true);
    const out = await cli(['--team', teamId, '--checkpoints', join(dir, 'rewrite.jsonl')]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`chain ${teamId}: BROKEN at seq ${seq}: rewritten: row ${seq} has hash`);
    expect(out.stdout).toContain(`(rewrite.jsonl line 7) says`);
  });

  it('a chain deleted outright, head and checkpoints included, is reported from the checkpoints kept outside', async () => {
    const { teamId } = await chainWithExport('gone.jsonl');
    const c = await tamperConnection();
    try {
      await c.query('delete from audit_event where chain_id = $1', [teamId]);
      await c.query('delete from audit_checkpoint where chain_id = $1', [teamId]);
      await c.query('delete from audit_chain_head where chain_id = $1', [teamId]);
    } finally {
      await c.end();
    }
    const out = await cli(['--team', teamId, '--checkpoints', join(dir, 'gone.jsonl')]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`chain ${teamId}: BROKEN at seq 1: truncated`);
  });

  it('a forged or altered checkpoint in the file is named, and a file without checkpoints is refused', async () => {
    const { teamId } = await chainWithExport('kept.jsonl');
    const forged = signCheckpoint({ chainId: teamId, seq: 3, hash: 'a'.repeat(64), count: 3, signedAt: new Date().toISOString() }, loadSigningKey(generateSigningKey().privateKeyPem));
    await writeFile(join(dir, 'forged.txt'), `${checkpointText(forged)}\n`);
    const out = await cli(['--team', teamId, '--checkpoints', join(dir, 'kept.jsonl'), '--checkpoints', join(dir, 'forged.txt')]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`BROKEN at seq 3: bad_checkpoint: the checkpoint signed at ${forged.signedAt} (forged.txt line 1) for seq 3 is not valid: signed with key`);

    await writeFile(join(dir, 'empty.txt'), 'nothing here\n');
    const empty = await cli(['--team', teamId, '--checkpoints', join(dir, 'empty.txt')]);
    expect(empty.code).toBe(1);
    expect(empty.stdout).toContain('empty.txt holds no checkpoint');
  });
});

describe('the witness channel, read back from Slack', () => {
  it('pages through the channel, counts only the app\'s own posts, and names the post a rewrite breaks', async () => {
    // The harness's worker relays this team's outbox, which posts the checkpoint to the channel.
    const teamId = h.teamId;
    await appendEvents(h.deps, teamId, 5);
    await h.services.checkpoints.signChain(teamId, { privateKey, channelId: 'C0WITNESS' });
    const post = await waitUntil(() => h.fake.callsTo('chat.postMessage').find((c) => c.args.channel === 'C0WITNESS' && c.response?.ok === true), 10_000, 'the witness post');
    await appendEvents(h.deps, teamId, 2, 'after');
    // A busy channel: the post is several pages back. A person's copy of a forged checkpoint does not count.
    for (let i = 0; i < 450; i++) h.fake.postAsUser('C0WITNESS', 'U0CHATTY', `message ${i}`);
    const forged = signCheckpoint({ chainId: teamId, seq: 2, hash: 'b'.repeat(64), count: 2, signedAt: new Date().toISOString() }, loadSigningKey(generateSigningKey().privateKeyPem));
    h.fake.postAsUser('C0WITNESS', 'U0MALLORY', `\`\`\`${checkpointText(forged)}\`\`\``);
    const slack = { AUDIT_CHANNEL_ID: 'C0WITNESS', SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: h.fake.url };

    const before = h.fake.callsTo('conversations.history').length;
    const ok = await cli(['--team', teamId], slack);
    expect(ok.stdout).toContain('witness channel C0WITNESS: 1 checkpoint(s) read back');
    expect(ok.stdout).toContain(`chain ${teamId}: OK, 8 rows up to seq 8, 1 checkpoint(s) and 1 kept outside the database, signatures valid`);
    expect(ok.code).toBe(0);
    const pages = h.fake.callsTo('conversations.history').slice(before);
    expect(pages.length).toBe(3);
    expect(pages.slice(1).every((c) => typeof c.args.cursor === 'string')).toBe(true);

    await tamper(teamId, 'rewrite', 3);
    const broken = await cli(['--team', teamId], slack);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`chain ${teamId}: BROKEN at seq 5: rewritten`);
    expect(broken.stdout).toContain(`(Slack C0WITNESS message ${String(post.response?.ts)}) says`);
    // Without the witness the database alone cannot tell.
    expect((await cli(['--team', teamId, '--no-slack'], slack)).code).toBe(0);
  });

  it('fails, rather than skipping it, when the configured witness channel cannot be read', async () => {
    const teamId = uniqueTeamId();
    await appendEvents(h.deps, teamId, 1);
    const out = await cli(['--team', teamId], { AUDIT_CHANNEL_ID: 'C0NOWHERE', SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: h.fake.url });
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('could not read the witness channel C0NOWHERE');
    expect(out.stdout).toContain('channel_not_found');
  });
});
