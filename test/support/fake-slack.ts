/**
 * A local stand-in for Slack's Web API: a real HTTP server that the app's WebClient reaches through
 * `slackApiUrl`. It answers the methods the app uses with Slack's response shapes and error codes,
 * enforces Block Kit limits (block-kit-validator.ts), scopes and trigger_id expiry, records every call,
 * and can be told to fail, rate-limit (429 + Retry-After) or 5xx the next call to a method, or to carry a call
 * out and then answer 5xx, drop the connection or hold the answer (Slack did it; the caller cannot know).
 *
 * Where an app can get it wrong, it answers as Slack does: a DM is known by the `D…` id Slack returned (a user
 * id works for posting, which opens the DM, but not for chat.update or chat.delete: `channel_not_found`); a
 * channel the bot was not added to gives `not_in_channel` (public) or `channel_not_found` (private, unknown);
 * and every method has its rate-limit tier (see RATE_LIMITS), on unless a test turns it off.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { attachSocketMode } from './fake-socket-mode.ts';
import { createFakeOAuth } from './fake-slack-workspaces.ts';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { LIMITS } from '../../blocks/limits.ts';
import { formatProblem, validateBlocks, validateView, type Problem } from './block-kit-validator.ts';
import { createFakeFiles } from './fake-slack-files.ts';

type Obj = Record<string, unknown>;
export type SlackBody = Obj & { ok: boolean };

export interface FakeUser {
  id: string;
  name: string;
  realName?: string;
  tz?: string;
  tzOffset?: number;
  isBot?: boolean;
  deleted?: boolean;
  email?: string;
}

export interface FakeUserGroup {
  id: string;
  name: string;
  handle: string;
  users: string[];
}

export interface RecordedCall {
  method: string;
  /** Parsed arguments; JSON-string fields (blocks, view, attachments, metadata) are parsed. No token. */
  args: Obj;
  token: string | undefined;
  at: number;
  /** HTTP status and body the fake answered with (undefined while the call is being handled); 0 for a dropped connection. */
  status?: number;
  response?: SlackBody;
  /** For a call carried out and then answered otherwise (5xx, dropped, held): the result Slack had. */
  carriedOut?: SlackBody;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  /** People in the channel (the bot is tracked apart, by botIsMember). */
  members: string[];
  botIsMember: boolean;
}

/** Requests per minute a method allows before it answers 429, with how many may come at once (Slack's tiers). */
export interface RateLimit {
  readonly perMinute: number;
  readonly burst: number;
}

const TIER_1: RateLimit = { perMinute: 1, burst: 5 };
const TIER_2: RateLimit = { perMinute: 20, burst: 20 };
const TIER_3: RateLimit = { perMinute: 50, burst: 50 };
const TIER_4: RateLimit = { perMinute: 100, burst: 100 };

/**
 * Each method's tier as Slack's method reference lists it, per app per workspace (here: per token).
 * chat.postMessage is special: about one message per second per channel, short bursts allowed.
 */
export const RATE_LIMITS: Readonly<Record<string, RateLimit>> = {
  'apps.connections.open': TIER_1,
  'auth.test': TIER_4,
  'chat.postMessage': { perMinute: 60, burst: 5 },
  'chat.update': TIER_3,
  'chat.delete': TIER_3,
  'chat.postEphemeral': TIER_4,
  'conversations.open': TIER_3,
  'conversations.history': TIER_3,
  'conversations.replies': TIER_3,
  'views.open': TIER_4,
  'views.push': TIER_4,
  'views.update': TIER_4,
  'views.publish': TIER_4,
  'users.info': TIER_4,
  'users.lookupByEmail': TIER_3,
  'usergroups.list': TIER_2,
  'usergroups.users.list': TIER_2,
};

export interface FakeSlackOptions {
  /** Tokens accepted; by default any token starting with `xox`. */
  tokens?: string[];
  /** App-level tokens accepted by apps.connections.open; by default any token starting with `xapp-`. */
  appTokens?: string[];
  /** Scopes the token holds; a method needing another answers `missing_scope`. Defaults to manifest.yml's. */
  scopes?: string[];
  /** How long an issued trigger_id stays valid (Slack: 3 s). */
  triggerTtlMs?: number;
  teamId?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /**
   * Slack's per-method rate limits (RATE_LIMITS), on by default. `false` turns them off: a test that does so
   * says why (it bursts on purpose, or measures something else). Per-method overrides tighten or relax one.
   */
  rateLimits?: boolean | Readonly<Record<string, RateLimit>>;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown;
  threadTs: string | undefined;
  /** A person who posted it; messages without one were posted by the app's bot. */
  user?: string;
  /** Message metadata the app attached (chat.postMessage / chat.update `metadata`). */
  metadata?: { event_type: string; event_payload: Obj };
}

export interface StoredView {
  id: string;
  view: Obj;
  hash: string;
  rootId: string;
  previousId: string | null;
  externalId: string | undefined;
  userId: string | undefined;
}

export const DEFAULT_SCOPES = ['commands', 'chat:write', 'im:history', 'users:read', 'usergroups:read', 'channels:history', 'groups:history', 'files:read', 'files:write', 'im:write'];

/** Token buckets, one per (token, method) and, for chat.postMessage, per channel too. */
function rateLimiter(limits: Readonly<Record<string, RateLimit>>) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Null when the call may go ahead, else the seconds to wait (Retry-After). */
    take(key: string, method: string, now = Date.now()): number | null {
      const limit = limits[method];
      if (!limit) return null;
      const perMs = limit.perMinute / 60_000;
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at: now };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) * perMs);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return null;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000));
    },
    clear: () => buckets.clear(),
  };
}

