/**
 * Lists and big inputs a person can produce: `/approval list` with many long titles full of characters that grow
 * when escaped, and the largest workflow the schema allows imported and exported in Slack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortIdOf } from '../../src/domain/index.ts';
import { slackOrigin } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { fileAdmin, setupTeam, type Team } from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin] });
});
afterAll(async () => {
  await started.stop();
});

async function reply(team: Team, userId: string, text: string): Promise<string> {
  const response = await started.requests.command({ teamId: team.teamId, userId, text });
  expect(response.status).toBe(200);
  expect(response.json?.response_type).toBe('ephemeral');
  return JSON.stringify(response.json?.blocks);
}

describe('/approval list', () => {
  it('drops no request: 57 requests with 150-character titles of & < > come 20 a page, saying how many there are', async () => {
    const team = await setupTeam(started);
    const ids: string[] = [];
    for (let i = 0; i < 57; i++) {
      const title = `${String(i).padStart(2, '0')} ${'R&D <budget> & more '.repeat(8)}`.slice(0, 150);
      const state = await started.app.services.submissions.submit({
        teamId: team.teamId, workflowKey: 'purchase-order', requesterId: team.requester, title, fields: { vendor: 'A&B <Co>', amount: 10 + i },
      }, slackOrigin(team.teamId));
      ids.push(state.id);
    }
    const newestFirst = [...ids].reverse();
    const seen: string[] = [];
    for (const [page, expected] of [[1, 'Showing 1–20 of 57. `/approval list 2` shows the next 20'], [2, 'Showing 21–40 of 57. `/approval list 3` shows the next 17'], [3, 'Showing 41–57 of 57.']] as const) {
      const text = await reply(team, team.requester, page === 1 ? 'list' : `list ${page}`);
      expect(text).toContain(expected);
      expect(text).not.toContain('…');
      for (const id of newestFirst) if (text.includes(`\`${shortIdOf(id)}\``)) seen.push(id);
      // Every title on the page is there whole, escaped.
      expect(text.match(/R&amp;D &lt;budget&gt; &amp; more/g)?.length).toBeGreaterThanOrEqual(7 * (page === 3 ? 17 : 20));
    }
    expect(seen).toEqual(newestFirst);
    expect(await reply(team, team.requester, 'list 4')).toContain('try `/approval list 3`');
    expect(await reply(team, team.requester, 'list two')).toContain('other than a page number');
  });
});
