import { existsSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { loadPublicKey, loadSigningKey, publicKeyOf } from '../domain/checkpoint.ts';

/** A key given on the command line may be the key itself or a path to a file holding it. */
const keyText = (value: string): string => (!value.includes('-----') && existsSync(value) ? readFileSync(value, 'utf8') : value);

export function signingKeyFrom(source: NodeJS.ProcessEnv = process.env): KeyObject | null {
  const text = source.AUDIT_SIGNING_KEY;
  return text ? loadSigningKey(keyText(text)) : null;
}

/** `--public-key`, else AUDIT_PUBLIC_KEY, else the public half of AUDIT_SIGNING_KEY. */
export function publicKeyFrom(option: string | undefined, source: NodeJS.ProcessEnv = process.env): KeyObject | null {
  const given = option ?? source.AUDIT_PUBLIC_KEY;
  if (given) return loadPublicKey(keyText(given));
  const signing = signingKeyFrom(source);
  return signing ? publicKeyOf(signing) : null;
}
