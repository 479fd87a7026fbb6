import type { MrkdwnElement, PlainTextElement } from '@slack/types';
import { LIMITS } from './limits.ts';

const ELLIPSIS = '…';

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Cuts `text` so that its length in UTF-16 units (what Slack counts) is at most `max`, ending in '…'
 * when it cuts. Never splits a surrogate pair, so an emoji is kept whole or dropped whole.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return '';
  let end = max - ELLIPSIS.length;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(0, end).trimEnd() + ELLIPSIS;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Truncates mrkdwn that was built from escaped text, without leaving half an entity (`&am…`) or half
 * a link/mention (`<@U12…`): a raw '&' or '<' only ever starts one of those.
 */
export function truncateMrkdwn(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 1) return '';
  let cut = truncate(text, max).slice(0, -ELLIPSIS.length);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.includes(';', amp)) cut = cut.slice(0, amp);
  const lt = cut.lastIndexOf('<');
  if (lt >= 0 && !cut.includes('>', lt)) cut = cut.slice(0, lt);
  return cut.trimEnd() + ELLIPSIS;
}

/** A plain_text object cut to `max` (use a LIMITS constant). */
export function plain(text: string, max: number): PlainTextElement {
  return { type: 'plain_text', text: truncate(text, max), emoji: true };
}

/** A mrkdwn object cut to `max`; `text` is mrkdwn already, with user input passed through escapeMrkdwn. */
export function mrkdwn(text: string, max: number): MrkdwnElement {
  return { type: 'mrkdwn', text: truncateMrkdwn(text, max) };
}

/** Lines joined into as few section texts as hold them, each within `max` (Slack's section limit): no line is cut off. */
export function packLines(lines: readonly string[], max: number = LIMITS.SECTION_TEXT): string[] {
  const sections: string[] = [];
  let current = '';
  for (const line of lines) {
    const next = current ? `${current}\n${line}` : line;
    if (next.length > max && current) {
      sections.push(current);
      current = line;
    } else current = next;
  }
  if (current) sections.push(current);
  return sections;
}
