import type { ActionsBlock, Button, ContextBlock, KnownBlock, SectionBlock } from '@slack/types';
import {
  activeApprovals, escalationWhy, formatDuration, isActive, pendingReviewers, revisionChanges, stageTiming, timedOutOutcome,
  type Decision, type EscalationVia, type FieldValue, type StageInstance, type SubmissionState, type WorkflowDefinition,
} from '../src/domain/index.ts';
import { fieldValueText, mention, mentionList, shortId, slackDate, STATUS_EMOJI, STATUS_LABEL } from './format.ts';
import { ACTION_IDS, BLOCK_IDS } from './ids.ts';
import { LIMITS } from './limits.ts';
import { escapeMrkdwn, mrkdwn, plain, truncate, truncateMrkdwn } from './text.ts';
import { encodeCardAction, encodeRequestAction } from './values.ts';

export interface SlackMessage {
  readonly text: string;
  readonly blocks: KnownBlock[];
}
export interface CardInput {
  readonly submission: SubmissionState;
  readonly definition: WorkflowDefinition;
  readonly now: Date;
  /** The request this one revises (its cards link to it and say what changed), when it is a revision. */
  readonly predecessor?: SubmissionState | null | undefined;
  /** The request that revised this one, if any. */
  readonly successorId?: string | null | undefined;
}

// ---- small block helpers --------------------------------------------------------------------------------

