import type { FieldDefinition } from './workflow.ts';
import { DomainError } from './errors.ts';
import { SLACK_USER_ID } from './identifiers.ts';

export type FieldValue = string | number;
export type FieldValues = Readonly<Record<string, FieldValue>>;

export const MAX_TEXT_VALUE = { short_text: 150, long_text: 3000, url: 2000 } as const;
export const MAX_TITLE_LENGTH = 150;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Control characters other than tab and line breaks, and unpaired UTF-16 surrogates: PostgreSQL cannot store
 * NUL or a lone surrogate (text or jsonb), and none of them belongs in what a person typed.
 */
export const hasUnstorableCharacter = (text: string): boolean =>
  !text.isWellFormed() || [...text].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') || code === 0x7f;
  });
export const UNSTORABLE_MESSAGE = 'cannot contain control characters or broken unicode';

function checkOne(field: FieldDefinition, raw: unknown): { value?: FieldValue; error?: string } {
  const blank = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
  if (blank) return field.required ? { error: `${field.label} is required` } : {};
  switch (field.type) {
    case 'short_text':
    case 'long_text': {
      const value = String(raw).trim();
      const max = MAX_TEXT_VALUE[field.type];
      if (hasUnstorableCharacter(value)) return { error: `${field.label} ${UNSTORABLE_MESSAGE}` };
      return value.length > max ? { error: `${field.label} must be at most ${max} characters` } : { value };
    }
    case 'number':
    case 'currency': {
      const value = typeof raw === 'number' ? raw : Number(String(raw).replace(/[, _]/g, ''));
      if (!Number.isFinite(value)) return { error: `${field.label} must be a number` };
      if (field.type === 'currency') {
        if (value < 0) return { error: `${field.label} cannot be negative` };
        if (Math.round(value * 100) / 100 !== value) return { error: `${field.label} has at most two decimals` };
      }
      if (Math.abs(value) > 1e12) return { error: `${field.label} is too large` };
      return { value };
    }
    case 'date': {
      const value = String(raw);
      if (!ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) return { error: `${field.label} must be a date (YYYY-MM-DD)` };
      return { value };
    }
    case 'single_select': {
      const value = String(raw);
      return field.options?.includes(value) ? { value } : { error: `${field.label} must be one of: ${(field.options ?? []).join(', ')}` };
    }
    case 'user': {
      const value = String(raw);
      return SLACK_USER_ID.test(value) ? { value } : { error: `${field.label} must be a Slack user` };
    }
    case 'url': {
      const value = String(raw).trim();
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
    const { value, error } = checkOne(field, input[field.id]);
    if (error) errors[field.id] = error;
    else if (value !== undefined) values[field.id] = value;
  }
  if (Object.keys(errors).length > 0) {
    throw new DomainError('invalid_input', `Please fix: ${Object.values(errors).join('; ')}`, errors);
  }
  return values;
}

export function validateTitle(title: string): string {
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
export function validateRequestForm(fields: readonly FieldDefinition[], title: string, input: Readonly<Record<string, unknown>>): { title: string; values: FieldValues } {
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
