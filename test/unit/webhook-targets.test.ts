import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../src/config/env.ts';
import { createWebhookPoster } from '../../src/jobs/webhook-post.ts';
import { guardedLookup, nonPublicKind, REFUSE_PRIVATE, targetRefusal, webhookTargetPolicy, WebhookTargetRefused } from '../../src/jobs/webhook-targets.ts';

describe('which addresses are not the public internet', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.5.6.7', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'], ['100.64.0.1', 'shared (carrier-grade NAT)'],
    ['169.254.169.254', 'link-local (cloud metadata)'], ['fd00:ec2::254', 'unique-local (private, cloud metadata at fd00:ec2::254)'],
    ['fc00::1', 'unique-local (private, cloud metadata at fd00:ec2::254)'], ['fe80::1', 'link-local'], ['0.0.0.0', '"this network" (unspecified)'], ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'], ['ff02::1', 'multicast'], ['255.255.255.255', 'reserved'], ['64:ff9b::7f00:1', 'loopback'], ['64:ff9b::10.0.0.1', 'private'],
    ['2002:7f00:1::1', 'reserved (6to4)'], ['192.0.2.10', 'documentation'],
  ])('%s is %s', (address, kind) => {
    expect(nonPublicKind(address)).toBe(kind);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '64:ff9b::808:808', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(nonPublicKind(address)).toBeNull();
  });
});

describe('the target policy', () => {
  it('refuses non-public addresses by default and says which setting opens them', () => {
    expect(targetRefusal(REFUSE_PRIVATE, 'erp.example.com', '10.0.0.5')).toBe(
      'erp.example.com resolves to 10.0.0.5, a private address: webhooks to addresses outside the public internet are refused (WEBHOOK_ALLOW_PRIVATE_TARGETS, WEBHOOK_ALLOWED_TARGETS)',
    );
    expect(targetRefusal(REFUSE_PRIVATE, '169.254.169.254', '169.254.169.254')).toMatch(/^169\.254\.169\.254 is a link-local \(cloud metadata\) address/);
    expect(targetRefusal(REFUSE_PRIVATE, 'example.com', '93.184.216.34')).toBeNull();
  });

  it('opens everything, or only the listed hosts and ranges', () => {
    expect(targetRefusal(webhookTargetPolicy(true, []), 'x', '127.0.0.1')).toBeNull();
    const listed = webhookTargetPolicy(false, ['ERP.internal', '10.20.0.0/16', 'fd12::/16', '192.168.1.7']);
    expect(targetRefusal(listed, 'erp.INTERNAL', '10.9.9.9')).toBeNull();
    expect(targetRefusal(listed, 'other.internal', '10.20.3.4')).toBeNull();
    expect(targetRefusal(listed, 'other.internal', 'fd12::5')).toBeNull();
    expect(targetRefusal(listed, 'other.internal', '192.168.1.7')).toBeNull();
    expect(targetRefusal(listed, 'other.internal', '192.168.1.8')).toMatch(/private address/);
    expect(targetRefusal(listed, 'other.internal', '10.21.0.1')).toMatch(/private address/);
    expect(targetRefusal(listed, 'other.internal', '127.0.0.1')).toMatch(/loopback address/);
  });

  it('comes from WEBHOOK_ALLOW_PRIVATE_TARGETS and WEBHOOK_ALLOWED_TARGETS, whose bad entries stop the process', () => {
    const base = { DATABASE_URL: 'postgres://x', REDIS_URL: 'redis://x', SLACK_SIGNING_SECRET: '0123456789abcdef0123', SLACK_BOT_TOKEN: 'xoxb-1' };
    expect(loadEnv(base)).toMatchObject({ WEBHOOK_ALLOW_PRIVATE_TARGETS: false, WEBHOOK_ALLOWED_TARGETS: [] });
    expect(loadEnv({ ...base, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_ALLOWED_TARGETS: 'erp.internal, 10.0.0.0/8,fd00::/8' }))
      .toMatchObject({ WEBHOOK_ALLOW_PRIVATE_TARGETS: true, WEBHOOK_ALLOWED_TARGETS: ['erp.internal', '10.0.0.0/8', 'fd00::/8'] });
    expect(() => loadEnv({ ...base, WEBHOOK_ALLOWED_TARGETS: '10.0.0.0/33' })).toThrow(/WEBHOOK_ALLOWED_TARGETS.*: each entry must be/);
    expect(() => loadEnv({ ...base, WEBHOOK_ALLOWED_TARGETS: 'http://erp' })).toThrow(/WEBHOOK_ALLOWED_TARGETS/);
    expect(() => loadEnv({ ...base, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'yes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE_TARGETS/);
  });
});

describe('the connection lookup', () => {
  const resolveTo = (...addresses: string[]) => (_host: string, callback: (e: NodeJS.ErrnoException | null, a: LookupAddress[]) => void) =>
    callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  const lookUp = (lookup: ReturnType<typeof guardedLookup>, all: boolean) => new Promise<{ error: Error | null; address: unknown }>((resolve) => {
    lookup('hooks.example.com', { all }, (error, address) => resolve({ error, address }));
  });

  it('refuses a name when any of its addresses is not public (a rebinding name answering both)', async () => {
    const mixed = await lookUp(guardedLookup(REFUSE_PRIVATE, resolveTo('93.184.216.34', '127.0.0.1')), true);
    expect(mixed.error).toBeInstanceOf(WebhookTargetRefused);
    expect(mixed.error?.message).toMatch(/^hooks\.example\.com resolves to 127\.0\.0\.1, a loopback address/);
  });

  it('hands public addresses on in the form asked for', async () => {
    const lookup = guardedLookup(REFUSE_PRIVATE, resolveTo('93.184.216.34', '2606:4700:4700::1111'));
    expect(await lookUp(lookup, true)).toEqual({ error: null, address: [{ address: '93.184.216.34', family: 4 }, { address: '2606:4700:4700::1111', family: 6 }] });
    expect(await lookUp(lookup, false)).toEqual({ error: null, address: '93.184.216.34' });
  });
});

describe('the webhook poster', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local \(cloud metadata\) address/],
    ['http://[::1]:9/hook', /::1 is a loopback address/],
    ['http://0x7f000001:9/hook', /127\.0\.0\.1 is a loopback address/],
    ['http://[::ffff:10.0.0.1]/hook', /is a private address/],
    ['http://[fd00:ec2::254]/latest', /unique-local/],
    ['ftp://example.com/hook', /ftp: URLs are not delivered to/],
  ])('refuses %s before connecting', async (url, reason) => {
    const answer = await createWebhookPoster(REFUSE_PRIVATE).post(url, {}, '{}', 1000);
    expect(answer.kind).toBe('refused');
    expect(answer.kind === 'refused' ? answer.reason : '').toMatch(reason);
  });
});
