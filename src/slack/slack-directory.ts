import type { WebClient } from '@slack/web-api';

export interface SlackUser {
  readonly id: string;
  readonly name: string;
  readonly realName: string;
  readonly tz: string | null;
  readonly isBot: boolean;
  readonly deleted: boolean;
}

interface Entry<T> {
  readonly value: Promise<T>;
  readonly expires: number;
}

/** A tiny time-bounded cache; a failed lookup is not kept, so the next call tries again. */
class TtlCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(ttlMs: number, now: () => number) {
    this.ttlMs = ttlMs;
    this.now = now;
  }

  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    const value = load();
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
    value.catch(() => this.entries.delete(key));
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

export interface SlackDirectoryOptions {
  /** How long answers are reused (Slack's directory changes rarely; rate limits are tight). Default 60 s. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/** The Web API client for a workspace (each installation's token in OAuth mode). */
export type ClientForTeam = (teamId: string) => Promise<WebClient>;

/**
 * Slack users, user groups and time zones through the Web API, cached briefly, each asked with the token of the
 * workspace it is about. It is also the services' user-group port: roles bound to a group get their members here.
 */
export function createSlackDirectory(clients: WebClient | ClientForTeam, options: SlackDirectoryOptions = {}) {
  const clientFor: ClientForTeam = typeof clients === 'function' ? clients : async () => clients;
  const ttl = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const users = new TtlCache<SlackUser | null>(ttl, now);
  const groups = new TtlCache<string[]>(ttl, now);

  function user(teamId: string, userId: string): Promise<SlackUser | null> {
    return users.get(`${teamId}/${userId}`, async () => {
      try {
        const answer = await (await clientFor(teamId)).users.info({ user: userId });
        const u = answer.user;
        if (!u?.id) return null;
        return { id: u.id, name: u.name ?? u.id, realName: u.real_name ?? u.profile?.real_name ?? u.name ?? u.id, tz: u.tz ?? null, isBot: u.is_bot ?? false, deleted: u.deleted ?? false };
      } catch (error) {
        if ((error as { data?: { error?: string } }).data?.error === 'user_not_found') return null;
        throw error;
      }
    });
  }

  async function timeZoneOf(teamId: string, userId: string): Promise<string | null> {
    return (await user(teamId, userId))?.tz ?? null;
  }

  /** Members of a Slack user group (the services' port for roles bound to a group). */
  function membersOf(teamId: string, groupId: string): Promise<string[]> {
    return groups.get(`${teamId}/${groupId}`, async () => {
      const answer = await (await clientFor(teamId)).usergroups.users.list({ usergroup: groupId });
      return [...(answer.users ?? [])].sort();
    });
  }

  return {
    user,
    timeZoneOf,
    membersOf,
    /** Forget everything (tests, or after an admin rebinds a group). */
    clear(): void {
      users.clear();
      groups.clear();
    },
  };
}
export type SlackDirectory = ReturnType<typeof createSlackDirectory>;
