/**
 * Builds and sends requests the way Slack does: slash commands (form-encoded), interactivity payloads
 * (`payload=<json>`) and Events API callbacks (JSON), each signed with the v0 HMAC scheme
 * (`v0=hex(hmac_sha256(secret, "v0:" + timestamp + ":" + body))`) and Slack's timestamp header.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { issueTriggerId } from './fake-slack.ts';

export interface SlackResponse {
  readonly status: number;
  readonly text: string;
  /** The parsed body when it is JSON (acks with a message or a response_action), else null. */
  readonly json: Record<string, unknown> | null;
  /** Response headers (the app echoes its trace id as `x-request-id`). */
  readonly headers?: Headers;
}

export interface SendOptions {
  /** Seconds since the epoch; defaults to now. An old one must be refused (replay protection). */
  readonly timestamp?: number;
  /** Overrides the computed signature (forgery tests). */
  readonly signature?: string;
  /** Sign with another secret (forgery tests). */
  readonly secret?: string;
  /** Marks the delivery as Slack's n-th retry (`x-slack-retry-num`). */
  readonly retryNum?: number;
  /** Gives up (the fetch rejects) when the app has not answered within this long, as Slack does after 3 s. */
  readonly timeoutMs?: number;
}

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

let sequence = 0;
/** An action_ts as Slack writes it ("1700000000.123456"), unique per call. */
export const actionTs = (): string => `${Math.floor(Date.now() / 1000)}.${String(++sequence).padStart(6, '0')}`;

export interface CommandInput {
  readonly teamId: string;
  readonly userId: string;
  readonly text: string;
  readonly channelId?: string;
  readonly triggerId?: string;
  readonly command?: string;
}

export interface BlockActionInput {
  readonly teamId: string;
  readonly userId: string;
  readonly actionId: string;
  readonly value?: string;
  readonly blockId?: string;
  /** A distinct action_ts per click; pass the same one to replay a delivery. */
  readonly actionTs?: string;
  /** For buttons on a message: where the message is. */
  readonly message?: { readonly channelId: string; readonly ts: string };
  /** For elements inside a view: a modal (the default) or the Home tab (`type: 'home'`, the id views.publish returned). */
  readonly view?: { readonly id: string; readonly type?: 'modal' | 'home'; readonly hash?: string; readonly privateMetadata?: string; readonly callbackId?: string };
  /** For select menus. */
  readonly selectedOption?: { readonly text: string; readonly value: string };
  readonly triggerId?: string;
}

export interface ViewSubmissionInput {
  readonly teamId: string;
  readonly userId: string;
  readonly view: {
    readonly id: string;
    readonly callbackId: string;
    readonly privateMetadata: string;
    readonly blocks?: readonly unknown[];
    readonly hash?: string;
  };
  /** state.values: block_id → action_id → element state. */
  readonly values: Record<string, Record<string, Record<string, unknown>>>;
}

/** A block_actions payload shaped like Slack's (only the fields apps read, plus the usual envelope). */
export function blockActionsPayload(input: BlockActionInput): Record<string, unknown> {
  // Every click Slack sends comes from a message or a view (a modal or the Home tab) and says which.
  if (!input.message && !input.view) throw new Error('a block action needs the message or the view it came from');
  const userId = input.userId;
  const ts = input.actionTs ?? actionTs();
  const action: Record<string, unknown> = {
    action_id: input.actionId,
    block_id: input.blockId ?? 'block',
    action_ts: ts,
    type: input.selectedOption ? 'static_select' : 'button',
  };
  if (input.value !== undefined) action.value = input.value;
  if (input.selectedOption) action.selected_option = { text: { type: 'plain_text', text: input.selectedOption.text }, value: input.selectedOption.value };
  const payload: Record<string, unknown> = {
    type: 'block_actions',
    team: { id: input.teamId, domain: 'fake' },
    user: { id: userId, username: userId.toLowerCase(), name: userId.toLowerCase(), team_id: input.teamId },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    trigger_id: input.triggerId ?? issueTriggerId({ userId, ...(input.view ? { viewId: input.view.id } : {}) }),
    response_url: 'https://hooks.slack.invalid/actions/T/1/x',
    actions: [action],
    is_enterprise_install: false,
    enterprise: null,
  };
  if (input.message) {
    payload.container = { type: 'message', message_ts: input.message.ts, channel_id: input.message.channelId, is_ephemeral: false };
    payload.channel = { id: input.message.channelId, name: 'directmessage' };
    payload.message = { type: 'message', ts: input.message.ts, user: 'U0BOT', text: '' };
  } else if (input.view) {
    // Slack says where a view click came from twice: the container is the view, and the view says its type.
    payload.container = { type: 'view', view_id: input.view.id };
    payload.view = {
      id: input.view.id, team_id: input.teamId, type: input.view.type ?? 'modal', callback_id: input.view.callbackId ?? '',
      private_metadata: input.view.privateMetadata ?? '', hash: input.view.hash ?? '1.abc', blocks: [], state: { values: {} },
      app_id: 'A0APP', bot_id: 'B0BOT', app_installed_team_id: input.teamId,
    };
  }
  return payload;
}

