import type { AllMiddlewareArgs, App, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decisionModal } from '../../../../blocks/decision-modals.ts';
import { ACTION_IDS } from '../../../../blocks/ids.ts';
import { withOriginChannel, type ModalDecisionKind } from '../../../../blocks/metadata.ts';
import { cardActionValueSchema, decodeValue, type CardActionValue } from '../../../../blocks/values.ts';
import { DomainError } from '../../../domain/index.ts';
import { slackMeta, type SlackDeps } from '../../context.ts';
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

/** Parses a card click; on a damaged payload tells the clicker (when we know who) and returns null. */
async function parseClick({ body, action, client, logger }: ButtonArgs): Promise<ParsedClick | null> {
  const origin = actionOrigin(body);
  if (!origin) {
    logger.warn('card click without team or user; ignored');
    return null;
  }
  const button = buttonSchema.safeParse(action);
  const value = button.success ? decodeValue(cardActionValueSchema, button.data.value) : null;
  if (!button.success || !value) {
    await tellUser(client, origin, DAMAGED, logger);
    return null;
  }
  return { origin, value, actionId: button.data.action_id, actionTs: button.data.action_ts, triggerId: origin.body.trigger_id };
}

/**
 * Approve decides at once through the decision service; a refusal is explained to the clicker. Cards are not
 * drawn here: the decision (or the refusal) leaves an outbox message, and the worker redraws every card it
 * touches, the clicker's included, with the one renderer of each card kind.
 */
export function approveClick(deps: SlackDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = await parseClick(args);
    if (!click) return;
    const { origin, value } = click;
    const meta = slackMeta(origin.teamId, { channelId: origin.channelId, actionId: click.actionId, surface: origin.messageTs ? 'reviewer_card' : 'home' });
    try {
      // The decision takes an after-ack slot (it holds a database connection); telling the clicker does not.
      await deps.afterAck.run(origin.teamId, () => deps.services.decisions.decide({
        kind: 'approve', teamId: origin.teamId, actorId: origin.userId, submissionId: value.s, stageInstanceId: value.i, workflowVersion: value.v,
        idempotencyKey: clickKey(origin, click.actionId, click.actionTs),
      }, meta));
    } catch (error) {
      await tellUser(args.client, origin, error, args.logger);
    }
  };
}

/**
 * Reject, Request changes, Delegate, Comment and Retract ask for a reason (or a person) in a small modal first.
 * The gate is asked before the modal opens, so a stale card is refused before anyone types a reason (and the
 * refusal redraws the card, as a refused decision does).
 */
export function decisionModalClick(deps: SlackDeps, kind: ModalDecisionKind) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = await parseClick(args);
    if (!click) return;
    const { origin, value } = click;
    const meta = slackMeta(origin.teamId, { channelId: origin.channelId, actionId: click.actionId, surface: origin.messageTs ? 'reviewer_card' : 'home' });
    try {
      await deps.afterAck.run(origin.teamId, () => deps.services.decisions.check({
        kind, teamId: origin.teamId, actorId: origin.userId, submissionId: value.s, stageInstanceId: value.i, workflowVersion: value.v,
        idempotencyKey: clickKey(origin, click.actionId, click.actionTs),
      }, meta));
      const submission = await deps.services.submissions.get(origin.teamId, value.s);
      const stage = submission.stages.find((s) => s.id === value.i);
      if (!stage) throw DAMAGED;
      const view = decisionModal({
        metadata: { kind, s: value.s, i: value.i, v: value.v, c: origin.channelId, t: origin.messageTs },
        title: submission.title,
        requesterId: submission.requesterId,
        stageName: stage.name,
      });
      await args.client.views.open({ trigger_id: click.triggerId, view: withOriginChannel(view, origin.channelId) });
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
