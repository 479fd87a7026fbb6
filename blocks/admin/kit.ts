import type {
  Checkboxes, InputBlock, InputBlockElement, ModalView, KnownBlock, MultiStaticSelect, MultiUsersSelect,
  NumberInput, PlainTextInput, PlainTextOption, StaticSelect, UsersSelect,
} from '@slack/types';
import { LIMITS } from '../limits.ts';
import { plain, truncate } from '../text.ts';
import { INPUT_ACTION } from './ids.ts';

/** A select option; the value is cut to Slack's limit too (callers use short values). */
export const option = (text: string, value: string): PlainTextOption => ({
  text: plain(text, LIMITS.OPTION_TEXT),
  value: truncate(value, LIMITS.OPTION_VALUE),
});

export function input(blockId: string, label: string, element: InputBlockElement, opts: { optional?: boolean; hint?: string; dispatch?: boolean } = {}): InputBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label, LIMITS.INPUT_LABEL),
    element,
    ...(opts.optional ? { optional: true } : {}),
    ...(opts.hint ? { hint: plain(opts.hint, LIMITS.INPUT_HINT) } : {}),
    ...(opts.dispatch ? { dispatch_action: true } : {}),
  };
}

export function textInput(opts: { initial?: string | undefined; multiline?: boolean; maxLength?: number; placeholder?: string } = {}): PlainTextInput {
  const maxLength = Math.min(opts.maxLength ?? LIMITS.PLAIN_TEXT_INPUT, LIMITS.PLAIN_TEXT_INPUT);
  return {
    type: 'plain_text_input',
    action_id: INPUT_ACTION,
    max_length: maxLength,
    ...(opts.multiline ? { multiline: true } : {}),
    ...(opts.initial ? { initial_value: truncate(opts.initial, maxLength) } : {}),
    ...(opts.placeholder ? { placeholder: plain(opts.placeholder, LIMITS.PLACEHOLDER) } : {}),
  };
}

export function numberInput(opts: { initial?: number | undefined; decimal?: boolean; min?: number; max?: number }): NumberInput {
  return {
    type: 'number_input',
    action_id: INPUT_ACTION,
    is_decimal_allowed: opts.decimal ?? false,
    ...(opts.initial !== undefined ? { initial_value: String(opts.initial) } : {}),
    ...(opts.min !== undefined ? { min_value: String(opts.min) } : {}),
    ...(opts.max !== undefined ? { max_value: String(opts.max) } : {}),
  };
}

/** A static select; `initial` must be the value of one of `options`, else it is left out. */
export function staticSelect(options: readonly PlainTextOption[], initial?: string | null, placeholder = 'Choose'): StaticSelect {
  const shown = options.slice(0, LIMITS.SELECT_OPTIONS);
  const chosen = shown.find((o) => o.value === initial);
  return { type: 'static_select', action_id: INPUT_ACTION, placeholder: plain(placeholder, LIMITS.PLACEHOLDER), options: shown, ...(chosen ? { initial_option: chosen } : {}) };
}

export function multiStaticSelect(options: readonly PlainTextOption[], initial: readonly string[], placeholder = 'Choose'): MultiStaticSelect {
  const shown = options.slice(0, LIMITS.SELECT_OPTIONS);
  const chosen = shown.filter((o) => o.value !== undefined && initial.includes(o.value));
  return { type: 'multi_static_select', action_id: INPUT_ACTION, placeholder: plain(placeholder, LIMITS.PLACEHOLDER), options: shown, ...(chosen.length ? { initial_options: chosen } : {}) };
}

export function usersSelect(initial?: string | null, placeholder = 'Pick a person'): UsersSelect {
  return { type: 'users_select', action_id: INPUT_ACTION, placeholder: plain(placeholder, LIMITS.PLACEHOLDER), ...(initial ? { initial_user: initial } : {}) };
}

/** Slack allows at most 100 selected users in a multi users select. */
export const MAX_SELECTED_USERS = 100;
export function multiUsersSelect(initial: readonly string[], placeholder = 'Pick people'): MultiUsersSelect {
  return {
    type: 'multi_users_select',
    action_id: INPUT_ACTION,
    placeholder: plain(placeholder, LIMITS.PLACEHOLDER),
    ...(initial.length ? { initial_users: initial.slice(0, MAX_SELECTED_USERS) } : {}),
  };
}

export function checkboxes(options: readonly PlainTextOption[], initial: readonly string[]): Checkboxes {
  const shown = options.slice(0, LIMITS.CHECKBOX_OPTIONS);
  const chosen = shown.filter((o) => o.value !== undefined && initial.includes(o.value));
  return { type: 'checkboxes', action_id: INPUT_ACTION, options: shown, ...(chosen.length ? { initial_options: chosen } : {}) };
}

export interface ModalOptions {
  readonly submit?: string;
  readonly close?: string;
  readonly metadata?: string;
  readonly notifyOnClose?: boolean;
}

/** A modal with the title and buttons cut to Slack's limits and at most 100 blocks. */
export function modal(title: string, callbackId: string, blocks: readonly KnownBlock[], opts: ModalOptions = {}): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title, LIMITS.MODAL_TITLE),
    ...(opts.submit ? { submit: plain(opts.submit, LIMITS.MODAL_BUTTON) } : {}),
    close: plain(opts.close ?? 'Close', LIMITS.MODAL_BUTTON),
    ...(opts.metadata !== undefined ? { private_metadata: opts.metadata } : {}),
    blocks: blocks.slice(0, LIMITS.VIEW_BLOCKS),
  };
}
