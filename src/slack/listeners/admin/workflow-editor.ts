import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import {
  decodeDraft, decodeItemContext, draftFromDefinition, draftToDefinitionInput, emptyDraft, encodeItemContext, fitsMetadata,
  moveUp, parseItemValue, type WorkflowDraft,
} from '../../../../blocks/admin/draft.ts';
import { exportFileName, exportModal, noticeModal, publishedText, type ExportDelivery } from '../../../../blocks/admin/export.ts';
import { fieldModal } from '../../../../blocks/admin/field-modal.ts';
import { ADMIN_BLOCKS, ADMIN_CALLBACKS } from '../../../../blocks/admin/ids.ts';
import { withOriginChannel } from '../../../../blocks/metadata.ts';
import { stageModal } from '../../../../blocks/admin/stage-modal.ts';
import { draftTooBigModal, draftYaml, workflowEditorModal } from '../../../../blocks/admin/workflow-editor.ts';
import { escapeMrkdwn } from '../../../../blocks/text.ts';
import { DomainError, isDomainError, type WorkflowDefinition } from '../../../domain/index.ts';
import { slackMeta, type SlackDeps } from '../../context.ts';
import { userMessageFor } from '../../errors.ts';
import { publishHome } from '../../home/render-home.ts';
import { sendTextFile } from '../../slack-files.ts';
import { parseAdminAction, parseAdminSubmission, readText, type AdminAction, type AdminViewPayload } from './admin-payload.ts';
import { readFieldForm, readStageForm, withField, withStage } from './item-forms.ts';
import { refuse, requireAdmin, showAdminView } from './show-view.ts';

type ActionArgs = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;
type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const TOO_BIG = 'The workflow would be too big to edit in Slack modals (they carry 3000 characters). Close this, click *Export YAML* in the editor: I send you the workflow as a YAML file. Make this change in the file, then attach it in *Import YAML/JSON* (Home tab or `/approval admin`): files of any size work there.';
const DAMAGED = new DomainError('invalid_input', 'This form lost its draft (it may be from an older version of the app). Please open the editor again.');

/** The editor's draft with what is typed in its name, key and description right now. */
export function editorDraft(view: AdminViewPayload): WorkflowDraft | null {
  const draft = decodeDraft(view.private_metadata);
  if (!draft) return null;
  const values = view.state.values;
  const typed = (blockId: string, current: string) => (values[blockId] ? readText(values, blockId) : current);
  return { ...draft, name: typed(ADMIN_BLOCKS.name, draft.name), key: typed(ADMIN_BLOCKS.key, draft.key), description: typed(ADMIN_BLOCKS.description, draft.description) };
}

/** Runs one admin click: ack, parse, check the clicker is an admin, then `work`; refusals are shown to them. */
export function adminClick(deps: SlackDeps, work: (action: AdminAction, args: ActionArgs) => Promise<void>) {
  return async (args: ActionArgs): Promise<void> => {
    await args.ack();
    const action = parseAdminAction(args.body);
    if (!action) {
      args.logger.warn('admin click without a readable payload; ignored');
      return;
    }
    try {
      const meta = slackMeta(action.teamId, { channelId: action.channelId, actionId: action.actionId, surface: action.view ? 'modal' : 'home' });
      await requireAdmin(deps, action.teamId, action.userId, meta, `admin_tools:${action.actionId}`);
      await work(action, args);
    } catch (error) {
      await refuse(args.client, action, error, args.logger);
    }
  };
}

/** "New workflow" and "Edit" (Home tab or admin menu) open the editor. */
export const openNewWorkflow = (deps: SlackDeps) => adminClick(deps, async (action, { client }) => {
  await showAdminView(client, action, workflowEditorModal(emptyDraft()));
});

/** Sends a draft's YAML to the admin as a file in their DM; says why not when Slack refuses. */
async function deliverYaml(action: AdminAction, args: ActionArgs, draft: WorkflowDraft): Promise<ExportDelivery> {
  const filename = exportFileName(draft.key);
  try {
    await sendTextFile(args.client, action.userId, {
      filename, title: `${draft.name || draft.key || 'Workflow'}${draft.baseVersion ? ` v${draft.baseVersion}` : ' (draft)'}`, content: draftYaml(draft),
      comment: 'The workflow as YAML: edit it, then attach it in *Import YAML/JSON* (Home tab or `/approval admin`) to publish it.',
    });
    return { sent: true, filename };
  } catch (error) {
    args.logger.warn('could not send a workflow export as a file', error);
    const code = (error as { data?: { error?: string } }).data?.error;
    return { sent: false, problem: code ? `Slack answered ${code}` : 'Slack did not take the upload' };
  }
}

