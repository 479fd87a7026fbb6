import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { API_SCOPES, DomainError, isSlackUserId, slackTeamIdSchema, slackUserIdSchema, storableText, type ApiScope } from '../domain/index.ts';
import type { TokenRepository, TokenRow } from '../db/token-repository.ts';
import type { AdminCheck } from './admins.ts';
import type { RequestMeta } from './deps.ts';
import type { Transact } from './unit-of-work.ts';

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
  teamId: slackTeamIdSchema(),
  ownerId: slackUserIdSchema(),
  name: storableText().trim().min(1, 'must not be empty').max(80),
  // createdBy is who ran token:create (a Slack user or cli:<who>): text that can be stored, like the name.
  createdBy: storableText().min(1).max(40),
  scopes: z.array(z.enum(API_SCOPES)).min(1, 'name at least one scope'),
});
export type CreateTokenInput = z.input<typeof createInputSchema>;

const summary = (row: TokenRow): TokenSummary => ({
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

export interface ApiTokenServiceDeps {
  readonly transact: Transact;
  readonly tokens: TokenRepository;
  readonly admins: Pick<AdminCheck, 'isAdmin'>;
  readonly clock: () => Date;
  readonly newId: () => string;
}

export function createApiTokenService(deps: ApiTokenServiceDeps) {
  /** Creates a token; the secret is returned once and only its SHA-256 is stored. */
  async function createToken(input: CreateTokenInput, meta: RequestMeta): Promise<{ token: string; summary: TokenSummary }> {
    const parsed = createInputSchema.safeParse(input);
    if (!parsed.success) throw new DomainError('invalid_input', `Invalid token: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const cmd = parsed.data;
    const token = `apr_${cmd.teamId}_${randomBytes(32).toString('base64url')}`;
    const id = deps.newId();
    const { result } = await deps.transact(cmd.teamId, meta, async (tx, uow) => {
      const row = await deps.tokens.insert(tx, {
        id, teamId: cmd.teamId, ownerId: cmd.ownerId, name: cmd.name, scopes: [...new Set(cmd.scopes)], tokenHash: hashToken(token), createdBy: cmd.createdBy,
      });
      uow.record({ type: 'api.token_created', actorId: isSlackUserId(cmd.createdBy) ? cmd.createdBy : null, details: { tokenId: id, ownerId: cmd.ownerId, name: cmd.name, scopes: row.scopes } });
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
    const row = await deps.tokens.byHash(hashToken(token));
    if (!row) return { ok: false, reason: 'unknown', teamId: null, tokenId: null };
    if (row.revokedAt) return { ok: false, reason: 'revoked', teamId: row.teamId, tokenId: row.id };
    deps.tokens.touch(row.id, deps.clock());
    return { ok: true, token: summary(row) };
  }

  /** Every token of a workspace, newest first (for the admin Home). Secrets are never returned. */
  async function listTokens(teamId: string): Promise<TokenSummary[]> {
    return (await deps.tokens.list(teamId)).map(summary);
  }

  /** Admins may revoke any token of their workspace, owners their own. Revoking twice changes nothing. */
  async function revokeToken(teamId: string, tokenId: string, actorId: string, meta: RequestMeta = { origin: { kind: 'slack', teamId } }): Promise<TokenSummary> {
    if (!z.uuid().safeParse(tokenId).success) throw new DomainError('not_found', 'There is no such API token.');
    const { result } = await deps.transact(teamId, meta, async (tx, uow) => {
      const row = await deps.tokens.find(tokenId, teamId, tx);
      if (!row) throw new DomainError('not_found', 'There is no such API token.');
      if (row.ownerId !== actorId && !(await deps.admins.isAdmin(teamId, actorId, tx))) {
        throw new DomainError('forbidden', 'Only approval admins or the token owner can revoke an API token.');
      }
      const outcome = await deps.tokens.revoke(tx, tokenId, deps.clock(), actorId);
      if (outcome?.revoked) uow.record({ type: 'api.token_revoked', actorId, details: { tokenId, ownerId: row.ownerId, name: row.name } });
      return outcome?.row ?? row;
    });
    return summary(result);
  }

  return { createToken, authenticate, listTokens, revokeToken };
}
export type ApiTokenService = ReturnType<typeof createApiTokenService>;
