import { describe, expect, it } from 'vitest';
import type { Installation as BoltInstallation } from '@slack/bolt';
import { fromBolt, toBolt } from '../../src/slack/oauth.ts';

const orgInstall: BoltInstallation<'v2', true> = {
  team: undefined, enterprise: { id: 'E0ORG', name: 'The Org' }, isEnterpriseInstall: true, appId: 'A0APP', enterpriseUrl: 'https://org.enterprise.slack.com/',
  user: { id: 'W0INSTALLER', token: undefined, scopes: undefined },
  bot: { id: 'B0BOT', userId: 'W0BOT', token: 'xoxe.xoxb-1-secret', refreshToken: 'xoxe-1-refresh', expiresAt: 1_900_000_000, scopes: ['commands', 'chat:write'] },
  tokenType: 'bot', authVersion: 'v2',
};

describe("Bolt's installation and the store's", () => {
  it('keys an org-wide install by the org and keeps its refresh token and expiry', () => {
    const stored = fromBolt(orgInstall);
    expect(stored).toMatchObject({ installKey: 'E0ORG', teamId: null, enterpriseId: 'E0ORG', isEnterpriseInstall: true, installer: { userId: 'W0INSTALLER', token: null } });
    expect(stored.bot).toMatchObject({ token: 'xoxe.xoxb-1-secret', refreshToken: 'xoxe-1-refresh', expiresAt: new Date(1_900_000_000_000) });
  });

  it("hands Bolt the token without its refresh token, so only the store rotates", () => {
    const back = toBolt({ ...fromBolt(orgInstall), status: 'active', inactiveReason: null });
    expect(back.bot).toEqual({ id: 'B0BOT', userId: 'W0BOT', token: 'xoxe.xoxb-1-secret', scopes: ['commands', 'chat:write'], expiresAt: 1_900_000_000 });
    expect(back).toMatchObject({ isEnterpriseInstall: true, enterprise: { id: 'E0ORG' }, team: undefined, authVersion: 'v2' });
  });

  it('refuses an installation without a bot token', () => {
    expect(() => fromBolt({ ...orgInstall, bot: undefined } as BoltInstallation)).toThrow(/no bot token/);
  });
});