export const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(text, LIMITS.SECTION_TEXT) });
export const context = (...lines: string[]): ContextBlock => ({
  type: 'context',
  elements: lines.slice(0, LIMITS.CONTEXT_ELEMENTS).map((line) => mrkdwn(line, LIMITS.SECTION_TEXT)),
});
export const header = (text: string): KnownBlock => ({ type: 'header', text: plain(text, LIMITS.HEADER_TEXT) });
export const button = (text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button => ({
  type: 'button',
  text: plain(text, LIMITS.BUTTON_TEXT),
  action_id: actionId,
  value: truncate(value, LIMITS.BUTTON_VALUE),
  ...(style ? { style } : {}),
});
/** Notification text (what the push shows); plain words, cut to the message limit. */
/**
 * A message's top-level `text` (notifications, the message list, screen readers): Slack formats it like mrkdwn, so
 * whatever people typed goes in through escapeMrkdwn, as in blocks, and is cut without splitting an entity.
 */
const notification = (text: string): string => truncateMrkdwn(text, LIMITS.MESSAGE_TEXT);
const title = (state: SubmissionState): string => escapeMrkdwn(state.title);

// ---- what a stage looks like in words -------------------------------------------------------------------

/** "Stage 2 of 3: Finance review" — position among the request's planned steps. */
function stagePosition(state: SubmissionState, stage: StageInstance): string {
  const index = state.plan.findIndex((p) => p.step === stage.step);
  const of = state.plan.length;
  return `Stage ${index >= 0 ? index + 1 : stage.step} of ${of}: *${escapeMrkdwn(stage.name)}*`;
}

/** "needs 2 of 5" (or "needs everyone (3)" for an all-rule). */
function quorumText(stage: StageInstance): string {
  if (stage.rule.kind === 'all') return `needs all ${stage.pool.length}`;
  return `needs ${stage.required} of ${stage.pool.length}`;
}

const approversOf = (stage: StageInstance): string[] => [...new Set(activeApprovals(stage).map((d) => d.actorId))];

function approvalsText(stage: StageInstance): string {
  const approvers = approversOf(stage);
  if (approvers.length === 0) return 'No approvals yet';
  return `Approved so far by ${mentionList(approvers)} (${approvers.length} of ${stage.required})`;
}

/**
 * How long a stage has waited against its SLA, with the due time in the reader's own time zone: "Waiting 24 h,
 * SLA 24 h, was due <date>". Never a lateness rounded to nothing.
 */
function timingText(stage: StageInstance, now: Date): string {
  const timing = stageTiming(stage, now);
  const due = now.getTime() >= Date.parse(stage.dueAt) ? 'was due' : 'due';
  return `waiting ${formatDuration(timing.waitedMs)}, SLA ${formatDuration(timing.slaMs)}, ${due} ${slackDate(stage.dueAt)}`;
}
const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const dueText = (stage: StageInstance, now: Date): string => capitalized(timingText(stage, now));

const stageDefinitionOf = (definition: WorkflowDefinition, stage: StageInstance) => definition.stages.find((s) => s.id === stage.stageId) ?? {};

/** Who a late stage went to, for the requester: "Escalated to <@a> (the approval admins)", or that nobody could be asked. */
function escalationLine(stage: StageInstance, definition: WorkflowDefinition): string | null {
  if (!stage.escalatedAt) return null;
  const targets = stage.grants.filter((g) => g.kind === 'escalation').map((g) => g.userId);
  const via: EscalationVia | null = stage.escalatedVia;
  if (via === 'nobody' || targets.length === 0) {
    const why = via ? escalationWhy('nobody', stageDefinitionOf(definition, stage)) : '';
    return `:warning: Stuck: nobody could be asked to decide${why ? ` (${why})` : ''}.`;
  }
  const who: Record<EscalationVia, string> = {
    escalation_target: '', managers: " (the late reviewers' managers)", admins: ' (the approval admins)', nobody: '',
  };
  return `:rotating_light: Escalated to ${mentionList(targets)}${via ? who[via] : ''}.`;
}

const lastDecision = (stage: StageInstance, kind: Decision['kind']): Decision | undefined => stage.decisions.findLast((d) => d.kind === kind);

/** Why a stage is no longer open, in one line, naming who did it. */
function stageOutcomeText(state: SubmissionState, stage: StageInstance): string {
  const automatic = timedOutOutcome(stage);
  const sla = formatDuration(stageTiming(stage, new Date(stage.dueAt)).slaMs);
  switch (stage.status) {
    case 'approved': {
      if (automatic) return `:white_check_mark: Approved automatically: no decision within the ${sla} SLA.`;
      return `:white_check_mark: Approved by ${mentionList(approversOf(stage))}, nothing more needed.`;
    }
    case 'rejected': {
      const decision = lastDecision(stage, 'reject');
      return decision ? `:x: Rejected by ${mention(decision.actorId)}.` : `:x: Rejected automatically: no decision within the ${sla} SLA.`;
    }
    case 'changes_requested': {
      const decision = lastDecision(stage, 'request_changes');
      return `:leftwards_arrow_with_hook: Changes requested${decision ? ` by ${mention(decision.actorId)}` : ''}.`;
    }
    case 'closed': {
      const why: Record<string, string> = {
        withdrawn: `request withdrawn by ${mention(state.requesterId)}`,
        cancelled: 'request cancelled by an admin',
        rejected: 'request rejected in another stage',
        changes_requested: 'changes requested in another stage',
      };
      const told = (state.status === 'withdrawn' || state.status === 'cancelled') && state.endReason ? `: “${escapeMrkdwn(state.endReason)}”` : '.';
      return `:lock: Stage closed: ${why[state.status] ?? 'no longer needed'}${told}`;
    }
    case 'open':
      return '';
  }
}

/** What this reviewer did on this stage, if anything ("You approved", "You handed this to <@x>"). */
function ownDecisionText(stage: StageInstance, reviewerId: string): string | null {
  const mine = stage.decisions.filter((d) => (d.actorId === reviewerId || d.principalId === reviewerId) && d.kind !== 'comment');
  const last = mine.at(-1);
  if (!last) return null;
  const by = last.actorId === reviewerId ? 'You' : `${mention(last.actorId)} (on your behalf)`;
  const reason = last.reason ? `: “${escapeMrkdwn(last.reason)}”` : '';
  switch (last.kind) {
    case 'approve': return `${by} approved${last.retractedAt ? ' (since retracted)' : ''}.`;
    case 'reject': return `${by} rejected${reason}`;
    case 'request_changes': return `${by} requested changes${reason}`;
    case 'delegate': return `${by} handed this to ${mention(last.delegateTo ?? '')}${reason}`;
    case 'retract': return `${by} retracted your approval${reason}`;
    case 'comment': return null;
  }
}

/** The request's fields shown to reviewers: short values two columns wide, long text in its own block. */
function fieldBlocks(state: SubmissionState, definition: WorkflowDefinition, audience: 'reviewer' | 'requester'): KnownBlock[] {
  const shown = definition.fields.filter((f) => audience === 'requester' || f.showToReviewers);
  const blocks: KnownBlock[] = [];
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    blocks.push({ type: 'section', fields: pending.map((text) => mrkdwn(text, LIMITS.FIELD_TEXT)) });
    pending = [];
  };
  for (const field of shown) {
    const text = `*${escapeMrkdwn(field.label)}*\n${fieldValueText(field, state.fields[field.id])}`;
    if (field.type === 'long_text' || field.type === 'url') {
      flush();
      blocks.push(section(text));
    } else {
      pending.push(text);
      if (pending.length === LIMITS.SECTION_FIELDS) flush();
    }
  }
  flush();
  return blocks;
}

