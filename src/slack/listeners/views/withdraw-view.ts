import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { shortId } from '../../../../blocks/format.ts';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../../../blocks/ids.ts';
import { decodeMetadata, withdrawModalMetadataSchema } from '../../../../blocks/metadata.ts';
import { infoModal } from '../../../../blocks/request-modal.ts';
import { escapeMrkdwn } from '../../../../blocks/text.ts';
import { isDomainError } from '../../../domain/index.ts';
import { clickDeadline, slackMeta, type SlackDeps } from '../../context.ts';
import { userMessageFor } from '../../errors.ts';
import { parseViewSubmission, textValue } from './view-payload.ts';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** The confirmed withdrawal: committed through the core before the ack (within its budget), and the modal says what happened. */
export function withdrawSubmitted(deps: SlackDeps) {
  return async ({ ack, body, logger }: ViewArgs): Promise<void> => {
    const submission = parseViewSubmission(body);
    const metadata = decodeMetadata(withdrawModalMetadataSchema, submission?.view.private_metadata);
    if (!submission || !metadata) {
      await ack({ response_action: 'update', view: infoModal('Not withdrawn', 'This form arrived incomplete, so nothing changed.') });
      return;
    }
    const reason = textValue(submission.view.state.values, BLOCK_IDS.reason, ACTION_IDS.reason).trim() || null;
    const deadline = clickDeadline(deps);
    const meta = { ...slackMeta(submission.teamId, { channelId: submission.channelId, surface: 'withdraw_modal' }), deadline };
    try {
      const { submission: state } = await deps.slots.run(submission.teamId, () => deps.services.decisions.decide({
        kind: 'withdraw', teamId: submission.teamId, submissionId: metadata.s, actorId: submission.user.id, reason,
        idempotencyKey: `slack-view:${submission.teamId}:${submission.view.id}`,
      }, meta), { startBy: deadline });
      await ack({ response_action: 'update', view: infoModal('Request withdrawn', `:wastebasket: *${escapeMrkdwn(state.title)}* (\`${shortId(state.id)}\`) is withdrawn. Its reviewers' cards now say so.`) });
    } catch (error) {
      // A reason that cannot be stored is the person's to fix, under the box they typed it in.
      const reasonProblem = isDomainError(error) && error.code === 'invalid_input' ? error.fieldErrors.reason : undefined;
      if (reasonProblem) return void (await ack({ response_action: 'errors', errors: { [BLOCK_IDS.reason]: `The reason ${reasonProblem}` } }));
      await ack({ response_action: 'update', view: infoModal('Not withdrawn', `:no_entry: ${escapeMrkdwn(userMessageFor(error, logger))}`) });
    }
  };
}

export function registerWithdrawView(app: App, deps: SlackDeps): void {
  app.view(CALLBACK_IDS.withdrawModal, withdrawSubmitted(deps));
}
