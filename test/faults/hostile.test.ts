/**
 * Hostile and broken input at `/slack/events` of the running app: each gets a clear refusal (401 for what
 * Slack did not sign, 4xx for what cannot be read, an inline error or ephemeral for what a person typed), never
 * a 5xx, and changes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, fieldActionId, fieldBlockId } from '../../blocks/ids.ts';
import { MAX_TEXT_VALUE, MAX_TITLE_LENGTH } from '../../src/domain/fields.ts';
import { MAX_REASON_LENGTH } from '../../src/domain/index.ts';
import { oneStageWorkflow, waitUntil } from '../integration/jobs-harness.ts';
import { blockActionsPayload, slackSignature, type SlackResponse } from '../support/slack-requests.ts';
import { expectNothingLostOrDuplicated } from './invariants.ts';
import { stackPerFile, type Card, type Stack } from './stack.ts';

const currentStack = stackPerFile();
let stack: Stack;
let requester: string;
let reviewer: string;
let card: Card;
beforeAll(async () => {
  stack = currentStack();
  [requester, reviewer] = stack.people('H', 2) as [string, string];
  await stack.publish(oneStageWorkflow('hostile', [reviewer], {}, {
    fields: [
      { id: 'system', label: 'System', type: 'short_text', required: true },
      { id: 'notes', label: 'Notes', type: 'long_text' },
    ],
  }));
  const id = await stack.submit('hostile', requester);
  const stage = (await stack.services.submissions.get(stack.teamId, id)).stages[0]?.id ?? '';
  card = await stack.cardFor(reviewer, stage);
}, 60_000);

const TABLES = ['submission', 'decision', 'audit_event', 'outbox', 'idempotency_record'] as const;
type Counts = Record<(typeof TABLES)[number], number>;

/** Row counts of everything a request could change. */
async function state(): Promise<Counts> {
  const [row] = await stack.sql<Record<string, string>>(`select ${TABLES.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ')}`);
  return Object.fromEntries(TABLES.map((t) => [t, Number(row?.[t])])) as Counts;
}

/**
 * Sends `request`, expects `status`, waits for `finished` (the last thing the listener does after its ack, when
 * the request reached one), and checks that nothing changed. A request Bolt refuses (401, 400, 404) never reaches
 * a listener, and a modal answered with errors has had its listener's last word in that answer.
 */
async function refusedWithoutChange(
  request: () => Promise<SlackResponse>, status: number | ((s: number) => boolean), finished?: (response: SlackResponse, callsBefore: number) => Promise<unknown>,
): Promise<SlackResponse> {
  const before = await state();
  const callsBefore = stack.slack.calls.length;
  const response = await request();
  if (typeof status === 'number') expect(response.status, response.text).toBe(status);
  else expect(status(response.status), `status ${response.status}: ${response.text}`).toBe(true);
  await finished?.(response, callsBefore);
  expect(await state()).toEqual(before);
  return response;
}

/** The clicker was told the button was damaged: the card-click listener's last step. */
const toldNothingRecorded = (_response: SlackResponse, callsBefore: number) => waitUntil(
  () => stack.slack.calls.slice(callsBefore).some((c) => c.method === 'chat.postEphemeral' && c.args.user === reviewer && JSON.stringify(c.args).includes('nothing was recorded')),
  5000, 'damaged-button message',
);

const form = 'application/x-www-form-urlencoded';
const clickBody = (overrides: Partial<Parameters<typeof blockActionsPayload>[0]> = {}) => new URLSearchParams({
  payload: JSON.stringify(blockActionsPayload({
    teamId: stack.teamId, userId: reviewer, actionId: ACTION_IDS.approve, value: card.value, message: { channelId: card.channelId, ts: card.ts }, ...overrides,
  })),
}).toString();
const now = () => Math.floor(Date.now() / 1000);

