import { z } from 'zod';

/**
 * Slack's ids as they reach us, defined once: user ids start with U (or W on Enterprise Grid), workspace ids
 * with T (or E for an Enterprise Grid org). Every parser of a Slack payload, an API body or a setting uses these.
 */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;
export const SLACK_TEAM_ID = /^[TE][A-Z0-9]{2,20}$/;

export const isSlackUserId = (value: unknown): value is string => typeof value === 'string' && SLACK_USER_ID.test(value);

/** A Slack user id; `message` is what a person reads when it is not one. */
export const slackUserIdSchema = (message = 'must be a Slack user id such as U012ABCDEF') => z.string().regex(SLACK_USER_ID, message);
export const slackTeamIdSchema = (message = 'must be a Slack workspace id such as T012ABCDEF') => z.string().regex(SLACK_TEAM_ID, message);

/** The short id people type: the first 8 hex characters of the request's uuid (shown on every card). */
export const shortIdOf = (id: string): string => id.replace(/-/g, '').slice(0, 8);

/** Hex digits of a request id as people type it: the 8 shown on cards, or more, with or without dashes. */
const SHORT_ID_PATTERN = /^[0-9a-f]{6,32}$/;

/** What someone typed as a request id, as hex digits, or null when it cannot be one. */
export function normaliseShortId(typed: string): string | null {
  const hex = typed.trim().toLowerCase().replace(/^`|`$/g, '').replace(/-/g, '');
  return SHORT_ID_PATTERN.test(hex) ? hex : null;
}