export function viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: input.teamId, domain: 'fake' },
    user: { id: input.userId, username: input.userId.toLowerCase(), name: input.userId.toLowerCase(), team_id: input.teamId },
    api_app_id: 'A0APP',
    token: 'legacy-verification-token',
    trigger_id: issueTriggerId({ userId: input.userId, viewId: input.view.id }),
    view: {
      id: input.view.id, team_id: input.teamId, type: 'modal', callback_id: input.view.callbackId,
      private_metadata: input.view.privateMetadata, blocks: input.view.blocks ?? [], hash: input.view.hash ?? '1.abc',
      state: { values: input.values }, app_id: 'A0APP', bot_id: 'B0BOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export function appHomeOpenedEvent(input: { teamId: string; userId: string }): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: input.teamId,
    api_app_id: 'A0APP',
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user: input.userId, channel: `D${input.userId}`, tab: 'home', event_ts: actionTs() },
    authorizations: [{ team_id: input.teamId, user_id: 'U0BOT', is_bot: true, is_enterprise_install: false }],
  };
}

export function slashCommandBody(input: CommandInput): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: input.teamId,
    team_domain: 'fake',
    channel_id: input.channelId ?? 'C0GENERAL',
    channel_name: 'general',
    user_id: input.userId,
    user_name: input.userId.toLowerCase(),
    command: input.command ?? '/approval',
    text: input.text,
    api_app_id: 'A0APP',
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.invalid/commands/T/1/x',
    trigger_id: input.triggerId ?? issueTriggerId({ userId: input.userId }),
  }).toString();
}

/** Sends signed Slack requests to one app's `/slack/events`. */
export function slackRequester(baseUrl: string, signingSecret: string, path = '/slack/events') {
  async function send(body: string, contentType: string, options: SendOptions = {}): Promise<SlackResponse> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSignature(options.secret ?? signingSecret, timestamp, body),
    };
    if (options.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(options.retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const res = await fetch(new URL(path, baseUrl), { method: 'POST', headers, body, ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}) });
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = text ? JSON.parse(text) : null;
      json = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    } catch {
      // Not JSON: an empty ack, or a 401/400 without a body.
    }
    return { status: res.status, text, json, headers: res.headers };
  }

  const form = 'application/x-www-form-urlencoded';
  return {
    send,
    command: (input: CommandInput, options?: SendOptions) => send(slashCommandBody(input), form, options),
    /** Any interactivity payload (block_actions, view_submission), form-encoded as Slack sends it. */
    interaction: (payload: unknown, options?: SendOptions) => send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), form, options),
    action: (input: BlockActionInput, options?: SendOptions) => send(new URLSearchParams({ payload: JSON.stringify(blockActionsPayload(input)) }).toString(), form, options),
    submitView: (input: ViewSubmissionInput, options?: SendOptions) => send(new URLSearchParams({ payload: JSON.stringify(viewSubmissionPayload(input)) }).toString(), form, options),
    event: (payload: unknown, options?: SendOptions) => send(JSON.stringify(payload), 'application/json', options),
  };
}
export type SlackRequester = ReturnType<typeof slackRequester>;
