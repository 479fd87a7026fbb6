import { describe, expect, it } from 'vitest';
import { slackSignatureVerifier } from '../../src/slack/signature.ts';
import { slackSignature } from '../support/slack-requests.ts';

const SECRET = 'a-signing-secret-of-thirty-two-c';
const verify = slackSignatureVerifier(SECRET);
const form = 'application/x-www-form-urlencoded';
const now = Date.parse('2026-12-02T12:00:00Z');
const seconds = Math.floor(now / 1000);

const signed = (body: string, options: { timestamp?: number; secret?: string; signature?: string } = {}) => {
  const timestamp = options.timestamp ?? seconds;
  return {
    'content-type': form,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': options.signature ?? slackSignature(options.secret ?? SECRET, timestamp, body),
  };
};

describe("Slack's request signature", () => {
  const body = 'payload=%7B%22type%22%3A%22block_actions%22%7D';

  it('accepts a body signed with the signing secret within the replay window', () => {
    expect(verify(signed(body), Buffer.from(body), now)).toBe('valid');
    expect(verify(signed(body, { timestamp: seconds - 299 }), Buffer.from(body), now)).toBe('valid');
  });

  it('refuses another secret, a changed body, an old timestamp and a malformed signature', () => {
    expect(verify(signed(body, { secret: 'another-secret-of-thirty-two-chr' }), Buffer.from(body), now)).toBe('invalid');
    expect(verify(signed(body), Buffer.from(`${body}x`), now)).toBe('invalid');
    expect(verify(signed(body, { timestamp: seconds - 301 }), Buffer.from(body), now)).toBe('invalid');
    for (const signature of ['garbage', 'v0=', `v1=${'0'.repeat(64)}`, `v0=${'0'.repeat(64)}`, `v0=${'zz'.repeat(32)}`]) {
      expect(verify(signed(body, { signature }), Buffer.from(body), now)).toBe('invalid');
    }
    const { 'x-slack-signature': _dropped, ...unsigned } = signed(body);
    expect(verify(unsigned, Buffer.from(body), now)).toBe('invalid');
    expect(verify({ ...signed(body), 'x-slack-request-timestamp': 'soon' }, Buffer.from(body), now)).toBe('invalid');
  });

  it("lets Slack's unsigned SSL check through as such, and nothing else unsigned", () => {
    expect(verify({ 'content-type': form }, Buffer.from('ssl_check=1&token=x&payload=%7B%7D'), now)).toBe('ssl_check');
    expect(verify({ 'content-type': 'application/json' }, Buffer.from('{"ssl_check":"1"}'), now)).toBe('invalid');
  });
});