/**
 * The bot scope each Web API method needs (methods that need none, such as views.*, are absent). A list means one
 * of them, by the kind of conversation: the handler checks which.
 */
export const REQUIRED_SCOPE: Readonly<Record<string, string | readonly string[]>> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.delete': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.open': 'im:write',
  'users.info': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'usergroups.list': 'usergroups:read',
  'usergroups.users.list': 'usergroups:read',
  // A public witness channel needs channels:history, a private one groups:history, the bot's own DMs im:history.
  'conversations.history': ['channels:history', 'groups:history', 'im:history'],
  'conversations.replies': ['channels:history', 'groups:history', 'im:history'],
  'files.info': 'files:read',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
};

const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata', 'files'];

// Trigger ids live in one registry per process so the module-level issueTriggerId works with any fake.
interface Trigger {
  issuedAt: number;
  userId: string | undefined;
  viewId: string | undefined;
  used: boolean;
}
const triggers = new Map<string, Trigger>();
let triggerSeq = 0;

export interface TriggerOptions {
  /** The user the interaction came from. */
  userId?: string;
  /** The view the interaction happened in; views.push stacks on top of it. */
  viewId?: string;
  /** Pretend it was issued this long ago (e.g. 4000 to get `expired_trigger_id`). */
  ageMs?: number;
}

/** Issues a trigger_id as Slack would put it in an interaction payload; valid for 3 s, once. */
export function issueTriggerId(opts: TriggerOptions = {}): string {
  triggerSeq += 1;
  const id = `${Date.now()}${triggerSeq}.1000000001.${randomBytes(16).toString('hex')}`;
  triggers.set(id, { issuedAt: Date.now() - (opts.ageMs ?? 0), userId: opts.userId, viewId: opts.viewId, used: false });
  return id;
}

const ok = (extra: Obj = {}): SlackBody => ({ ok: true, ...extra });
const fail = (error: string, extra: Obj = {}): SlackBody => ({ ok: false, error, ...extra });
const invalidArguments = (messages: string[]): SlackBody =>
  fail('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });
const missing = (field: string): SlackBody => invalidArguments([`missing required field: ${field} [json-pointer:/${field}]`]);
const invalidBlocks = (problems: Problem[]): SlackBody =>
  fail('invalid_blocks', {
    errors: problems.map(formatProblem),
    response_metadata: { messages: problems.map((p) => `[ERROR] ${formatProblem(p)}`) },
  });
const invalidView = (problems: Problem[]): SlackBody =>
  invalidArguments(['failed to match all allowed schemas [json-pointer:/view]', ...problems.map(formatProblem)]);

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
const bool = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;
/** A message ts ("1712345678.000100") as microseconds, exactly (a double cannot hold all of its digits). */
const tsKey = (ts: string): bigint => {
  const [seconds = '0', fraction = ''] = ts.split('.');
  return BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
};
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function tzLabel(tz: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'long' }).formatToParts(new Date());
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? tz;
  } catch {
    return tz;
  }
}

type Fault =
  | { kind: 'error'; body: SlackBody }
  | { kind: 'ratelimit'; retryAfter: number }
  | { kind: 'server'; status: number }
  /** The call is carried out, then answered with `after` instead of its result. */
  | { kind: 'accepted'; after: AfterAccepted };

/** What the caller gets for a call that was carried out: an HTTP error, a dropped connection, or the answer late. */
type AfterAccepted = { kind: 'server'; status: number } | { kind: 'drop' } | { kind: 'hold'; until: Promise<void>; onHeld: () => void };

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: SlackBody;
  after?: AfterAccepted;
}

/** Slack's rules for message metadata: an object with an event_type string and an event_payload object. */
function checkMetadata(value: unknown): { metadata: { event_type: string; event_payload: Obj } | undefined } | SlackBody {
  if (value === undefined || value === '') return { metadata: undefined };
  if (!isObj(value)) return fail('invalid_metadata_format');
  const { event_type: type, event_payload: payload } = value;
  if (typeof type !== 'string' || type === '' || !isObj(payload)) return fail('invalid_metadata_schema');
  if (JSON.stringify(value).length > 8000) return fail('metadata_too_large');
  return { metadata: { event_type: type, event_payload: payload } };
}

