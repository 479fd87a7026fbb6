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
}

const rowOf = (t: ApiToken): TokenRow => ({
  id: t.id, teamId: t.teamId, ownerId: t.ownerId, name: t.name, scopes: t.scopes, createdBy: t.createdBy,
  createdAt: t.createdAt, lastUsedAt: t.lastUsedAt ?? null, revokedAt: t.revokedAt ?? null,
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
    async list(teamId: string): Promise<TokenRow[]> {
      return (await orm.em.fork().find(ApiToken, { teamId }, { orderBy: { createdAt: 'desc' } })).map(rowOf);
    },
    async find(tx: Tx, teamId: string, id: string): Promise<TokenRow | null> {
      const row = await tx.em.findOne(ApiToken, { id, teamId });
      return row ? rowOf(row) : null;
    },
    async revoke(tx: Tx, id: string, at: Date, by: string): Promise<TokenRow | null> {
      const row = await tx.em.findOne(ApiToken, { id });
      if (!row) return null;
      row.revokedAt = at;
      row.revokedBy = by;
      return rowOf(row);
    },
  };
}
export type TokenRepository = ReturnType<typeof createTokenRepository>;
