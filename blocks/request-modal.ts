import type { InputBlock, KnownBlock, ModalView, Option, PlainTextOption } from '@slack/types';
import { MAX_TEXT_VALUE, MAX_TITLE_LENGTH, type FieldDefinition, type FieldValues, type WorkflowDefinition } from '../src/domain/index.ts';
import { context, section } from './cards.ts';
import { shortId } from './format.ts';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, fieldActionId, fieldBlockId } from './ids.ts';
import { LIMITS } from './limits.ts';
import { escapeMrkdwn, mrkdwn, plain, truncate } from './text.ts';
import { encodeMetadata, requestModalMetadataSchema, type RequestModalMetadata } from './metadata.ts';

export interface WorkflowChoice {
  readonly key: string;
  readonly name: string;
}

export interface RequestModalInput {
  /** Workflows a person may pick from (active ones); ignored when revising, which keeps the workflow. */
  readonly workflows: readonly WorkflowChoice[];
  /** The workflow whose form is shown, if one is picked. */
  readonly selected?: { readonly key: string; readonly version: number; readonly definition: WorkflowDefinition } | null | undefined;
  /** Answers to start from (revise and resubmit). */
  readonly prefill?: { readonly title: string; readonly fields: FieldValues } | null | undefined;
  /** The request being revised; the new one links to it. */
  readonly predecessorId?: string | null | undefined;
  /** A line shown at the top, e.g. why the named workflow could not be opened. */
  readonly notice?: string | null | undefined;
}

const option = (text: string, value: string): PlainTextOption => ({ text: plain(text, LIMITS.OPTION_TEXT), value: truncate(value, LIMITS.OPTION_VALUE) });

function fieldElement(field: FieldDefinition, value: string | number | undefined): InputBlock['element'] {
  const action_id = fieldActionId(field.id);
  const initial = value === undefined ? undefined : String(value);
  switch (field.type) {
    case 'short_text':
    case 'long_text':
    case 'url':
    case 'number':
    case 'currency': {
      // Numbers and amounts are typed as text so "1,250.00" is accepted and the domain's message explains mistakes.
      const placeholder = { url: 'https://…', number: 'A number, e.g. 42', currency: `An amount, e.g. 1250.00${field.currency ? ` (${field.currency})` : ''}` } as Partial<Record<FieldDefinition['type'], string>>;
      const max = field.type === 'long_text' ? MAX_TEXT_VALUE.long_text : field.type === 'url' ? MAX_TEXT_VALUE.url : MAX_TEXT_VALUE.short_text;
      return {
        type: 'plain_text_input', action_id, multiline: field.type === 'long_text', max_length: max,
        ...(initial !== undefined ? { initial_value: truncate(initial, max) } : {}),
        ...(placeholder[field.type] ? { placeholder: plain(placeholder[field.type] ?? '', LIMITS.PLACEHOLDER) } : {}),
      };
    }
    case 'date':
      return { type: 'datepicker', action_id, ...(initial && /^\d{4}-\d{2}-\d{2}$/.test(initial) ? { initial_date: initial } : {}) };
    case 'single_select': {
      const options = (field.options ?? []).slice(0, LIMITS.SELECT_OPTIONS).map((o) => option(o, o));
      const chosen = options.find((o) => o.value === initial);
      return { type: 'static_select', action_id, options, placeholder: plain('Choose one', LIMITS.PLACEHOLDER), ...(chosen ? { initial_option: chosen } : {}) };
    }
    case 'user':
      return { type: 'users_select', action_id, placeholder: plain('Choose a person', LIMITS.PLACEHOLDER), ...(initial ? { initial_user: initial } : {}) };
  }
}

function fieldBlock(field: FieldDefinition, value: string | number | undefined): InputBlock {
  return {
    type: 'input',
    block_id: fieldBlockId(field.id),
    label: plain(field.label, LIMITS.INPUT_LABEL),
    optional: !field.required,
    element: fieldElement(field, value),
    ...(field.hint ? { hint: plain(field.hint, LIMITS.INPUT_HINT) } : {}),
  };
}

/**
 * The request form. Without a picked workflow it shows only the picker; picking one updates the modal to that
 * workflow's fields (the picker dispatches its action). Field block ids are the field ids, so the domain's
 * per-field errors map straight onto `response_action: errors`.
 */
export function requestModal(input: RequestModalInput): ModalView {
  const { selected, prefill } = input;
  const revising = Boolean(input.predecessorId);
  const blocks: KnownBlock[] = [];
  if (input.notice) blocks.push(section(`:warning: ${escapeMrkdwn(input.notice)}`));

  if (revising && selected) {
    blocks.push(context(`Revising request \`${shortId(input.predecessorId ?? '')}\` in *${escapeMrkdwn(selected.definition.name)}*. The new request links to the old one.`));
  } else if (input.workflows.length === 0) {
    blocks.push(section('There are no workflows to submit to yet. An approval admin can create one with `/approval admin`.'));
  } else {
    const options = input.workflows.slice(0, LIMITS.SELECT_OPTIONS).map((w) => option(w.name, w.key));
    const chosen = options.find((o: Option) => 'value' in o && o.value === selected?.key);
    // A section accessory, not an input: picking dispatches at once and the modal needs no submit button yet.
    blocks.push({
      type: 'section',
      block_id: BLOCK_IDS.workflowPicker,
      text: mrkdwn('*Workflow*', LIMITS.SECTION_TEXT),
      accessory: {
        type: 'static_select', action_id: ACTION_IDS.workflowPicker, options,
        placeholder: plain('Choose what you need approved', LIMITS.PLACEHOLDER),
        ...(chosen ? { initial_option: chosen } : {}),
      },
    });
  }

  if (selected) {
    const { definition } = selected;
    if (definition.description) blocks.push(context(escapeMrkdwn(definition.description)));
    blocks.push({
      type: 'input',
      block_id: BLOCK_IDS.title,
      label: plain('Title', LIMITS.INPUT_LABEL),
      hint: plain('One line that tells reviewers what this is.', LIMITS.INPUT_HINT),
      element: {
        type: 'plain_text_input', action_id: ACTION_IDS.title, max_length: MAX_TITLE_LENGTH,
        ...(prefill?.title ? { initial_value: truncate(prefill.title, MAX_TITLE_LENGTH) } : {}),
      },
    });
    for (const field of definition.fields) blocks.push(fieldBlock(field, prefill?.fields[field.id]));
  }

  const metadata: RequestModalMetadata = { k: selected?.key ?? null, v: selected?.version ?? null, p: input.predecessorId ?? null };
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.requestModal,
    title: plain(revising ? 'Revise request' : 'New request', LIMITS.MODAL_TITLE),
    close: plain('Cancel', LIMITS.MODAL_BUTTON),
    ...(selected ? { submit: plain('Submit', LIMITS.MODAL_BUTTON) } : {}),
    private_metadata: encodeMetadata(requestModalMetadataSchema, metadata),
    blocks: blocks.slice(0, LIMITS.VIEW_BLOCKS),
  };
}

/** A modal that only says something (the result of a submission, a refusal) and closes. */
export function infoModal(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: plain(title, LIMITS.MODAL_TITLE),
    close: plain('Close', LIMITS.MODAL_BUTTON),
    blocks: [section(text)],
  };
}
