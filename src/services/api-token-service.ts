import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '../domain/index.ts';
import { API_SCOPES, ApiToken, type ApiScope } from '../db/entities/index.ts';
import { isAdmin } from './admins.ts';
import type { RequestMeta, ServiceDeps } from './deps.ts';
import { inTransaction } from './unit-of-work.ts';
import { slackUserIdSchema } from '../domain/index.ts';

/** Tokens read `apr_<team id>_<43 base64url characters>`; the team part lets a leaked token be traced. */
const TOKEN_PATTERN = /^apr_([TE][A-Z0-9]+)_([A-Za-z0-9_-]{43})$/;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export interface TokenSummary {
  readonly id: string;
  readonly teamId: string;
  readonly ownerId: string;
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  readonly createdBy: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export type Authentication =
  | { readonly ok: true; readonly token: TokenSummary }
  | { readonly ok: false; readonly reason: 'missing' | 'malformed' | 'unknown' | 'revoked'; readonly teamId: string | null; readonly tokenId: string | null };

const createInputSchema = z.object({
  teamId: z.string().regex(/^[TE][A-Z0-9]+$/, 'must be a Slack team id'),
  ownerId: slackUserIdSchema(),
  name: z.string().trim().min(1, 'must not be empty').max(80),
  scopes: z.array(z.enum(API_SCOPES)).min(1, 'name at least one scope'),
  createdBy: z.string().min(1).max(40),
});
export type CreateTokenInput = z.input<typeof createInputSchema>;

const summary = (row: ApiToken): TokenSummary => ({
  id: row.id,
  teamId: row.teamId,
  ownerId: row.ownerId,
  name: row.name,
  scopes: row.scopes,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt ? row.lastUsedAt.toISOString() : null,
  revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
});

export function createApiTokenService(deps: ServiceDeps) {
  /** Creates a token; the secret is returned once and only its SHA-256 is stored. */
  async function createToken(input: CreateTokenInput, meta: RequestMeta): Promise<{ token: string; summary: TokenSummary }> {
    const parsed = createInputSchema.safeParse(input);
    if (!parsed.success) throw new DomainError('invalid_input', `Invalid token: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const cmd = parsed.data;
    const token = `apr_${cmd.teamId}_${randomBytes(32).toString('base64url')}`;
    const id = deps.newId();
    const { result } = await inTransaction(deps, cmd.teamId, meta, async (em, uow) => {
      const row = em.create(ApiToken, {
        id, teamId: cmd.teamId, ownerId: cmd.ownerId, name: cmd.name, scopes: [...new Set(cmd.scopes)], tokenHash: hashToken(token), createdBy: cmd.createdBy,
      });
      uow.record({ type: 'api.token_created', actorId: /^[UW]/.test(cmd.createdBy) ? cmd.createdBy : null, details: { tokenId: id, ownerId: cmd.ownerId, name: cmd.name, scopes: row.scopes } });
      return row;
    });
    return { token, summary: summary(result) };
  }

  async function authenticate(header: string | undefined): Promise<Authentication> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!header) return { ok: false, reason: 'missing', teamId: null, tokenId: null };
    const token = match?.[1];
    const shape = token ? TOKEN_PATTERN.exec(token) : null;
    if (!token || !shape) return { ok: false, reason: 'malformed', teamId: null, tokenId: null };
    const em = deps.orm.em.fork();
    const row = await em.findOne(ApiToken, { tokenHash: hashToken(token) });
    if (!row) return { ok: false, reason: 'unknown', teamId: null, tokenId: null };
    if (row.revokedAt) return { ok: false, reason: 'revoked', teamId: row.teamId, tokenId: row.id };
    // Last use is informational; a stale value costs nothing, so it is written without waiting on it.
    void em.nativeUpdate(ApiToken, { id: row.id }, { lastUsedAt: deps.clock() }).catch(() => undefined);
    return { ok: true, token: summary(row) };
  }

  /** Every token of a workspace, newest first (for the admin Home). Secrets are never returned. */
  async function listTokens(teamId: string): Promise<TokenSummary[]> {
    const rows = await deps.orm.em.fork().find(ApiToken, { teamId }, { orderBy: { createdAt: 'desc' } });
    return rows.map(summary);
  }

  /** Admins may revoke any token of their workspace, owners their own. Revoking twice changes nothing. */
  async function revokeToken(teamId: string, tokenId: string, actorId: string, meta: RequestMeta = { origin: { kind: 'slack', teamId } }): Promise<TokenSummary> {
    if (!z.uuid().safeParse(tokenId).success) throw new DomainError('not_found', 'There is no such API token.');
    const { result } = await inTransaction(deps, teamId, meta, async (em, uow) => {
      const row = await em.findOne(ApiToken, { id: tokenId, teamId });
      if (!row) throw new DomainError('not_found', 'There is no such API token.');
      if (row.ownerId !== actorId && !(await isAdmin(deps, em, teamId, actorId))) {
        throw new DomainError('forbidden', 'Only approval admins or the token owner can revoke an API token.');
      }
      if (row.revokedAt) return row;
      row.revokedAt = deps.clock();
      row.revokedBy = actorId;
      uow.record({ type: 'api.token_revoked', actorId, details: { tokenId, ownerId: row.ownerId, name: row.name } });
      return row;
    });
    return summary(result);
  }

  return { createToken, authenticate, listTokens, revokeToken };
}
export type ApiTokenService = ReturnType<typeof createApiTokenService>;
