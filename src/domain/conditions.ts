import type { ConditionClause, StageCondition } from './workflow.ts';
import type { FieldValue, FieldValues } from './fields.ts';

const asComparable = (value: unknown): number | string | undefined =>
  typeof value === 'number' || typeof value === 'string' ? value : undefined;

function compare(left: FieldValue, right: unknown): number | undefined {
  const r = asComparable(right);
  if (r === undefined) return undefined;
  if (typeof left === 'number' || typeof r === 'number') {
    const a = Number(left);
    const b = Number(r);
    return Number.isFinite(a) && Number.isFinite(b) ? a - b : undefined;
  }
  return left < r ? -1 : left > r ? 1 : 0;
}

export function clauseHolds(clause: ConditionClause, fields: FieldValues): boolean {
  const value = fields[clause.field];
  const empty = value === undefined || value === '';
  switch (clause.operator) {
    case 'is_empty':
      return empty;
    case 'is_not_empty':
      return !empty;
    case 'in':
    case 'not_in': {
      const list = Array.isArray(clause.value) ? clause.value : [clause.value];
      const found = !empty && list.some((item) => compare(value, item) === 0);
      return clause.operator === 'in' ? found : !found;
    }
    case 'contains':
      return !empty && String(value).toLowerCase().includes(String(clause.value ?? '').toLowerCase());
    default: {
      if (empty) return clause.operator === 'neq';
      const order = compare(value, clause.value);
      if (order === undefined) return clause.operator === 'neq';
      switch (clause.operator) {
        case 'eq': return order === 0;
        case 'neq': return order !== 0;
        case 'gt': return order > 0;
        case 'gte': return order >= 0;
        case 'lt': return order < 0;
        case 'lte': return order <= 0;
      }
    }
  }
}

/** A stage without a condition always applies. */
export function conditionHolds(condition: StageCondition | undefined, fields: FieldValues): boolean {
  if (!condition) return true;
  const results = condition.clauses.map((clause) => clauseHolds(clause, fields));
  return condition.combine === 'all' ? results.every(Boolean) : results.some(Boolean);
}