export const openEditWorkflow = (deps: SlackDeps) => adminClick(deps, async (action, args) => {
  const current = await deps.services.workflows.getVersion(action.teamId, action.value ?? '');
  const draft = draftFromDefinition(current.definition, current.version);
  const editor = workflowEditorModal(draft);
  if (editor.callback_id === ADMIN_CALLBACKS.workflow) {
    await showAdminView(args.client, action, editor);
    return;
  }
  // Too big for the editor: the advice must work at any size, so the YAML goes to the admin as a file. The
  // modal opens first (its trigger lasts 3 seconds) and is corrected if the file could not be sent.
  const shown = await showAdminView(args.client, action, draftTooBigModal(draft, { sent: true, filename: exportFileName(draft.key) }));
  const delivery = await deliverYaml(action, args, draft);
  if (!delivery.sent && shown) await args.client.views.update({ view_id: shown, view: withOriginChannel(draftTooBigModal(draft, delivery), action.channelId) });
});

function draftOf(action: AdminAction): { draft: WorkflowDraft; view: AdminViewPayload } {
  const draft = action.view ? editorDraft(action.view) : null;
  if (!action.view || !draft) throw DAMAGED;
  return { draft, view: action.view };
}

async function pushItemModal(deps: SlackDeps, action: AdminAction, args: ActionArgs, kind: 'field' | 'stage', index: number | null): Promise<void> {
  const { draft, view } = draftOf(action);
  const ctx = { rootViewId: view.id, index, draft };
  if (!fitsMetadata(encodeItemContext(ctx))) throw new DomainError('invalid_input', TOO_BIG);
  const modal = kind === 'field' ? fieldModal(ctx) : stageModal(ctx, (await deps.services.directory.listRoles(action.teamId)).map((r) => r.name));
  await args.client.views.push({ trigger_id: action.triggerId, view: withOriginChannel(modal, action.channelId) });
}

export const addField = (deps: SlackDeps) => adminClick(deps, (action, args) => pushItemModal(deps, action, args, 'field', null));
export const addStage = (deps: SlackDeps) => adminClick(deps, (action, args) => pushItemModal(deps, action, args, 'stage', null));

/** The overflow menu on a field or stage: edit (pushes its modal), move up or remove (redraws the editor). */
export const itemMenu = (deps: SlackDeps, kind: 'field' | 'stage') => adminClick(deps, async (action, args) => {
  const chosen = parseItemValue(action.value);
  if (!chosen) throw DAMAGED;
  if (chosen.verb === 'edit') return pushItemModal(deps, action, args, kind, chosen.index);
  const { draft, view } = draftOf(action);
  const change = <T>(list: readonly T[]): T[] => (chosen.verb === 'up' ? moveUp(list, chosen.index) : list.filter((_, i) => i !== chosen.index));
  const next: WorkflowDraft = kind === 'field' ? { ...draft, fields: change(draft.fields) } : { ...draft, stages: change(draft.stages) };
  if (kind === 'stage' && chosen.verb === 'up') {
    // Moving a stage above one of an earlier step takes that step, so the order stays valid.
    const moved = next.stages[chosen.index - 1];
    const below = next.stages[chosen.index];
    if (moved && below && moved.step > below.step) next.stages[chosen.index - 1] = { ...moved, step: below.step };
  }
  await args.client.views.update({ view_id: view.id, ...(view.hash ? { hash: view.hash } : {}), view: withOriginChannel(workflowEditorModal(next), action.channelId) });
});

/** A draft as a definition for preview and export; a missing key or name gets a stand-in. */
export function draftDefinition(draft: WorkflowDraft): WorkflowDefinition {
  return { ...(draftToDefinitionInput(draft) as WorkflowDefinition), key: draft.key || 'draft', name: draft.name || 'Untitled workflow' };
}

/** "Export YAML" in the editor: the draft as a file in the admin's DM (any size), and shown in a modal. */
export const exportDraft = (deps: SlackDeps) => adminClick(deps, async (action, args) => {
  const { draft } = draftOf(action);
  // The trigger is valid for 3 seconds: open the modal first, then say whether the file went out.
  const pushed = await args.client.views.push({ trigger_id: action.triggerId, view: withOriginChannel(exportModal(draft.name, null, draftYaml(draft), { sent: true, filename: exportFileName(draft.key) }), action.channelId) });
  const delivery = await deliverYaml(action, args, draft);
  if (!delivery.sent && pushed.view?.id) await args.client.views.update({ view_id: pushed.view.id, view: withOriginChannel(exportModal(draft.name, null, draftYaml(draft), delivery), action.channelId) });
});

