import { parseIsoDate } from './zoned-date.ts';
import { SLACK_USER_ID } from '../../../domain/index.ts';

export type CalendarDate = { readonly year: number; readonly month: number; readonly day: number };

export type DelegateRequest =
  | { readonly kind: 'off' }
  | { readonly kind: 'set'; readonly toUserId: string; readonly from: CalendarDate | null; readonly until: CalendarDate; readonly workflowKey: string | null };

export type ParsedDelegate = DelegateRequest | { readonly kind: 'problem'; readonly problem: string };

/** Slack sends a picked person as `<@U123|name>` (or `<@U123>`) because the command escapes mentions. */
const MENTION = new RegExp(`^<@(${SLACK_USER_ID.source.slice(1, -1)})(?:\\|[^>]*)?>$`);
const WORKFLOW_KEY = /^[a-z][a-z0-9-]{1,39}$/;

const problem = (text: string): ParsedDelegate => ({ kind: 'problem', problem: text });

/** Reads the words after `/approval delegate`. Pure: dates stay calendar dates; the caller applies the time zone. */
export function parseDelegateArgs(args: readonly string[]): ParsedDelegate {
  const words = [...args];
  if (words.length === 0) return problem('Say who decides for you while you are away, and until when.');
  if (words.length === 1 && words[0]?.toLowerCase() === 'off') return { kind: 'off' };

  const who = words.shift() ?? '';
  const mention = MENTION.exec(who);
  if (!mention?.[1]) {
    return problem(who.startsWith('@')
      ? `I could not tell who "${who}" is. Pick the person from the @ menu as you type, so Slack sends who they are.`
      : `Start with the person who decides for you, like @alice (got "${who}").`);
  }
  let from: CalendarDate | null = null;
  let until: CalendarDate | null = null;
  let workflowKey: string | null = null;
  while (words.length > 0) {
    const word = (words.shift() ?? '').toLowerCase();
    if (word === 'from' || word === 'until') {
      const raw = words.shift();
      if (raw === undefined) return problem(`"${word}" needs a date after it, as YYYY-MM-DD.`);
      const date = parseIsoDate(raw);
      if (!date) return problem(`"${raw}" is not a date; write it as YYYY-MM-DD, e.g. 2026-12-24.`);
      if (word === 'from') {
        if (from) return problem('Give "from" only once.');
        from = date;
      } else {
        if (until) return problem('Give "until" only once.');
        until = date;
      }
    } else if (WORKFLOW_KEY.test(word) && words.length === 0 && !workflowKey) {
      workflowKey = word;
    } else if (parseIsoDate(word)) {
      return problem(`Put "from" or "until" before the date ${word}.`);
    } else {
      return problem(`I did not understand "${word}".`);
    }
  }
  if (!until) return problem('Say until when, like `until 2026-12-31` (the last day you are away).');
  return { kind: 'set', toUserId: mention[1], from, until, workflowKey };
}
