import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ApiScope } from '../../domain/index.ts';

/** A REST API bearer token; only its SHA-256 is stored. */
export const ApiToken = defineEntity({
  name: 'ApiToken',
  tableName: 'api_token',
  properties: {
    id: p.uuid().primary(),
    teamId: p.string(),
    ownerId: p.string(),
    name: p.string(),
    scopes: p.json<ApiScope[]>(),
    tokenHash: p.string().unique(),
    createdBy: p.string(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    revokedBy: p.string().nullable(),
  },
});
export type ApiToken = InferEntity<typeof ApiToken>;
