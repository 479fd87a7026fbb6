import { LockMode } from '@mikro-orm/core';
import type { ApiScope } from '../domain/index.ts';
import { ApiToken } from './entities/index.ts';
import type { Orm } from './orm.ts';
import type { Tx } from './transaction.ts';

export interface TokenRow {
  readonly id: string;
  readonly teamId: string;
  readonly ownerId: string;
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly revokedBy: string | null;
}

const rowOf = (t: ApiToken): TokenRow => ({
  id: t.id, teamId: t.teamId, ownerId: t.ownerId, name: t.name, scopes: t.scopes, createdBy: t.createdBy,
  createdAt: t.createdAt, lastUsedAt: t.lastUsedAt ?? null, revokedAt: t.revokedAt ?? null, revokedBy: t.revokedBy ?? null,
});

/** REST API tokens, stored as SHA-256 hashes (ORM entity). */
export function createTokenRepository(orm: Orm) {
  return {
    async insert(tx: Tx, token: { id: string; teamId: string; ownerId: string; name: string; scopes: ApiScope[]; tokenHash: string; createdBy: string }): Promise<TokenRow> {
      return rowOf(tx.em.create(ApiToken, token));
    },
    async byHash(tokenHash: string): Promise<TokenRow | null> {
      const row = await orm.em.fork().findOne(ApiToken, { tokenHash });
      return row ? rowOf(row) : null;
    },
    /** Last use is informational: written without waiting, and a failure is ignored. */
    touch(id: string, at: Date): void {
      void orm.em.fork().nativeUpdate(ApiToken, { id }, { lastUsedAt: at }).catch(() => undefined);
    },
    /** A workspace's tokens, or every workspace's when `teamId` is null, newest first within each. */
    async list(teamId: string | null): Promise<TokenRow[]> {
      return (await orm.em.fork().find(ApiToken, teamId ? { teamId } : {}, { orderBy: { teamId: 'asc', createdAt: 'desc' } })).map(rowOf);
    },
    async find(id: string, teamId?: string, tx?: Tx): Promise<TokenRow | null> {
      const row = await (tx?.em ?? orm.em.fork()).findOne(ApiToken, { id, ...(teamId ? { teamId } : {}) });
      return row ? rowOf(row) : null;
    },
    /**
     * Revokes a token under a lock on its row, so two revocations at once change it once. Returns the row and
     * whether this call revoked it (false when it was revoked already), or null when there is no such token.
     */
    async revoke(tx: Tx, id: string, at: Date, by: string): Promise<{ row: TokenRow; revoked: boolean } | null> {
      const row = await tx.em.findOne(ApiToken, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) return null;
      if (row.revokedAt) return { row: rowOf(row), revoked: false };
      row.revokedAt = at;
      row.revokedBy = by;
      return { row: rowOf(row), revoked: true };
    },
  };
}
export type TokenRepository = ReturnType<typeof createTokenRepository>;
