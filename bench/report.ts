/** One row of the benchmark table, and how a figure compares with its goal. */
export interface Goal {
  /** 'below': the value must stay under the target; 'at_most': not above it (latency, memory); 'at_least': reach it (throughput). */
  readonly kind: 'below' | 'at_most' | 'at_least';
  readonly target: number;
}

export interface MetricRow {
  readonly benchmark: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly goal: Goal | null;
  /** Context a reader needs (offered vs achieved rate, sample size). */
  readonly detail?: string;
}

export interface Verdict {
  readonly met: boolean | null;
  readonly text: string;
}

const fmt = (value: number, unit: string): string => {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
};

/** "met", or "missed by 38 ms (76%)": the gap in the metric's unit and relative to the goal. */
export function verdict(row: MetricRow): Verdict {
  const { goal } = row;
  if (!goal) return { met: null, text: '' };
  const gap = goal.kind === 'at_least' ? goal.target - row.value : row.value - goal.target;
  const met = goal.kind === 'below' ? row.value < goal.target : goal.kind === 'at_most' ? row.value <= goal.target : row.value >= goal.target;
  if (met) return { met, text: 'met' };
  // A goal of zero (nothing left uncommitted) has no relative gap.
  const relative = goal.target === 0 ? '' : ` (${Math.round((gap / goal.target) * 100)}%)`;
  return { met, text: `missed by ${fmt(gap, row.unit)}${relative}` };
}

const GOAL_SIGNS = { below: '<', at_most: '<=', at_least: '>=' } as const;
const goalText = (row: MetricRow): string => (row.goal ? `${GOAL_SIGNS[row.goal.kind]} ${fmt(row.goal.target, row.unit)}` : '');

/** A fixed-width table, one row per metric. */
export function formatTable(rows: readonly MetricRow[]): string {
  const cells = rows.map((r) => [r.benchmark, r.metric, fmt(r.value, r.unit), goalText(r), verdict(r).text, r.detail ?? '']);
  const header = ['benchmark', 'metric', 'value', 'goal', 'result', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => c.map((text, i) => text.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
