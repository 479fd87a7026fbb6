import { LockMode } from '@mikro-orm/core';
import { z } from 'zod';
import { DomainError } from '../domain/index.ts';
import { ApiToken, type ApiScope } from '../db/entities/index.ts';
import { requireAdmin } from './admins.ts';
import type { RequestMeta, ServiceDeps } from './deps.ts';
import { inTransaction } from './unit-of-work.ts';

/**
 * Listing and revoking API tokens, for admins (through the API, with a tokens:admin token) and operators (the
 * token:list and token:revoke commands). Every list and every revocation is in the workspace's audit trail.
 */
export type TokenAdmin =
  /** The owner of the API token making the request; must be an approval admin of the workspace. */
  | { readonly kind: 'admin'; readonly userId: string }
  /** An operator at the command line (who ran it is in the request's origin). */
  | { readonly kind: 'operator' };

export interface TokenView {
  readonly id: string;
  readonly teamId: string;
  readonly ownerId: string;
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
}

const view = (row: ApiToken): TokenView => ({
  id: row.id, teamId: row.teamId, ownerId: row.ownerId, name: row.name, scopes: row.scopes, createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(), lastUsedAt: row.lastUsedAt?.toISOString() ?? null, revokedAt: row.revokedAt?.toISOString() ?? null, revokedBy: row.revokedBy ?? null,
});

const NO_SUCH_TOKEN = 'There is no such API token.';

/** Who revoked, as stored on the token: the admin's Slack id, or `cli:<who ran the command>`. */
function revoker(admin: TokenAdmin, meta: RequestMeta): string {
  if (admin.kind === 'admin') return admin.userId;
  return meta.origin.kind === 'cli' ? `cli:${meta.origin.ranBy ?? 'unknown'}` : 'operator';
}

export function createTokenAdminService(deps: ServiceDeps) {
  /** A workspace's tokens (every workspace's for an operator who names none), newest first; never the secrets. */
  async function list(teamId: string | null, admin: TokenAdmin, meta: RequestMeta): Promise<TokenView[]> {
    const em = deps.orm.em.fork();
    if (admin.kind === 'admin') {
      if (!teamId) throw new DomainError('invalid_input', 'Name the workspace whose tokens to list.');
      await requireAdmin(deps, em, teamId, admin.userId);
    }
    const rows = await em.find(ApiToken, teamId ? { teamId } : {}, { orderBy: { teamId: 'asc', createdAt: 'desc' } });
    const teams = teamId ? [teamId] : [...new Set(rows.map((r) => r.teamId))];
    for (const team of teams) {
      const listed = rows.filter((r) => r.teamId === team);
      await inTransaction(deps, team, meta, async (_em, uow) => {
        uow.record({
          type: 'api.tokens_listed', actorId: admin.kind === 'admin' ? admin.userId : null,
          details: { count: listed.length, active: listed.filter((r) => !r.revokedAt).length },
        });
      });
    }
    return rows.map(view);
  }

  /**
   * Revokes a token: the next request with it is refused (every request reads the token's row). An admin
   * revokes only tokens of their own workspace (`teamId`); revoking a revoked token changes nothing.
   */
  async function revoke(tokenId: string, admin: TokenAdmin, meta: RequestMeta, teamId?: string): Promise<TokenView> {
    if (!z.uuid().safeParse(tokenId).success) throw new DomainError('not_found', NO_SUCH_TOKEN);
    const found = await deps.orm.em.fork().findOne(ApiToken, { id: tokenId, ...(teamId ? { teamId } : {}) });
    if (!found) throw new DomainError('not_found', NO_SUCH_TOKEN);
    const { result } = await inTransaction(deps, found.teamId, meta, async (em, uow) => {
      if (admin.kind === 'admin') await requireAdmin(deps, em, found.teamId, admin.userId);
      // Locked, so two revocations at once record one event.
      const row = await em.findOneOrFail(ApiToken, { id: tokenId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (row.revokedAt) return row;
      row.revokedAt = deps.clock();
      row.revokedBy = revoker(admin, meta);
      uow.record({
        type: 'api.token_revoked', actorId: admin.kind === 'admin' ? admin.userId : null,
        details: { tokenId, ownerId: row.ownerId, name: row.name, revokedBy: row.revokedBy },
      });
      return row;
    });
    return view(result);
  }

  return { list, revoke };
}
export type TokenAdminService = ReturnType<typeof createTokenAdminService>;
