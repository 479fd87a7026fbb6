/**
 * Shared steps for the requester/reviewer end-to-end tests: a team with a published two-stage workflow
 * (manager, then 2 of the finance role), people known to the fake Slack, and the moves a person makes.
 */
import { expect } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, fieldActionId, fieldBlockId } from '../../blocks/ids.ts';
import { encodeCardAction, encodeRequestAction } from '../../blocks/values.ts';
import type { SubmissionState } from '../../src/domain/index.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';
import { slackOrigin, uniqueTeamId, uniqueUserId } from '../support/db.ts';
import type { RecordedCall } from '../support/fake-slack.ts';
import { appHomeOpenedEvent } from '../support/slack-requests.ts';
import type { StartedApp } from '../support/start-app.ts';

export interface Team {
  readonly teamId: string;
  readonly admin: string;
  readonly requester: string;
  readonly manager: string;
  readonly finance: readonly [string, string, string];
  readonly cfo: string;
  readonly outsider: string;
}

/** Admins must be known when the app starts (APPROVAL_ADMINS); one per test file is enough. */
export const fileAdmin = uniqueUserId('ADM');

export async function setupTeam(started: StartedApp): Promise<Team> {
  const teamId = uniqueTeamId();
  const team: Team = {
    teamId,
    admin: fileAdmin,
    requester: uniqueUserId('REQ'),
    manager: uniqueUserId('MGR'),
    finance: [uniqueUserId('FIN'), uniqueUserId('FIN'), uniqueUserId('FIN')],
    cfo: uniqueUserId('CFO'),
    outsider: uniqueUserId('OUT'),
  };
  for (const id of [team.admin, team.requester, team.manager, ...team.finance, team.cfo, team.outsider]) {
    started.slack.addUser({ id, name: id.toLowerCase(), tz: 'Europe/Berlin' });
  }
  const { services } = started.app;
  const meta = slackOrigin(teamId);
  await services.workflows.publish(teamId, team.admin, purchaseOrderWorkflow({ cfo: team.cfo }), meta);
  await services.directory.setRole(teamId, team.admin, { name: 'finance', members: [...team.finance] }, meta);
  await services.directory.setManager(teamId, team.admin, team.requester, team.manager, meta);
  return team;
}

export interface PublishedHome {
  readonly id: string;
  readonly hash: string;
  readonly blocks: Record<string, unknown>[];
  /** The blocks as one string, for assertions on what a person sees. */
  readonly text: string;
}

/** Opens the Home tab as `userId` (app_home_opened, as Slack sends it) and returns the view the app published. */
export async function openHome(started: StartedApp, team: Team, userId: string): Promise<PublishedHome> {
  const since = mark(started);
  const response = await started.requests.event(appHomeOpenedEvent({ teamId: team.teamId, userId }));
  expect(response.status).toBe(200);
  const call = await started.slack.waitFor((c) => c.method === 'views.publish' && c.args.user_id === userId && started.slack.calls.indexOf(c) >= since);
  expect(call.response?.ok).toBe(true);
  const view = call.response?.view as { id: string; hash: string; type: string; blocks: Record<string, unknown>[] };
  expect(view.type).toBe('home');
  return { id: view.id, hash: view.hash, blocks: view.blocks, text: JSON.stringify(view.blocks) };
}

/** A button clicked on the Home tab: the payload names the home view as its container, as Slack's does. */
export const homeClick = (started: StartedApp, team: Team, userId: string, home: PublishedHome, actionId: string, value: string) =>
  started.requests.action({ teamId: team.teamId, userId, actionId, value, view: { id: home.id, hash: home.hash, type: 'home' } });

/** Resolves once `check` passes (listeners do their slow work after the ack). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

export interface OpenedView {
  readonly id: string;
  readonly hash: string;
  readonly callbackId: string;
  readonly privateMetadata: string;
  readonly blocks: Record<string, unknown>[];
}

function asView(call: RecordedCall): OpenedView {
  const view = call.response?.view as { id: string; hash: string; callback_id: string; private_metadata: string; blocks: Record<string, unknown>[] };
  return { id: view.id, hash: view.hash, callbackId: view.callback_id, privateMetadata: view.private_metadata, blocks: view.blocks };
}

/** The next successful views.open/update after `since` calls, as the app saw it. */
export async function nextView(started: StartedApp, since: number, method: 'views.open' | 'views.update' = 'views.open'): Promise<OpenedView> {
  const call = await started.slack.waitFor((c) => c.method === method && started.slack.calls.indexOf(c) >= since && c.response?.ok === true);
  return asView(call);
}

export const mark = (started: StartedApp): number => started.slack.calls.length;

export interface RequestAnswers {
  readonly title: string;
  readonly vendor?: string;
  readonly amount?: string;
  readonly notes?: string;
}

/** What the request form sends back for these answers. */
export function formValues(answers: RequestAnswers): Record<string, Record<string, Record<string, unknown>>> {
  const text = (value: string | undefined) => ({ type: 'plain_text_input', value: value ?? null });
  return {
    title: { [ACTION_IDS.title]: text(answers.title) },
    [fieldBlockId('vendor')]: { [fieldActionId('vendor')]: text(answers.vendor) },
    [fieldBlockId('amount')]: { [fieldActionId('amount')]: text(answers.amount) },
    [fieldBlockId('notes')]: { [fieldActionId('notes')]: text(answers.notes) },
  };
}

