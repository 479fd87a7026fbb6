/**
 * The fake Slack's workspaces, Enterprise Grid orgs and OAuth: Slack's consent screen (`GET /oauth/v2/authorize`,
 * answered as a signed-in browser would see it: a redirect back to the app with a code), `oauth.v2.access` (code
 * exchange, org-wide installs, token rotation with refresh_token/expires_in and grant_type=refresh_token),
 * `auth.test` and `auth.revoke` for the tokens it issued, and per-token authorization the way Slack refuses:
 * a token of workspace A asking about a person, DM or user group of workspace B gets `user_not_found`,
 * `channel_not_found` or `no_such_subteam`; an expired token `token_expired`, a revoked one `token_revoked`.
 * Rate limits can be put on one workspace (429 + Retry-After) while the others are answered as usual.
 *
 * Tokens the fake did not issue (the single-workspace tests' `xoxb-test-token`) keep seeing the default
 * workspace: every person not placed in another workspace.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Obj = Record<string, unknown>;
export interface GateReply {
  status: number;
  headers: Record<string, string>;
  body: Obj & { ok: boolean };
}

export interface FakeWorkspace {
  readonly teamId: string;
  readonly name: string;
  /** The Enterprise Grid org the workspace belongs to. */
  readonly enterpriseId: string | null;
}

interface IssuedToken {
  readonly token: string;
  readonly kind: 'bot' | 'user';
  /** The workspace, or the org for an org-wide install. */
  readonly installKey: string;
  readonly isEnterpriseInstall: boolean;
  readonly botUserId: string;
  readonly botId: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number | null;
  revoked: boolean;
}

interface PendingCode {
  readonly installKey: string;
  readonly isEnterpriseInstall: boolean;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly redirectUri: string | null;
  used: boolean;
}

/** Who is signed in to Slack in "the browser" when the app sends someone to the consent screen. */
export interface BrowserSession {
  readonly userId: string;
  readonly teamId?: string;
  /** Install for the whole org (the org admin picks the org on the consent screen). */
  readonly orgWide?: string;
  /** Grant only these bot scopes (an admin unticked some, or an approval policy held them back). */
  readonly grantScopes?: readonly string[];
  /** Press Cancel on the consent screen. */
  readonly cancel?: boolean;
  /** Slack refuses before the consent screen with this error (e.g. invalid_team_for_non_distributed_app). */
  readonly error?: string;
}

interface TeamLimit {
  readonly until: number;
  readonly retryAfter: number;
  readonly methods: ReadonlySet<string> | null;
}

