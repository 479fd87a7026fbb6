/**
 * A decision click is committed before Slack hears back: when the HTTP answer to an approve click arrives, the
 * decision is in the database, or the clicker has already been told that nothing was recorded (and nothing
 * was). Slack's retries of one click record it once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../blocks/ids.ts';
import { decisionModalMetadataSchema, encodeMetadata } from '../../blocks/metadata.ts';
import { cardActionValueSchema, decodeValue, encodeCardAction } from '../../blocks/values.ts';
import { slackOrigin, testDatabaseUrl, uniqueUserId } from '../support/db.ts';
import { actionTs } from '../support/slack-requests.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { blocksText, callsSince, fileAdmin, mark, setupTeam, type Team } from './harness.ts';


let roomy: StartedApp;
let tight: StartedApp;
let db: pg.Pool;
beforeAll(async () => {
  roomy = await startTestApp({ admins: [fileAdmin] });
  // Two slots, nobody may wait for one, and 300 ms to decide.
  tight = await startTestApp({ admins: [fileAdmin], env: { DATABASE_POOL_SIZE: '2', DECISION_QUEUE_LIMIT: '0', DECISION_ACK_BUDGET_MS: '300' } });
  db = new pg.Pool({ connectionString: testDatabaseUrl(), max: 3 });
});
afterAll(async () => {
  await db?.end();
  await Promise.all([roomy?.stop(), tight?.stop()]);
});

/** A request in its manager stage, and what the manager's approve button carries (no worker: no card is posted). */
async function openRequest(started: StartedApp, existing?: Team): Promise<{ team: Team; id: string; value: string }> {
  const team = existing ?? await setupTeam(started);
  const state = await started.app.services.submissions.submit({
    teamId: team.teamId, workflowKey: 'purchase-order', requesterId: team.requester, title: 'A chair', fields: { vendor: 'Acme', amount: '120' },
  }, slackOrigin(team.teamId));
  const stage = state.stages.find((s) => s.status === 'open');
  if (!stage) throw new Error('no open stage');
  return { team, id: state.id, value: encodeCardAction(state.id, stage.id, state.workflowVersion) };
}

const approve = (started: StartedApp, team: Team, value: string, options: { actionTs?: string; retryNum?: number; userId?: string } = {}) =>
  started.requests.action({
    teamId: team.teamId, userId: options.userId ?? team.manager, actionId: ACTION_IDS.approve, value, message: { channelId: `D${team.manager}`, ts: '1700000000.000100' },
    ...(options.actionTs ? { actionTs: options.actionTs } : {}),
  }, options.retryNum === undefined ? {} : { retryNum: options.retryNum });

const approvals = async (submissionId: string): Promise<number> =>
  (await db.query("select 1 from decision where submission_id = $1 and kind = 'approve'", [submissionId])).rowCount ?? 0;

/** Holds the submission's row lock (which every decision on it takes) until the returned function is called. */
async function holdSubmission(submissionId: string): Promise<() => Promise<void>> {
  const client = await db.connect();
  await client.query('begin');
  await client.query('select 1 from submission where id = $1 for update', [submissionId]);
  return async () => {
    await client.query('rollback');
    client.release();
  };
}

