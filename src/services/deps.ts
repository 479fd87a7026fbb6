import { randomUUID } from 'node:crypto';
import type { Orm } from '../db/orm.ts';
import type { AuditOrigin } from '../domain/index.ts';

/** What every service needs; tests pass a fixed clock or id source where it matters. */
export interface ServiceDeps {
  readonly orm: Orm;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** Slack user ids that are admins from configuration (APPROVAL_ADMINS), in every workspace. */
  readonly bootstrapAdmins: readonly string[];
}

export const defaultDeps = (orm: Orm, bootstrapAdmins: readonly string[] = []): ServiceDeps => ({
  orm,
  clock: () => new Date(),
  newId: randomUUID,
  bootstrapAdmins,
});

/** Where a request came from and which trace it belongs to; recorded on every audit event it causes. */
export interface RequestMeta {
  readonly origin: AuditOrigin;
  readonly traceId?: string | null;
}