const json = (status: number, body: Obj & { ok: boolean }, headers: Record<string, string> = {}): GateReply => ({ status, headers, body });
const ok = (extra: Obj = {}): GateReply => json(200, { ok: true, ...extra });
const fail = (error: string, extra: Obj = {}): GateReply => json(200, { ok: false, error, ...extra });
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const id = (prefix: string): string => `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;

export interface FakeOAuthOptions {
  readonly defaultTeamId: string;
  readonly appId: string;
  readonly addBotUser: (userId: string) => void;
  readonly now?: () => number;
}

export function createFakeOAuth(options: FakeOAuthOptions) {
  const now = options.now ?? Date.now;
  let clientId = '1111111111.2222222222';
  let clientSecret = 'fake-client-secret-0123456789';
  /** Where the consent screen sends people back when the app's URL did not say (the app's configured redirect URL). */
  let redirectUrl: string | null = null;
  let rotation: { lifetimeSeconds: number } | null = null;
  let session: BrowserSession | null = null;

  const workspaces = new Map<string, FakeWorkspace>();
  const orgs = new Map<string, { id: string; name: string }>();
  const homes = new Map<string, string>();
  const groupTeams = new Map<string, string>();
  const tokens = new Map<string, IssuedToken>();
  const refreshTokens = new Map<string, { readonly installKey: string; readonly access: string; used: boolean }>();
  const codes = new Map<string, PendingCode>();
  const limits = new Map<string, TeamLimit>();
  const botUsers = new Map<string, { userId: string; botId: string }>();

  const enterpriseOf = (teamId: string | undefined): string | null => (teamId ? (workspaces.get(teamId)?.enterpriseId ?? null) : null);

  /** The workspaces a token may act in. */
  function reach(token: Pick<IssuedToken, 'installKey' | 'isEnterpriseInstall'>): (teamId: string | undefined) => boolean {
    if (token.isEnterpriseInstall) return (teamId) => enterpriseOf(teamId) === token.installKey;
    return (teamId) => teamId === token.installKey;
  }
  /** The workspace a person belongs to: the one they were placed in, else the default one. */
  const homeOf = (userId: string): string => homes.get(userId) ?? options.defaultTeamId;

  function botFor(installKey: string, isEnterpriseInstall: boolean): { userId: string; botId: string } {
    const existing = botUsers.get(installKey);
    if (existing) return existing;
    const bot = { userId: `${isEnterpriseInstall ? 'W' : 'U'}0BOT${installKey.slice(1, 7)}`, botId: `B0${installKey.slice(1, 9)}` };
    botUsers.set(installKey, bot);
    homes.set(bot.userId, isEnterpriseInstall ? [...workspaces.values()].find((w) => w.enterpriseId === installKey)?.teamId ?? installKey : installKey);
    options.addBotUser(bot.userId);
    return bot;
  }

  function issue(kind: 'bot' | 'user', installKey: string, isEnterpriseInstall: boolean, scopes: readonly string[]): { token: IssuedToken; refresh: string | null } {
    const bot = botFor(installKey, isEnterpriseInstall);
    const token: IssuedToken = {
      token: `${rotation ? 'xoxe.' : ''}xox${kind === 'bot' ? 'b' : 'p'}-${installKey}-${randomBytes(12).toString('hex')}`,
      kind, installKey, isEnterpriseInstall, botUserId: bot.userId, botId: bot.botId, scopes,
      expiresAt: rotation ? now() + rotation.lifetimeSeconds * 1000 : null, revoked: false,
    };
    tokens.set(token.token, token);
    if (!rotation) return { token, refresh: null };
    const refresh = `xoxe-1-${randomBytes(16).toString('hex')}`;
    refreshTokens.set(refresh, { installKey, access: token.token, used: false });
    return { token, refresh };
  }

  function grant(token: IssuedToken, refresh: string | null, userId: string): Obj {
    const org = token.isEnterpriseInstall ? orgs.get(token.installKey) ?? null : null;
    const team = token.isEnterpriseInstall ? null : workspaces.get(token.installKey) ?? { teamId: token.installKey, name: token.installKey, enterpriseId: null };
    const enterpriseId = token.isEnterpriseInstall ? token.installKey : team?.enterpriseId ?? null;
    return {
      access_token: token.token, token_type: 'bot', scope: token.scopes.join(','), bot_user_id: token.botUserId, app_id: options.appId,
      team: team ? { id: team.teamId, name: team.name } : null,
      enterprise: enterpriseId ? { id: enterpriseId, name: orgs.get(enterpriseId)?.name ?? enterpriseId } : (org ? { id: org.id, name: org.name } : null),
      is_enterprise_install: token.isEnterpriseInstall,
      authed_user: { id: userId },
      ...(refresh && token.expiresAt ? { refresh_token: refresh, expires_in: Math.round((token.expiresAt - now()) / 1000) } : {}),
    };
  }

  function exchange(args: Obj): GateReply {
    if (str(args.client_id) !== clientId) return fail('invalid_client_id');
    if (str(args.client_secret) !== clientSecret) return fail('bad_client_secret');
    if (str(args.grant_type) === 'refresh_token') {
      const refresh = refreshTokens.get(str(args.refresh_token) ?? '');
      if (!refresh || refresh.used) return fail('invalid_refresh_token');
      const old = tokens.get(refresh.access);
      if (!old || old.revoked) return fail('invalid_refresh_token');
      refresh.used = true;
      const next = issue(old.kind, old.installKey, old.isEnterpriseInstall, old.scopes);
      return ok({ ...grant(next.token, next.refresh, ''), authed_user: undefined });
    }
    const code = codes.get(str(args.code) ?? '');
    if (!code) return fail('invalid_code');
    if (code.used) return fail('code_already_used');
    const redirectUri = str(args.redirect_uri) ?? null;
    if (code.redirectUri !== null && redirectUri !== null && redirectUri !== code.redirectUri) return fail('bad_redirect_uri');
    code.used = true;
    const issued = issue('bot', code.installKey, code.isEnterpriseInstall, code.scopes);
    return ok(grant(issued.token, issued.refresh, code.userId));
  }

  /** `GET /oauth/v2/authorize`: the consent screen, answered for whoever `signIn` put at the browser. */
  function authorize(url: URL, res: ServerResponse): void {
    const state = url.searchParams.get('state');
    const back = url.searchParams.get('redirect_uri') ?? redirectUrl;
    const who = session;
    if (url.searchParams.get('client_id') !== clientId || !back) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid client_id or no redirect URL configured');
      return;
    }
    const target = new URL(back);
    if (state !== null) target.searchParams.set('state', state);
    if (!who) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('nobody is signed in (call fake.oauth.signIn first)');
      return;
    }
    if (who.error || who.cancel) {
      target.searchParams.set('error', who.error ?? 'access_denied');
    } else {
      const requested = (url.searchParams.get('scope') ?? '').split(',').filter(Boolean);
      const installKey = who.orgWide ?? who.teamId ?? options.defaultTeamId;
      const code = `${Date.now()}.${randomBytes(8).toString('hex')}`;
      codes.set(code, {
        installKey, isEnterpriseInstall: who.orgWide !== undefined, userId: who.userId,
        scopes: who.grantScopes ? requested.filter((s) => who.grantScopes?.includes(s)) : requested,
        redirectUri: url.searchParams.get('redirect_uri'), used: false,
      });
      target.searchParams.set('code', code);
    }
    res.writeHead(302, { location: target.toString() }).end();
  }

  /** The workspace a call acts in: the `team_id` an org token names, else the token's own. */
  const actingTeam = (token: IssuedToken, args: Obj): string | undefined => str(args.team_id) ?? (token.isEnterpriseInstall ? undefined : token.installKey);

  function limited(token: IssuedToken, method: string, args: Obj): GateReply | undefined {
    const teams = token.isEnterpriseInstall
      ? [...workspaces.values()].filter((w) => w.enterpriseId === token.installKey).map((w) => w.teamId)
      : [token.installKey];
    const acting = actingTeam(token, args);
    for (const teamId of acting ? [acting] : teams) {
      const limit = limits.get(teamId);
      if (!limit || limit.until <= now() || (limit.methods && !limit.methods.has(method))) continue;
      return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit.retryAfter) });
    }
    return undefined;
  }

  /** Refuses what this token may not see, with the error Slack gives for it. */
  function outOfReach(token: Pick<IssuedToken, 'installKey' | 'isEnterpriseInstall'>, method: string, args: Obj): GateReply | undefined {
    const canSee = reach(token);
    const userVisible = (userId: string | undefined): boolean => userId === undefined || canSee(homeOf(userId));
    const channelUser = (channel: string | undefined): string | undefined =>
      channel === undefined ? undefined : /^[UW][A-Z0-9]+$/.test(channel) ? channel : /^D[UW][A-Z0-9]+$/.test(channel) ? channel.slice(1) : undefined;
    switch (method) {
      case 'users.info':
        return userVisible(str(args.user)) ? undefined : fail('user_not_found');
      case 'views.publish':
        return userVisible(str(args.user_id)) ? undefined : fail('user_not_found');
      case 'chat.postMessage':
      case 'chat.update':
      case 'chat.delete':
      case 'conversations.history':
        return userVisible(channelUser(str(args.channel))) ? undefined : fail('channel_not_found');
      case 'chat.postEphemeral':
        if (!userVisible(channelUser(str(args.channel)))) return fail('channel_not_found');
        return userVisible(str(args.user)) ? undefined : fail('user_not_in_channel');
      case 'conversations.open':
        return (str(args.users) ?? '').split(',').filter(Boolean).every((u) => userVisible(u)) ? undefined : fail('user_not_found');
      case 'usergroups.users.list': {
        const group = str(args.usergroup);
        return group === undefined || canSee(groupTeams.get(group) ?? options.defaultTeamId) ? undefined : fail('no_such_subteam');
      }
      default:
        return undefined;
    }
  }

  /**
   * Runs before the fake's own handlers: answers OAuth, and for tokens it issued, checks the token and what it
   * asks about. Undefined lets the call through to the usual handlers.
   */
  function gate(method: string, token: string | undefined, args: Obj): GateReply | undefined {
    if (method === 'oauth.v2.access') return exchange(args);
    if (token === undefined) return undefined;
    const issued = tokens.get(token);
    if (!issued) {
      // A token the fake did not issue sees the default workspace only.
      if (!token.startsWith('xox') || token.startsWith('xoxe-') || token.startsWith('xapp-')) return undefined;
      return outOfReach({ installKey: options.defaultTeamId, isEnterpriseInstall: false }, method, args);
    }
    if (issued.revoked) return fail('token_revoked');
    if (issued.expiresAt !== null && issued.expiresAt <= now()) return fail('token_expired');
    const limit = limited(issued, method, args);
    if (limit) return limit;
    if (method === 'auth.test') {
      const team = issued.isEnterpriseInstall ? null : workspaces.get(issued.installKey);
      const enterpriseId = issued.isEnterpriseInstall ? issued.installKey : team?.enterpriseId ?? null;
      return ok({
        url: `https://${issued.installKey.toLowerCase()}.${issued.isEnterpriseInstall ? 'enterprise.' : ''}slack.com/`, team: team?.name ?? issued.installKey,
        user: 'approvals', team_id: issued.isEnterpriseInstall ? issued.installKey : issued.installKey, user_id: issued.botUserId, bot_id: issued.botId,
        is_enterprise_install: issued.isEnterpriseInstall, ...(enterpriseId ? { enterprise_id: enterpriseId } : {}),
      });
    }
    if (method === 'auth.revoke') {
      issued.revoked = true;
      return ok({ revoked: true });
    }
    return outOfReach(issued, method, args);
  }

  return {
    gate,
    /** Serves the consent screen; false for other paths. */
    handleBrowser(req: IncomingMessage, url: URL, res: ServerResponse): boolean {
      if (req.method !== 'GET' || url.pathname !== '/oauth/v2/authorize') return false;
      authorize(url, res);
      return true;
    },
    /** The app's client id and secret as Slack knows them. */
    configure(settings: { clientId?: string; clientSecret?: string; redirectUrl?: string; tokenRotation?: { lifetimeSeconds: number } | null }): void {
      if (settings.clientId !== undefined) clientId = settings.clientId;
      if (settings.clientSecret !== undefined) clientSecret = settings.clientSecret;
      if (settings.redirectUrl !== undefined) redirectUrl = settings.redirectUrl;
      if (settings.tokenRotation !== undefined) rotation = settings.tokenRotation;
    },
    get clientId() {
      return clientId;
    },
    get clientSecret() {
      return clientSecret;
    },
    addWorkspace(teamId: string, name: string, enterpriseId: string | null = null): FakeWorkspace {
      const workspace = { teamId, name, enterpriseId };
      workspaces.set(teamId, workspace);
      if (enterpriseId && !orgs.has(enterpriseId)) orgs.set(enterpriseId, { id: enterpriseId, name: `Org ${enterpriseId}` });
      return workspace;
    },
    addOrg(enterpriseId: string, name: string): void {
      orgs.set(enterpriseId, { id: enterpriseId, name });
    },
    /** Places a person in a workspace (their home); only tokens reaching it see them. */
    placeUser(teamId: string, userId: string): void {
      homes.set(userId, teamId);
    },
    placeUserGroup(teamId: string, groupId: string): void {
      groupTeams.set(groupId, teamId);
    },
    /** The person at the browser for the next consent screens. */
    signIn(next: BrowserSession | null): void {
      session = next;
    },
    /** Every call acting in this workspace answers 429 with Retry-After for `seconds` (only `methods`, when given). */
    rateLimitTeam(teamId: string, seconds: number, opts: { retryAfter?: number; methods?: string[] } = {}): void {
      limits.set(teamId, { until: now() + seconds * 1000, retryAfter: opts.retryAfter ?? 1, methods: opts.methods ? new Set(opts.methods) : null });
    },
    clearRateLimits(): void {
      limits.clear();
    },
    /** The workspace (or org) a token acts for, if the fake issued it. */
    tokenInfo(token: string): { installKey: string; isEnterpriseInstall: boolean; expiresAt: number | null; revoked: boolean } | undefined {
      const issued = tokens.get(token);
      return issued ? { installKey: issued.installKey, isEnterpriseInstall: issued.isEnterpriseInstall, expiresAt: issued.expiresAt, revoked: issued.revoked } : undefined;
    },
    /** Revokes every token of an installation (what uninstalling does on Slack's side). */
    revokeInstallation(installKey: string): void {
      for (const token of tokens.values()) if (token.installKey === installKey) token.revoked = true;
    },
    /** Every token issued so far (to check none leaks into logs, metrics or the audit trail). */
    issuedTokens(): string[] {
      return [...tokens.keys(), ...refreshTokens.keys()];
    },
    botUserOf(installKey: string): string | undefined {
      return botUsers.get(installKey)?.userId;
    },
    newWorkspaceId: () => id('T'),
    newOrgId: () => id('E'),
  };
}
export type FakeOAuth = ReturnType<typeof createFakeOAuth>;
