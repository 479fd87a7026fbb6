import { describe, expect, it } from 'vitest';
import { delegationNotice, outcomeNotice, reminderNotice, requesterCard, reviewerCard, type SlackMessage } from '../../blocks/cards.ts';
import { ACTION_IDS } from '../../blocks/ids.ts';
import { LIMITS } from '../../blocks/limits.ts';
import { cardActionValueSchema, decodeValue } from '../../blocks/values.ts';
import type { StageInstance, SubmissionState } from '../../src/domain/index.ts';
import { formatProblem, validateBlocks } from '../support/block-kit-validator.ts';
import { longestState, user } from './blocks-fixtures.ts';

const now = new Date('2026-11-21T09:00:00.000Z');

function expectValid(message: SlackMessage): void {
  expect(validateBlocks(message.blocks, 'message').map(formatProblem)).toEqual([]);
  expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.MESSAGE_BLOCKS);
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(LIMITS.MESSAGE_TEXT);
}

const actionIds = (message: SlackMessage): string[] =>
  message.blocks.flatMap((b) => (b.type === 'actions' ? b.elements.flatMap((e) => ('action_id' in e && e.action_id ? [e.action_id] : [])) : []));
const allText = (message: SlackMessage): string => JSON.stringify(message.blocks);

function withLastStage(state: SubmissionState, change: (stage: StageInstance) => StageInstance, status: SubmissionState['status'] = state.status): SubmissionState {
  return { ...state, status, stages: state.stages.map((s, i) => (i === state.stages.length - 1 ? change(s) : s)) };
}

describe('reviewerCard', () => {
  it('renders the longest request within Block Kit limits, with the five decision buttons for a pending reviewer', () => {
    const { state, definition, lastStage, pendingReviewer } = longestState();
    const card = reviewerCard({ submission: state, definition, now, stageInstanceId: lastStage.id, reviewerId: pendingReviewer, canAct: true });
    expectValid(card);
    expect(actionIds(card)).toEqual([ACTION_IDS.approve, ACTION_IDS.reject, ACTION_IDS.requestChanges, ACTION_IDS.delegate, ACTION_IDS.comment]);
    expect(allText(card)).toContain('Stage 20 of 20');
    expect(allText(card)).toContain('needs 24 of 25');
    expect(allText(card)).toContain('<!date^');
  });

  it('puts the request, stage and workflow version in every button value, far under the limit', () => {
    const { state, definition, lastStage, pendingReviewer } = longestState();
    const card = reviewerCard({ submission: state, definition, now, stageInstanceId: lastStage.id, reviewerId: pendingReviewer, canAct: true });
    const actions = card.blocks.find((b) => b.type === 'actions');
    if (actions?.type !== 'actions') throw new Error('no actions block');
    for (const element of actions.elements) {
      const value = 'value' in element ? element.value : undefined;
      expect(decodeValue(cardActionValueSchema, value)).toEqual({ s: state.id, i: lastStage.id, v: state.workflowVersion });
    }
  });

  it('hides fields not meant for reviewers', () => {
    const { state, definition, lastStage, pendingReviewer } = longestState();
    const hidden = { ...definition, fields: definition.fields.map((f, i) => (i === 0 ? { ...f, label: 'SECRET LABEL', showToReviewers: false } : f)) };
    const card = reviewerCard({ submission: state, definition: hidden, now, stageInstanceId: lastStage.id, reviewerId: pendingReviewer, canAct: true });
    expect(allText(card)).not.toContain('SECRET LABEL');
  });

  it('shows "You approved" and no buttons once the reviewer has decided', () => {
    const { state, definition, lastStage } = longestState();
    const card = reviewerCard({ submission: state, definition, now, stageInstanceId: lastStage.id, reviewerId: lastStage.pool[0] ?? '', canAct: false });
    expectValid(card);
    expect(actionIds(card)).toEqual([]);
    expect(allText(card)).toContain('You approved');
  });

  it('tells other reviewers who approved when the stage completed', () => {
    const { state, definition, lastStage, pendingReviewer } = longestState();
    const done = withLastStage(state, (s) => ({ ...s, status: 'approved', closedAt: now.toISOString(), required: s.decisions.filter((d) => d.kind === 'approve').length }), 'approved');
    const card = reviewerCard({ submission: done, definition, now, stageInstanceId: lastStage.id, reviewerId: pendingReviewer, canAct: false });
    expectValid(card);
    expect(actionIds(card)).toEqual([]);
    expect(allText(card)).toContain('nothing more needed');
    expect(allText(card)).toContain(`<@${lastStage.pool[0] ?? ''}>`);
  });

  it('says the stage closed because the request was withdrawn', () => {
    const { state, definition, lastStage, pendingReviewer } = longestState();
    const withdrawn = withLastStage(state, (s) => ({ ...s, status: 'closed' }), 'withdrawn');
    const card = reviewerCard({ submission: withdrawn, definition, now, stageInstanceId: lastStage.id, reviewerId: pendingReviewer, canAct: false });
    expect(allText(card)).toContain('Stage closed: request withdrawn');
    expect(actionIds(card)).toEqual([]);
  });

  it('says how long the stage has waited against its SLA on an escalation card, still with buttons for the escalation target', () => {
    const { state, definition, lastStage } = longestState();
    const manager = user(777);
    const later = new Date(Date.parse(lastStage.dueAt) + 2 * 3_600_000);
    const escalated = withLastStage(state, (s) => ({ ...s, escalatedAt: s.dueAt, escalatedVia: 'managers', grants: [{ userId: manager, kind: 'escalation', onBehalfOf: null, at: s.dueAt }] }));
    const card = reviewerCard({ submission: escalated, definition, now: later, stageInstanceId: lastStage.id, reviewerId: manager, canAct: true, escalation: { via: 'managers' } });
    expectValid(card);
    expect(allText(card)).toContain('has been waiting 2 d 2 h, SLA 48 h, was due <!date^');
    expect(actionIds(card)).toHaveLength(5);
  });
});

