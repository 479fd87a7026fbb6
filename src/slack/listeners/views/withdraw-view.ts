import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { shortId } from '../../../../blocks/format.ts';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../../../../blocks/ids.ts';
import { decodeMetadata, withdrawModalMetadataSchema } from '../../../../blocks/metadata.ts';
import { infoModal } from '../../../../blocks/request-modal.ts';
import { escapeMrkdwn } from '../../../../blocks/text.ts';
import { isDomainError } from '../../../domain/index.ts';
import { slackMeta, type SlackDeps } from '../../context.ts';
import { userMessageFor } from '../../errors.ts';
import { withinBudget } from '../ack-budget.ts';
import { parseViewSubmission, textValue } from './view-payload.ts';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** The confirmed withdrawal: done through the core before the ack, and the modal says what happened. */
export function withdrawSubmitted(deps: SlackDeps) {
  return async ({ ack, body, logger }: ViewArgs): Promise<void> => {
    const submission = parseViewSubmission(body);
    const metadata = decodeMetadata(withdrawModalMetadataSchema, submission?.view.private_metadata);
    if (!submission || !metadata) {
      await ack({ response_action: 'update', view: infoModal('Not withdrawn', 'This form arrived incomplete, so nothing changed.') });
      return;
    }
    const reason = textValue(submission.view.state.values, BLOCK_IDS.reason, ACTION_IDS.reason).trim() || null;
    const meta = slackMeta(submission.teamId, { channelId: submission.channelId, surface: 'withdraw_modal' });
    try {
      const raced = await withinBudget(deps.services.decisions.decide({
        kind: 'withdraw', teamId: submission.teamId, submissionId: metadata.s, actorId: submission.user.id, reason,
        idempotencyKey: `slack-view:${submission.teamId}:${submission.view.id}`,
      }, meta));
      if (!raced.done) {
        await ack({ response_action: 'update', view: infoModal('Withdrawing…', 'This is taking longer than usual; your tracking card will show the outcome.') });
        await raced.later.catch((error: unknown) => logger.error('late withdrawal failed', error));
        return;
      }
      const state = raced.value.submission;
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