describe('an approve click', () => {
  it('is committed by the time its ack arrives', async () => {
    const { team, id, value } = await openRequest(roomy);
    const since = mark(roomy);
    // The decision is made to wait a moment for the submission's lock: the ack waits with it.
    const release = await holdSubmission(id);
    let answered = false;
    const clicked = approve(roomy, team, value).then((answer) => {
      answered = true;
      return answer;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(answered).toBe(false);
    await release();
    const answer = await clicked;
    expect(answer.status).toBe(200);
    // Read at once, as the clicker's Slack client would see its click accepted: the decision is there.
    expect(await approvals(id)).toBe(1);
    expect(callsSince(roomy, since, 'chat.postEphemeral', (a) => a.user === team.manager)).toEqual([]);
  });

  it('that cannot be decided within its budget is rolled back, and its clicker told so before the ack', async () => {
    const { team, id, value } = await openRequest(tight);
    const release = await holdSubmission(id);
    const since = mark(tight);
    let answers;
    try {
      // Two clicks take the two slots and wait for the lock past their 300 ms; the third finds no room to wait.
      answers = await Promise.all([approve(tight, team, value), approve(tight, team, value), approve(tight, team, value)]);
    } finally {
      await release();
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    // The refusals were sent before the acks went out.
    const told = callsSince(tight, since, 'chat.postEphemeral', (a) => a.user === team.manager);
    expect(told).toHaveLength(3);
    for (const call of told) expect(blocksText(call.args)).toMatch(/not recorded.*click again/i);
    expect(await approvals(id)).toBe(0);
    expect(await db.query('select 1 from idempotency_record where submission_id = $1', [id])).toMatchObject({ rowCount: 0 });
    const metrics = await (await fetch(new URL('/metrics', tight.baseUrl))).text();
    expect(metrics).toMatch(/^approvals_slack_work_queue_limit 0$/m);
    expect(metrics).toMatch(/^approvals_slack_work_queued 0$/m);

    // Clicked again once the way is clear: recorded.
    expect((await approve(tight, team, value)).status).toBe(200);
    expect(await approvals(id)).toBe(1);
  });

  it('finding the waiting line full is refused out loud at once, before the clicks ahead of it are answered, and records nothing', async () => {
    const { team, id, value } = await openRequest(tight);
    const release = await holdSubmission(id);
    const since = mark(tight);
    const answered: string[] = [];
    const click = (name: string) => approve(tight, team, value).then((answer) => {
      answered.push(name);
      return answer;
    });
    try {
      const ahead = [click('first'), click('second')];
      // Both slots are taken (the two wait for the lock until their 300 ms are up); nobody may wait for one.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const full = await click('third');
      expect(full.status).toBe(200);
      expect(answered).toEqual(['third']);
      const told = callsSince(tight, since, 'chat.postEphemeral', (a) => a.user === team.manager);
      expect(told).toHaveLength(1);
      expect(blocksText(told[0]?.args ?? {})).toMatch(/not recorded.*click again/i);
      await Promise.all(ahead);
    } finally {
      await release();
    }
    expect(await approvals(id)).toBe(0);
    const metrics = await (await fetch(new URL('/metrics', tight.baseUrl)).then((r) => r.text()));
    expect(metrics).toMatch(/^approvals_slack_work_not_started_total\{reason="queue_full"\} [1-9]/m);
  });

  it("is recorded once when Slack retries it while it is being decided and after", async () => {
    const { team, id, value } = await openRequest(roomy);
    const ts = actionTs();
    const since = mark(roomy);
    const release = await holdSubmission(id);
    // The delivery and Slack's retry both arrive while the decision waits for the lock.
    const during = Promise.all([approve(roomy, team, value, { actionTs: ts }), approve(roomy, team, value, { actionTs: ts, retryNum: 1 })]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await release();
    expect((await during).map((a) => a.status)).toEqual([200, 200]);
    expect(await approvals(id)).toBe(1);
    const after = await approve(roomy, team, value, { actionTs: ts, retryNum: 2 });
    expect(after.status).toBe(200);
    expect(await approvals(id)).toBe(1);
    // Retries replay the recorded outcome silently.
    expect(callsSince(roomy, since, 'chat.postEphemeral', (a) => a.user === team.manager)).toEqual([]);
  });
});

describe('an approve click on a role that follows a Slack user group', () => {
  it("is decided on the group's members as Slack has them at the click", async () => {
    const team = await setupTeam(roomy);
    const [first, second] = team.finance;
    const newcomer = uniqueUserId('FIN');
    roomy.slack.addUser({ id: newcomer, name: newcomer.toLowerCase(), tz: 'Europe/Berlin' });
    const group = `S${newcomer}`;
    roomy.slack.addUserGroup(group, [first, second]);
    await roomy.app.services.directory.setRole(team.teamId, team.admin, { name: 'finance', members: [first, second], slackUsergroupId: group }, slackOrigin(team.teamId));
    const { id, value } = await openRequest(roomy, team);
    expect((await approve(roomy, team, value)).status).toBe(200);
    const finance = (await roomy.app.services.submissions.get(team.teamId, id)).stages.find((s) => s.status === 'open');
    if (!finance) throw new Error('no finance stage');
    const financeValue = encodeCardAction(id, finance.id, 1);

    // In Slack the group changes after the stage opened: the newcomer may decide, the one who left may not.
    roomy.slack.addUserGroup(group, [first, newcomer]);
    const since = mark(roomy);
    expect((await approve(roomy, team, financeValue, { userId: newcomer })).status).toBe(200);
    expect((await approve(roomy, team, financeValue, { userId: second })).status).toBe(200);
    const decided = await db.query<{ actor_id: string }>("select actor_id from decision where submission_id = $1 and stage_instance_id = $2 and kind = 'approve'", [id, finance.id]);
    expect(decided.rows.map((r) => r.actor_id)).toEqual([newcomer]);
    expect(callsSince(roomy, since, 'chat.postEphemeral', (a) => a.user === newcomer)).toEqual([]);
    expect(callsSince(roomy, since, 'chat.postEphemeral', (a) => a.user === second)).toHaveLength(1);
    const members = (await roomy.app.services.directory.listRoles(team.teamId)).find((r) => r.name === 'finance')?.members ?? [];
    expect([...members].sort()).toEqual([first, newcomer].sort());
  });
});

describe('a reason modal (reject)', () => {
  const submitReject = (started: StartedApp, team: Team, value: string, viewId: string) => {
    const card = decodeValue(cardActionValueSchema, value);
    if (!card) throw new Error('bad card value');
    return started.requests.submitView({
      teamId: team.teamId, userId: team.manager,
      view: {
        id: viewId, callbackId: CALLBACK_IDS.decisionModal, blocks: [{ type: 'input', block_id: BLOCK_IDS.reason }],
        privateMetadata: encodeMetadata(decisionModalMetadataSchema, { kind: 'reject', s: card.s, i: card.i, v: card.v, c: null, t: null }),
      },
      values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: 'Over budget' } } },
    });
  };

  it('says "Recorded" only once committed, and otherwise keeps the form open saying nothing was recorded', async () => {
    const { team, id, value } = await openRequest(tight);
    const release = await holdSubmission(id);
    let late;
    try {
      late = await submitReject(tight, team, value, 'VLATE1');
    } finally {
      await release();
    }
    expect(late.json?.response_action).toBe('errors');
    expect(JSON.stringify(late.json?.errors)).toMatch(/not recorded.*click again/i);
    expect((await db.query('select 1 from decision where submission_id = $1', [id])).rowCount).toBe(0);

    const done = await submitReject(tight, team, value, 'VLATE1');
    expect(done.json?.response_action).toBe('update');
    expect(JSON.stringify(done.json?.view)).toContain('Recorded');
    expect((await db.query("select 1 from decision where submission_id = $1 and kind = 'reject'", [id])).rowCount).toBe(1);
  });
});
