import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { shortId } from '../../../../blocks/format.ts';
import { BLOCK_IDS, CALLBACK_IDS, fieldBlockId } from '../../../../blocks/ids.ts';
import { decodeMetadata, requestModalMetadataSchema, withOriginChannel } from '../../../../blocks/metadata.ts';
import { infoModal, requestModal } from '../../../../blocks/request-modal.ts';
import { escapeMrkdwn } from '../../../../blocks/text.ts';
import { DomainError, isDomainError, openStages } from '../../../domain/index.ts';
import { slackMeta, type SlackDeps } from '../../context.ts';
import { blockIdsOf, modalErrors, userMessageFor } from '../../errors.ts';
import { withinBudget } from '../ack-budget.ts';
import { parseViewSubmission, readRequestForm } from './view-payload.ts';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * Submitting the request form: the services validate every field and create the request in one go, before
 * the ack, so problems show inline under their fields and nothing is created. On success the modal says so;
 * the tracking card and reviewer cards are posted by the worker from the outbox.
 */
export function requestSubmitted(deps: SlackDeps) {
  return async ({ ack, body, logger }: ViewArgs): Promise<void> => {
    const submission = parseViewSubmission(body);
    if (!submission) {
      await ack({ response_action: 'update', view: infoModal('Not submitted', 'The form arrived incomplete, so nothing was created. Please try again.') });
      return;
    }
    const { teamId, view } = submission;
    const blockIds = blockIdsOf(view.blocks);
    const fallback = blockIds.includes(BLOCK_IDS.title) ? BLOCK_IDS.title : (blockIds[0] ?? BLOCK_IDS.workflowPicker);
    const metadata = decodeMetadata(requestModalMetadataSchema, view.private_metadata);
    if (!metadata?.k || !metadata.v) {
      await ack({ response_action: 'errors', errors: { [fallback]: 'Pick a workflow first.' } });
      return;
    }
    const meta = slackMeta(teamId, { channelId: submission.channelId, surface: 'request_modal' });

    let fieldIds = new Set<string>();
    // The domain keys problems by field id (and `title`); the form's blocks are keyed by fieldBlockId.
    const blockOf = (key: string): string => (fieldIds.has(key) ? fieldBlockId(key) : key === 'title' ? BLOCK_IDS.title : key);

    const work = (async () => {
      const current = await deps.services.workflows.getVersion(teamId, metadata.k ?? '');
      const shown = current.version === metadata.v ? current : await deps.services.workflows.getVersion(teamId, current.key, metadata.v ?? undefined);
      fieldIds = new Set(shown.definition.fields.map((f) => f.id));
      const form = readRequestForm(view.state.values, shown.definition.fields);
      if (current.version !== metadata.v) {
        // Republished while the form was open: show the new form with the answers kept, rather than guess.
        const workflows = await deps.services.workflows.list(teamId, { activeOnly: true });
        return { update: withOriginChannel(requestModal({
          workflows, selected: { key: current.key, version: current.version, definition: current.definition }, prefill: form, predecessorId: metadata.p,
          notice: `"${current.definition.name}" was changed to version ${current.version} while you were filling it in. Please check the form and submit again.`,
        }), submission.channelId) };
      }
      const state = await deps.services.submissions.submit({
        teamId, workflowKey: current.key, requesterId: submission.user.id, title: form.title, fields: form.fields, predecessorId: metadata.p,
        // One view makes at most one request: Slack delivering the submission again returns the first.
        idempotencyKey: `slack-view:${teamId}:${view.id}`,
      }, meta);
      const open = openStages(state).map((s) => `*${escapeMrkdwn(s.name)}*`).join(' and ');
      const where = state.status === 'approved' ? 'It needed no review and is approved.' : `It is now with ${open || 'its first stage'}. I'll DM you a card that follows it.`;
      return { update: infoModal('Request submitted', `:white_check_mark: *${escapeMrkdwn(state.title)}* was submitted as \`${shortId(state.id)}\`. ${where}`) };
    })();

    try {
      const raced = await withinBudget(work);
      if (raced.done) {
        await ack({ response_action: 'update', view: raced.value.update });
        return;
      }
      await ack({ response_action: 'update', view: infoModal('Submitting…', 'This is taking longer than usual. `/approval list` will show the request once it is in.') });
      await raced.later.catch((error: unknown) => logger.error('late request submission failed', error));
    } catch (error) {
      const refusal = isDomainError(error) ? error : new DomainError('invalid_input', userMessageFor(error, logger));
      await ack({ response_action: 'errors', errors: modalErrors(refusal, blockIds, fallback, blockOf) });
    }
  };
}

export function registerRequestView(app: App, deps: SlackDeps): void {
  app.view(CALLBACK_IDS.requestModal, requestSubmitted(deps));
}
