import { randomUUID } from 'node:crypto';
import type { Orm } from '../db/orm.ts';
import type { AuditOrigin } from '../domain/index.ts';
import type { ApiRateLimits } from './api-rate-limits.ts';
import type { TokenRefresher } from './installations/installation.ts';
import type { CipherKey } from './installations/token-cipher.ts';

/**
 * Slack's user groups as the services need them: the members of one group, for roles that follow a group.
 * The entry points hand in an adapter over the Web API; tests hand in a fake.
 */
export interface UserGroupDirectory {
  membersOf(teamId: string, groupId: string): Promise<string[]>;
}

/** What the composition root gives the services; each service takes only the parts it uses. */
export interface ServiceDeps {
  readonly orm: Orm;
  readonly clock: () => Date;
  readonly newId: () => string;
  /**
   * Slack user ids that are admins from configuration (bare APPROVAL_ADMINS entries): admins of the one
   * workspace a single-workspace deployment serves, whatever its id.
   */
  readonly bootstrapAdmins: readonly string[];
  /** Admins from configuration that name their workspace (APPROVAL_ADMINS `T…:U…`): workspace id to user ids. */
  readonly workspaceAdmins?: ReadonlyMap<string, readonly string[]>;
  /** Where roles bound to a Slack user group get their members; without it they keep their last synced members. */
  readonly userGroups?: UserGroupDirectory | null;
  /** OAuth mode: the keys that seal installation tokens at rest (INSTALLATION_ENCRYPTION_KEYS, the first seals). */
  readonly installationKeys?: readonly CipherKey[] | null;
  /** OAuth mode with token rotation: exchanges a refresh token for new tokens. */
  readonly tokenRefresher?: TokenRefresher | null;
  /** The REST API's rate limits (API_AUTH_FAILURES_PER_MINUTE, API_REQUESTS_PER_MINUTE); defaults when absent. */
  readonly apiRateLimits?: ApiRateLimits;
}

export const defaultDeps = (orm: Orm, bootstrapAdmins: readonly string[] = [], userGroups: UserGroupDirectory | null = null): ServiceDeps => ({
  orm,
  clock: () => new Date(),
  newId: randomUUID,
  bootstrapAdmins,
  userGroups,
});

/** Where a request came from and which trace it belongs to; recorded on every audit event it causes. */
export interface RequestMeta {
  readonly origin: AuditOrigin;
  readonly traceId?: string | null;
  /**
   * Epoch ms by which a decision must be committed, or else abandoned with nothing committed (NotRecordedInTime):
   * a Slack click is acknowledged only after its decision, within Slack's 3 s. None: no limit.
   */
  readonly deadline?: number | undefined;
}

/** Audit origin of what the system does on its own (timers, delegation handoffs, failures). */
export const systemMeta = (component: string): RequestMeta => ({ origin: { kind: 'system', component }, traceId: randomUUID() });
