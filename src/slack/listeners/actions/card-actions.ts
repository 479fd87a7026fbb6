import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decisionModal } from '../../../../blocks/decision-modals.ts';
import { ACTION_IDS } from '../../../../blocks/ids.ts';
import { withOriginChannel, type ModalDecisionKind } from '../../../../blocks/metadata.ts';
import { cardActionValueSchema, decodeValue, type CardActionValue } from '../../../../blocks/values.ts';
import { DomainError } from '../../../domain/index.ts';
import { clickDeadline, slackMeta, type SlackDeps } from '../../context.ts';
import { tellUser } from '../../errors.ts';
import { actionOrigin, buttonSchema, type ActionOrigin } from './payload.ts';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

const DAMAGED = new DomainError('invalid_input', 'This button does not carry a valid request, so nothing was recorded. Please use the latest card.');

/**
 * One key per click: Slack's retries of a delivery carry the same action_ts (same key, same outcome), a second
 * click is a new action_ts (a second key, which the core answers with "already decided").
 */
export const clickKey = (origin: ActionOrigin, actionId: string, actionTs: string): string =>
  `slack-click:${origin.teamId}:${origin.userId}:${origin.messageTs ?? 'home'}:${actionId}:${actionTs}`;

interface ParsedClick {
  readonly origin: ActionOrigin;
  readonly value: CardActionValue;
  readonly actionId: string;
  readonly actionTs: string;
  readonly triggerId: string;
}

/** A card click as read from its payload, or (when damaged) who clicked, if we can tell. */
type ClickRead = { readonly ok: true; readonly click: ParsedClick } | { readonly ok: false; readonly origin: ActionOrigin | null };

function readClick({ body, action, logger }: ButtonArgs): ClickRead {
  const origin = actionOrigin(body);
  if (!origin) {
    logger.warn('card click without team or user; ignored');
    return { ok: false, origin: null };
  }
  const button = buttonSchema.safeParse(action);
  const value = button.success ? decodeValue(cardActionValueSchema, button.data.value) : null;
  if (!button.success || !value) return { ok: false, origin };
  return { ok: true, click: { origin, value, actionId: button.data.action_id, actionTs: button.data.action_ts, triggerId: origin.body.trigger_id } };
}

/** A damaged click records nothing: acknowledged, and the clicker (when we know who) told so. */
async function damaged(args: ButtonArgs, origin: ActionOrigin | null): Promise<void> {
  await args.ack();
  if (origin) await tellUser(args.client, origin, DAMAGED, args.logger);
}

/** How long past its budget a click's ack may wait for the refusal notice to reach Slack (the ack must go before 3 s). */
const NOTICE_GRACE_MS = 500;
/**
 * How long a refused click's ack waits for its notice at most: a click turned away at once (the process too busy)
 * is answered at once too, instead of holding its connection while Slack is slow to take the notices.
 */
const NOTICE_WAIT_MS = 500;

/** Waits for `work` until `until` (epoch ms) at most; it goes on in the background after that. */
async function waitAtMost(work: Promise<void>, until: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, until - Date.now()));
  });
  await Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Approve is decided before its ack, within the click's budget (DECISION_ACK_BUDGET_MS): when the ack goes out
 * the decision is committed, or the clicker has been told that nothing was recorded (no slot or connection in
 * time, the database away, the transaction not finished in time and rolled back) or why it was refused. So no
 * acknowledged click is ever left undecided, in memory or anywhere. Cards are not drawn here: the decision (or
 * the refusal) leaves an outbox message, and the worker redraws every card it touches, the clicker's included,
 * with the one renderer of each card kind.
 */
export function approveClick(deps: SlackDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    const deadline = clickDeadline(deps);
    const read = readClick(args);
    if (!read.ok) return damaged(args, read.origin);
    const { origin, value, actionId, actionTs } = read.click;
    const meta = { ...slackMeta(origin.teamId, { channelId: origin.channelId, actionId, surface: origin.messageTs ? 'reviewer_card' : 'home' }), deadline };
    try {
      // The slot is waited for until the deadline; the transaction then commits by it or rolls back.
      await deps.slots.run(origin.teamId, () => deps.services.decisions.decide({
        kind: 'approve', teamId: origin.teamId, actorId: origin.userId, submissionId: value.s, stageInstanceId: value.i, workflowVersion: value.v,
        idempotencyKey: clickKey(origin, actionId, actionTs),
      }, meta), { startBy: deadline });
    } catch (error) {
      // Told before the ack, so an acknowledged click without a notice is always a committed one.
      await waitAtMost(tellUser(args.client, origin, error, args.logger), Math.min(deadline + NOTICE_GRACE_MS, Date.now() + NOTICE_WAIT_MS));
    }
    await args.ack();
  };
}

/**
 * Reject, Request changes, Delegate, Comment and Retract ask for a reason (or a person) in a small modal first.
 * The gate is asked before the modal opens, so a stale card is refused before anyone types a reason (and the
 * refusal redraws the card, as a refused decision does). Opening a modal records nothing, so this click is
 * acknowledged first; the gate and the modal get the click's budget (its trigger lives 3 s).
 */
export function decisionModalClick(deps: SlackDeps, kind: ModalDecisionKind) {
  return async (args: ButtonArgs): Promise<void> => {
    const deadline = clickDeadline(deps);
    const read = readClick(args);
    if (!read.ok) return damaged(args, read.origin);
    await args.ack();
    const { origin, value, actionId, actionTs, triggerId } = read.click;
    const meta = { ...slackMeta(origin.teamId, { channelId: origin.channelId, actionId, surface: origin.messageTs ? 'reviewer_card' : 'home' }), deadline };
    try {
      await deps.slots.run(origin.teamId, () => deps.services.decisions.check({
        kind, teamId: origin.teamId, actorId: origin.userId, submissionId: value.s, stageInstanceId: value.i, workflowVersion: value.v,
        idempotencyKey: clickKey(origin, actionId, actionTs),
      }, meta), { startBy: deadline });
      const submission = await deps.services.submissions.get(origin.teamId, value.s);
      const stage = submission.stages.find((s) => s.id === value.i);
      if (!stage) throw DAMAGED;
      const view = decisionModal({
        metadata: { kind, s: value.s, i: value.i, v: value.v, c: origin.channelId, t: origin.messageTs },
        title: submission.title,
        requesterId: submission.requesterId,
        stageName: stage.name,
      });
      await args.client.views.open({ trigger_id: triggerId, view: withOriginChannel(view, origin.channelId) });
    } catch (error) {
      await tellUser(args.client, origin, error, args.logger);
    }
  };
}

export function registerCardActions(app: App, deps: SlackDeps): void {
  app.action(ACTION_IDS.approve, approveClick(deps));
  app.action(ACTION_IDS.reject, decisionModalClick(deps, 'reject'));
  app.action(ACTION_IDS.requestChanges, decisionModalClick(deps, 'request_changes'));
  app.action(ACTION_IDS.delegate, decisionModalClick(deps, 'delegate'));
  app.action(ACTION_IDS.comment, decisionModalClick(deps, 'comment'));
  app.action(ACTION_IDS.retract, decisionModalClick(deps, 'retract'));
}