/** Saving a field or stage: check it, put it in the draft, redraw the editor below, close this modal. */
export function saveItem(deps: SlackDeps, kind: 'field' | 'stage') {
  return async ({ ack, body, client, logger }: SubmitArgs): Promise<void> => {
    const submission = parseAdminSubmission(body);
    const ctx = submission ? decodeItemContext(submission.view.private_metadata) : null;
    const firstBlock = kind === 'field' ? ADMIN_BLOCKS.fieldLabel : ADMIN_BLOCKS.stageName;
    if (!submission || !ctx) {
      await ack({ response_action: 'errors', errors: { [firstBlock]: DAMAGED.message } });
      return;
    }
    if (!(await deps.services.directory.isAdmin(submission.teamId, submission.userId))) {
      await ack({ response_action: 'errors', errors: { [firstBlock]: 'Only approval admins can edit workflows.' } });
      return;
    }
    const values = submission.view.state.values;
    let next: WorkflowDraft;
    if (kind === 'field') {
      const result = readFieldForm(values, ctx.draft, ctx.index);
      if (!result.ok) return void (await ack({ response_action: 'errors', errors: result.errors }));
      next = withField(ctx.draft, ctx.index, result.value);
    } else {
      const result = readStageForm(values, ctx.draft, ctx.index);
      if (!result.ok) return void (await ack({ response_action: 'errors', errors: result.errors }));
      next = withStage(ctx.draft, ctx.index, result.value);
    }
    const editor = workflowEditorModal(next);
    if (editor.callback_id !== ADMIN_CALLBACKS.workflow) {
      await ack({ response_action: 'errors', errors: { [firstBlock]: TOO_BIG } });
      return;
    }
    try {
      await client.views.update({ view_id: submission.view.previous_view_id ?? ctx.rootViewId, view: withOriginChannel(editor, submission.channelId) });
      await ack();
    } catch (error) {
      logger.warn('could not redraw the workflow editor', error);
      await ack({ response_action: 'errors', errors: { [firstBlock]: 'Slack did not let me update the editor below. Please try again.' } });
    }
  };
}

const TOP_LEVEL_INPUTS: Record<string, string> = { key: ADMIN_BLOCKS.key, name: ADMIN_BLOCKS.name, description: ADMIN_BLOCKS.description };

/** "stages.2.approvers" → "Stage 3 “Finance review”: approvers", for the problems list. */
export function describeProblemPath(path: string, draft: WorkflowDraft): string {
  const [list, index, ...rest] = path.split('.');
  const n = Number(index);
  const tail = rest.length ? ` (${rest.join('.')})` : '';
  if (list === 'stages' && Number.isInteger(n)) return `Stage ${n + 1} “${draft.stages[n]?.name ?? '?'}”${tail}`;
  if (list === 'fields' && Number.isInteger(n)) return `Field ${n + 1} “${draft.fields[n]?.label ?? '?'}”${tail}`;
  if (path === '(definition)') return 'The workflow';
  return path.charAt(0).toUpperCase() + path.slice(1);
}

/** Publish: the workflow service validates the whole definition and makes a new version. */
export function publishWorkflow(deps: SlackDeps) {
  return async ({ ack, body, client, logger }: SubmitArgs): Promise<void> => {
    const submission = parseAdminSubmission(body);
    const draft = submission ? editorDraft(submission.view) : null;
    if (!submission || !draft) {
      await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.name]: DAMAGED.message } });
      return;
    }
    const meta = slackMeta(submission.teamId, { channelId: submission.channelId, surface: 'admin:workflow_editor' });
    try {
      const published = await deps.services.workflows.publish(submission.teamId, submission.userId, draftToDefinitionInput(draft), meta);
      await ack({ response_action: 'update', view: noticeModal('Published', publishedText(published.definition.name, published.version)) });
    } catch (error) {
      if (!isDomainError(error)) {
        await ack({ response_action: 'errors', errors: { [ADMIN_BLOCKS.name]: userMessageFor(error, logger) } });
        return;
      }
      if (error.code === 'forbidden') {
        await ack({ response_action: 'update', view: noticeModal('Not allowed', `:warning: ${escapeMrkdwn(error.message)}`) });
        return;
      }
      const entries = Object.entries(error.fieldErrors);
      if (entries.length > 0 && entries.every(([path]) => TOP_LEVEL_INPUTS[path])) {
        await ack({ response_action: 'errors', errors: Object.fromEntries(entries.map(([path, message]) => [TOP_LEVEL_INPUTS[path] ?? ADMIN_BLOCKS.name, message])) });
        return;
      }
      const problems = entries.length ? entries.map(([path, message]) => `${describeProblemPath(path, draft)}: ${message}`) : [error.message];
      await ack({ response_action: 'update', view: withOriginChannel(workflowEditorModal(draft, { problems }), submission.channelId) });
      return;
    }
    // The publisher sees the new version on their Home tab without waiting for the worker.
    await publishHome(client, deps, submission.teamId, submission.userId).catch((error: unknown) => logger.warn('could not refresh the Home tab', error));
  };
}
