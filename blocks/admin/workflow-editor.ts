import type { KnownBlock, ModalView, Overflow } from '@slack/types';
import { WORKFLOW_LIMITS, workflowToYaml, type WorkflowDefinition } from '../../src/domain/index.ts';
import { button, context, header, section } from '../cards.ts';
import { LIMITS } from '../limits.ts';
import { escapeMrkdwn } from '../text.ts';
import { draftToDefinitionInput, encodeDraft, fitsMetadata, type WorkflowDraft } from './draft.ts';
import { fieldSummary, stageSummary } from './describe.ts';
import { ADMIN_ACTIONS, ADMIN_BLOCKS, ADMIN_CALLBACKS, type ItemVerb } from './ids.ts';
import { input, modal, option, textInput } from './kit.ts';
import { yamlBlocks, type ExportDelivery } from './export.ts';

function itemMenu(actionId: string, index: number, count: number): Overflow {
  const value = (verb: ItemVerb) => `${verb}:${index}`;
  return {
    type: 'overflow',
    action_id: actionId,
    options: [
      option('Edit', value('edit')),
      ...(index > 0 && count > 1 ? [option('Move up', value('up'))] : []),
      option('Remove', value('remove')),
    ],
  };
}

/** The create/edit workflow modal. Its private_metadata is the draft; fields and stages open pushed modals. */
export function workflowEditorModal(draft: WorkflowDraft, opts: { problems?: readonly string[] } = {}): ModalView {
  const metadata = encodeDraft(draft);
  return fitsMetadata(metadata) ? editorView(draft, metadata, opts) : draftTooBigModal(draft);
}

/** The editor's blocks for any draft; exported so builder tests can check the largest drafts' blocks. */
export function editorView(draft: WorkflowDraft, metadata: string, opts: { problems?: readonly string[] } = {}): ModalView {
  const blocks: KnownBlock[] = [];
  blocks.push(context(draft.baseVersion
    ? `Editing \`${draft.key}\`, published as v${draft.baseVersion}. Publishing makes v${draft.baseVersion + 1}; requests in flight keep their version.`
    : 'A new workflow. Add its fields (the request form) and stages (who approves, in order), then publish.'));
  if (opts.problems?.length) {
    blocks.push({ ...section(`:warning: *Please fix before publishing:*\n${opts.problems.map((p) => `• ${escapeMrkdwn(p)}`).join('\n')}`), block_id: ADMIN_BLOCKS.problems });
  }
  blocks.push(
    input(ADMIN_BLOCKS.name, 'Name', textInput({ initial: draft.name, maxLength: WORKFLOW_LIMITS.nameLength, placeholder: 'Purchase order' })),
    input(ADMIN_BLOCKS.key, 'Key', textInput({ initial: draft.key, maxLength: WORKFLOW_LIMITS.keyLength, placeholder: 'purchase-order' }), {
      hint: 'a-z, 0-9 and -, used in `/approval new <key>`. A different key makes a different workflow.',
    }),
    input(ADMIN_BLOCKS.description, 'Description', textInput({ initial: draft.description, multiline: true, maxLength: WORKFLOW_LIMITS.descriptionLength }), { optional: true }),
  );

  blocks.push({ ...header(`Fields (${draft.fields.length} of ${WORKFLOW_LIMITS.fields})`), block_id: ADMIN_BLOCKS.fieldsHeader });
  if (draft.fields.length === 0) blocks.push(context('No fields yet: requests will have only a title.'));
  draft.fields.forEach((field, i) => {
    blocks.push({ ...section(fieldSummary(field)), block_id: ADMIN_BLOCKS.field(i), accessory: itemMenu(ADMIN_ACTIONS.fieldMenu, i, draft.fields.length) });
  });
  if (draft.fields.length < WORKFLOW_LIMITS.fields) blocks.push({ type: 'actions', elements: [button('Add field', ADMIN_ACTIONS.addField, 'add')] });

  blocks.push({ ...header(`Stages (${draft.stages.length} of ${WORKFLOW_LIMITS.stages})`), block_id: ADMIN_BLOCKS.stagesHeader });
  if (draft.stages.length === 0) blocks.push(context('No stages yet: add at least one.'));
  draft.stages.forEach((stage, i) => {
    blocks.push({ ...section(stageSummary(stage, i + 1, draft.fields)), block_id: ADMIN_BLOCKS.stage(i), accessory: itemMenu(ADMIN_ACTIONS.stageMenu, i, draft.stages.length) });
  });
  blocks.push({
    type: 'actions',
    block_id: ADMIN_BLOCKS.editorActions,
    elements: [
      ...(draft.stages.length < WORKFLOW_LIMITS.stages ? [button('Add stage', ADMIN_ACTIONS.addStage, 'add', 'primary')] : []),
      button('Preview routing', ADMIN_ACTIONS.previewRouting, 'preview'),
      button('Export YAML', ADMIN_ACTIONS.exportDraft, 'export'),
    ],
  });
  return modal(draft.baseVersion ? 'Edit workflow' : 'New workflow', ADMIN_CALLBACKS.workflow, blocks, { submit: 'Publish', close: 'Cancel', metadata });
}

/** A draft's YAML, as Export sends it. */
export const draftYaml = (draft: WorkflowDraft): string => workflowToYaml(draftToDefinitionInput(draft) as unknown as WorkflowDefinition);

/**
 * Shown instead of the editor when a workflow is too big to carry in a modal: what to do instead, which works at
 * any size (edit the YAML file sent to the admin's DM and attach it in Import), and the YAML itself.
 */
export function draftTooBigModal(draft: WorkflowDraft, delivery?: ExportDelivery): ModalView {
  const name = `*${escapeMrkdwn(draft.name || draft.key || 'This workflow')}*`;
  const how = delivery?.sent
    ? `I sent you its YAML as *${escapeMrkdwn(delivery.filename)}* in our DM: download it, edit it, and attach it in *Import YAML/JSON* (Home tab or \`/approval admin\`) to publish it.`
    : delivery
      ? `I could not send you its YAML as a file (${escapeMrkdwn(delivery.problem)}): copy it from below into a .yaml file, edit it, and attach that file in *Import YAML/JSON*.`
      : 'Use *Export YAML* to get it as a file, edit it, and attach it in *Import YAML/JSON*.';
  const blocks: KnownBlock[] = [
    section(`${name} is too big to edit in Slack's modals (they carry at most ${LIMITS.PRIVATE_METADATA} characters). ${how}`),
    ...yamlBlocks(draftYaml(draft), LIMITS.VIEW_BLOCKS - 1),
  ];
  return modal('Workflow too big', ADMIN_CALLBACKS.exportWorkflow, blocks);
}
