/**
 * Whatever Slack sends that no listener handles (a button from an older card, a form from an older modal,
 * a command from an older manifest) is answered at once, and the person is told, instead of Bolt leaving it
 * unanswered until Slack gives up after 3 s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, CALLBACK_IDS } from '../../blocks/ids.ts';
import { uniqueTeamId, uniqueUserId } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { fileAdmin } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin] });
});
afterAll(() => started.stop());

/** Well inside Slack's 3 s: a catch-all that acks answers long before. */
const QUICK = { timeoutMs: 1500 };

function person() {
  const userId = uniqueUserId('OLD');
  started.slack.addUser({ id: userId, name: userId.toLowerCase() });
  return { teamId: uniqueTeamId(), userId };
}

describe('the catch-all', () => {
  it('answers a button it does not know at once, and tells the person in the channel it is no longer supported', async () => {
    const { teamId, userId } = person();
    const response = await started.requests.action({ teamId, userId, actionId: 'legacy_approve_v0', value: 'x', message: { channelId: 'C0CHANNEL', ts: '1700000000.000100' } }, QUICK);
    expect(response.status).toBe(200);
    const told = await started.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.args.user === userId);
    expect(told.args.channel).toBe('C0CHANNEL');
    expect(String(told.args.text)).toContain('That button is no longer supported');
  });

  it('tells the person by DM when the old button was in a modal', async () => {
    const { teamId, userId } = person();
    const response = await started.requests.action({ teamId, userId, actionId: 'legacy_menu', view: { id: 'V0OLD', callbackId: 'legacy_modal' } }, QUICK);
    expect(response.status).toBe(200);
    const told = await started.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === userId);
    expect(String(told.args.text)).toContain('no longer supported');
  });

  it('replaces a submitted form it does not know with a notice', async () => {
    const { teamId, userId } = person();
    const response = await started.requests.submitView({ teamId, userId, view: { id: 'V0OLDFORM', callbackId: 'legacy_request_form', privateMetadata: '' }, values: {} }, QUICK);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ response_action: 'update', view: { type: 'modal', callback_id: CALLBACK_IDS.staleNotice } });
    expect(JSON.stringify(response.json)).toContain('can no longer be submitted');
  });

  it('answers a command it does not handle, pointing at /approval', async () => {
    const { teamId, userId } = person();
    const response = await started.requests.command({ teamId, userId, text: '', command: '/approvals-old' }, QUICK);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ response_type: 'ephemeral' });
    expect(String(response.json?.text)).toContain('/approvals-old');
  });

  it('leaves what the app handles to its own listener, answered once', async () => {
    const { teamId, userId } = person();
    const before = started.slack.calls.length;
    // A known button with a value that is not ours: its own listener refuses it; the catch-all stays out.
    const response = await started.requests.action({ teamId, userId, actionId: ACTION_IDS.approve, value: 'garbage', message: { channelId: 'C0CHANNEL', ts: '1700000000.000200' } }, QUICK);
    expect(response.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const texts = started.slack.calls.slice(before).filter((c) => c.args.user === userId || c.args.channel === userId).map((c) => String(c.args.text));
    expect(texts.some((t) => t.includes('no longer supported'))).toBe(false);
    const help = await started.requests.command({ teamId, userId, text: 'help' }, QUICK);
    expect(String(help.json?.text)).toContain('How to use /approval');
  });
});
