import type { EntityManager } from '@mikro-orm/postgresql';

/** Hex digits of a request id as people type it: the 8 shown on cards, or more, with or without dashes. */
export const SHORT_ID_PATTERN = /^[0-9a-f]{6,32}$/;

const asUuid = (hex32: string): string => `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20)}`;

/** Normalises what someone typed to hex digits, or null when it cannot be a request id. */
export function normaliseShortId(typed: string): string | null {
  const hex = typed.trim().toLowerCase().replace(/^`|`$/g, '').replace(/-/g, '');
  return SHORT_ID_PATTERN.test(hex) ? hex : null;
}

/**
 * Ids of a team's submissions whose id starts with `hexPrefix` (at most `limit`). A range scan on the primary
 * key: the prefix padded with 0s and with fs bounds every uuid that starts with it.
 */
export async function findSubmissionIdsByPrefix(em: EntityManager, teamId: string, hexPrefix: string, limit = 5): Promise<string[]> {
  const low = asUuid(hexPrefix.padEnd(32, '0'));
  const high = asUuid(hexPrefix.padEnd(32, 'f'));
  const rows = await em.execute<{ id: string }[]>(
    'select id from submission where team_id = ? and id between ?::uuid and ?::uuid order by created_at desc limit ?',
    [teamId, low, high, limit],
  );
  return rows.map((r) => r.id);
}
