import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { decodeDraft, encodeDraft } from '../../../../blocks/admin/draft.ts';
import { importModal, noticeModal, publishedText } from '../../../../blocks/admin/export.ts';
import { ADMIN_BLOCKS } from '../../../../blocks/admin/ids.ts';
import { withOriginChannel } from '../../../../blocks/metadata.ts';
import { previewModal, previewResultModal } from '../../../../blocks/admin/preview.ts';
import { workflowEditorModal } from '../../../../blocks/admin/workflow-editor.ts';
import { isDomainError, parseWorkflowDefinition, type FieldDefinition } from '../../../domain/index.ts';
import { slackMeta, type SlackDeps } from '../../context.ts';
import { userMessageFor } from '../../errors.ts';
import { publishHome } from '../../home/render-home.ts';
import { parseAdminSubmission, readDate, readFileIds, readOption, readText, readUser, type StateValues } from './admin-payload.ts';
import { readAttachedFile } from '../../slack-files.ts';
import { adminClick, describeProblemPath, draftDefinition, editorDraft } from './workflow-editor.ts';
import { NOT_ADMIN, showAdminView } from './show-view.ts';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** "Preview routing" in the editor: checks the draft as a whole, then asks for sample values. */
export const openPreview = (deps: SlackDeps) => adminClick(deps, async (action, { client }) => {
  const draft = action.view ? editorDraft(action.view) : null;
  if (!draft || !action.view) throw new Error('preview clicked outside the workflow editor');
  let definition;
  try {
    definition = parseWorkflowDefinition(draftDefinition(draft));
  } catch (error) {
    if (!isDomainError(error)) throw error;
    const problems = Object.entries(error.fieldErrors).map(([path, message]) => `${describeProblemPath(path, draft)}: ${message}`);
    await client.views.update({ view_id: action.view.id, view: withOriginChannel(workflowEditorModal(draft, { problems: problems.length ? problems : [error.message] }), action.channelId) });
    return;
  }
  await client.views.push({ trigger_id: action.triggerId, view: withOriginChannel(previewModal(definition, encodeDraft(draft), action.userId), action.channelId) });
});

function sampleValue(values: StateValues, field: FieldDefinition): string | undefined {
  const block = ADMIN_BLOCKS.sample(field.id);
  const raw = field.type === 'user' ? readUser(values, block)
    : field.type === 'date' ? readDate(values, block)
    : field.type === 'single_select' ? readOption(values, block)
    : readText(values, block);
  return raw === null || raw === '' ? undefined : raw;
}

/** The preview's answer replaces the sample form: stages reached and the people each would ask. */
export function submitPreview(deps: SlackDeps) {
  return async ({ ack, body, logger }: SubmitArgs): Promise<void> => {
    const submission = parseAdminSubmission(body);
    const draft = submission ? decodeDraft(submission.view.private_metadata) : null;
    if (!submission || !draft) {
      await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.previewRequester]: 'This preview lost its workflow; open it again from the editor.' } });
      return;
    }
    if (!(await deps.services.directory.isAdmin(submission.teamId, submission.userId))) {
      await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.previewRequester]: 'Only approval admins can preview workflows.' } });
      return;
    }
    const values = submission.view.state.values;
    try {
      const definition = parseWorkflowDefinition(draftDefinition(draft));
      const sample: Record<string, string> = {};
      for (const field of definition.fields) {
        const value = sampleValue(values, field);
        if (value !== undefined) sample[field.id] = value;
      }
      const requester = readUser(values, ADMIN_BLOCKS.previewRequester) ?? submission.userId;
      const result = await deps.services.routingPreview.preview(submission.teamId, definition, requester, sample);
      await ack({ response_action: 'update', view: withOriginChannel(previewResultModal(definition, result), submission.channelId) });
    } catch (error) {
      const errors: Record<string, string> = {};
      if (isDomainError(error)) {
        for (const [fieldId, message] of Object.entries(error.fieldErrors)) errors[ADMIN_BLOCKS.sample(fieldId)] = message;
      }
      const present = new Set(submission.view.blocks.flatMap((b) => (b.block_id ? [b.block_id] : [])));
      const shown = Object.fromEntries(Object.entries(errors).filter(([block]) => present.has(block)));
      await ack({ response_action: 'errors', errors: Object.keys(shown).length ? shown : { [ADMIN_BLOCKS.previewRequester]: userMessageFor(error, logger) } });
    }
  };
}

export const openImport = (deps: SlackDeps) => adminClick(deps, async (action, { client }) => {
  await showAdminView(client, action, importModal());
});

/**
 * YAML/JSON import, from an attached file (any size) or the paste box: validated and published by the workflow
 * service; what is wrong shows under the input it came from.
 */
export function submitImport(deps: SlackDeps) {
  return async ({ ack, body, client, logger }: SubmitArgs): Promise<void> => {
    const submission = parseAdminSubmission(body);
    if (!submission) {
      await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.source]: 'That form arrived incomplete; please try again.' } });
      return;
    }
    const values = submission.view.state.values;
    const pasted = readText(values, ADMIN_BLOCKS.source);
    const [fileId, ...more] = readFileIds(values, ADMIN_BLOCKS.sourceFile);
    const refuse = (block: string, message: string) => ack({ response_action: 'errors', errors: { [block]: message } });
    if (more.length > 0) return void (await refuse(ADMIN_BLOCKS.sourceFile, 'Attach one file: one workflow definition per import.'));
    if (fileId && pasted) return void (await refuse(ADMIN_BLOCKS.source, 'Attach a file or paste a definition, not both; clear one of them.'));
    if (!fileId && !pasted) return void (await refuse(ADMIN_BLOCKS.sourceFile, 'Attach a YAML or JSON file, or paste a definition below.'));
    const from = fileId ? ADMIN_BLOCKS.sourceFile : ADMIN_BLOCKS.source;
    try {
      if (!(await deps.services.directory.isAdmin(submission.teamId, submission.userId))) throw NOT_ADMIN;
      const source = fileId ? (await readAttachedFile(client, fileId, 'workflow definition')).text : pasted;
      const published = await deps.services.workflows.publish(submission.teamId, submission.userId, source, slackMeta(submission.teamId, { channelId: submission.channelId, surface: 'admin:import' }));
      await ack({ response_action: 'update', view: noticeModal('Published', publishedText(published.definition.name, published.version)) });
    } catch (error) {
      await refuse(from, userMessageFor(error, logger));
      return;
    }
    await publishHome(client, deps, submission.teamId, submission.userId).catch((error: unknown) => logger.warn('could not refresh the Home tab', error));
  };
}
