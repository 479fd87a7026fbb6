import type { InputBlockElement, KnownBlock, ModalView } from '@slack/types';
import type { FieldDefinition, FieldValues, WorkflowDefinition } from '../../src/domain/index.ts';
import { context, section } from '../cards.ts';
import { fieldValueText, mention, mentionList } from '../format.ts';
import { LIMITS } from '../limits.ts';
import { escapeMrkdwn, packLines, plain } from '../text.ts';
import { ADMIN_BLOCKS, ADMIN_CALLBACKS, INPUT_ACTION } from './ids.ts';
import { input, modal, numberInput, option, staticSelect, textInput, usersSelect } from './kit.ts';

function sampleElement(field: FieldDefinition): InputBlockElement {
  switch (field.type) {
    case 'number':
    case 'currency':
      return numberInput({ decimal: true });
    case 'date':
      return { type: 'datepicker', action_id: INPUT_ACTION, placeholder: plain('YYYY-MM-DD', LIMITS.PLACEHOLDER) };
    case 'single_select':
      return staticSelect((field.options ?? []).map((o) => option(o, o)));
    case 'user':
      return usersSelect();
    default:
      return textInput({ maxLength: field.type === 'long_text' ? 3000 : 2000 });
  }
}

/** Sample values for "Preview routing"; its metadata is the editor's draft (encoded by the caller). */
export function previewModal(definition: WorkflowDefinition, metadata: string, requesterId: string): ModalView {
  const blocks: KnownBlock[] = [
    context('Fill in sample values to see which stages a request would reach and who each would ask. Nothing is submitted.'),
    input(ADMIN_BLOCKS.previewRequester, 'Requester', usersSelect(requesterId)),
    ...definition.fields.map((f) => input(ADMIN_BLOCKS.sample(f.id), f.label, sampleElement(f), { optional: true })),
  ];
  return modal('Preview routing', ADMIN_CALLBACKS.preview, blocks, { submit: 'Preview', close: 'Back', metadata });
}

export interface PreviewResultContent {
  readonly requesterId: string;
  /** The sample values the preview used, as the form would have taken them. */
  readonly fields?: FieldValues | undefined;
  readonly steps: readonly { readonly step: number; readonly stages: readonly { readonly name: string; readonly people: readonly string[]; readonly required: number; readonly problem: string | null }[] }[];
  readonly skipped: readonly { readonly name: string }[];
}

/** The sample values a preview used, field by field in form order; the empty ones named together. */
function sampleLines(definition: Pick<WorkflowDefinition, 'fields'>, values: FieldValues): string[] {
  const given = definition.fields.filter((f) => values[f.id] !== undefined && values[f.id] !== '');
  const empty = definition.fields.filter((f) => !given.includes(f));
  const lines = given.map((f) => `• *${escapeMrkdwn(f.label)}*: ${fieldValueText(f, values[f.id])}`);
  if (empty.length) lines.push(`• Left empty: ${empty.map((f) => escapeMrkdwn(f.label)).join(', ')}`);
  return lines.length ? lines : ['• _The form has no fields._'];
}

/**
 * Where the sample request goes: the values it used, then step by step each stage with the people it asks and
 * how many must approve. It speaks of "the requester", the person picked in the preview.
 */
export function previewResultModal(definition: Pick<WorkflowDefinition, 'name' | 'fields'>, result: PreviewResultContent): ModalView {
  const intro = `A request to *${escapeMrkdwn(definition.name || 'this workflow')}* from ${mention(result.requesterId)} (the requester), with these sample values:`;
  const blocks: KnownBlock[] = packLines([intro, ...sampleLines(definition, result.fields ?? {})]).map((text) => section(text));
  result.steps.forEach((step, i) => {
    const lines = step.stages.map((stage) => {
      if (stage.problem) return `:warning: *${escapeMrkdwn(stage.name)}*: ${escapeMrkdwn(stage.problem)}`;
      return `• *${escapeMrkdwn(stage.name)}* asks ${mentionList(stage.people)} · needs ${stage.required} of ${stage.people.length}`;
    });
    blocks.push(section(`*${i + 1}. Step ${step.step}*${step.stages.length > 1 ? ' (in parallel)' : ''}\n${lines.join('\n')}`));
  });
  if (result.steps.length === 0) blocks.push(section(':warning: No stage applies to these values, so the request would be approved at once.'));
  if (result.skipped.length) blocks.push(context(`Skipped (their condition does not hold): ${result.skipped.map((s) => escapeMrkdwn(s.name)).join(', ')}`));
  return modal('Routing preview', ADMIN_CALLBACKS.previewResult, blocks, { close: 'Back' });
}
