/**
 * The canonical text of a JSON value is PostgreSQL's `jsonb` text output, so the database can produce the
 * exact bytes that are hashed from the columns it stores, and a verifier only concatenates and hashes:
 *
 * - objects: keys ordered by UTF-8 byte length, then bytewise; duplicate keys keep the last value;
 *   written `{"k": v, "k2": v2}` (", " between members, ": " after a key); `{}` when empty;
 * - arrays: `[a, b]` (", " between items); `[]` when empty;
 * - strings: JSON.stringify's escaping (\" \\ \b \f \n \r \t, other controls as \u00XX lowercase);
 * - numbers: plain decimal notation, never an exponent (1e21 is 1000000000000000000000), -0 is 0;
 * - true, false, null; `undefined` object members are left out, as JSON.stringify does.
 *
 * docs/audit-format.md states this for people who verify with their own code.
 */
export function jsonbText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ', ') + jsonbText(value[i]);
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const key of Object.keys(record).sort(compareKeys)) {
        const item = record[key];
        if (item === undefined) continue;
        out += `${first ? '' : ', '}${JSON.stringify(key)}: ${jsonbText(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new Error(`JSON has no representation for a ${typeof value}`);
  }
}

/** True when every character is ASCII, so UTF-16 length and order equal UTF-8 byte length and order. */
const isAscii = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
};

/** PostgreSQL's jsonb key order: shorter (in UTF-8 bytes) first, then bytewise. */
export function compareKeys(a: string, b: string): number {
  if (isAscii(a) && isAscii(b)) {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length !== y.length ? x.length - y.length : Buffer.compare(x, y);
}

/** A finite number as PostgreSQL's numeric prints it after reading JSON: plain decimal digits. */
export function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new Error('JSON has no representation for non-finite numbers');
  const text = String(value === 0 ? 0 : value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = whole + fraction;
  const point = whole.length + exponent;
  let plain: string;
  if (point <= 0) plain = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) plain = digits + '0'.repeat(point - digits.length);
  else plain = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${plain}` : plain;
}
