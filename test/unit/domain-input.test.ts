import { describe, expect, it } from 'vitest';
import { DomainError, findHostileJson, isCalendarDate, MAX_JSON_DEPTH, validateFieldValues, type FieldDefinition } from '../../src/domain/index.ts';

describe('calendar dates', () => {
  it('accepts days that exist and refuses those Date would roll over', () => {
    expect(['2026-02-28', '2028-02-29', '2026-12-31', '0001-01-01'].filter(isCalendarDate)).toHaveLength(4);
    expect(['2026-02-30', '2026-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-01', '2026-01-01T00:00:00Z', ' 2026-01-01', 'NaN'].filter(isCalendarDate)).toEqual([]);
  });
});

describe('hostile JSON', () => {
  const deep = (n: number): unknown => (n === 0 ? 'x' : [deep(n - 1)]);
  it('names where a body nests too deep, holds unstorable text or a prototype member, or a non-finite number', () => {
    expect(findHostileJson({ a: [1, 'ok', { b: true, c: null }], d: 'tab\tnew\nline' })).toBeNull();
    expect(findHostileJson(deep(MAX_JSON_DEPTH))).toBeNull();
    expect(findHostileJson({ fields: deep(MAX_JSON_DEPTH) })?.problem).toContain('nested deeper');
    expect(findHostileJson({ a: [{ b: 'x\u0000' }] })?.path).toEqual(['a', 0, 'b']);
    expect(findHostileJson({ a: '\ud800' })?.path).toEqual(['a']);
    expect(findHostileJson({ ['bad\u0007key']: 1 })?.path).toEqual(['bad\u0007key']);
    expect(findHostileJson(JSON.parse('{"fields": {"__proto__": {"x": 1}}}'))?.path).toEqual(['fields', '__proto__']);
    expect(findHostileJson({ constructor: 1 })?.path).toEqual(['constructor']);
    expect(findHostileJson(JSON.parse('{"n": 1e309}'))).toEqual({ path: ['n'], problem: 'must be a finite number' });
  });
});

describe('form field values', () => {
  const fields: FieldDefinition[] = [
    { id: 'vendor', label: 'Vendor', type: 'short_text', required: true, showToReviewers: true },
    { id: 'amount', label: 'Amount', type: 'currency', currency: 'USD', required: true, showToReviewers: true },
    { id: 'due', label: 'Due', type: 'date', required: true, showToReviewers: true },
  ];
  const problems = (input: Record<string, unknown>) => {
    try {
      validateFieldValues(fields, { vendor: 'Acme', amount: 10, due: '2026-03-01', ...input });
      return {};
    } catch (error) {
      return (error as DomainError).fieldErrors;
    }
  };
  it('refuses what is not text where text is expected, instead of storing [object Object]', () => {
    for (const bad of [{ a: 1 }, ['a'], 42, true, { toString: 'x' }]) expect(problems({ vendor: bad })).toEqual({ vendor: 'Vendor must be text' });
  });
  it('refuses what is not a number, and days that do not exist', () => {
    for (const bad of [[1], true, { valueOf: 1 }, 'NaN', Infinity]) expect(problems({ amount: bad })).toEqual({ amount: 'Amount must be a number' });
    expect(problems({ amount: '1,200.50' })).toEqual({});
    expect(problems({ due: '2026-02-30' })).toEqual({ due: 'Due must be a date that exists (YYYY-MM-DD)' });
    expect(problems({ due: 20260301 })).toEqual({ due: 'Due must be text' });
  });
  it('does not read a field from Object.prototype', () => {
    const odd: FieldDefinition[] = [{ id: 'constructor', label: 'Odd', type: 'short_text', required: true, showToReviewers: true }];
    expect(() => validateFieldValues(odd, {})).toThrow(/Odd is required/);
  });
});