describe('requesterCard', () => {
  it('renders 20 stages with pending people within limits, with a withdraw button while active', () => {
    const { state, definition } = longestState();
    const card = requesterCard({ submission: state, definition, now });
    expectValid(card);
    expect(actionIds(card)).toEqual([ACTION_IDS.withdraw]);
    expect(allText(card)).toContain('Waiting for');
  });

  it('drops the withdraw button once the request ended', () => {
    const { state, definition } = longestState();
    const card = requesterCard({ submission: { ...state, status: 'approved' }, definition, now });
    expect(actionIds(card)).toEqual([]);
  });
});

describe('outcomeNotice', () => {
  it('gives the rejection reason and a resubmit button', () => {
    const { state, definition, lastStage, pendingReviewer } = longestState();
    const rejected = withLastStage(state, (s) => ({
      ...s, status: 'rejected',
      decisions: [...s.decisions, { id: 'd', kind: 'reject', actorId: pendingReviewer, principalId: pendingReviewer, capacity: { kind: 'named' }, reason: 'Too <expensive> & late '.repeat(100), delegateTo: null, at: now.toISOString(), retractedAt: null }],
    }), 'rejected');
    const notice = outcomeNotice({ submission: rejected, definition, now });
    expectValid(notice);
    expect(actionIds(notice)).toEqual([ACTION_IDS.resubmit]);
    expect(allText(notice)).toContain('Too &lt;expensive&gt; &amp; late');
    expect(lastStage.status).toBe('open');
  });

  it('has no resubmit button after approval', () => {
    const { state, definition } = longestState();
    const notice = outcomeNotice({ submission: { ...state, status: 'approved' }, definition, now });
    expectValid(notice);
    expect(actionIds(notice)).toEqual([]);
  });
});

describe('reminderNotice and delegationNotice', () => {
  it('stay within limits for the longest names', () => {
    const { state, definition, lastStage, pendingReviewer } = longestState();
    expectValid(reminderNotice({ submission: state, definition, now, stageInstanceId: lastStage.id, reviewerId: pendingReviewer }));
    for (const phase of ['started', 'ended', 'revoked'] as const) {
      expectValid(delegationNotice({ fromUserId: user(1), toUserId: user(2), phase, until: now, workflowKey: 'k'.repeat(40) }));
    }
  });
});

describe('cards for revisions, retractions and withdrawals', () => {
  it('shows which request a revision replaces and what changed, within limits for the longest request', () => {
    const { state, definition, lastStage, pendingReviewer } = longestState();
    const previous: SubmissionState = {
      ...state, id: '00000000-0000-4000-8000-000000000042', status: 'changes_requested', title: 'Old title',
      fields: Object.fromEntries(Object.entries(state.fields).map(([k, v]) => [k, typeof v === 'number' ? v - 1 : `${v}`.slice(1)])),
    };
    const revision: SubmissionState = { ...state, predecessorId: previous.id };
    const card = reviewerCard({ submission: revision, definition, now, predecessor: previous, stageInstanceId: lastStage.id, reviewerId: pendingReviewer, canAct: true });
    expectValid(card);
    expect(allText(card)).toContain('Revision of request `00000000`');
    expect(allText(card)).toContain('*What changed*\\n*Title*: ~Old title~');
    const tracking = requesterCard({ submission: revision, definition, now, predecessor: previous });
    expectValid(tracking);
    expect(allText(tracking)).toContain('Revision of request `00000000`');
  });

  it('offers Retract while the stage is open and the reader\'s approval stands', () => {
    const { state, definition, lastStage } = longestState();
    const approver = lastStage.pool[0] ?? '';
    const card = reviewerCard({ submission: state, definition, now, stageInstanceId: lastStage.id, reviewerId: approver, canAct: false, canRetract: true });
    expectValid(card);
    expect(actionIds(card)).toEqual([ACTION_IDS.retract]);
  });

  it('gives reviewers the reason a request was withdrawn', () => {
    const { state, definition, lastStage, pendingReviewer } = longestState();
    const withdrawn = { ...withLastStage(state, (s) => ({ ...s, status: 'closed' }), 'withdrawn'), endReason: 'Bought <it> & more' };
    const card = reviewerCard({ submission: withdrawn, definition, now, stageInstanceId: lastStage.id, reviewerId: pendingReviewer, canAct: false });
    expectValid(card);
    expect(allText(card)).toContain('request withdrawn by');
    expect(allText(card)).toContain('“Bought &lt;it&gt; &amp; more”');
  });
});
