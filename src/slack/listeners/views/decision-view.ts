import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../../../blocks/ids.ts';
import { decisionModalMetadataSchema, decodeMetadata } from '../../../../blocks/metadata.ts';
import { infoModal } from '../../../../blocks/request-modal.ts';
import { escapeMrkdwn } from '../../../../blocks/text.ts';
import { isDomainError } from '../../../domain/index.ts';
import { isNotRecordedInTime } from '../../../services/index.ts';
import { clickDeadline, slackMeta, type SlackDeps } from '../../context.ts';
import { blockIdsOf, decisionModalErrors, userMessageFor } from '../../errors.ts';
import { parseViewSubmission, submissionDigest, textValue } from './view-payload.ts';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const DONE: Record<string, string> = {
  reject: 'You rejected the request. The requester has been told why.',
  request_changes: 'You sent the request back for changes. The requester can revise and resubmit it.',
  delegate: 'You handed this decision on. They will get a card of their own.',
  comment: 'Your comment was added.',
  retract: 'You retracted your approval. Your card has its buttons again: decide whenever you are ready.',
};

/**
 * The reason (or person) modal behind Reject, Request changes, Delegate and Comment. The decision is made
 * (committed) before the ack, within DECISION_ACK_BUDGET_MS, so a missing reason or a bad delegate shows
 * inline and "Recorded" is only ever said of a committed decision; other refusals replace the modal with
 * the reason. The worker redraws the card the modal came from, after the decision or the refusal.
 */
export function decisionSubmitted(deps: SlackDeps) {
  return async ({ ack, body, logger }: ViewArgs): Promise<void> => {
    const submission = parseViewSubmission(body);
    const metadata = decodeMetadata(decisionModalMetadataSchema, submission?.view.private_metadata);
    if (!submission || !metadata) {
      await ack({ response_action: 'update', view: infoModal('Not recorded', 'This form arrived incomplete, so nothing was recorded. Please use the buttons on the latest card.') });
      return;
    }
    const { teamId, view, user } = submission;
    const values = view.state.values;
    const reason = textValue(values, BLOCK_IDS.reason, ACTION_IDS.reason);
    const delegateTo = values[BLOCK_IDS.delegateTo]?.[ACTION_IDS.delegateTo]?.selected_user ?? undefined;
    const deadline = clickDeadline(deps);
    const meta = { ...slackMeta(teamId, { channelId: submission.channelId ?? metadata.c, surface: 'decision_modal', actionId: metadata.kind }), deadline };
    const present = new Set(blockIdsOf(view.blocks));

    try {
      // Decided before the ack, by the deadline: committed, or rolled back and the modal says so.
      await deps.slots.run(teamId, () => deps.services.decisions.decide({
        teamId, actorId: user.id, submissionId: metadata.s, stageInstanceId: metadata.i, workflowVersion: metadata.v, kind: metadata.kind,
        reason, ...(metadata.kind === 'delegate' ? { delegateTo: delegateTo ?? '' } : {}),
        // A retry of this submission repeats the key; a corrected resubmission (new values) gets a new one.
        idempotencyKey: `slack-view:${teamId}:${view.id}:${submissionDigest(values)}`,
      }, meta), { startBy: deadline });
      await ack({ response_action: 'update', view: infoModal('Recorded', `:white_check_mark: ${DONE[metadata.kind] ?? 'Done.'}`) });
    } catch (error) {
      const inline = isDomainError(error) ? decisionModalErrors(error, BLOCK_IDS.reason, BLOCK_IDS.delegateTo) : null;
      if (inline && Object.keys(inline).every((id) => present.has(id))) {
        await ack({ response_action: 'errors', errors: inline });
        return;
      }
      // Not decided in time: the form stays open with what was typed, to submit again.
      if (isNotRecordedInTime(error) && present.has(BLOCK_IDS.reason)) {
        await ack({ response_action: 'errors', errors: { [BLOCK_IDS.reason]: userMessageFor(error, logger) } });
        return;
      }
      await ack({ response_action: 'update', view: infoModal('Not recorded', `:no_entry: ${escapeMrkdwn(userMessageFor(error, logger))}`) });
    }
  };
}

export function registerDecisionView(app: App, deps: SlackDeps): void {
  app.view(CALLBACK_IDS.decisionModal, decisionSubmitted(deps));
}
