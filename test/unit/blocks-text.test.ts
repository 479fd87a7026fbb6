import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../blocks/limits.ts';
import { escapeMrkdwn, mrkdwn, plain, truncate } from '../../blocks/text.ts';

const isWellFormed = (s: string): boolean => s.isWellFormed();

describe('truncate', () => {
  it('returns text within the limit unchanged, including exactly at the limit', () => {
    expect(truncate('approve', 7)).toBe('approve');
    const full = 'x'.repeat(LIMITS.SECTION_TEXT);
    expect(truncate(full, LIMITS.SECTION_TEXT)).toBe(full);
  });

  it('cuts one over the limit and marks the cut with an ellipsis', () => {
    const result = truncate('x'.repeat(LIMITS.SECTION_TEXT + 1), LIMITS.SECTION_TEXT);
    expect(result).toHaveLength(LIMITS.SECTION_TEXT);
    expect(result.endsWith('…')).toBe(true);
  });

  it('handles the longest inputs Slack accepts anywhere', () => {
    const huge = 'a'.repeat(LIMITS.MESSAGE_TEXT * 3);
    for (const max of Object.values(LIMITS)) {
      expect(truncate(huge, max).length).toBeLessThanOrEqual(max);
    }
  });

  it('never splits a surrogate pair when an emoji straddles the cut', () => {
    // 'ab' + 😀 (2 units) + more: cutting at 4 leaves room for 3 units + '…', which falls inside the emoji.
    const text = 'ab😀cdef';
    const result = truncate(text, 4);
    expect(result).toBe('ab…');
    expect(isWellFormed(result)).toBe(true);
  });

  it('keeps an emoji that fits whole', () => {
    expect(truncate('ab😀cdef', 5)).toBe('ab😀…');
  });

  it('counts UTF-16 units as Slack does for text made only of emoji', () => {
    const emoji = '👍'.repeat(100); // 200 units
    for (let max = 1; max <= 80; max += 1) {
      const result = truncate(emoji, max);
      expect(result.length).toBeLessThanOrEqual(max);
      expect(isWellFormed(result)).toBe(true);
    }
  });

  it('handles tiny limits', () => {
    expect(truncate('hello', 1)).toBe('…');
    expect(truncate('hello', 0)).toBe('');
  });

  it('does not leave trailing spaces before the ellipsis', () => {
    expect(truncate('Budget approval     needed', 12)).toBe('Budget appr…');
    expect(truncate('Budget     approval', 9)).toBe('Budget…');
  });
});

describe('escapeMrkdwn', () => {
  it('escapes &, < and > (and only those)', () => {
    expect(escapeMrkdwn('a & b <@U123> *bold*')).toBe('a &amp; b &lt;@U123&gt; *bold*');
  });

  it('escapes & first so entities are not double-escaped wrongly', () => {
    expect(escapeMrkdwn('&lt;')).toBe('&amp;lt;');
  });
});

describe('plain and mrkdwn', () => {
  it('build text objects already cut to the limit', () => {
    expect(plain('Approve', LIMITS.BUTTON_TEXT)).toEqual({ type: 'plain_text', text: 'Approve', emoji: true });
    const long = plain('y'.repeat(200), LIMITS.BUTTON_TEXT);
    expect(long.text).toHaveLength(LIMITS.BUTTON_TEXT);
    expect(mrkdwn('*hi*', LIMITS.SECTION_TEXT)).toEqual({ type: 'mrkdwn', text: '*hi*' });
    expect(mrkdwn('z'.repeat(5000), LIMITS.SECTION_TEXT).text).toHaveLength(LIMITS.SECTION_TEXT);
  });

  it('mrkdwn never leaves half an escaped entity', () => {
    const text = `${'a'.repeat(8)}${escapeMrkdwn('&&&&')}`; // aaaaaaaa&amp;&amp;…
    for (let max = 8; max < text.length; max += 1) {
      const result = mrkdwn(text, max).text;
      expect(result.length).toBeLessThanOrEqual(max);
      expect(result.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    }
  });

  it('mrkdwn never leaves half a mention or link', () => {
    const text = 'Requested by <@U0123ABCDEF> for <https://example.com/x|the budget>';
    for (let max = 14; max < text.length; max += 1) {
      const result = mrkdwn(text, max).text;
      expect(result.length).toBeLessThanOrEqual(max);
      expect(result.split('<').length).toBe(result.split('>').length);
    }
  });

  it('keeps emoji whole in mrkdwn too', () => {
    const result = mrkdwn(`${'x'.repeat(2998)}🎉🎉`, LIMITS.SECTION_TEXT).text;
    expect(result.length).toBeLessThanOrEqual(LIMITS.SECTION_TEXT);
    expect(isWellFormed(result)).toBe(true);
  });
});
