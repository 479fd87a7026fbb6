/**
 * The request form: a re-delivered submission makes one request and one set of cards; every problem is reported
 * at once. Revise and resubmit: the link both ways on cards, `/approval status` and history, what changed for
 * reviewers, and one revision per notice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, fieldActionId, fieldBlockId } from '../../blocks/ids.ts';
import { shortIdOf } from '../../src/domain/index.ts';
import { slackOrigin } from '../support/db.ts';
import { startTestApp, type StartedApp } from '../support/start-app.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';
import {
  blocksText, callsSince, eventually, fileAdmin, formValues, latestRequest, mark, nextView, postOutcomeNotice, postReviewerCard, setupTeam, submitted, type OpenedView, type Team,
} from './harness.ts';

let started: StartedApp;
beforeAll(async () => {
  started = await startTestApp({ admins: [fileAdmin], worker: true });
});
afterAll(async () => {
  await started.stop();
});

async function openForm(team: Team): Promise<OpenedView> {
  const since = mark(started);
  await started.requests.command({ teamId: team.teamId, userId: team.requester, text: 'new purchase-order' });
  return nextView(started, since);
}

const submitForm = (team: Team, view: OpenedView, values: Record<string, Record<string, Record<string, unknown>>>) => started.requests.submitView({
  teamId: team.teamId, userId: team.requester, view: { id: view.id, callbackId: view.callbackId, privateMetadata: view.privateMetadata, blocks: view.blocks }, values,
});

const postsTo = (userId: string, since: number, actionId: string) =>
  callsSince(started, since, 'chat.postMessage', (a) => a.channel === userId).filter((c) => c.response?.ok === true && blocksText(c.args).includes(actionId));

async function reply(team: Team, text: string): Promise<string> {
  const response = await started.requests.command({ teamId: team.teamId, userId: team.requester, text });
  return JSON.stringify(response.json?.blocks);
}

describe('the request form', () => {
  it('makes one request and one set of cards when Slack delivers the same submission again', async () => {
    const team = await setupTeam(started);
    const since = mark(started);
    const form = await openForm(team);
    const values = formValues({ title: 'Ergonomic keyboards', vendor: 'Keyco', amount: '640' });
    const answers = await Promise.all([submitForm(team, form, values), submitForm(team, form, values)]);
    const again = await submitForm(team, form, values);
    for (const answer of [...answers, again]) expect(answer.json?.response_action).toBe('update');
    const ids = new Set([...answers, again].map((a) => JSON.stringify(a.json?.view).match(/submitted as `([0-9a-f]{8})`/)?.[1]));
    expect(ids.size).toBe(1);

    const requests = await started.app.services.submissions.listByRequester(team.teamId, team.requester);
    expect(requests).toHaveLength(1);
    await postReviewerCard(started, team, requests[0]?.id ?? '', team.manager);
    await eventually(() => expect(postsTo(team.requester, since, ACTION_IDS.withdraw)).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(postsTo(team.requester, since, ACTION_IDS.withdraw)).toHaveLength(1);
    expect(postsTo(team.manager, since, ACTION_IDS.approve)).toHaveLength(1);
  });

  it('reports every problem at once: a blank title with a bad amount and a bad link', async () => {
    const team = await setupTeam(started);
    const withLink = purchaseOrderWorkflow({ cfo: team.cfo });
    await started.app.services.workflows.publish(team.teamId, team.admin, {
      ...withLink, fields: [...(withLink.fields ?? []), { id: 'quote', label: 'Quote link', type: 'url' }],
    }, slackOrigin(team.teamId));
    const form = await openForm(team);
    const values = {
      ...formValues({ title: '   ', vendor: 'Acme', amount: 'lots' }),
      [fieldBlockId('quote')]: { [fieldActionId('quote')]: { type: 'plain_text_input', value: 'not a link' } },
    };
    const answer = await submitForm(team, form, values);
    expect(answer.json).toEqual({
      response_action: 'errors',
      errors: {
        [BLOCK_IDS.title]: 'A title is required',
        [fieldBlockId('amount')]: 'Amount must be a number',
        [fieldBlockId('quote')]: 'Quote link must be a link such as https://example.com',
      },
    });
    expect(await started.app.services.submissions.listByRequester(team.teamId, team.requester)).toEqual([]);
  });
});

describe('revise and resubmit', () => {
  it('links the revision both ways, shows reviewers what changed, and allows one revision per notice', async () => {
    const team = await setupTeam(started);
    const original = await submitted(started, team, { title: 'Team offsite', vendor: 'Hotel', amount: '900', notes: 'March' });
    const card = await postReviewerCard(started, team, original.id, team.manager);
    let since = mark(started);
    await started.requests.action({ teamId: team.teamId, userId: team.manager, actionId: ACTION_IDS.requestChanges, value: card.value, message: { channelId: card.channelId, ts: card.ts } });
    const modal = await nextView(started, since);
    await started.requests.submitView({
      teamId: team.teamId, userId: team.manager, view: { id: modal.id, callbackId: modal.callbackId, privateMetadata: modal.privateMetadata, blocks: modal.blocks },
      values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: 'Add the venue' } } },
    });
    const notice = await postOutcomeNotice(started, team, original.id);

    // Two forms opened from the same notice (two clicks before either is sent).
    const revise = async (): Promise<OpenedView> => {
      const at = mark(started);
      await started.requests.action({ teamId: team.teamId, userId: team.requester, actionId: ACTION_IDS.resubmit, value: notice.value, message: { channelId: notice.channelId, ts: notice.ts } });
      return nextView(started, at);
    };
    const [first, second] = [await revise(), await revise()];
    expect(first.callbackId).toBe(CALLBACK_IDS.requestModal);
    since = mark(started);
    const revisedValues = formValues({ title: 'Team offsite at the Alpine', vendor: 'Hotel Alpine', amount: '950', notes: 'March' });
    expect((await submitForm(team, first, revisedValues)).json?.response_action).toBe('update');
    const revision = await latestRequest(started, team);
    expect(revision.predecessorId).toBe(original.id);
    const [oldId, newId] = [shortIdOf(original.id), shortIdOf(revision.id)];

    // The second form from the same notice is refused inline, naming the revision.
    const twice = await submitForm(team, second, revisedValues);
    expect(twice.json?.response_action).toBe('errors');
    expect(JSON.stringify(twice.json)).toContain(`already revised as \`${newId}\``);
    expect(await started.app.services.submissions.listByRequester(team.teamId, team.requester)).toHaveLength(2);

    // The reviewer sees which request this revises, why it came back, and what changed.
    const reviewerCard = await postReviewerCard(started, team, revision.id, team.manager);
    const seen = blocksText(started.slack.getMessage(reviewerCard.channelId, reviewerCard.ts) as unknown as Record<string, unknown>);
    expect(seen).toContain(`Revision of request \`${oldId}\``);
    expect(seen).toContain('Add the venue');
    expect(seen).toContain('*Vendor*: ~Hotel~ → Hotel Alpine');
    expect(seen).toContain('*Amount*: ~900.00 USD~ → 950.00 USD');
    expect(seen).not.toContain('*Notes*: ~');

    // The old notice loses its button and links forward; clicking a copy of it refuses before any form opens.
    await eventually(() => {
      const text = blocksText(started.slack.getMessage(notice.channelId, notice.ts) as unknown as Record<string, unknown>);
      expect(text).toContain(`Already revised as request \`${newId}\``);
      expect(text).not.toContain(ACTION_IDS.resubmit);
    });
    since = mark(started);
    await started.requests.action({ teamId: team.teamId, userId: team.requester, actionId: ACTION_IDS.resubmit, value: notice.value, message: { channelId: notice.channelId, ts: notice.ts } });
    const refusal = await started.slack.waitFor((c) => c.method === 'chat.postEphemeral' && c.args.user === team.requester && started.slack.calls.indexOf(c) >= since);
    expect(blocksText(refusal.args)).toContain(`already revised as \`${newId}\``);
    expect(callsSince(started, since, 'views.open')).toEqual([]);

    // The tracking card, `/approval status` and history carry the link.
    await eventually(() => {
      const [tracking] = postsTo(team.requester, 0, ACTION_IDS.withdraw).filter((c) => blocksText(c.args).includes(newId));
      expect(blocksText(tracking?.args ?? {})).toContain(`Revision of request \`${oldId}\``);
    });
    expect(await reply(team, `status ${newId}`)).toContain(`Revision of request \`${oldId}\``);
    expect(await reply(team, `status ${oldId}`)).toContain(`revised as \`${newId}\``);
    expect(await reply(team, `history ${newId}`)).toContain(`as a revision of \`${oldId}\``);
    expect(await reply(team, `history ${oldId}`)).toContain(`revised as \`${newId}\``);
  });
});
