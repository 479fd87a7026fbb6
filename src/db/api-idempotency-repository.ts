import { json, sql, type Sql, type SqlRow, type SqlRunner } from './sql.ts';

export interface IdempotencyScope {
  readonly teamId: string;
  readonly tokenId: string;
  readonly key: string;
}

/** The first response to each (token, Idempotency-Key) of the REST API. */
export function createApiIdempotencyRepository(db: SqlRunner) {
  const rows = async (statement: Sql): Promise<SqlRow[]> => (await db.run([statement]))[0] ?? [];
  const where = (s: IdempotencyScope): Sql => sql`team_id = ${s.teamId} and token_id = ${s.tokenId} and key = ${s.key}`;
  return {
    /** True for the first request with this key; later ones read what it stored. */
    async claim(scope: IdempotencyScope, requestHash: string): Promise<boolean> {
      return (await rows(sql`insert into api_idempotency (team_id, token_id, key, request_hash) values (${scope.teamId}, ${scope.tokenId}, ${scope.key}, ${requestHash})
        on conflict do nothing returning key`)).length > 0;
    },
    async find(scope: IdempotencyScope): Promise<{ requestHash: string; status: number | null; response: unknown } | null> {
      const [row] = await rows(sql`select request_hash, status, response from api_idempotency where ${where(scope)}`);
      return row ? { requestHash: row.request_hash as string, status: row.status as number | null, response: row.response } : null;
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
