import { describe, expect, it } from 'vitest';
import { DomainError, parseWorkflowDefinition, validateFieldValues, workflowFromText, workflowToJson, workflowToYaml, conditionHolds } from '../../src/domain/index.ts';
import { purchaseOrderWorkflow } from '../fixtures/workflows.ts';

const valid = () => purchaseOrderWorkflow({ cfo: 'UCFO0001' });

function problems(input: unknown): Record<string, string> {
  try {
    parseWorkflowDefinition(input);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).fieldErrors;
  }
  throw new Error('expected the definition to be refused');
}

describe('workflow definitions', () => {
  it('round-trips through YAML and JSON unchanged', () => {
    const definition = parseWorkflowDefinition(valid());
    expect(workflowFromText(workflowToYaml(definition))).toEqual(definition);
    expect(workflowFromText(workflowToJson(definition))).toEqual(definition);
  });

  it('fills defaults a person would expect', () => {
    const definition = parseWorkflowDefinition({ key: 'access', name: 'Access', stages: [{ id: 'it', name: 'IT', step: 1, approvers: [{ type: 'role', role: 'it' }] }] });
    expect(definition.stages[0]).toMatchObject({ rule: { kind: 'any' }, slaHours: 48, onTimeout: 'escalate' });
    expect(definition.oneStagePerApprover).toBe(false);
  });

  it('refuses more than 20 stages with a message that says so', () => {
    const stage = valid().stages?.[0];
    const stages = Array.from({ length: 21 }, (_, i) => ({ ...stage, id: `s${i}`, step: 1 }));
    expect(Object.values(problems({ ...valid(), stages }))).toContain('A workflow has at most 20 stages');
  });

  it('names the field of every problem', () => {
    const found = problems({
      ...valid(),
      key: 'Bad Key',
      fields: [{ id: 'amount', label: 'x'.repeat(81), type: 'currency' }, { id: 'amount', label: 'Again', type: 'number' }, { id: 'kind', label: 'Kind', type: 'single_select' }],
      stages: [
        { id: 'a', name: 'A', step: 2, approvers: [{ type: 'field', fieldId: 'amount' }] },
        { id: 'b', name: 'B', step: 1, approvers: [{ type: 'user', userId: 'not-a-user' }], condition: { clauses: [{ field: 'nope', operator: 'gt', value: 1 }] } },
      ],
    });
    expect(found.key).toMatch(/Workflow key/);
    expect(found['fields.0.label']).toMatch(/at most 80/);
    expect(found['fields.1.id']).toMatch(/used twice/);
    expect(found['fields.2.options']).toMatch(/needs at least one option/);
    expect(found['stages.0.approvers']).toMatch(/must be a user field/);
    expect(found['stages.1.approvers.0.userId']).toMatch(/Slack user id/);
    expect(found['stages.1.condition']).toMatch(/unknown field "nope"/);
    expect(found['stages.1.step']).toMatch(/step order/);
  });

  it('reports unreadable YAML clearly', () => {
    expect(() => workflowFromText('key: [unclosed')).toThrow(/Could not read the workflow/);
  });
});

describe('request fields', () => {
  const fields = parseWorkflowDefinition(valid()).fields;

  it('accepts good values and normalises numbers', () => {
    expect(validateFieldValues(fields, { vendor: ' Acme ', amount: '12,500.50' })).toEqual({ vendor: 'Acme', amount: 12500.5 });
  });

  it('gives one message per bad field and refuses unknown fields', () => {
    try {
      validateFieldValues(fields, { amount: '12.345', extra: 'x' });
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as DomainError).fieldErrors).toEqual({
        vendor: 'Vendor is required',
        amount: 'Amount has at most two decimals',
        extra: '"extra" is not a field of this workflow',
      });
    }
  });
});

describe('stage conditions', () => {
  const fields = { amount: 12000, dept: 'eng', note: '' };
  it.each([
    [{ combine: 'all' as const, clauses: [{ field: 'amount', operator: 'gte' as const, value: 10000 }, { field: 'dept', operator: 'eq' as const, value: 'eng' }] }, true],
    [{ combine: 'all' as const, clauses: [{ field: 'amount', operator: 'gte' as const, value: 10000 }, { field: 'dept', operator: 'eq' as const, value: 'ops' }] }, false],
    [{ combine: 'any' as const, clauses: [{ field: 'amount', operator: 'lt' as const, value: 100 }, { field: 'dept', operator: 'in' as const, value: ['ops', 'eng'] }] }, true],
    [{ combine: 'all' as const, clauses: [{ field: 'note', operator: 'is_empty' as const }] }, true],
    [{ combine: 'all' as const, clauses: [{ field: 'missing', operator: 'gt' as const, value: 1 }] }, false],
    [{ combine: 'all' as const, clauses: [{ field: 'dept', operator: 'contains' as const, value: 'EN' }] }, true],
  ])('evaluates %j as %s', (condition, expected) => {
    expect(conditionHolds(condition, fields)).toBe(expected);
  });
});