function commentsBlock(stage: StageInstance): KnownBlock[] {
  const comments = stage.decisions.filter((d) => d.kind === 'comment' && d.reason).slice(-3);
  if (comments.length === 0) return [];
  return [context(...comments.map((c) => `:speech_balloon: ${mention(c.actorId)}: ${escapeMrkdwn(c.reason ?? '')}`))];
}

const valueText = (definition: WorkflowDefinition, key: string, value: FieldValue | undefined): string => {
  if (key === 'title') return value === undefined ? '_(empty)_' : escapeMrkdwn(String(value));
  const field = definition.fields.find((f) => f.id === key);
  return field ? fieldValueText(field, value) : escapeMrkdwn(String(value ?? ''));
};

/** Which request a revision replaces and why it came back, and what changed since (for reviewers, only what they may see). */
function revisionBlocks(input: CardInput, audience: 'reviewer' | 'requester'): KnownBlock[] {
  const { submission: state, definition, predecessor } = input;
  if (!state.predecessorId) return [];
  const back = predecessor ? endingDecision(predecessor) : undefined;
  const why = back ? ` (${back.kind === 'reject' ? 'rejected' : 'sent back'} by ${mention(back.actorId)}${back.reason ? `: “${escapeMrkdwn(back.reason)}”` : ''})` : '';
  const blocks: KnownBlock[] = [context(`:leftwards_arrow_with_hook: Revision of request \`${shortId(state.predecessorId)}\`${why}`)];
  if (!predecessor) return blocks;
  const changes = revisionChanges(predecessor, state, definition).filter((c) => audience === 'requester' || c.shownToReviewers);
  const lines = changes.map((c) => `*${escapeMrkdwn(c.label)}*: ~${valueText(definition, c.key, c.before)}~ → ${valueText(definition, c.key, c.after)}`);
  blocks.push(section(lines.length ? `*What changed*\n${lines.join('\n')}` : '*What changed:* nothing in the form; see the comments or ask the requester.'));
  return blocks;
}

/** Reviewers' comments on any stage, newest last, for the requester's tracking card. */
function reviewerComments(state: SubmissionState): KnownBlock[] {
  const comments = state.stages.flatMap((stage) => stage.decisions.filter((d) => d.kind === 'comment' && d.reason && d.actorId !== state.requesterId).map((d) => ({ stage, d })));
  return comments.slice(-5).map(({ stage, d }) => section(`:speech_balloon: ${mention(d.actorId)} on *${escapeMrkdwn(stage.name)}*: ${escapeMrkdwn(d.reason ?? '')}`));
}

const requestLine = (state: SubmissionState, definition: WorkflowDefinition): string =>
  `${mention(state.requesterId)} asks for approval of *${title(state)}* (${escapeMrkdwn(definition.name)}, request \`${shortId(state.id)}\`)`;

// ---- the cards ------------------------------------------------------------------------------------------

/** The five decision buttons of a reviewer card (also on the Home tab): the click handlers read their value. */
export function decisionButtons(blockId: string, submissionId: string, stageInstanceId: string, workflowVersion: number): ActionsBlock {
  const value = encodeCardAction(submissionId, stageInstanceId, workflowVersion);
  return {
    type: 'actions',
    block_id: blockId,
    elements: [
      button('Approve', ACTION_IDS.approve, value, 'primary'),
      button('Reject', ACTION_IDS.reject, value, 'danger'),
      button('Request changes', ACTION_IDS.requestChanges, value),
      button('Delegate', ACTION_IDS.delegate, value),
      button('Comment', ACTION_IDS.comment, value),
    ],
  };
}

