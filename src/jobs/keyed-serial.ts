/**
 * Runs tasks that share a key one after another, in the order they were started, and tasks of different keys
 * side by side. The events worker takes several jobs at once (BullMQ hands them out in relay order), and this
 * keeps each request's events in that order, as one job at a time did.
 */
export function keyedSerial(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<void>>();
  return async (key, task) => {
    const before = tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => done);
    tails.set(key, tail);
    try {
      await before;
      return await task();
    } finally {
      release();
      // The last task of a key leaves nothing behind, so the map holds only keys with work in hand.
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
