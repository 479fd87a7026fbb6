import type { WebClient } from '@slack/web-api';
import type { WorkflowDefinition } from '../domain/index.ts';
import type { RequestMeta } from '../services/index.ts';
import type { Services } from '../services/index.ts';
import { rolesOf } from '../services/submission-service.ts';

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

/**
 * Slack users, user groups and time zones through the Web API, cached briefly. Also keeps roles bound to a
 * Slack user group in step with the group before anything is routed to them.
 */
export function createSlackDirectory(client: WebClient, options: SlackDirectoryOptions = {}) {
  const ttl = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const users = new TtlCache<SlackUser | null>(ttl, now);
  const groups = new TtlCache<string[]>(ttl, now);

  function user(teamId: string, userId: string): Promise<SlackUser | null> {
    return users.get(`${teamId}/${userId}`, async () => {
      try {
        const answer = await client.users.info({ user: userId });
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

  function userGroupMembers(teamId: string, groupId: string): Promise<string[]> {
    return groups.get(`${teamId}/${groupId}`, async () => {
      const answer = await client.usergroups.users.list({ usergroup: groupId });
      return [...(answer.users ?? [])].sort();
    });
  }

  /**
   * Brings every role bound to a user group (all of them, or the ones `definition` names) up to date with
   * the group. Returns the roles whose members changed.
   */
  async function syncBoundRoles(services: Services, teamId: string, meta: RequestMeta, definition?: WorkflowDefinition): Promise<string[]> {
    const wanted = definition ? new Set(rolesOf(definition)) : null;
    const roles = (await services.directory.listRoles(teamId)).filter((r) => r.slackUsergroupId && (!wanted || wanted.has(r.name)));
    const changed: string[] = [];
    for (const role of roles) {
      const members = await userGroupMembers(teamId, role.slackUsergroupId ?? '');
      if (await services.directory.syncRoleMembers(teamId, role.name, members, meta)) changed.push(role.name);
    }
    return changed;
  }

  return {
    user,
    timeZoneOf,
    userGroupMembers,
    syncBoundRoles,
    /** Forget everything (tests, or after an admin rebinds a group). */
    clear(): void {
      users.clear();
      groups.clear();
    },
  };
}
export type SlackDirectory = ReturnType<typeof createSlackDirectory>;
