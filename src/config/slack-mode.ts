import { z } from 'zod';
import { SLACK_TEAM_ID, SLACK_USER_ID } from '../domain/identifiers.ts';

/**
 * Which Slack variables select which mode, defined once:
 *
 * - **single workspace**: `SLACK_BOT_TOKEN` and none of the OAuth variables. The app serves the one workspace
 *   that token belongs to, as it always has.
 * - **OAuth** (any number of workspaces and Enterprise Grid orgs): `SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`,
 *   `SLACK_STATE_SECRET` and `INSTALLATION_ENCRYPTION_KEYS`, and no `SLACK_BOT_TOKEN`. People install from
 *   `/slack/install`; every installation's tokens are stored encrypted in Postgres.
 *
 * A mixed or incomplete set stops the process with a message naming the variables (`checkSlackMode`).
 */

/** A variable left blank (`VAR=` in .env, passed through by compose) counts as unset. */
const unsetWhenEmpty = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(unsetWhenEmpty, schema.optional());

/** One APPROVAL_ADMINS entry: a user id (single-workspace mode), or `T…:U…` / `E…:W…` naming where it applies. */
const ADMIN_ENTRY = new RegExp(`^(?:(${SLACK_TEAM_ID.source.slice(1, -1)}):)?(${SLACK_USER_ID.source.slice(1, -1)})$`);
const adminEntries = z
  .string()
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(ADMIN_ENTRY, 'each entry must be a Slack user id such as U012ABCDEF, or name its workspace as T012ABCDEF:U012ABCDEF (E…:W… for an Enterprise Grid org)')));

/** An encryption key: `<id>:<base64 of 32 bytes>`; the first one encrypts, all of them decrypt. */
export interface EncryptionKey {
  readonly id: string;
  readonly key: Buffer;
}
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
export const encryptionKeys = z.string().transform((value, ctx): EncryptionKey[] => {
  const keys: EncryptionKey[] = [];
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    const material = at > 0 ? entry.slice(at + 1) : '';
    if (!KEY_ID.test(id)) {
      ctx.addIssue({ code: 'custom', message: 'each key must be <id>:<base64 key>, the id 1-32 letters, digits, - or _ (e.g. k2:…,k1:…; the first encrypts)' });
      return z.NEVER;
    }
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== material.replace(/=+$/, '')) {
      ctx.addIssue({ code: 'custom', message: `key "${id}" must be 32 random bytes in base64 (openssl rand -base64 32)` });
      return z.NEVER;
    }
    if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id}" appears twice` });
      return z.NEVER;
    }
    keys.push({ id, key });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'needs at least one key, e.g. k1:$(openssl rand -base64 32)' });
    return z.NEVER;
  }
  return keys;
});

/** The Slack credentials and admins of the environment schema (spread into it by src/config/env.ts). */
export const slackModeVariables = {
  SLACK_BOT_TOKEN: optional(z.string().regex(/^xoxb-/, 'must be a bot token starting with xoxb-')).describe('Single-workspace mode: the bot token used for every Slack Web API call. Leave unset in OAuth mode.'),
  SLACK_CLIENT_ID: optional(z.string().regex(/^\d+\.\d+$/, 'must be the Client ID from the app\'s Basic Information page, such as 1234567890.1234567890')).describe('OAuth mode: the app\'s Client ID (Basic Information).'),
  SLACK_CLIENT_SECRET: optional(z.string().min(16, 'must be the Client Secret from the app\'s Basic Information page')).describe('OAuth mode: the app\'s Client Secret.'),
  SLACK_STATE_SECRET: optional(z.string().min(32, 'must be at least 32 random characters (openssl rand -hex 32)')).describe('OAuth mode: signs the state of each install so a redirect cannot be forged or replayed in another browser.'),
  INSTALLATION_ENCRYPTION_KEYS: optional(encryptionKeys).describe('OAuth mode: comma-separated <id>:<base64 32-byte key> list; tokens are encrypted with the first (AES-256-GCM), any listed key decrypts, so keys rotate by putting a new one first.'),
  SLACK_REDIRECT_URI: optional(z.url().regex(/\/slack\/oauth_redirect$/, 'must end in /slack/oauth_redirect, where the app completes installs')).describe('OAuth mode: the redirect URL to send to Slack, needed only when the app has more than one configured.'),
  APPROVAL_ADMINS: adminEntries.default([]).describe('Comma-separated first admins. T012ABCDEF:U012ABCDEF names the workspace (E…:W… an Enterprise Grid org); a bare user id is allowed in single-workspace mode only and means the one workspace served.'),
};