/** "Retract approval…" while the stage is open (also on the Home tab): opens a modal that asks why. */
export function retractButton(blockId: string, submissionId: string, stageInstanceId: string, workflowVersion: number): ActionsBlock {
  return { type: 'actions', block_id: blockId, elements: [button('Retract approval…', ACTION_IDS.retract, encodeCardAction(submissionId, stageInstanceId, workflowVersion))] };
}

/**
 * What an escalation target's card says about the escalation: who the stage went to and why it came to them, or
 * who is away when only the requester could have moved it.
 */
export interface EscalationView {
  readonly via: EscalationVia | null;
  readonly away?: readonly string[] | undefined;
}

export interface ReviewerCardInput extends CardInput {
  readonly stageInstanceId: string;
  /** Whose position on the stage the card shows (a delegate's card shows the delegator's). */
  readonly reviewerId: string;
  /** Whether the card's reader may decide now (the domain's rule, src/domain/rules/eligibility.ts): buttons or not. */
  readonly canAct: boolean;
  /** Whether the reader may take back their approval now. */
  readonly canRetract?: boolean | undefined;
  /** For an escalation target: why the stage came to them. */
  readonly escalation?: EscalationView | undefined;
}

export function reviewerCard(input: ReviewerCardInput): SlackMessage {
  const { submission: state, definition, now, reviewerId, escalation, canAct } = input;
  const stage = state.stages.find((s) => s.id === input.stageInstanceId);
  if (!stage) throw new Error(`submission ${state.id} has no stage instance ${input.stageInstanceId}`);

  const blocks: KnownBlock[] = [header(`Approval: ${state.title}`)];
  if (escalation?.away?.length) {
    blocks.push(section(`:rotating_light: *Escalated to you:* stage *${escapeMrkdwn(stage.name)}* is waiting for ${mentionList(escalation.away)}, who is away and has handed their reviews to the requester, and a requester cannot decide on their own request.`));
  } else if (escalation) {
    const why = escalation.via ? escalationWhy(escalation.via, stageDefinitionOf(definition, stage)) : '';
    const because = escalation.via === 'admins' ? ` It came to you as an approval admin: ${why}.` : '';
    blocks.push(section(`:rotating_light: *Escalated to you:* stage *${escapeMrkdwn(stage.name)}* has been ${timingText(stage, now)}. Still waiting for ${mentionList(pendingReviewers(stage).filter((u) => u !== reviewerId)) || 'a decision'}.${because}`));
  }
  blocks.push(section(requestLine(state, definition)));
  blocks.push(...revisionBlocks(input, 'reviewer'));
  blocks.push(...fieldBlocks(state, definition, 'reviewer'));
  blocks.push(section(`${stagePosition(state, stage)}, ${quorumText(stage)}\n${approvalsText(stage)}`));
  blocks.push(...commentsBlock(stage));

  if (canAct) {
    // Someone who took their approval back decides again; the card says what they did.
    const earlier = ownDecisionText(stage, reviewerId);
    blocks.push(context(...(earlier ? [earlier] : []), dueText(stage, now)));
    blocks.push(decisionButtons(BLOCK_IDS.cardActions, state.id, stage.id, state.workflowVersion));
  } else {
    const open = stage.status === 'open' && isActive(state.status);
    const lines = [ownDecisionText(stage, reviewerId), open ? null : stageOutcomeText(state, stage)]
      .filter((line): line is string => Boolean(line));
    if (open && lines.length === 0) lines.push('You are no longer asked to decide on this stage.');
    if (stage.status === 'open' && !isActive(state.status)) lines.push(stageOutcomeText(state, { ...stage, status: 'closed' }));
    blocks.push(section(lines.join('\n')));
    if (open && input.canRetract) blocks.push(retractButton(BLOCK_IDS.cardActions, state.id, stage.id, state.workflowVersion));
  }

  const verb = escalation ? 'Escalated: ' : canAct ? 'Approval needed: ' : '';
  return { text: notification(`${verb}${escapeMrkdwn(state.title)} (from ${mention(state.requesterId)})`), blocks };
}

