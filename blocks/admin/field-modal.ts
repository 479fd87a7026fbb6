import type { KnownBlock, ModalView } from '@slack/types';
import { FIELD_TYPES, WORKFLOW_LIMITS, type FieldDefinition } from '../../src/domain/index.ts';
import { context } from '../cards.ts';
import { LIMITS } from '../limits.ts';
import { encodeItemContext, type ItemContext } from './draft.ts';
import { FIELD_TYPE_LABEL } from './describe.ts';
import { ADMIN_BLOCKS, ADMIN_CALLBACKS } from './ids.ts';
import { checkboxes, input, modal, option, staticSelect, textInput } from './kit.ts';

export const FIELD_FLAGS = { required: 'required', showToReviewers: 'show' } as const;

/** True when a field's options are too long for one text box; they are then kept as they are (edit them in YAML). */
export const optionsTooLong = (field: FieldDefinition | undefined): boolean =>
  (field?.options ?? []).join('\n').length > LIMITS.PLAIN_TEXT_INPUT;

/** One field of the request form, pushed over the workflow editor. */
export function fieldModal(ctx: ItemContext): ModalView {
  const field = ctx.index === null ? undefined : ctx.draft.fields[ctx.index];
  const flags = [
    ...(field?.required ? [FIELD_FLAGS.required] : []),
    ...(field === undefined || field.showToReviewers ? [FIELD_FLAGS.showToReviewers] : []),
  ];
  const blocks: KnownBlock[] = [
    input(ADMIN_BLOCKS.fieldLabel, 'Label', textInput({ initial: field?.label, maxLength: WORKFLOW_LIMITS.fieldLabelLength, placeholder: 'Amount' })),
    input(ADMIN_BLOCKS.fieldType, 'Type', staticSelect(FIELD_TYPES.map((t) => option(FIELD_TYPE_LABEL[t], t)), field?.type ?? 'short_text')),
    input(ADMIN_BLOCKS.fieldFlags, 'Options', checkboxes([
      option('Required', FIELD_FLAGS.required),
      option('Shown to reviewers', FIELD_FLAGS.showToReviewers),
    ], flags), { optional: true }),
    input(ADMIN_BLOCKS.fieldId, 'Id', textInput({ initial: field?.id, maxLength: 40 }), {
      optional: true, hint: 'Used in conditions and the API. Leave empty to make one from the label.',
    }),
    input(ADMIN_BLOCKS.fieldHint, 'Hint', textInput({ initial: field?.hint, maxLength: WORKFLOW_LIMITS.fieldHintLength }), { optional: true }),
  ];
  if (optionsTooLong(field)) {
    blocks.push(context(`This field's ${field?.options?.length ?? 0} choices are too long to edit here; they are kept. Edit them in YAML.`));
  } else {
    blocks.push(input(ADMIN_BLOCKS.fieldOptions, 'Choices (one per line)', textInput({ initial: field?.options?.join('\n'), multiline: true }), {
      optional: true, hint: `For "Choice from a list": up to ${WORKFLOW_LIMITS.selectOptions} choices.`,
    }));
  }
  blocks.push(input(ADMIN_BLOCKS.fieldCurrency, 'Currency', textInput({ initial: field?.currency, maxLength: 3, placeholder: 'USD' }), {
    optional: true, hint: 'For amounts: an ISO 4217 code.',
  }));
  return modal(field ? 'Edit field' : 'Add field', ADMIN_CALLBACKS.field, blocks, { submit: 'Save field', close: 'Back', metadata: encodeItemContext(ctx) });
}
