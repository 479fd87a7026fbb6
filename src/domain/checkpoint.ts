import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * A signed checkpoint: the head of one audit chain (sequence number, hash, count, time) signed with the
 * deployment's Ed25519 key. The chain alone cannot show that its newest rows were cut off or that it was
 * recomputed from the start; a signature the database writer cannot forge can. The exact bytes are
 * documented in docs/audit-format.md.
 */
export const CHECKPOINT_FORMAT = 'audit-checkpoint/v1';

export interface CheckpointHead {
  readonly chainId: string;
  /** Sequence number of the last row covered (the head before the checkpoint's own audit event). */
  readonly seq: number;
  readonly hash: string;
  /** Rows in the chain up to and including `seq` (equal to `seq`, since sequence numbers are gapless from 1). */
  readonly count: number;
  /** ISO 8601 UTC with milliseconds. */
  readonly signedAt: string;
  /** First 16 hex digits of SHA-256 over the raw 32-byte public key. */
  readonly keyId: string;
}

export interface SignedCheckpoint extends CheckpointHead {
  /** The exact UTF-8 text that was signed. */
  readonly payload: string;
  /** Ed25519 signature over `payload`, standard base64. */
  readonly signature: string;
}

/** The signed bytes: seven lines joined by "\n", no trailing newline. */
export function checkpointPayload(head: CheckpointHead): string {
  return [
    CHECKPOINT_FORMAT,
    `chain=${head.chainId}`,
    `seq=${head.seq}`,
    `hash=${head.hash}`,
    `count=${head.count}`,
    `signed_at=${head.signedAt}`,
    `key=${head.keyId}`,
  ].join('\n');
}

const PAYLOAD_PATTERN = /^audit-checkpoint\/v1\nchain=([^\n]+)\nseq=(\d+)\nhash=([0-9a-f]{64})\ncount=(\d+)\nsigned_at=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\nkey=([0-9a-f]{16})$/;

/** Reads a payload back into its fields; null when the text is not a v1 checkpoint payload. */
export function parseCheckpointPayload(payload: string): CheckpointHead | null {
  const match = PAYLOAD_PATTERN.exec(payload);
  if (!match) return null;
  const [, chainId, seq, hash, count, signedAt, keyId] = match as unknown as [string, string, string, string, string, string, string];
  return { chainId, seq: Number(seq), hash, count: Number(count), signedAt, keyId };
}

/** The text posted to the witness channel and written at the end of exports: the payload plus its signature line. */
export const checkpointText = (checkpoint: SignedCheckpoint): string => `${checkpoint.payload}\nsignature=${checkpoint.signature}`;

export function parseCheckpointText(text: string): SignedCheckpoint | null {
  const cut = text.lastIndexOf('\nsignature=');
  if (cut < 0) return null;
  const payload = text.slice(0, cut);
  const head = parseCheckpointPayload(payload);
  const signature = text.slice(cut + '\nsignature='.length).trim();
  return head && /^[A-Za-z0-9+/]+={0,2}$/.test(signature) ? { ...head, payload, signature } : null;
}

// An Ed25519 SubjectPublicKeyInfo is this fixed 12-byte header followed by the raw 32-byte key.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Accepts PKCS#8 PEM (newlines may be written as "\n" in an env file) or base64 of the PKCS#8 DER. */
export function loadSigningKey(text: string): KeyObject {
  const trimmed = text.trim().replace(/\\n/g, '\n');
  const key = trimmed.startsWith('-----')
    ? createPrivateKey({ key: trimmed, format: 'pem' })
    : createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the audit signing key must be an Ed25519 key, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

/** Accepts SPKI PEM, base64 of the SPKI DER, or base64 / hex of the raw 32-byte key. */
export function loadPublicKey(text: string): KeyObject {
  const trimmed = text.trim().replace(/\\n/g, '\n');
  if (trimmed.startsWith('-----')) return assertEd25519(createPublicKey({ key: trimmed, format: 'pem' }));
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  const der = bytes.length === 32 ? Buffer.concat([ED25519_SPKI_PREFIX, bytes]) : bytes;
  return assertEd25519(createPublicKey({ key: der, format: 'der', type: 'spki' }));
}

function assertEd25519(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the audit public key must be an Ed25519 key, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

export const publicKeyOf = (privateKey: KeyObject): KeyObject => createPublicKey(privateKey);

export function rawPublicKey(publicKey: KeyObject): Buffer {
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);
}

export const publicKeyPem = (publicKey: KeyObject): string => publicKey.export({ format: 'pem', type: 'spki' }).toString();

export const keyIdOf = (publicKey: KeyObject): string => createHash('sha256').update(rawPublicKey(publicKey)).digest('hex').slice(0, 16);

export function signCheckpoint(head: Omit<CheckpointHead, 'keyId'>, privateKey: KeyObject): SignedCheckpoint {
  const withKey: CheckpointHead = { ...head, keyId: keyIdOf(publicKeyOf(privateKey)) };
  const payload = checkpointPayload(withKey);
  return { ...withKey, payload, signature: sign(null, Buffer.from(payload, 'utf8'), privateKey).toString('base64') };
}

export type CheckpointCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'malformed' | 'fields_differ' | 'wrong_key' | 'bad_signature'; readonly message: string };

/** Checks that the payload is well formed, matches the stored fields, names this key, and is signed by it. */
export function verifyCheckpoint(checkpoint: SignedCheckpoint, publicKey: KeyObject): CheckpointCheck {
  const parsed = parseCheckpointPayload(checkpoint.payload);
  if (!parsed) return { ok: false, reason: 'malformed', message: 'the checkpoint payload is not a v1 checkpoint' };
  if (parsed.chainId !== checkpoint.chainId || parsed.seq !== checkpoint.seq || parsed.hash !== checkpoint.hash || parsed.count !== checkpoint.count) {
    return { ok: false, reason: 'fields_differ', message: `the stored checkpoint fields differ from its signed payload (payload says seq ${parsed.seq}, hash ${parsed.hash})` };
  }
  const keyId = keyIdOf(publicKey);
  if (parsed.keyId !== keyId) return { ok: false, reason: 'wrong_key', message: `signed with key ${parsed.keyId}, but the public key given is ${keyId}` };
  const valid = verify(null, Buffer.from(checkpoint.payload, 'utf8'), publicKey, Buffer.from(checkpoint.signature, 'base64'));
  return valid ? { ok: true } : { ok: false, reason: 'bad_signature', message: 'the signature does not match the payload: the checkpoint was forged or altered' };
}

/** A fresh key pair for `npm run audit:keygen`. */
export function generateSigningKey(): { privateKeyPem: string; publicKeyPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKeyPem(publicKey),
    keyId: keyIdOf(publicKey),
  };
}
