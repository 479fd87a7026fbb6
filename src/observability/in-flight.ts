/**
 * Counts work that outlives its HTTP response (a Slack listener keeps going after its ack), so shutdown can
 * wait for it instead of cutting a decision off half-way.
 */
export interface InFlight {
  run<T>(work: () => Promise<T>): Promise<T>;
  readonly count: number;
  /** Resolves when nothing is running, or after `timeoutMs` with how many were still running. */
  drained(timeoutMs: number): Promise<number>;
}

export function trackInFlight(): InFlight {
  let count = 0;
  let waiters: (() => void)[] = [];
  return {
    async run(work) {
      count++;
      try {
        return await work();
      } finally {
        count--;
        if (count === 0) {
          for (const wake of waiters) wake();
          waiters = [];
        }
      }
    },
    get count() {
      return count;
    },
    async drained(timeoutMs) {
      if (count === 0) return 0;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => waiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      return count;
    },
  };
}
