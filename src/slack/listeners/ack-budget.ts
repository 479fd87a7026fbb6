/** Slack waits 3 s for an acknowledgement; work that must shape the ack gets this long, then we ack anyway. */
export const ACK_BUDGET_MS = 2500;

export type Raced<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly later: Promise<T> };

/** Waits for `work` up to `budgetMs`; past that, hands back the still-running promise for delivery after the ack. */
export async function withinBudget<T>(work: Promise<T>, budgetMs = ACK_BUDGET_MS): Promise<Raced<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budgetMs);
  });
  // Observe rejections now so a late failure is not reported as unhandled before the caller awaits it.
  const settled = work.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
  const first = await Promise.race([settled, late]);
  clearTimeout(timer);
  if (first === 'late') return { done: false, later: work };
  if (!first.ok) throw first.error;
  return { done: true, value: first.value };
}