export async function startFakeSlack(options: FakeSlackOptions = {}) {
  const teamId = options.teamId ?? 'T0FAKE';
  const botUserId = options.botUserId ?? 'U0BOT';
  const botId = options.botId ?? 'B0BOT';
  const appId = options.appId ?? 'A0APP';
  const scopes = options.scopes ?? DEFAULT_SCOPES;
  const triggerTtlMs = options.triggerTtlMs ?? 3000;
  const limiter = options.rateLimits === false ? null : rateLimiter({ ...RATE_LIMITS, ...(options.rateLimits === true || options.rateLimits === undefined ? {} : options.rateLimits) });

  const calls: RecordedCall[] = [];
  const waiters = new Set<(call: RecordedCall) => void>();
  const faults = new Map<string, Fault[]>();
  const users = new Map<string, FakeUser>();
  const groups = new Map<string, FakeUserGroup>();
  const messages = new Map<string, StoredMessage>();
  const views = new Map<string, StoredView>();
  const viewByExternalId = new Map<string, string>();
  const homeViewByUser = new Map<string, string>();
  const mpims = new Map<string, string>();
  const openedDms = new Set<string>();
  const channels = new Map<string, FakeChannel>();
  /** A DM's id, fixed per user the first time it is needed, and the user it belongs to. */
  const dmIds = new Map<string, string>();
  const dmUsers = new Map<string, string>();
  let seq = 0;
  let lastRootViewId: string | undefined;

  const nextTs = (): string => {
    seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(seq).padStart(6, '0')}`;
  };
  const nextId = (prefix: string): string => {
    seq += 1;
    return `${prefix}0${seq.toString(36).toUpperCase().padStart(8, '0')}`;
  };
  const nextHash = (): string => `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`;
  function dmChannelFor(userId: string): string {
    let id = dmIds.get(userId);
    if (id === undefined) {
      id = `D${randomBytes(5).toString('hex').toUpperCase()}`;
      dmIds.set(userId, id);
      dmUsers.set(id, userId);
    }
    return id;
  }
  const messageKey = (channel: string, ts: string): string => `${channel}/${ts}`;

  function addUser(user: FakeUser): void {
    users.set(user.id, user);
  }
  addUser({ id: botUserId, name: 'approvals', realName: 'Approvals', isBot: true });
  // Workspaces, orgs, OAuth and per-token authorization (fake-slack-workspaces.ts).
  const oauth = createFakeOAuth({ defaultTeamId: teamId, appId, addBotUser: (id) => addUser({ id, name: 'approvals', realName: 'Approvals', isBot: true }) });

  const emailOf = (u: FakeUser): string | undefined => (u.isBot ? undefined : (u.email ?? `${u.name}@example.com`));

  function userJson(u: FakeUser): Obj {
    const realName = u.realName ?? u.name;
    const tz = u.tz ?? 'America/Los_Angeles';
    const email = emailOf(u);
    return {
      id: u.id, team_id: teamId, name: u.name, deleted: u.deleted ?? false, color: '9f69e7', real_name: realName,
      tz, tz_label: tzLabel(tz), tz_offset: u.tzOffset ?? -28800,
      profile: { real_name: realName, real_name_normalized: realName, display_name: u.name, display_name_normalized: u.name, email, team: teamId },
      is_admin: false, is_owner: false, is_primary_owner: false, is_restricted: false, is_ultra_restricted: false,
      is_bot: u.isBot ?? false, is_app_user: false, updated: Math.floor(Date.now() / 1000),
    };
  }

  type Resolved = { id: string } | { error: string };

  /** A person's DM with the bot, as Slack resolves it: deactivated people's DMs are archived, bots have none. */
  function dmWith(userId: string): Resolved {
    const user = users.get(userId);
    if (!user) return { error: 'channel_not_found' };
    if (user.isBot) return { error: 'cannot_dm_bot' };
    if (user.deleted) return { error: 'is_archived' };
    openedDms.add(userId);
    return { id: dmChannelFor(userId) };
  }

  /**
   * Where a message goes, or the error Slack gives. A user id opens the DM when posting (`opensDm`), but methods
   * that act on an existing message need the channel id Slack returned. Channels must be known and the bot in
   * them: a public one it was not added to is `not_in_channel` (without chat:write.public), a private one is invisible.
   */
  function resolveChannel(channel: string | undefined, opensDm: boolean): Resolved {
    if (channel === undefined) return { error: 'channel_not_found' };
    if (/^[UW][A-Z0-9]+$/.test(channel)) return opensDm ? dmWith(channel) : { error: 'channel_not_found' };
    const dmUser = dmUsers.get(channel);
    if (dmUser !== undefined) return dmWith(dmUser);
    if ([...mpims.values()].includes(channel)) return { id: channel };
    const known = channels.get(channel);
    if (!known || (known.isPrivate && !known.botIsMember)) return { error: 'channel_not_found' };
    if (!known.botIsMember && !scopes.includes('chat:write.public')) return { error: 'not_in_channel' };
    return { id: known.id };
  }

  /** Checks text/blocks of a message; undefined when Slack would accept it. */
  function checkMessage(args: Obj): SlackBody | undefined {
    const { text, blocks, attachments } = args;
    if (blocks !== undefined && !Array.isArray(blocks)) return fail('invalid_blocks_format');
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    if (str(text) === undefined && !hasBlocks && attachments === undefined) return fail('no_text');
    if (typeof text === 'string' && text.length > LIMITS.MESSAGE_TEXT) return fail('msg_too_long');
    if (hasBlocks) {
      const problems = validateBlocks(blocks, 'message');
      if (problems.length > 0) return invalidBlocks(problems);
    }
    return undefined;
  }

  /** A message as the Web API shows it; metadata only when asked for (include_all_metadata). */
  function messageJson(m: StoredMessage, withMetadata = false): Obj {
    const json: Obj = m.user
      ? { type: 'message', user: m.user, team: teamId, ts: m.ts, text: m.text ?? '' }
      : { type: 'message', user: botUserId, bot_id: botId, app_id: appId, team: teamId, ts: m.ts, text: m.text ?? '' };
    if (m.blocks !== undefined) json.blocks = m.blocks;
    if (m.threadTs !== undefined) json.thread_ts = m.threadTs;
    if (withMetadata && m.metadata) json.metadata = m.metadata;
    return json;
  }

  function viewJson(v: StoredView): Obj {
    const { view } = v;
    return {
      id: v.id, team_id: teamId, type: view.type, blocks: view.blocks ?? [],
      private_metadata: view.private_metadata ?? '', callback_id: view.callback_id ?? '', state: { values: {} },
      hash: v.hash, title: view.title ?? null, clear_on_close: bool(view.clear_on_close), notify_on_close: bool(view.notify_on_close),
      close: view.close ?? null, submit: view.submit ?? null, previous_view_id: v.previousId, root_view_id: v.rootId,
      app_id: appId, external_id: v.externalId ?? '', app_installed_team_id: teamId, bot_id: botId,
    };
  }

  /** Validates the `view` argument for a surface; returns the view or the error body. */
  function checkView(args: Obj, type: 'modal' | 'home' | 'any'): Obj | SlackBody {
    const view = args.view;
    if (view === undefined) return missing('view');
    if (!isObj(view)) return invalidArguments(['must be a view object [json-pointer:/view]']);
    if (type !== 'any' && view.type !== type) return invalidArguments([`must be ${type} [json-pointer:/view/type]`]);
    const problems = validateView(view);
    return problems.length > 0 ? invalidView(problems) : view;
  }
  const isBody = (v: object): v is SlackBody => 'ok' in v && typeof v.ok === 'boolean';

  /** Checks and consumes a trigger_id the way views.open/push do. */
  function useTrigger(args: Obj): Trigger | SlackBody {
    const id = str(args.trigger_id);
    if (id === undefined) return missing('trigger_id');
    const trigger = triggers.get(id);
    if (!trigger || Date.now() - trigger.issuedAt > triggerTtlMs) return fail('expired_trigger_id');
    if (trigger.used) return fail('exchanged_trigger_id');
    return trigger;
  }

  function storeView(view: Obj, rootId: string | undefined, previousId: string | null, userId: string | undefined): StoredView | SlackBody {
    const externalId = str(view.external_id);
    if (externalId !== undefined && viewByExternalId.has(externalId)) return fail('duplicate_external_id');
    const id = nextId('V');
    const stored: StoredView = { id, view, hash: nextHash(), rootId: rootId ?? id, previousId, externalId, userId };
    views.set(id, stored);
    if (externalId !== undefined) viewByExternalId.set(externalId, id);
    return stored;
  }

  function replaceView(stored: StoredView, view: Obj, args: Obj): SlackBody {
    const hash = str(args.hash);
    if (hash !== undefined && hash !== stored.hash) return fail('hash_conflict');
    const externalId = str(view.external_id);
    if (externalId !== undefined && externalId !== stored.externalId) {
      if (viewByExternalId.has(externalId)) return fail('duplicate_external_id');
      if (stored.externalId !== undefined) viewByExternalId.delete(stored.externalId);
      viewByExternalId.set(externalId, stored.id);
      stored.externalId = externalId;
    }
    stored.view = view;
    stored.hash = nextHash();
    return ok({ view: viewJson(stored) });
  }

  const botTokenOk = (token: string | undefined): boolean =>
    token !== undefined && !token.startsWith('xapp-') && (options.tokens ? options.tokens.includes(token) : token.startsWith('xox'));
  const fakeFiles = createFakeFiles({ teamId, baseUrl: () => `http://127.0.0.1:${port}/api/`, tokenOk: botTokenOk, resolveChannel: (channel) => resolveChannel(channel, true), nextId });

  const stackDepth = (rootId: string): number => [...views.values()].filter((v) => v.rootId === rootId).length;

  /** A conversation the token may read, by the *:history scope of its kind, or the error Slack gives. */
  function readableConversation(channelId: string | undefined): { id: string } | { error: SlackBody } {
    if (channelId === undefined) return { error: fail('channel_not_found') };
    const dm = dmUsers.has(channelId);
    // The scope depends on the kind of conversation: channels:history (public), groups:history (private), im:history.
    const needed = dm ? 'im:history' : channelId.startsWith('G') ? 'groups:history' : 'channels:history';
    if (!scopes.includes(needed)) return { error: fail('missing_scope', { needed, provided: scopes.join(',') }) };
    const channel = channels.get(channelId);
    if (!dm && !channel) return { error: fail('channel_not_found') };
    if (channel && !channel.botIsMember) return { error: fail('not_in_channel') };
    return { id: channelId };
  }

  /** One page of history or replies: latest/oldest/inclusive bounds, limit, a cursor, metadata when asked for. */
  function page(ordered: StoredMessage[], args: Obj, order: 'newest_first' | 'oldest_first'): SlackBody {
    const latest = str(args.latest);
    const oldest = str(args.oldest);
    if (latest !== undefined && !/^\d+(\.\d+)?$/.test(latest)) return fail('invalid_ts_latest');
    if (oldest !== undefined && !/^\d+(\.\d+)?$/.test(oldest)) return fail('invalid_ts_oldest');
    const inclusive = bool(args.inclusive);
    const limit = Math.min(999, Math.max(1, Number(str(args.limit) ?? 100) || 100));
    const cursor = str(args.cursor);
    let from: bigint | undefined;
    if (cursor !== undefined) {
      const decoded = /^next_ts:(\d+\.\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
      if (!decoded) return fail('invalid_cursor');
      from = tsKey(decoded[1] as string);
    }
    const upper = latest === undefined ? undefined : tsKey(latest);
    const lower = oldest === undefined ? undefined : tsKey(oldest);
    const inRange = ordered.filter((m) => {
      const ts = tsKey(m.ts);
      if (from !== undefined && (order === 'newest_first' ? ts > from : ts < from)) return false;
      if (upper !== undefined && (inclusive ? ts > upper : ts >= upper)) return false;
      if (lower !== undefined && (inclusive ? ts < lower : ts <= lower)) return false;
      return true;
    });
    const shown = inRange.slice(0, limit);
    const next = inRange[limit];
    const withMetadata = bool(args.include_all_metadata);
    return ok({
      messages: shown.map((m) => messageJson(m, withMetadata)),
      has_more: next !== undefined,
      ...(order === 'newest_first' ? { pin_count: 0, channel_actions_ts: null, channel_actions_count: 0 } : {}),
      ...(next ? { response_metadata: { next_cursor: Buffer.from(`next_ts:${next.ts}`).toString('base64') } } : {}),
    });
  }

  const handlers: Record<string, (args: Obj) => SlackBody> = {
    ...fakeFiles.handlers,
    'apps.connections.open': () => ok({ url: socketMode.url() }),

    'auth.test': () =>
      ok({ url: 'https://fake-workspace.slack.com/', team: 'Fake Workspace', user: 'approvals', team_id: teamId, user_id: botUserId, bot_id: botId, is_enterprise_install: false }),

    'chat.postMessage': (args) => {
      const channel = resolveChannel(str(args.channel), true);
      if ('error' in channel) return fail(channel.error);
      const problem = checkMessage(args);
      if (problem) return problem;
      const meta = checkMetadata(args.metadata);
      if (isBody(meta)) return meta;
      const threadTs = str(args.thread_ts);
      const m: StoredMessage = { channel: channel.id, ts: nextTs(), text: str(args.text), blocks: args.blocks, threadTs, ...(meta.metadata ? { metadata: meta.metadata } : {}) };
      messages.set(messageKey(m.channel, m.ts), m);
      return ok({ channel: m.channel, ts: m.ts, message: messageJson(m) });
    },

    'chat.update': (args) => {
      const channel = resolveChannel(str(args.channel), false);
      if ('error' in channel) return fail(channel.error);
      const m = messages.get(messageKey(channel.id, str(args.ts) ?? ''));
      if (!m) return fail('message_not_found');
      const problem = checkMessage(args);
      if (problem) return problem;
      const meta = checkMetadata(args.metadata);
      if (isBody(meta)) return meta;
      m.text = str(args.text);
      m.blocks = args.blocks;
      // Metadata is replaced only when the update carries some.
      if (meta.metadata) m.metadata = meta.metadata;
      return ok({ channel: m.channel, ts: m.ts, text: m.text ?? '', message: messageJson(m) });
    },

    'chat.delete': (args) => {
      const channel = resolveChannel(str(args.channel), false);
      if ('error' in channel) return fail(channel.error);
      const ts = str(args.ts) ?? '';
      if (!messages.delete(messageKey(channel.id, ts))) return fail('message_not_found');
      return ok({ channel: channel.id, ts });
    },

    'chat.postEphemeral': (args) => {
      const channel = resolveChannel(str(args.channel), false);
      if ('error' in channel) return fail(channel.error);
      const user = users.get(str(args.user) ?? '');
      if (!user || user.deleted) return fail('user_not_found');
      // Only someone in the conversation can see an ephemeral message there.
      const dmUser = dmUsers.get(channel.id);
      const inChannel = dmUser !== undefined ? dmUser === user.id : channels.get(channel.id)?.members.includes(user.id) ?? true;
      if (!inChannel) return fail('user_not_in_channel');
      const problem = checkMessage(args);
      if (problem) return problem;
      return ok({ message_ts: nextTs() });
    },

    'conversations.open': (args) => {
      const ids = (str(args.users) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (ids.length === 0) {
        // Reopening an existing conversation by its id.
        const channel = resolveChannel(str(args.channel), false);
        if (str(args.channel) === undefined) return fail('users_list_not_supplied');
        return 'error' in channel ? fail(channel.error) : ok({ no_op: true, already_open: true, channel: { id: channel.id } });
      }
      for (const id of ids) {
        const user = users.get(id);
        if (!user) return fail('user_not_found');
        if (user.deleted) return fail('user_disabled');
        if (ids.length === 1 && user.isBot) return fail('cannot_dm_bot');
      }
      if (ids.length > 8) return fail('too_many_users');
      let id: string;
      let alreadyOpen: boolean;
      if (ids.length === 1) {
        const userId = ids[0] ?? '';
        id = dmChannelFor(userId);
        alreadyOpen = openedDms.has(userId);
        openedDms.add(userId);
      } else {
        const key = [...ids].sort().join(',');
        alreadyOpen = mpims.has(key);
        id = mpims.get(key) ?? nextId('G');
        mpims.set(key, id);
      }
      const channel: Obj = bool(args.return_im)
        ? { id, created: Math.floor(Date.now() / 1000), is_im: ids.length === 1, is_open: true, is_org_shared: false, user: ids.length === 1 ? ids[0] : undefined, last_read: '0000000000.000000', unread_count: 0 }
        : { id };
      return ok(alreadyOpen ? { no_op: true, already_open: true, channel } : { channel });
    },

    'conversations.history': (args) => {
      const access = readableConversation(str(args.channel));
      if ('error' in access) return access.error;
      // Newest first; thread replies are not part of a channel's history (only their parent messages).
      const listed = [...messages.values()]
        .filter((m) => m.channel === access.id && (m.threadTs === undefined || m.threadTs === m.ts))
        .sort((a, b) => (tsKey(b.ts) > tsKey(a.ts) ? 1 : -1));
      return page(listed, args, 'newest_first');
    },

    'conversations.replies': (args) => {
      const access = readableConversation(str(args.channel));
      if ('error' in access) return access.error;
      const ts = str(args.ts);
      if (ts === undefined) return missing('ts');
      const parent = messages.get(messageKey(access.id, ts));
      if (!parent) return fail('thread_not_found');
      const root = parent.threadTs ?? parent.ts;
      // The parent first, then its replies, oldest first.
      const listed = [...messages.values()]
        .filter((m) => m.channel === access.id && (m.ts === root || m.threadTs === root))
        .sort((a, b) => (tsKey(a.ts) > tsKey(b.ts) ? 1 : -1));
      return page(listed, args, 'oldest_first');
    },

    'views.open': (args) => {
      const view = checkView(args, 'modal');
      if (isBody(view)) return view;
      const trigger = useTrigger(args);
      if (isBody(trigger)) return trigger;
      const stored = storeView(view, undefined, null, trigger.userId);
      if (isBody(stored)) return stored;
      trigger.used = true;
      lastRootViewId = stored.id;
      return ok({ view: viewJson(stored) });
    },

    'views.push': (args) => {
      const view = checkView(args, 'modal');
      if (isBody(view)) return view;
      const trigger = useTrigger(args);
      if (isBody(trigger)) return trigger;
      // Slack knows which modal the interaction came from; the fake takes it from the trigger, else the last opened.
      const below = views.get(trigger.viewId ?? lastRootViewId ?? '');
      const rootId = below?.rootId;
      if (rootId !== undefined && stackDepth(rootId) >= 3) return fail('push_limit_reached');
      const top = rootId === undefined ? undefined : [...views.values()].filter((v) => v.rootId === rootId).at(-1);
      const stored = storeView(view, rootId, top?.id ?? null, trigger.userId);
      if (isBody(stored)) return stored;
      trigger.used = true;
      return ok({ view: viewJson(stored) });
    },

    'views.update': (args) => {
      const viewId = str(args.view_id);
      const externalId = str(args.external_id);
      if (viewId === undefined && externalId === undefined) return invalidArguments(['either view_id or external_id is required']);
      const view = checkView(args, 'any');
      if (isBody(view)) return view;
      const stored = views.get(viewId ?? viewByExternalId.get(externalId ?? '') ?? '');
      if (!stored) return fail('not_found');
      return replaceView(stored, view, args);
    },

    'views.publish': (args) => {
      const userId = str(args.user_id);
      if (userId === undefined) return missing('user_id');
      const view = checkView(args, 'home');
      if (isBody(view)) return view;
      if (!users.has(userId)) return fail('user_not_found');
      const existing = views.get(homeViewByUser.get(userId) ?? '');
      if (existing) return replaceView(existing, view, args);
      const stored = storeView(view, undefined, null, userId);
      if (isBody(stored)) return stored;
      homeViewByUser.set(userId, stored.id);
      return ok({ view: viewJson(stored) });
    },

    'users.info': (args) => {
      const user = users.get(str(args.user) ?? '');
      return user ? ok({ user: userJson(user) }) : fail('user_not_found');
    },

    'users.lookupByEmail': (args) => {
      const email = str(args.email)?.toLowerCase();
      const user = [...users.values()].find((u) => emailOf(u)?.toLowerCase() === email);
      return user ? ok({ user: userJson(user) }) : fail('users_not_found');
    },

    'usergroups.users.list': (args) => {
      const id = str(args.usergroup);
      if (id === undefined) return missing('usergroup');
      const group = groups.get(id);
      return group ? ok({ users: [...group.users] }) : fail('no_such_subteam');
    },

    'usergroups.list': (args) =>
      ok({
        usergroups: [...groups.values()].map((g) => ({
          id: g.id, team_id: teamId, is_usergroup: true, is_subteam: true, name: g.name, description: '', handle: g.handle,
          is_external: false, date_create: 0, date_update: 0, date_delete: 0, auto_type: null, created_by: botUserId,
          updated_by: botUserId, deleted_by: null, prefs: { channels: [], groups: [] },
          ...(bool(args.include_users) ? { users: [...g.users] } : {}),
          ...(bool(args.include_count) ? { user_count: g.users.length } : {}),
        })),
      }),
  };

  function answer(method: string, token: string | undefined, args: Obj): Reply {
    const headers: Record<string, string> = { 'x-oauth-scopes': scopes.join(',') };
    // Transport faults hit before anything else; an injected platform error answers an authenticated call.
    const queue = faults.get(method) ?? [];
    const fault = queue[0]?.kind === 'error' ? undefined : queue.shift();
    if (fault?.kind === 'ratelimit') {
      return { status: 429, headers: { ...headers, 'retry-after': String(fault.retryAfter) }, body: fail('ratelimited') };
    }
    if (fault?.kind === 'server') return { status: fault.status, headers, body: fail('fatal_error') };
    const gated = oauth.gate(method, token, args);
    if (gated) return { status: gated.status, headers: { ...headers, ...gated.headers }, body: gated.body };
    const handler = handlers[method];
    if (!handler) return { status: 200, headers, body: fail('unknown_method') };
    if (token === undefined) return { status: 200, headers, body: fail('not_authed') };
    // apps.connections.open takes only an app-level token (xapp-), every other method a bot or user token.
    const appLevel = token.startsWith('xapp-');
    if (method === 'apps.connections.open' && !appLevel) return { status: 200, headers, body: fail('not_allowed_token_type') };
    if (appLevel && method !== 'apps.connections.open') return { status: 200, headers, body: fail('not_allowed_token_type') };
    const tokenOk = appLevel ? (options.appTokens ? options.appTokens.includes(token) : true) : options.tokens ? options.tokens.includes(token) : token.startsWith('xox');
    if (!tokenOk) return { status: 200, headers, body: fail('invalid_auth') };
    const injected = queue[0]?.kind === 'error' ? queue.shift() : undefined;
    if (injected?.kind === 'error') return { status: 200, headers, body: injected.body };
    const needed = REQUIRED_SCOPE[method];
    if (needed !== undefined) headers['x-accepted-oauth-scopes'] = typeof needed === 'string' ? needed : needed.join(',');
    if (typeof needed === 'string' && !scopes.includes(needed)) {
      return { status: 200, headers, body: fail('missing_scope', { needed, provided: scopes.join(',') }) };
    }
    // chat.postMessage counts per conversation: a DM posted to by user id or by its D… id is one channel.
    const target = str(args.channel) ?? '';
    const perChannel = method === 'chat.postMessage' ? `:${/^[UW][A-Z0-9]+$/.test(target) && users.has(target) ? dmChannelFor(target) : target}` : '';
    const retryAfter = limiter?.take(`${token}:${method}${perChannel}`, method) ?? null;
    if (retryAfter !== null) return { status: 429, headers: { ...headers, 'retry-after': String(retryAfter) }, body: fail('ratelimited') };
    const body = handler(args);
    // Carried out; what the caller hears of it is another matter.
    if (fault?.kind === 'accepted') return { status: 200, headers, body, after: fault.after };
    return { status: 200, headers, body };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-slack');
    if (await fakeFiles.route(req, res, url)) return;
    if (oauth.handleBrowser(req, url, res)) return;
    const match = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (!match?.[1]) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const method = match[1];
    const raw = await readBody(req);
    const args = parseArgs(String(req.headers['content-type'] ?? ''), raw, url.searchParams);
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const token = bearer ?? str(args?.token);
    const call: RecordedCall = { method, args: { ...args }, token, at: Date.now() };
    delete call.args.token;
    calls.push(call);
    const reply: Reply = args ? answer(method, token, args) : { status: 200, headers: {}, body: fail('invalid_json') };
    const after = reply.after;
    if (after) call.carriedOut = reply.body;
    if (after?.kind === 'drop') {
      // The caller sees the connection close with no answer, as when a proxy or Slack's edge gives up.
      call.status = 0;
      call.response = fail('connection_dropped');
      req.socket.destroy();
    } else if (after?.kind === 'server') {
      call.status = after.status;
      call.response = fail('fatal_error');
      res.writeHead(after.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
      res.end(JSON.stringify(call.response));
    } else {
      if (after?.kind === 'hold') {
        after.onHeld();
        await after.until;
      }
      call.status = reply.status;
      call.response = reply.body;
      if (!res.destroyed) {
        res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
        res.end(JSON.stringify(reply.body));
      }
    }
    for (const waiter of [...waiters]) waiter(call);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    });
  });
  const socketMode = attachSocketMode(server, () => port, appId);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function queueFault(method: string, fault: Fault): void {
    const queue = faults.get(method) ?? [];
    queue.push(fault);
    faults.set(method, queue);
  }

  return {
    /** Base URL for `new WebClient(token, { slackApiUrl: fake.url })`. */
    url: `http://127.0.0.1:${port}/api/`,
    teamId,
    botUserId,
    botId,
    appId,
    /** Every call in arrival order (the same array across reset()). */
    calls: calls as readonly RecordedCall[],

    callsTo(method: string): RecordedCall[] {
      return calls.filter((c) => c.method === method);
    },

    /** Resolves with the first call (already made or future) matching `predicate`, after it was answered. */
    waitFor(predicate: (call: RecordedCall) => boolean, timeoutMs = 5000): Promise<RecordedCall> {
      const found = calls.find((c) => c.response !== undefined && predicate(c));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = (call: RecordedCall): void => {
          if (!predicate(call)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(call);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = calls.map((c) => `${c.method}:${c.response?.ok === true ? 'ok' : String(c.response?.error)}`).join(', ');
          reject(new Error(`fake Slack: no matching call within ${timeoutMs} ms; calls so far: [${seen}]`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },

    /** The next call to `method` answers ok:false with this error (and any extra fields). */
    failNext(method: string, failure: { error: string } & Obj): void {
      queueFault(method, { kind: 'error', body: { ...failure, ok: false } });
    },

    /** The next call to `method` answers HTTP 429 with `Retry-After: retryAfterSeconds`. */
    rateLimitNext(method: string, retryAfterSeconds: number): void {
      queueFault(method, { kind: 'ratelimit', retryAfter: retryAfterSeconds });
    },

    /** The next call to `method` answers HTTP 500 (or the given status, e.g. 503). */
    serverErrorNext(method: string, status = 500): void {
      queueFault(method, { kind: 'server', status });
    },

    /** The next call to `method` is carried out (a post is posted) and then answered HTTP 500 (or `status`). */
    acceptThenServerErrorNext(method: string, status = 500): void {
      queueFault(method, { kind: 'accepted', after: { kind: 'server', status } });
    },

    /** The next call to `method` is carried out and its connection then closed without an answer. */
    acceptThenDropNext(method: string): void {
      queueFault(method, { kind: 'accepted', after: { kind: 'drop' } });
    },

    /**
     * The next `count` calls to `method` are carried out and their answers held back until `release()`; `held`
     * resolves once all of them are held (for killing the caller while it waits).
     */
    holdNext(method: string, count = 1): { held: Promise<void>; release(): void } {
      let release = (): void => undefined;
      const until = new Promise<void>((resolve) => { release = resolve; });
      let heldSoFar = 0;
      let allHeld = (): void => undefined;
      const held = new Promise<void>((resolve) => { allHeld = resolve; });
      const onHeld = (): void => {
        heldSoFar += 1;
        if (heldSoFar === count) allHeld();
      };
      for (let n = 0; n < count; n++) queueFault(method, { kind: 'accepted', after: { kind: 'hold', until, onHeld } });
      return { held, release };
    },

    issueTriggerId,
    dmChannelFor,
    addUser,

    /** A channel (public unless said otherwise) with the bot in it unless `botIsMember: false`. */
    addChannel(id: string, opts: { name?: string; isPrivate?: boolean; members?: string[]; botIsMember?: boolean } = {}): void {
      channels.set(id, { id, name: opts.name ?? id.toLowerCase(), isPrivate: opts.isPrivate ?? false, members: [...(opts.members ?? [])], botIsMember: opts.botIsMember ?? true });
    },

    /** The bot is added to (or removed from) a channel, as an /invite or a kick does. */
    setBotMembership(id: string, member: boolean): void {
      const channel = channels.get(id);
      if (!channel) throw new Error(`fake Slack: no channel ${id}`);
      channel.botIsMember = member;
    },

    addUserGroup(id: string, members: string[], opts: { name?: string; handle?: string } = {}): void {
      groups.set(id, { id, name: opts.name ?? id, handle: opts.handle ?? id.toLowerCase(), users: [...members] });
    },

    /** A message a person posted to a channel (not the bot): what conversations.history shows without bot_id. */
    postAsUser(channel: string, user: string, text: string): StoredMessage {
      const m: StoredMessage = { channel, ts: nextTs(), text, blocks: undefined, threadTs: undefined, user };
      messages.set(messageKey(channel, m.ts), m);
      if (!channels.has(channel) && !dmUsers.has(channel)) {
        channels.set(channel, { id: channel, name: channel.toLowerCase(), isPrivate: channel.startsWith('G'), members: [user], botIsMember: true });
      }
      return m;
    },

    /** A file a person uploaded (into a modal's file_input, say): the file object the view submission carries. */
    addUserFile: fakeFiles.addUserFile,
    /** Files the app shared (files.completeUploadExternal), oldest first, with their bytes. */
    sharedFiles: fakeFiles.shared,

    getMessage(channel: string, ts: string): StoredMessage | undefined {
      return messages.get(messageKey(channel, ts));
    },

    /** Every message that exists now (posted and not deleted), oldest first: what people can see. */
    visibleMessages(): StoredMessage[] {
      return [...messages.values()].sort((a, b) => (tsKey(a.ts) > tsKey(b.ts) ? 1 : -1));
    },

    getView(idOrExternalId: string): StoredView | undefined {
      return views.get(idOrExternalId) ?? views.get(viewByExternalId.get(idOrExternalId) ?? '');
    },

    /** Forgets calls, pending faults, messages and views; keeps users and groups unless `directory`. */
    reset(opts: { directory?: boolean } = {}): void {
      calls.length = 0;
      faults.clear();
      messages.clear();
      views.clear();
      viewByExternalId.clear();
      homeViewByUser.clear();
      mpims.clear();
      openedDms.clear();
      limiter?.clear();
      fakeFiles.reset();
      lastRootViewId = undefined;
      if (opts.directory) {
        users.clear();
        groups.clear();
        channels.clear();
        addUser({ id: botUserId, name: 'approvals', realName: 'Approvals', isBot: true });
      }
    },

    /** Workspaces, Enterprise Grid orgs, the consent screen and the tokens it issues (fake-slack-workspaces.ts). */
    oauth,

    /** Socket Mode: the app's connection, envelopes to deliver to it and its acks, and connections refused. */
    socketMode: { connected: socketMode.connected, deliver: socketMode.deliver, refuseConnections: socketMode.refuseConnections },

    close(): Promise<void> {
      socketMode.close();
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // the WebClient keeps connections alive
      });
    },
  };
}

export type FakeSlack = Awaited<ReturnType<typeof startFakeSlack>>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Form or JSON body plus query string; JSON-string fields parsed. Undefined when a JSON body is malformed. */
function parseArgs(contentType: string, raw: string, query: URLSearchParams): Obj | undefined {
  const args: Obj = Object.fromEntries(query);
  if (contentType.includes('application/json')) {
    try {
      const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
      if (!isObj(parsed)) return undefined;
      Object.assign(args, parsed);
    } catch {
      return undefined;
    }
  } else {
    Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
  }
  for (const key of JSON_FIELDS) {
    const value = args[key];
    if (typeof value !== 'string') continue;
    try {
      args[key] = JSON.parse(value) as unknown;
    } catch {
      // left as a string: the method answers invalid_blocks_format / invalid_arguments
    }
  }
  return args;
}
