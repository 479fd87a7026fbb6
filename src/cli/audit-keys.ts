import { existsSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { ConfigError } from '../config/env.ts';
import { loadPublicKey, loadSigningKey, publicKeyOf } from '../domain/checkpoint.ts';

/** A key given on the command line may be the key itself or a path to a file holding it. */
const keyText = (value: string): string => (!value.includes('-----') && existsSync(value) ? readFileSync(value, 'utf8') : value);

function loaded<T>(where: string, what: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    throw new ConfigError(`${where}: is not ${what} (${error instanceof Error ? error.message : String(error)}); \`npm run audit:keygen\` prints a valid pair`);
  }
}

export function signingKeyFrom(source: NodeJS.ProcessEnv = process.env): KeyObject | null {
  const text = source.AUDIT_SIGNING_KEY?.trim();
  return text ? loaded('AUDIT_SIGNING_KEY', 'an Ed25519 private key', () => loadSigningKey(keyText(text))) : null;
}

/** `--public-key`, else AUDIT_PUBLIC_KEY, else the public half of AUDIT_SIGNING_KEY. */
export function publicKeyFrom(option: string | undefined, source: NodeJS.ProcessEnv = process.env): KeyObject | null {
  const fromEnv = source.AUDIT_PUBLIC_KEY?.trim();
  const given = option ?? (fromEnv || undefined);
  if (given) return loaded(option !== undefined ? '--public-key' : 'AUDIT_PUBLIC_KEY', 'an Ed25519 public key', () => loadPublicKey(keyText(given)));
  const signing = signingKeyFrom(source);
  return signing ? publicKeyOf(signing) : null;
}
