import { z } from 'zod';

/**
 * What every input is checked against before anything uses it, whether a person typed it in Slack or a client
 * sent it to the API: text that can be stored, calendar dates that exist, JSON of a sane shape.
 */

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

/** A zod string that refuses what cannot be stored (see hasUnstorableCharacter), saying what the text is. */
export const storableText = (what?: string) => z.string().refine((s) => !hasUnstorableCharacter(s), what ? `${what} ${UNSTORABLE_MESSAGE}` : UNSTORABLE_MESSAGE);

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The calendar day a YYYY-MM-DD text names, or null when there is no such day (2026-02-30: Date would roll it over to March). */
export function parseCalendarDate(text: string): { year: number; month: number; day: number } | null {
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0-99 as 1900-1999
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return { year, month, day };
}
export const isCalendarDate = (text: string): boolean => parseCalendarDate(text) !== null;

/** How deep a JSON body may nest: far more than any request of ours needs, far less than a stack holds. */
export const MAX_JSON_DEPTH = 32;
/** Member names that reach Object.prototype when copied onto an object. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first thing in a parsed JSON value no input of ours may hold, with where it is: nesting deeper than
 * MAX_JSON_DEPTH, a member named like a prototype link, text (a value or a member name) that cannot be stored,
 * a number that is not finite (1e309 parses as Infinity). Null when there is none.
 */
export function findHostileJson(value: unknown, path: readonly (string | number)[] = []): { path: (string | number)[]; problem: string } | null {
  if (path.length > MAX_JSON_DEPTH) return { path: [...path], problem: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
  if (typeof value === 'string') return hasUnstorableCharacter(value) ? { path: [...path], problem: UNSTORABLE_MESSAGE } : null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path: [...path], problem: 'must be a finite number' };
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findHostileJson(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_KEYS.has(key)) return { path: [...path, key], problem: 'is not a member name this API accepts' };
    if (hasUnstorableCharacter(key)) return { path: [...path, key], problem: `as a member name ${UNSTORABLE_MESSAGE}` };
    const found = findHostileJson((value as Record<string, unknown>)[key], [...path, key]);
    if (found) return found;
  }
  return null;
}

/** Another system's id for what a request approves: one active request per (workflow, entity key). */
export const entityKeySchema = storableText('The entity key').trim().min(1).max(200);