const OAUTH_VARIABLES = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'INSTALLATION_ENCRYPTION_KEYS'] as const;
const isSet = (value: unknown): boolean => unsetWhenEmpty(value) !== undefined;

/**
 * Says which mode the variables select and refuses a mixed or incomplete set, naming the variables. Runs on the
 * raw input too (when other variables already failed), so every problem is reported at once.
 */
export function checkSlackMode(input: unknown, ctx: z.RefinementCtx): void {
  const env = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const oauthSet = OAUTH_VARIABLES.filter((name) => isSet(env[name]));
  const both = `either SLACK_BOT_TOKEN alone (one workspace) or ${OAUTH_VARIABLES.join(', ')} without it (OAuth: any number of workspaces)`;
  if (isSet(env.SLACK_BOT_TOKEN)) {
    if (oauthSet.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: `set together with ${oauthSet.join(', ')}: set ${both}` });
    }
    return;
  }
  if (oauthSet.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: `required: set ${both}` });
    return;
  }
  for (const name of OAUTH_VARIABLES.filter((n) => !oauthSet.includes(n))) {
    ctx.addIssue({ code: 'custom', path: [name], message: `required in OAuth mode (${oauthSet.join(', ')} ${oauthSet.length === 1 ? 'is' : 'are'} set)` });
  }
  if (isSet(env.SLACK_APP_TOKEN)) {
    ctx.addIssue({ code: 'custom', path: ['SLACK_APP_TOKEN'], message: 'Socket Mode serves one workspace; OAuth mode takes Slack\'s requests over HTTP (unset SLACK_APP_TOKEN, or use SLACK_BOT_TOKEN)' });
  }
  const admins = Array.isArray(env.APPROVAL_ADMINS) ? env.APPROVAL_ADMINS : typeof env.APPROVAL_ADMINS === 'string' ? env.APPROVAL_ADMINS.split(',') : [];
  const bare = admins.map((entry) => String(entry).trim()).filter((entry) => entry !== '' && !entry.includes(':'));
  if (bare.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['APPROVAL_ADMINS'], message: `in OAuth mode each entry names its workspace, e.g. T012ABCDEF:${bare[0]} (E…:W… for an Enterprise Grid org)` });
  }
}

export type SlackMode =
  | { readonly kind: 'single'; readonly botToken: string }
  | {
    readonly kind: 'oauth';
    readonly clientId: string;
    readonly clientSecret: string;
    readonly stateSecret: string;
    readonly encryptionKeys: readonly EncryptionKey[];
    readonly redirectUri: string | null;
  };

export interface ModeEnv {
  readonly SLACK_BOT_TOKEN?: string | undefined;
  readonly SLACK_CLIENT_ID?: string | undefined;
  readonly SLACK_CLIENT_SECRET?: string | undefined;
  readonly SLACK_STATE_SECRET?: string | undefined;
  readonly INSTALLATION_ENCRYPTION_KEYS?: readonly EncryptionKey[] | undefined;
  readonly SLACK_REDIRECT_URI?: string | undefined;
}

/** The mode a parsed environment selected (checkSlackMode already refused anything else). */
export function slackMode(env: ModeEnv): SlackMode {
  if (env.SLACK_BOT_TOKEN) return { kind: 'single', botToken: env.SLACK_BOT_TOKEN };
  if (env.SLACK_CLIENT_ID && env.SLACK_CLIENT_SECRET && env.SLACK_STATE_SECRET && env.INSTALLATION_ENCRYPTION_KEYS) {
    return {
      kind: 'oauth', clientId: env.SLACK_CLIENT_ID, clientSecret: env.SLACK_CLIENT_SECRET, stateSecret: env.SLACK_STATE_SECRET,
      encryptionKeys: env.INSTALLATION_ENCRYPTION_KEYS, redirectUri: env.SLACK_REDIRECT_URI ?? null,
    };
  }
  throw new Error('no Slack mode selected: the environment was not parsed with checkSlackMode');
}

/** APPROVAL_ADMINS as the services use it: bare ids (the one workspace of single-workspace mode) and ids per workspace or org. */
export interface ConfiguredAdmins {
  readonly everywhere: readonly string[];
  readonly byScope: ReadonlyMap<string, readonly string[]>;
}

export function configuredAdmins(entries: readonly string[]): ConfiguredAdmins {
  const everywhere: string[] = [];
  const byScope = new Map<string, string[]>();
  for (const entry of entries) {
    const match = ADMIN_ENTRY.exec(entry);
    if (!match?.[2]) continue;
    if (!match[1]) everywhere.push(match[2]);
    else byScope.set(match[1], [...(byScope.get(match[1]) ?? []), match[2]]);
  }
  return { everywhere, byScope };
}
