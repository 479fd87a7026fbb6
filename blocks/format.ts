import { shortIdOf, type FieldDefinition, type FieldValue, type SubmissionStatus } from '../src/domain/index.ts';
import { escapeMrkdwn } from './text.ts';

/** The short id people type: the first 8 hex characters of the request's uuid. */
export const shortId = shortIdOf;

export const mention = (userId: string): string => `<@${userId}>`;

/** "<@a>", "<@a> and <@b>", "<@a>, <@b> and <@c>". */
export function mentionList(userIds: readonly string[]): string {
  const parts = userIds.map(mention);
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1) ?? ''}`;
}

/** A time in the reader's own time zone, via Slack's date formatting; the fallback is UTC. */
export function slackDate(at: Date | string, format = '{date_short_pretty} at {time}'): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  const fallback = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${Math.floor(date.getTime() / 1000)}^${format}|${fallback}>`;
}

/** "3 days 4 hours", "2 hours 5 minutes", "45 minutes", "20 seconds": the two largest units, never "0 minutes". */
export function humanDuration(ms: number): string {
  if (ms < 59_500) {
    const seconds = Math.max(0, Math.round(ms / 1000));
    return `${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (days > 0) return hours > 0 ? `${unit(days, 'day')} ${unit(hours, 'hour')}` : unit(days, 'day');
  if (hours > 0) return mins > 0 ? `${unit(hours, 'hour')} ${unit(mins, 'minute')}` : unit(hours, 'hour');
  return unit(mins, 'minute');
}

/** A field's value as mrkdwn, escaped, readable (people, dates and amounts formatted). */
export function fieldValueText(field: FieldDefinition, value: FieldValue | undefined): string {
  if (value === undefined || value === '') return '_(empty)_';
  switch (field.type) {
    case 'user':
      return mention(String(value));
    case 'currency': {
      const amount = typeof value === 'number' ? value : Number(value);
      const formatted = Number.isFinite(amount) ? amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : String(value);
      return `${formatted}${field.currency ? ` ${field.currency}` : ''}`;
    }
    case 'number':
      return typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 10 }) : escapeMrkdwn(String(value));
    default:
      return escapeMrkdwn(String(value));
  }
}

export const STATUS_LABEL: Record<SubmissionStatus, string> = {
  submitted: 'Submitted',
  in_review: 'In review',
  approved: 'Approved',
  rejected: 'Rejected',
  changes_requested: 'Changes requested',
  withdrawn: 'Withdrawn',
  cancelled: 'Cancelled',
};

export const STATUS_EMOJI: Record<SubmissionStatus, string> = {
  submitted: ':hourglass_flowing_sand:',
  in_review: ':hourglass_flowing_sand:',
  approved: ':white_check_mark:',
  rejected: ':x:',
  changes_requested: ':leftwards_arrow_with_hook:',
  withdrawn: ':wastebasket:',
  cancelled: ':no_entry_sign:',
};