/** One line per planned stage, in order: done, open (with who is pending), or still to come. */
function routeLines(state: SubmissionState, definition: WorkflowDefinition, now: Date): string[] {
  const lines: string[] = [];
  state.plan.forEach((step, index) => {
    for (const stageId of step.stageIds) {
      const stage = state.stages.findLast((s) => s.stageId === stageId);
      const name = escapeMrkdwn(stage?.name ?? definition.stages.find((s) => s.id === stageId)?.name ?? stageId);
      const prefix = `${index + 1}/${state.plan.length} *${name}*`;
      if (!stage) {
        lines.push(`:white_circle: ${prefix}: ${isActive(state.status) ? 'not started yet' : 'not reached'}`);
      } else if (stage.status === 'open' && isActive(state.status)) {
        const pending = pendingReviewers(stage);
        const escalated = escalationLine(stage, definition);
        lines.push(`:hourglass_flowing_sand: ${prefix}, ${quorumText(stage)}. ${approvalsText(stage)}. Waiting for ${mentionList(pending) || 'nobody (awaiting the timer)'}. ${dueText(stage, now)}.${escalated ? `\n${escalated}` : ''}`);
      } else {
        lines.push(`${prefix}: ${stageOutcomeText(state, stage.status === 'open' ? { ...stage, status: 'closed' } : stage)}`);
      }
    }
  });
  return lines;
}

export function requesterCard(input: CardInput): SlackMessage {
  const { submission: state, definition, now } = input;
  const revisedAs = input.successorId ? ` · revised as \`${shortId(input.successorId)}\`` : '';
  const blocks: KnownBlock[] = [
    header(`Your request: ${state.title}`),
    // The header is cut at Slack's 150 characters; the title in full is here.
    section(`*${title(state)}*\n${STATUS_EMOJI[state.status]} *${STATUS_LABEL[state.status]}* · ${escapeMrkdwn(definition.name)} · request \`${shortId(state.id)}\`${revisedAs}`),
    ...revisionBlocks(input, 'requester'),
  ];
  for (const line of routeLines(state, definition, now)) blocks.push(section(line));
  blocks.push(...reviewerComments(state));
  const skipped = state.skippedStageIds.map((id) => definition.stages.find((s) => s.id === id)?.name ?? id);
  const footer = [`Submitted ${slackDate(state.createdAt)}`];
  if (skipped.length > 0) footer.push(`Skipped (conditions not met): ${escapeMrkdwn(skipped.join(', '))}`);
  blocks.push(context(...footer));
  if (isActive(state.status)) {
    blocks.push({
      type: 'actions',
      block_id: BLOCK_IDS.requestActions,
      elements: [button('Withdraw…', ACTION_IDS.withdraw, encodeRequestAction(state.id), 'danger')],
    });
  }
  return { text: notification(`Your request "${escapeMrkdwn(state.title)}": ${STATUS_LABEL[state.status]}`), blocks };
}

/** The decision that ended the request, for its reason and its author. */
function endingDecision(state: SubmissionState): Decision | undefined {
  const kind = state.status === 'rejected' ? 'reject' : state.status === 'changes_requested' ? 'request_changes' : null;
  if (!kind) return undefined;
  for (const stage of [...state.stages].reverse()) {
    const decision = lastDecision(stage, kind);
    if (decision) return decision;
  }
  return undefined;
}

export function outcomeNotice(input: CardInput): SlackMessage {
  const { submission: state, definition } = input;
  const decision = endingDecision(state);
  const by = decision ? ` by ${mention(decision.actorId)}` : '';
  const reason = decision?.reason ? `\n>${escapeMrkdwn(decision.reason).replace(/\n/g, '\n>')}` : '';
  const timedOut = (outcome: 'approved' | 'rejected') => state.stages.find((s) => timedOutOutcome(s) === outcome);
  const automatically = (stage: StageInstance) =>
    `automatically: stage *${escapeMrkdwn(stage.name)}* had no decision within its ${formatDuration(stageTiming(stage, new Date(stage.dueAt)).slaMs)} SLA.`;
  const autoApproved = timedOut('approved');
  const autoRejected = timedOut('rejected');
  const what: Record<typeof state.status, string> = {
    submitted: 'is waiting to start.',
    in_review: 'is in review.',
    approved: autoApproved ? `was approved ${automatically(autoApproved)} :tada:` : 'was approved. :tada:',
    rejected: autoRejected ? `was rejected ${automatically(autoRejected)}` : `was rejected${by}.${reason}`,
    changes_requested: `needs changes${by}.${reason}`,
    withdrawn: 'was withdrawn.',
    cancelled: 'was cancelled by an admin.',
  };
  const blocks: KnownBlock[] = [
    header(`${STATUS_LABEL[state.status]}: ${state.title}`),
    section(`${STATUS_EMOJI[state.status]} Your request *${title(state)}* (${escapeMrkdwn(definition.name)}, \`${shortId(state.id)}\`) ${what[state.status]}`),
  ];
  if (input.successorId) {
    blocks.push(context(`:leftwards_arrow_with_hook: Already revised as request \`${shortId(input.successorId)}\`.`));
  } else if (state.status === 'rejected' || state.status === 'changes_requested') {
    blocks.push(context('Revising opens the form with your answers filled in; the new request links to this one.'));
    blocks.push({
      type: 'actions',
      block_id: BLOCK_IDS.requestActions,
      elements: [button('Revise and resubmit', ACTION_IDS.resubmit, encodeRequestAction(state.id), 'primary')],
    });
  }
  return { text: notification(`Your request "${escapeMrkdwn(state.title)}" ${STATUS_LABEL[state.status].toLowerCase()}`), blocks };
}

