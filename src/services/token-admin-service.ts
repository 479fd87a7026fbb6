import { z } from 'zod';
import { DomainError, type ApiScope } from '../domain/index.ts';
import type { TokenRepository, TokenRow } from '../db/token-repository.ts';
import type { AdminCheck } from './admins.ts';
import type { RequestMeta } from './deps.ts';
import type { Transact } from './unit-of-work.ts';

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

const view = (row: TokenRow): TokenView => ({
  id: row.id, teamId: row.teamId, ownerId: row.ownerId, name: row.name, scopes: row.scopes, createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(), lastUsedAt: row.lastUsedAt?.toISOString() ?? null, revokedAt: row.revokedAt?.toISOString() ?? null, revokedBy: row.revokedBy,
});

const NO_SUCH_TOKEN = 'There is no such API token.';

/** Who revoked, as stored on the token: the admin's Slack id, or `cli:<who ran the command>`. */
function revoker(admin: TokenAdmin, meta: RequestMeta): string {
  if (admin.kind === 'admin') return admin.userId;
  return meta.origin.kind === 'cli' ? `cli:${meta.origin.ranBy ?? 'unknown'}` : 'operator';
}

export interface TokenAdminServiceDeps {
  readonly transact: Transact;
  readonly tokens: Pick<TokenRepository, 'list' | 'find' | 'revoke'>;
  readonly admins: Pick<AdminCheck, 'requireAdmin'>;
  readonly clock: () => Date;
}

export function createTokenAdminService(deps: TokenAdminServiceDeps) {
  /** A workspace's tokens (every workspace's for an operator who names none), newest first; never the secrets. */
  async function list(teamId: string | null, admin: TokenAdmin, meta: RequestMeta): Promise<TokenView[]> {
    if (admin.kind === 'admin') {
      if (!teamId) throw new DomainError('invalid_input', 'Name the workspace whose tokens to list.');
      await deps.admins.requireAdmin(teamId, admin.userId);
    }
    const rows = await deps.tokens.list(teamId);
    const teams = teamId ? [teamId] : [...new Set(rows.map((r) => r.teamId))];
    for (const team of teams) {
      const listed = rows.filter((r) => r.teamId === team);
      await deps.transact(team, meta, async (_tx, uow) => {
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
    const found = await deps.tokens.find(tokenId, teamId);
    if (!found) throw new DomainError('not_found', NO_SUCH_TOKEN);
    const { result } = await deps.transact(found.teamId, meta, async (tx, uow) => {
      if (admin.kind === 'admin') await deps.admins.requireAdmin(found.teamId, admin.userId, tx);
      // Locked, so two revocations at once record one event.
      const outcome = await deps.tokens.revoke(tx, tokenId, deps.clock(), revoker(admin, meta));
      if (!outcome) throw new DomainError('not_found', NO_SUCH_TOKEN);
      if (outcome.revoked) {
        uow.record({
          type: 'api.token_revoked', actorId: admin.kind === 'admin' ? admin.userId : null,
          details: { tokenId, ownerId: outcome.row.ownerId, name: outcome.row.name, revokedBy: outcome.row.revokedBy },
        });
      }
      return outcome.row;
    });
    return view(result);
  }

  return { list, revoke };
}
export type TokenAdminService = ReturnType<typeof createTokenAdminService>;
