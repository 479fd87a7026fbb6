import { describe, expect, it } from 'vitest';
import {
  AUDIT_SCHEMA_VERSION, GENESIS_HASH, computeHash, encodeBody, verifyChain, linkOf,
  type AuditEventBody, type AuditRow,
} from '../../src/domain/index.ts';
import {
  checkpointPayload, checkpointText, generateSigningKey, keyIdOf, loadPublicKey, loadSigningKey, parseCheckpointPayload, parseCheckpointText,
  publicKeyOf, rawPublicKey, signCheckpoint, verifyCheckpoint,
} from '../../src/domain/checkpoint.ts';

const key = generateSigningKey();
const privateKey = loadSigningKey(key.privateKeyPem);
const publicKey = publicKeyOf(privateKey);
const head = { chainId: 'T0123ABC', seq: 42, hash: 'ab'.repeat(32), count: 42, signedAt: '2026-11-22T03:00:00.000Z' };

describe('checkpoint payload', () => {
  it('is seven lines with no trailing newline, and parses back', () => {
    const signed = signCheckpoint(head, privateKey);
    expect(signed.payload).toBe(`audit-checkpoint/v1\nchain=T0123ABC\nseq=42\nhash=${'ab'.repeat(32)}\ncount=42\nsigned_at=2026-11-22T03:00:00.000Z\nkey=${key.keyId}`);
    expect(checkpointPayload(signed)).toBe(signed.payload);
    expect(parseCheckpointPayload(signed.payload)).toEqual({ ...head, keyId: key.keyId });
    expect(parseCheckpointText(checkpointText(signed))).toEqual(signed);
    expect(parseCheckpointPayload(`${signed.payload}\n`)).toBeNull();
  });

  it('verifies with the public key and refuses altered fields, another key and a bad signature', () => {
    const signed = signCheckpoint(head, privateKey);
    expect(verifyCheckpoint(signed, publicKey)).toEqual({ ok: true });
    const other = generateSigningKey();
    expect(verifyCheckpoint(signed, loadPublicKey(other.publicKeyPem))).toMatchObject({ ok: false, reason: 'wrong_key' });
    expect(verifyCheckpoint({ ...signed, hash: 'cd'.repeat(32) }, publicKey)).toMatchObject({ ok: false, reason: 'fields_differ' });
    const forgedPayload = signed.payload.replace('seq=42', 'seq=43').replace('count=42', 'count=43');
    expect(verifyCheckpoint({ ...signed, seq: 43, count: 43, payload: forgedPayload }, publicKey)).toMatchObject({ ok: false, reason: 'bad_signature' });
    const otherSigned = signCheckpoint(head, loadSigningKey(other.privateKeyPem));
    expect(verifyCheckpoint({ ...signed, signature: otherSigned.signature }, publicKey)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('loads keys as PEM, one-line PEM, base64 DER and raw hex', () => {
    const oneLine = key.privateKeyPem.trim().replace(/\n/g, '\\n');
    expect(keyIdOf(publicKeyOf(loadSigningKey(oneLine)))).toBe(key.keyId);
    const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(keyIdOf(publicKeyOf(loadSigningKey(der)))).toBe(key.keyId);
    expect(keyIdOf(loadPublicKey(rawPublicKey(publicKey).toString('hex')))).toBe(key.keyId);
    expect(keyIdOf(loadPublicKey(rawPublicKey(publicKey).toString('base64')))).toBe(key.keyId);
    expect(() => loadSigningKey('not a key')).toThrow();
  });
});

const body = (i: number, extra: Partial<AuditEventBody> = {}): AuditEventBody => ({
  eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  type: 'decision.approved',
  teamId: 'T1',
  submissionId: null,
  workflowKey: 'po',
  workflowVersion: 3,
  stageInstanceId: null,
  stageId: 'finance',
  actorId: `U${i}`,
  capacity: { kind: 'role', role: 'finance' },
  reason: i % 2 ? null : `reason "${i}" — ünïcödé \u2028 \n tab\t 😀`,
  details: { z: [1, 2.5, { b: true, a: null }], a: 'x', nested: { é: 1, e: -0.000001, big: 1e21 } },
  origin: { kind: 'slack', teamId: 'T1', channelId: null },
  correlationId: null,
  traceId: 'trace',
  schemaVersion: AUDIT_SCHEMA_VERSION,
  ...extra,
});

function chain(n: number): AuditRow[] {
  const rows: AuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const b = body(seq);
    const occurredAt = new Date(Date.UTC(2026, 10, 22, 0, 0, seq)).toISOString();
    const hash = computeHash(prev, 'T1', seq, occurredAt, encodeBody(b));
    rows.push({ ...b, chainId: 'T1', seq, occurredAt, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe('chain verification over bodies with unusual text and numbers', () => {
  it('accepts the intact chain and names each kind of tampering', async () => {
    const rows = chain(30);
    const verify = (list: AuditRow[]) => verifyChain(list.map(linkOf));
    expect(await verify(rows)).toMatchObject({ ok: true, checked: 30 });
    expect((await verify(rows.map((r) => (r.seq === 7 ? { ...r, reason: 'edited' } : r)))).problem).toMatchObject({ kind: 'edited', seq: 7 });
    expect((await verify(rows.filter((r) => r.seq !== 9))).problem).toMatchObject({ kind: 'removed', seq: 9 });
    const swapped = [...rows.slice(0, 10), rows[11] as AuditRow, rows[10] as AuditRow, ...rows.slice(12)].map((r, i) => ({ ...r, seq: i + 1 }));
    expect((await verify(swapped)).problem).toMatchObject({ kind: 'reordered', seq: 11 });
    const inserted = [...rows.slice(0, 5), { ...(rows[5] as AuditRow), eventId: 'x' }, ...rows.slice(5)].map((r, i) => ({ ...r, seq: i + 1 }));
    expect((await verify(inserted)).problem).toMatchObject({ kind: 'edited', seq: 6 });
    const relinked = rows.map((r) => (r.seq === 4 ? { ...r, prevHash: 'f'.repeat(64), hash: computeHash('f'.repeat(64), 'T1', 4, r.occurredAt, encodeBody(r)) } : r));
    expect((await verify(relinked)).problem).toMatchObject({ kind: 'unlinked', seq: 3 });
  });
});