describe('requests Slack did not sign', () => {
  it('refuses forged signatures, stale timestamps and missing headers with 401', async () => {
    const body = clickBody();
    await refusedWithoutChange(() => stack.requests.send(body, form, { secret: 'not-the-signing-secret-at-all' }), 401);
    await refusedWithoutChange(() => stack.requests.send(body, form, { signature: 'v0=' + '0'.repeat(64) }), 401);
    await refusedWithoutChange(() => stack.requests.send(body, form, { signature: 'garbage' }), 401);
    await refusedWithoutChange(() => stack.requests.send(body, form, { timestamp: now() - 6 * 60 }), 401);
    // A valid signature of another body (a replayed header on a tampered payload).
    const other = clickBody({ actionTs: '1700000000.000001' });
    const ts = now();
    await refusedWithoutChange(() => stack.requests.send(body, form, { timestamp: ts, signature: slackSignature('x'.repeat(32), ts, other) }), 401);
    await refusedWithoutChange(async () => {
      const res = await fetch(new URL('/slack/events', stack.app.baseUrl), { method: 'POST', headers: { 'content-type': form }, body });
      return { status: res.status, text: await res.text(), json: null };
    }, 401);
  });
});

describe('signed but unreadable requests', () => {
  it('answers malformed bodies with a 4xx', async () => {
    const bodies = [
      ['payload=%7Bnot-json', form],
      ['payload=', form],
      ['payload=%5B1%2C2%5D', form],
      ['payload=%22just%20a%20string%22', form],
      ['{"type":"event_callback"', 'application/json'],
      ['', 'application/json'],
      ['\u0000\u0001binary', 'application/octet-stream'],
    ] as const;
    // Sent together: the ones Bolt parses but nothing handles take its 3 s ack window to be refused (404).
    const before = await state();
    const answers = await Promise.all(bodies.map(([body, type]) => stack.requests.send(body, type)));
    expect(answers.map((a) => a.status)).toEqual([400, 400, 404, 404, 400, 400, 400]);
    expect(await state()).toEqual(before);
  });

  it('answers a payload of several megabytes without a 5xx', async () => {
    const huge = clickBody({ value: 'x'.repeat(4 * 1024 * 1024) });
    await refusedWithoutChange(() => stack.requests.send(huge, form), (s) => s < 500, (response, callsBefore) => (response.status === 200 ? toldNothingRecorded(response, callsBefore) : Promise.resolve()));
  });

  it('answers unknown action and callback ids and unknown events at once, and records nothing', async () => {
    // The catch-all acks what no listener handles well inside Slack's 3 s (and tells the person); events
    // are acked on arrival whatever their type.
    const before = await state();
    const quick = { timeoutMs: 2000 };
    const answers = await Promise.all([
      stack.requests.send(clickBody({ actionId: 'card.self_destruct' }), form, quick),
      stack.requests.submitView({ teamId: stack.teamId, userId: reviewer, view: { id: 'V1', callbackId: 'no_such_modal', privateMetadata: '' }, values: {} }, quick),
      stack.requests.event({ type: 'event_callback', team_id: stack.teamId, event: { type: 'reaction_added', user: reviewer } }, quick),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[1]?.json).toMatchObject({ response_action: 'update' });
    expect(await state()).toEqual(before);
  });

  it('tells the clicker when a button carries a damaged value, and records nothing', async () => {
    for (const value of ['not json', '{"s":"x","i":"y","v":1}', JSON.stringify({ s: card.action.s, i: card.action.i, v: -1 }), '\u0000'.repeat(10), '']) {
      await refusedWithoutChange(() => stack.requests.send(clickBody({ value }), form), 200, toldNothingRecorded);
    }
  });
});

describe('what people type, at and past every limit', () => {
  // Each try is a form of its own: Slack gives every modal its own view id, and one view makes one request.
  let forms = 0;
  const requestForm = (title: string, system: string, notes?: string) => stack.requests.submitView({
    teamId: stack.teamId, userId: requester,
    view: {
      id: `VREQUEST${++forms}`, callbackId: CALLBACK_IDS.requestModal, privateMetadata: JSON.stringify({ k: 'hostile', v: 1, p: null }),
      blocks: [{ type: 'input', block_id: BLOCK_IDS.title }, { type: 'input', block_id: fieldBlockId('system') }, { type: 'input', block_id: fieldBlockId('notes') }],
    },
    values: {
      [BLOCK_IDS.title]: { [ACTION_IDS.title]: { type: 'plain_text_input', value: title } },
      [fieldBlockId('system')]: { [fieldActionId('system')]: { type: 'plain_text_input', value: system } },
      [fieldBlockId('notes')]: { [fieldActionId('notes')]: { type: 'plain_text_input', value: notes ?? null } },
    },
  });
  const submissions = async () => Number((await stack.sql<{ n: string }>('select count(*) as n from submission'))[0]?.n);

  it('accepts the title and fields at their limits, unicode included, and refuses one character more inline', async () => {
    const atTitle = 'Ünïcødé ✓ '.padEnd(MAX_TITLE_LENGTH, 'é');
    const atShort = 'ß'.repeat(MAX_TEXT_VALUE.short_text);
    const atLong = '日本語。'.repeat(MAX_TEXT_VALUE.long_text).slice(0, MAX_TEXT_VALUE.long_text);
    const before = await submissions();
    const accepted = await requestForm(atTitle, atShort, atLong);
    expect(accepted.status).toBe(200);
    expect(accepted.json?.response_action, accepted.text).toBe('update');
    expect(await submissions()).toBe(before + 1);
    const [stored] = await stack.sql<{ title: string; fields: Record<string, string> }>('select title, fields from submission order by created_at desc limit 1');
    expect(stored).toEqual({ title: atTitle, fields: { system: atShort, notes: atLong } });

    for (const [title, system, notes, block] of [
      [atTitle + 'x', 'db', undefined, BLOCK_IDS.title],
      ['ok', atShort + 'x', undefined, fieldBlockId('system')],
      ['ok', 'db', atLong + 'x', fieldBlockId('notes')],
    ] as const) {
      const refused = await refusedWithoutChange(() => requestForm(title, system, notes), 200);
      expect(refused.json?.response_action, refused.text).toBe('errors');
      expect(Object.keys(refused.json?.errors as object)).toEqual([block]);
    }
  });

  it('refuses control characters clearly or stores them verbatim, never a 5xx or a half-made request', async () => {
    for (const nasty of ['nul\u0000byte', 'bell\u0007 esc\u001b[31m', 'rtl\u202Eevil', 'zero\u200Bwidth', 'lone \uD800 surrogate', '<script>&amp;*bold*<!channel>']) {
      const before = await state();
      const response = await requestForm(nasty, nasty);
      expect(response.status, response.text).toBe(200);
      const after = await state();
      if (response.json?.response_action === 'errors') {
        expect(after).toEqual(before);
        expect(JSON.stringify(response.json.errors), JSON.stringify(nasty)).not.toContain('Something went wrong');
      } else {
        expect(response.json?.response_action, response.text).toBe('update');
        expect(after.submission).toBe(before.submission + 1);
      }
    }
  });

  it('accepts a reason at its limit and refuses one character more inline', async () => {
    const [requester2, reviewer2] = stack.people('R', 2) as [string, string];
    await stack.publish(oneStageWorkflow('reasons', [reviewer2, stack.people('S', 1)[0] ?? '']));
    const id = await stack.submit('reasons', requester2);
    const stage = (await stack.services.submissions.get(stack.teamId, id)).stages[0]?.id ?? '';
    const reject = (reason: string) => stack.requests.submitView({
      teamId: stack.teamId, userId: reviewer2,
      view: { id: 'VREASON', callbackId: CALLBACK_IDS.decisionModal, privateMetadata: JSON.stringify({ kind: 'comment', s: id, i: stage, v: 1, c: null, t: null }), blocks: [{ type: 'input', block_id: BLOCK_IDS.reason }] },
      values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: reason } } },
    });
    // A refused decision changes nothing but the audit trail, where the refusal itself is recorded, and the
    // outbox, which asks the worker to redraw the person's card.
    for (const bad of ['ü'.repeat(MAX_REASON_LENGTH + 1), 'why\u0000not', 'esc\u001b[2J']) {
      const before = await state();
      const refused = await reject(bad);
      expect(refused.json?.response_action, refused.text).toBe('errors');
      expect(Object.keys(refused.json?.errors as object)).toEqual([BLOCK_IDS.reason]);
      expect(JSON.stringify(refused.json?.errors)).not.toContain('Something went wrong');
      const after = await state();
      expect({ ...after, audit_event: 0, idempotency_record: 0, outbox: 0 }).toEqual({ ...before, audit_event: 0, idempotency_record: 0, outbox: 0 });
      const added = await stack.sql<{ type: string }>('select type from audit_event order by occurred_at desc, seq desc limit ?', [after.audit_event - before.audit_event]);
      expect(added.map((e) => e.type)).toEqual(Array(added.length).fill('decision.refused'));
      const queued = await stack.sql<{ topic: string }>('select topic from outbox order by id desc limit ?', [after.outbox - before.outbox]);
      expect(queued.map((q) => q.topic)).toEqual(['decision.refused']);
    }
    const atLimit = await reject('ü'.repeat(MAX_REASON_LENGTH));
    expect(atLimit.json?.response_action, atLimit.text).toBe('update');
    await waitUntil(async () => (await stack.sql("select 1 from decision where submission_id = ? and kind = 'comment'", [id])).length === 1, 5000, 'comment recorded');
  });

  it('refuses impossible dates, options not offered, broken unicode and non-users inline, with the validators the API uses', async () => {
    const [typedRequester, typedReviewer] = stack.people('T', 2) as [string, string];
    await stack.publish(oneStageWorkflow('typed', [typedReviewer], {}, {
      fields: [
        { id: 'due', label: 'Due', type: 'date', required: true },
        { id: 'tier', label: 'Tier', type: 'single_select', options: ['gold', 'silver'], required: true },
        { id: 'buyer', label: 'Buyer', type: 'user', required: true },
      ],
    }));
    const typedForm = (state: { due?: string; tier?: string; buyer?: string; title?: string }) => stack.requests.submitView({
      teamId: stack.teamId, userId: typedRequester,
      view: {
        id: `VTYPED${++forms}`, callbackId: CALLBACK_IDS.requestModal, privateMetadata: JSON.stringify({ k: 'typed', v: 1, p: null }),
        blocks: [BLOCK_IDS.title, fieldBlockId('due'), fieldBlockId('tier'), fieldBlockId('buyer')].map((block_id) => ({ type: 'input', block_id })),
      },
      values: {
        [BLOCK_IDS.title]: { [ACTION_IDS.title]: { type: 'plain_text_input', value: state.title ?? 'Typed' } },
        [fieldBlockId('due')]: { [fieldActionId('due')]: { type: 'datepicker', selected_date: state.due ?? '2026-03-01' } },
        [fieldBlockId('tier')]: { [fieldActionId('tier')]: { type: 'static_select', selected_option: { value: state.tier ?? 'gold' } } },
        [fieldBlockId('buyer')]: { [fieldActionId('buyer')]: { type: 'users_select', selected_user: state.buyer ?? typedReviewer } },
      },
    });
    for (const [bad, block] of [
      [{ due: '2026-02-30' }, fieldBlockId('due')], [{ due: '2026-13-01' }, fieldBlockId('due')], [{ due: 'tomorrow' }, fieldBlockId('due')],
      [{ tier: 'gold\u0000' }, fieldBlockId('tier')], [{ tier: 'platinum' }, fieldBlockId('tier')], [{ tier: '\uD800' }, fieldBlockId('tier')],
      [{ buyer: 'not-a-user' }, fieldBlockId('buyer')], [{ title: 'nul\u0000' }, BLOCK_IDS.title], [{ title: '\uDFFF' }, BLOCK_IDS.title],
    ] as const) {
      const refused = await refusedWithoutChange(() => typedForm(bad), 200);
      expect(refused.json?.response_action, refused.text).toBe('errors');
      expect(Object.keys(refused.json?.errors as object), JSON.stringify(bad)).toEqual([block]);
      expect(JSON.stringify(refused.json?.errors)).not.toContain('Something went wrong');
    }
    const accepted = await typedForm({});
    expect(accepted.json?.response_action, accepted.text).toBe('update');
  });

  it('refuses a withdrawal reason that cannot be stored inline, and withdraws nothing', async () => {
    const id = await stack.submit('hostile', requester);
    const withdraw = (reason: string, n: number) => stack.requests.submitView({
      teamId: stack.teamId, userId: requester,
      view: { id: `VWITHDRAW${n}`, callbackId: CALLBACK_IDS.withdrawModal, privateMetadata: JSON.stringify({ s: id }), blocks: [{ type: 'input', block_id: BLOCK_IDS.reason }] },
      values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: reason } } },
    });
    for (const [n, bad] of ['why\u0000not', 'lone \uD800', 'esc\u001b[2J'].entries()) {
      const refused = await refusedWithoutChange(() => withdraw(bad, n), 200);
      expect(refused.json?.response_action, refused.text).toBe('errors');
      expect(Object.keys(refused.json?.errors as object)).toEqual([BLOCK_IDS.reason]);
    }
    expect((await stack.services.submissions.get(stack.teamId, id)).status).toBe('in_review');
  });

  it('leaves the system consistent after all of it', async () => {
    await expectNothingLostOrDuplicated(stack);
  });
});
