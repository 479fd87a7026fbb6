import type pg from 'pg';

/**
 * The work could not be finished (or not even started) before its deadline, and nothing of it was committed:
 * the transaction was rolled back before its commit, or never opened. The caller tells the person to try again.
 */
export class NotRecordedInTime extends Error {
  readonly code = 'not_recorded_in_time';
  constructor(reason: string, options?: ErrorOptions) {
    super(`not recorded in time: ${reason}`, options);
    this.name = 'NotRecordedInTime';
  }
}

export const isNotRecordedInTime = (error: unknown): error is NotRecordedInTime => error instanceof NotRecordedInTime;

/** Milliseconds left until `deadline` (epoch ms); throws when none are left. */
export function timeLeft(deadline: number, what: string): number {
  const left = deadline - Date.now();
  if (left <= 0) throw new NotRecordedInTime(`no time left to ${what}`);
  return left;
}

/**
 * A pooled connection by `deadline`: waiting longer for a free one (the pool exhausted) gives up with
 * NotRecordedInTime. A connection that arrives after we gave up goes straight back to the pool, unused.
 */
export async function connectBy(pool: pg.Pool, deadline: number | undefined): Promise<pg.PoolClient> {
  if (deadline === undefined) return pool.connect();
  const left = timeLeft(deadline, 'get a database connection');
  const connecting = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), left);
  });
  const first = await Promise.race([connecting, late]).finally(() => clearTimeout(timer));
  if (first !== 'late') return first;
  connecting.then((client) => client.release(), () => undefined);
  throw new NotRecordedInTime('no database connection was free in time');
}

/** Resolves with `work`, or throws NotRecordedInTime at `deadline` (for reads: nothing is written either way). */
export async function readBy<T>(work: Promise<T>, deadline: number | undefined, what: string): Promise<T> {
  if (deadline === undefined) return work;
  const left = timeLeft(deadline, what);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NotRecordedInTime(`${what} took too long`)), left);
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
