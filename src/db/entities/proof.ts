import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** A signed head of one audit chain (see src/domain/checkpoint.ts). Rows are never changed. */
export const AuditCheckpoint = defineEntity({
  name: 'AuditCheckpoint',
  tableName: 'audit_checkpoint',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    chainId: p.string(),
    seq: p.bigint('number'),
    hash: p.string(),
    count: p.bigint('number'),
    signedAt: p.datetime(),
    keyId: p.string(),
    payload: p.text(),
    signature: p.string(),
    eventSeq: p.bigint('number'),
  },
});
export type AuditCheckpoint = InferEntity<typeof AuditCheckpoint>;

export const API_SCOPES = ['submissions:write', 'submissions:read', 'audit:read', 'workflows:write', 'queues:admin', 'tokens:admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

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

/** The first response to an Idempotency-Key of one token. */
export const ApiIdempotency = defineEntity({
  name: 'ApiIdempotency',
  tableName: 'api_idempotency',
  properties: {
    teamId: p.string().primary(),
    tokenId: p.uuid().primary(),
    key: p.string().primary(),
    requestHash: p.string(),
    status: p.integer().nullable(),
    response: p.json<unknown>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type ApiIdempotency = InferEntity<typeof ApiIdempotency>;

export const PROOF_ENTITIES = [AuditCheckpoint, ApiToken, ApiIdempotency];
