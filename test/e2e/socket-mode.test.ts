import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slashCommandBody } from '../support/slack-requests.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { fileAdmin, setupTeam } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  // With an app-level token the app connects over Socket Mode, through SLACK_API_URL, and needs no public URL.
  started = await startTestApp({ admins: [fileAdmin], env: { SLACK_APP_TOKEN: 'xapp-1-A0APP-1-test' } });
  await started.slack.socketMode.connected();
});
afterAll(() => started.stop());

describe('Socket Mode', () => {
  it('opens the connection with the app-level token and answers commands over it', async () => {
    // Start-up checks the app-level token with one call, then the connection opens with another.
    const open = started.slack.callsTo('apps.connections.open');
    expect(open.length).toBeGreaterThanOrEqual(2);
    expect(new Set(open.map((c) => c.token))).toEqual(new Set(['xapp-1-A0APP-1-test']));

    const team = await setupTeam(started);
    const payload = Object.fromEntries(new URLSearchParams(slashCommandBody({ teamId: team.teamId, userId: team.requester, text: 'help' })));
    const ack = await started.slack.socketMode.deliver('slash_commands', payload);
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(ack.payload)).toContain('/approval list');
  });

  it('opens the request modal through the Web API when asked for a new request', async () => {
    const team = await setupTeam(started);
    const payload = Object.fromEntries(new URLSearchParams(slashCommandBody({ teamId: team.teamId, userId: team.requester, text: 'new purchase-order' })));
    await started.slack.socketMode.deliver('slash_commands', payload);
    const opened = await started.slack.waitFor((c) => c.method === 'views.open' && c.response?.ok === true);
    expect(JSON.stringify(opened.args.view)).toContain('Purchase order');
  });

  it('does not serve /slack/events over HTTP in Socket Mode', async () => {
    const response = await fetch(`${started.baseUrl}/slack/events`, { method: 'POST', body: 'x=1' });
    expect(response.status).toBe(404);
  });
});
