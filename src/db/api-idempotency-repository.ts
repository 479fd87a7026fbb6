import { json, sql, type Sql, type SqlRow, type SqlRunner } from './sql.ts';

export interface IdempotencyScope {
  readonly teamId: string;
  readonly tokenId: string;
  readonly key: string;
}

/** The request a key was first sent with: method, path and the fingerprint of its body. */
export interface IdempotentRequest {
  readonly method: string;
  readonly path: string;
  readonly bodyHash: string;
}

export interface StoredIdempotency extends IdempotentRequest {
  /** Null while the first request runs, and for keys whose outcome another store replays (decisions). */
  readonly status: number | null;
  readonly response: unknown;
}

/** Each (token, Idempotency-Key) of the REST API, bound to its first request, with that request's response. */
export function createApiIdempotencyRepository(db: SqlRunner) {
  const rows = async (statement: Sql): Promise<SqlRow[]> => (await db.run([statement]))[0] ?? [];
  const where = (s: IdempotencyScope): Sql => sql`team_id = ${s.teamId} and token_id = ${s.tokenId} and key = ${s.key}`;
  return {
    /** True for the first request with this key; later ones read what it stored. */
    async claim(scope: IdempotencyScope, request: IdempotentRequest): Promise<boolean> {
      return (await rows(sql`insert into api_idempotency (team_id, token_id, key, method, path, request_hash)
        values (${scope.teamId}, ${scope.tokenId}, ${scope.key}, ${request.method}, ${request.path}, ${request.bodyHash})
        on conflict do nothing returning key`)).length > 0;
    },
    async find(scope: IdempotencyScope): Promise<StoredIdempotency | null> {
      const [row] = await rows(sql`select method, path, request_hash, status, response from api_idempotency where ${where(scope)}`);
      return row ? { method: row.method as string, path: row.path as string, bodyHash: row.request_hash as string, status: row.status as number | null, response: row.response } : null;
    },
    async store(scope: IdempotencyScope, status: number, response: unknown): Promise<void> {
      await rows(sql`update api_idempotency set status = ${status}, response = ${json(response)} where ${where(scope)}`);
    },
    async release(scope: IdempotencyScope): Promise<void> {
      await rows(sql`delete from api_idempotency where ${where(scope)}`);
    },
  };
}
export type ApiIdempotencyRepository = ReturnType<typeof createApiIdempotencyRepository>;