export function reminderNotice(input: CardInput & { stageInstanceId: string; reviewerId: string }): SlackMessage {
  const { submission: state, now, reviewerId } = input;
  const stage = state.stages.find((s) => s.id === input.stageInstanceId);
  if (!stage) throw new Error(`submission ${state.id} has no stage instance ${input.stageInstanceId}`);
  const text = `:bell: Reminder ${mention(reviewerId)}: *${title(state)}* from ${mention(state.requesterId)} is waiting for your decision on stage *${escapeMrkdwn(stage.name)}*: ${timingText(stage, now)}. Use the buttons on the card above.`;
  return { text: notification(`Reminder: ${escapeMrkdwn(state.title)} is waiting for your decision`), blocks: [section(text)] };
}

export function delegationNotice(input: { fromUserId: string; toUserId: string; phase: 'started' | 'ended' | 'revoked'; until: Date; workflowKey: string | null }): SlackMessage {
  const scope = input.workflowKey ? `requests of workflow \`${escapeMrkdwn(input.workflowKey)}\`` : 'all their approval requests';
  const from = mention(input.fromUserId);
  const text = {
    started: `:palm_tree: ${from} is away until ${slackDate(input.until)}. You are their delegate for ${scope}: approvals that reach them will come to you, and you decide on their behalf.`,
    ended: `:wave: ${from}'s delegation to you for ${scope} has ended. New requests go to them again.`,
    revoked: `:wave: ${from} revoked the delegation to you for ${scope}. New requests go to them again.`,
  }[input.phase];
  return { text: notification(`Delegation from ${from} ${input.phase}`), blocks: [section(text)] };
}

/**
 * The requester is told when a late stage found nobody nearer to ask than the approval admins, or nobody at all:
 * the request is stuck, this is who (if anyone) was asked, and why. Null once the stage is no longer open.
 */
export function escalationNotice(input: CardInput & { stageInstanceId: string }): SlackMessage | null {
  const { submission: state, definition, now } = input;
  const stage = state.stages.find((s) => s.id === input.stageInstanceId);
  if (!stage || stage.status !== 'open' || !isActive(state.status) || !stage.escalatedAt) return null;
  const targets = stage.grants.filter((g) => g.kind === 'escalation').map((g) => g.userId);
  const via: EscalationVia = stage.escalatedVia ?? (targets.length > 0 ? 'admins' : 'nobody');
  const why = escalationWhy(via === 'admins' && targets.length > 0 ? 'admins' : 'nobody', stageDefinitionOf(definition, stage));
  const where = `Your request *${title(state)}* (\`${shortId(state.id)}\`) is stuck at stage *${escapeMrkdwn(stage.name)}*: it has been ${timingText(stage, now)}`;
  const text = targets.length > 0
    ? `:warning: ${where}, and ${why}. It was escalated to the approval admins ${mentionList(targets)}, who can now decide.`
    : `:warning: ${where}, and nobody could be asked to decide: ${why}. Ask an approval admin to set a manager or an escalation target, or withdraw the request.`;
  return { text: notification(`Your request "${escapeMrkdwn(state.title)}" is stuck at stage "${escapeMrkdwn(stage.name)}"`), blocks: [section(text)] };
}
