import { describe, expect, it } from 'vitest';
import { delegationCreatedMessage, delegationProblemMessage, delegationRevokedMessage } from '../../blocks/delegation.ts';
import { parseDelegateArgs } from '../../src/slack/listeners/delegate/parse-delegate.ts';
import { startOfDayIn } from '../../src/slack/listeners/delegate/zoned-date.ts';
import { formatProblem, validateBlocks } from '../support/block-kit-validator.ts';

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe('parsing /approval delegate', () => {
  it('reads an escaped mention, optional start, end and workflow', () => {
    expect(parseDelegateArgs(words('<@U0ALICE1|alice> from 2026-12-20 until 2026-12-31 purchase-order'))).toEqual({
      kind: 'set', toUserId: 'U0ALICE1', from: { year: 2026, month: 12, day: 20 }, until: { year: 2026, month: 12, day: 31 }, workflowKey: 'purchase-order',
    });
    expect(parseDelegateArgs(words('<@W0BOB> until 2027-01-02'))).toEqual({ kind: 'set', toUserId: 'W0BOB', from: null, until: { year: 2027, month: 1, day: 2 }, workflowKey: null });
    expect(parseDelegateArgs(['off'])).toEqual({ kind: 'off' });
    expect(parseDelegateArgs(['OFF'])).toEqual({ kind: 'off' });
  });

  it.each([
    ['', 'Say who decides'],
    ['@alice until 2026-12-31', 'Pick the person from the @ menu'],
    ['alice until 2026-12-31', 'Start with the person'],
    ['<@U0ALICE1>', 'Say until when'],
    ['<@U0ALICE1> until', 'needs a date'],
    ['<@U0ALICE1> until 2026-02-30', 'is not a date'],
    ['<@U0ALICE1> until 31/12/2026', 'is not a date'],
    ['<@U0ALICE1> 2026-12-31', 'Put "from" or "until"'],
    ['<@U0ALICE1> until 2026-12-31 until 2027-01-01', 'only once'],
    ['<@U0ALICE1> until 2026-12-31 two words', 'did not understand'],
  ])('explains %j', (text, expected) => {
    const parsed = parseDelegateArgs(words(text));
    expect(parsed.kind).toBe('problem');
    expect(parsed.kind === 'problem' && parsed.problem).toContain(expected);
  });
});

describe('days in a time zone', () => {
  it('starts a day at local midnight, across DST changes', () => {
    expect(startOfDayIn({ year: 2026, month: 12, day: 31 }, 'UTC').toISOString()).toBe('2026-12-31T00:00:00.000Z');
    expect(startOfDayIn({ year: 2026, month: 12, day: 31 }, 'America/Los_Angeles').toISOString()).toBe('2026-12-31T08:00:00.000Z');
    expect(startOfDayIn({ year: 2026, month: 12, day: 31 }, 'Asia/Tokyo', 1).toISOString()).toBe('2026-12-31T15:00:00.000Z');
    // Europe/Berlin moves to summer time on 2026-03-29: that day starts at 23:00 UTC the day before (UTC+1).
    expect(startOfDayIn({ year: 2026, month: 3, day: 29 }, 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfDayIn({ year: 2026, month: 3, day: 30 }, 'Europe/Berlin').toISOString()).toBe('2026-03-29T22:00:00.000Z');
  });
});

describe('delegation messages', () => {
  it('confirm and explain within Block Kit limits', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    for (const message of [
      delegationCreatedMessage({ toUserId: 'U0ALICE1', startsAt: new Date('2026-12-20T00:00:00Z'), endsAt: new Date('2027-01-01T00:00:00Z'), workflowKey: 'k'.repeat(40), now }),
      delegationRevokedMessage(0),
      delegationRevokedMessage(3),
      delegationProblemMessage('<&>'.repeat(2000)),
    ]) {
      expect(validateBlocks(message.blocks, 'message').map(formatProblem)).toEqual([]);
      expect(message.text.length).toBeGreaterThan(0);
    }
    expect(JSON.stringify(delegationCreatedMessage({ toUserId: 'U0ALICE1', startsAt: now, endsAt: new Date('2027-01-01T00:00:00Z'), workflowKey: null, now }).blocks)).toContain('all your approval requests');
  });
});
