import { randomUUID } from 'node:crypto';
import type { Directory, RuleContext } from '../../src/domain/index.ts';

/** A directory from plain maps, for rule tests that need no database. */
export function directoryOf(data: { roles?: Record<string, string[]>; managers?: Record<string, string>; delegations?: { id: string; from: string; to: string }[]; admins?: string[] } = {}): Directory {
  return {
    roleMembers: (role) => data.roles?.[role] ?? [],
    managerOf: (user) => data.managers?.[user] ?? null,
    activeDelegationsTo: (to) => (data.delegations ?? []).filter((d) => d.to === to).map((d) => ({ id: d.id, fromUserId: d.from })),
    activeDelegationsFrom: (from) => (data.delegations ?? []).filter((d) => d.from === from).map((d) => ({ id: d.id, toUserId: d.to })),
    approvalAdmins: () => data.admins ?? [],
  };
}

export function ruleContext(directory: Directory, now = new Date('2026-11-22T10:00:00Z')): RuleContext {
  return { now, directory, newId: randomUUID };
}

/** Small deterministic PRNG (mulberry32) so property tests are repeatable from their seed. */
export function prng(seed: number): { next: () => number; int: (min: number, max: number) => number; pick: <T>(items: readonly T[]) => T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return { next, int, pick: (items) => items[int(0, items.length - 1)] as (typeof items)[number] };
}
