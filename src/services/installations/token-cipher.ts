import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface CipherKey {
  readonly id: string;
  readonly key: Buffer;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const b64 = (bytes: Buffer): string => bytes.toString('base64url');

export class TokenDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenDecryptionError';
  }
}

/**
 * Tokens at rest: AES-256-GCM under the first key of the ring, written as `v1.<key id>.<iv>.<ciphertext>.<tag>`
 * (base64url). Any key of the ring decrypts what it wrote, so a key is rotated by putting a new one first and
 * keeping the old one until every row was written again (`npm run installations:rekey`). The context (which
 * installation, which token) is bound in as associated data: a ciphertext copied to another row or field does
 * not decrypt.
 */
export function createTokenCipher(keys: readonly CipherKey[]) {
  const first = keys[0];
  if (!first) throw new Error('the token cipher needs at least one key');
  const current: CipherKey = first;
  const byId = new Map(keys.map((k) => [k.id, k.key]));

  function encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, current.id, b64(iv), b64(body), b64(cipher.getAuthTag())].join('.');
  }

  function decrypt(sealed: string, context: string): string {
    const [version, keyId = '', iv = '', body = '', tag = '', ...rest] = sealed.split('.');
    if (version !== VERSION || rest.length > 0) throw new TokenDecryptionError('not a sealed token');
    const key = byId.get(keyId);
    if (!key) throw new TokenDecryptionError(`sealed under key "${keyId}", which INSTALLATION_ENCRYPTION_KEYS no longer lists`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new TokenDecryptionError(`a token sealed under key "${keyId}" does not open (altered, or copied from another installation)`);
    }
  }

  /** The key a sealed value was written under (to find rows still under an old key). */
  const keyIdOf = (sealed: string): string | null => (sealed.startsWith(`${VERSION}.`) ? (sealed.split('.')[1] ?? null) : null);

  return { encrypt, decrypt, keyIdOf, currentKeyId: current.id };
}
export type TokenCipher = ReturnType<typeof createTokenCipher>;
