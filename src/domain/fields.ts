import type { FieldDefinition } from './workflow.ts';
import { DomainError } from './errors.ts';
import { SLACK_USER_ID } from './identifiers.ts';
import { hasUnstorableCharacter, isCalendarDate, UNSTORABLE_MESSAGE } from './input.ts';

export { hasUnstorableCharacter, UNSTORABLE_MESSAGE } from './input.ts';

export type FieldValue = string | number;
export type FieldValues = Readonly<Record<string, FieldValue>>;

export const MAX_TEXT_VALUE = { short_text: 150, long_text: 3000, url: 2000 } as const;
export const MAX_TITLE_LENGTH = 150;

/** A field's value as text, refused when it is not text (an object, an array, a number where words are expected). */
function asText(field: FieldDefinition, raw: unknown): { text?: string; error?: string } {
  if (typeof raw !== 'string') return { error: `${field.label} must be text` };
  if (hasUnstorableCharacter(raw)) return { error: `${field.label} ${UNSTORABLE_MESSAGE}` };
  return { text: raw };
}

function checkOne(field: FieldDefinition, raw: unknown): { value?: FieldValue; error?: string } {
  const blank = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
  if (blank) return field.required ? { error: `${field.label} is required` } : {};
  if (field.type === 'number' || field.type === 'currency') {
    // Slack sends numbers as typed text; the API may send either. Anything else (true, [1], {}) is no number.
    if (typeof raw !== 'number' && typeof raw !== 'string') return { error: `${field.label} must be a number` };
    const value = typeof raw === 'number' ? raw : Number(raw.replace(/[, _]/g, ''));
    if (!Number.isFinite(value)) return { error: `${field.label} must be a number` };
    if (field.type === 'currency') {
      if (value < 0) return { error: `${field.label} cannot be negative` };
      if (Math.round(value * 100) / 100 !== value) return { error: `${field.label} has at most two decimals` };
    }
    if (Math.abs(value) > 1e12) return { error: `${field.label} is too large` };
    return { value };
  }
  const { text, error } = asText(field, raw);
  if (text === undefined) return { error: error as string };
  switch (field.type) {
    case 'short_text':
    case 'long_text': {
      const value = text.trim();
      const max = MAX_TEXT_VALUE[field.type];
      return value.length > max ? { error: `${field.label} must be at most ${max} characters` } : { value };
    }
    case 'date':
      return isCalendarDate(text) ? { value: text } : { error: `${field.label} must be a date that exists (YYYY-MM-DD)` };
    case 'single_select':
      return field.options?.includes(text) ? { value: text } : { error: `${field.label} must be one of: ${(field.options ?? []).join(', ')}` };
    case 'user':
      return SLACK_USER_ID.test(text) ? { value: text } : { error: `${field.label} must be a Slack user` };
    case 'url': {
      const value = text.trim();
      try {
        const url = new URL(value);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: `${field.label} must be an http(s) link` };
      } catch {
        return { error: `${field.label} must be a link such as https://example.com` };
      }
      return value.length > MAX_TEXT_VALUE.url ? { error: `${field.label} is too long` } : { value };
    }
  }
}

/**
 * Validates a request's field values against its form. Unknown fields are refused so that nothing unseen by
 * reviewers can ride along. Throws with one message per field, for inline errors.
 */
export function validateFieldValues(fields: readonly FieldDefinition[], input: Readonly<Record<string, unknown>>): FieldValues {
  const errors: Record<string, string> = {};
  const values: Record<string, FieldValue> = {};
  for (const key of Object.keys(input)) {
    if (!fields.some((f) => f.id === key)) errors[key] = `"${key}" is not a field of this workflow`;
  }
  for (const field of fields) {
    // Only the input's own members: a field id such as "constructor" must not read Object.prototype.
    const { value, error } = checkOne(field, Object.hasOwn(input, field.id) ? input[field.id] : undefined);
    if (error) errors[field.id] = error;
    else if (value !== undefined) values[field.id] = value;
  }
  if (Object.keys(errors).length > 0) {
    throw new DomainError('invalid_input', `Please fix: ${Object.values(errors).join('; ')}`, errors);
  }
  return values;
}

export function validateTitle(title: unknown): string {
  if (typeof title !== 'string') throw new DomainError('invalid_input', 'The title must be text', { title: 'The title must be text' });
  const trimmed = title.trim();
  if (!trimmed) throw new DomainError('invalid_input', 'A request needs a title', { title: 'A title is required' });
  if (hasUnstorableCharacter(trimmed)) throw new DomainError('invalid_input', `The title ${UNSTORABLE_MESSAGE}`, { title: `The title ${UNSTORABLE_MESSAGE}` });
  if (trimmed.length > MAX_TITLE_LENGTH) {
    throw new DomainError('invalid_input', `The title must be at most ${MAX_TITLE_LENGTH} characters`, { title: `At most ${MAX_TITLE_LENGTH} characters` });
  }
  return trimmed;
}

/**
 * The request form as a whole: its title and every field, with every problem reported at once (a person fixes
 * them all in one go instead of meeting them one submit after another).
 */
export function validateRequestForm(fields: readonly FieldDefinition[], title: unknown, input: Readonly<Record<string, unknown>>): { title: string; values: FieldValues } {
  const problems: Record<string, string> = {};
  const attempt = <T>(check: () => T): T | null => {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      Object.assign(problems, error.fieldErrors);
      return null;
    }
  };
  const checkedTitle = attempt(() => validateTitle(title));
  const values = attempt(() => validateFieldValues(fields, input));
  if (checkedTitle === null || values === null) {
    throw new DomainError('invalid_input', `Please fix: ${Object.values(problems).join('; ')}`, problems);
  }
  return { title: checkedTitle, values };
}