/** `/approval new purchase-order` (typed in `channelId`, if given), then the form submitted; returns the HTTP answer to the submission. */
export async function submitThroughSlack(started: StartedApp, team: Team, answers: RequestAnswers, userId = team.requester, channelId?: string) {
  const since = mark(started);
  const command = await started.requests.command({ teamId: team.teamId, userId, text: 'new purchase-order', ...(channelId ? { channelId } : {}) });
  expect(command.status).toBe(200);
  const view = await nextView(started, since);
  expect(view.callbackId).toBe(CALLBACK_IDS.requestModal);
  return started.requests.submitView({
    teamId: team.teamId, userId,
    view: { id: view.id, callbackId: view.callbackId, privateMetadata: view.privateMetadata, blocks: view.blocks },
    values: formValues(answers),
  });
}

/** The newest submission of the requester, through the services. */
export async function latestRequest(started: StartedApp, team: Team, requester = team.requester): Promise<SubmissionState> {
  const [row] = await started.app.services.submissions.listByRequester(team.teamId, requester, 1);
  if (!row) throw new Error('no request yet');
  return started.app.services.submissions.get(team.teamId, row.id);
}

export async function submitted(started: StartedApp, team: Team, answers: RequestAnswers): Promise<SubmissionState> {
  const response = await submitThroughSlack(started, team, answers);
  expect(response.status).toBe(200);
  expect(response.json?.response_action).toBe('update');
  return latestRequest(started, team);
}

export interface PostedCard {
  readonly channelId: string;
  readonly ts: string;
  readonly value: string;
  readonly stageInstanceId: string;
}

/** The worker's first post to `recipient` whose blocks carry `value` (and `actionId`, when given). */
async function postedByWorker(started: StartedApp, recipient: string, value: string, actionId?: string): Promise<RecordedCall> {
  const carries = (call: RecordedCall): boolean => {
    const blocks = JSON.stringify(call.args.blocks ?? []);
    return blocks.includes(JSON.stringify(value).slice(1, -1)) && (!actionId || blocks.includes(`"action_id":"${actionId}"`));
  };
  return started.slack.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === recipient && c.response?.ok === true && carries(c), 10_000);
}

/**
 * The reviewer card the worker posted to `reviewerId` for the request's open stage (or its last stage `stageId`),
 * so clicks come from a real message that the worker keeps up to date.
 */
export async function postReviewerCard(started: StartedApp, team: Team, submissionId: string, reviewerId: string, stageId?: string): Promise<PostedCard> {
  const submission = await started.app.services.submissions.get(team.teamId, submissionId);
  const stage = stageId ? submission.stages.findLast((s) => s.stageId === stageId) : submission.stages.findLast((s) => s.status === 'open');
  if (!stage) throw new Error('no such stage');
  const value = encodeCardAction(submission.id, stage.id, submission.workflowVersion);
  const posted = await postedByWorker(started, reviewerId, value, ACTION_IDS.approve);
  return { channelId: String(posted.response?.channel ?? ''), ts: String(posted.response?.ts ?? ''), value, stageInstanceId: stage.id };
}

/** The outcome notice the worker posted to the requester (with its Revise and resubmit button). */
export async function postOutcomeNotice(started: StartedApp, team: Team, submissionId: string): Promise<{ channelId: string; ts: string; value: string }> {
  const submission = await started.app.services.submissions.get(team.teamId, submissionId);
  const value = encodeRequestAction(submission.id);
  const posted = await postedByWorker(started, submission.requesterId, value, ACTION_IDS.resubmit);
  return { channelId: String(posted.response?.channel ?? ''), ts: String(posted.response?.ts ?? ''), value };
}

/** Calls made after `since` to `method` (optionally only those for one card or one user). */
export function callsSince(started: StartedApp, since: number, method: string, filter: (args: Record<string, unknown>) => boolean = () => true): RecordedCall[] {
  return started.slack.calls.slice(since).filter((c) => c.method === method && c.response !== undefined && filter(c.args));
}

/** The text of a message's blocks, for assertions on what a person sees. */
export const blocksText = (args: Record<string, unknown>): string => JSON.stringify(args.blocks ?? '');

/** A reviewer clicks a card button that asks for a reason, types it in the modal and submits it. */
export async function modalDecision(started: StartedApp, team: Team, userId: string, card: PostedCard, actionId: string, reason: string): Promise<void> {
  const since = mark(started);
  await started.requests.action({ teamId: team.teamId, userId, actionId, value: card.value, message: { channelId: card.channelId, ts: card.ts } });
  const modal = await nextView(started, since);
  const done = await started.requests.submitView({
    teamId: team.teamId, userId, view: { id: modal.id, callbackId: modal.callbackId, privateMetadata: modal.privateMetadata, blocks: modal.blocks },
    values: { [BLOCK_IDS.reason]: { [ACTION_IDS.reason]: { type: 'plain_text_input', value: reason } } },
  });
  expect(done.json?.response_action).toBe('update');
}
