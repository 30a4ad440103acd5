import { describe, expect, it } from 'vitest';
import { MAX_CC_RECIPIENTS, MAX_CHAIN_NODES, referencedStaffIds, validateCcStaffIds, validateChainNodes } from './approvals.rules.js';

const A = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const B = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';
const person = (staffId: string) => ({ type: 'person', staffId });
const role = (r: string) => ({ type: 'role', role: r });
const ids = (n: number) => Array.from({ length: n }, (_, i) => `0190a1b2-c3d4-7e5f-8a9b-${String(i).padStart(12, '0')}`);

describe('validateChainNodes', () => {
  const cases: Array<[string, unknown, string | null]> = [
    ['empty chain (the host alone decides)', [], null],
    ['one person', [person(A)], null],
    ['one role', [role('approver')], null],
    ['person then role then person', [person(A), role('unit_admin'), person(B)], null],
    ['two different roles', [role('approver'), role('unit_admin')], null],
    [`${MAX_CHAIN_NODES} nodes`, ids(MAX_CHAIN_NODES).map(person), null],
    [`${MAX_CHAIN_NODES + 1} nodes`, ids(MAX_CHAIN_NODES + 1).map(person), 'APPROVAL_CHAIN_TOO_LONG'],
    ['the same person twice', [person(A), person(B), person(A)], 'APPROVAL_NODE_DUPLICATE'],
    ['the same person twice, differing only in case', [person(A), person(A.toUpperCase())], 'APPROVAL_NODE_DUPLICATE'],
    ['the same role twice', [role('approver'), person(A), role('approver')], 'APPROVAL_NODE_DUPLICATE'],
    ['unknown role', [role('superuser')], 'APPROVAL_ROLE_INVALID'],
    ['role missing', [{ type: 'role' }], 'APPROVAL_ROLE_INVALID'],
    ['person without a staff id', [{ type: 'person' }], 'VALIDATION_FAILED'],
    ['person with a non-uuid staff id', [person('abc')], 'VALIDATION_FAILED'],
    ['unknown node type', [{ type: 'group', id: A }], 'VALIDATION_FAILED'],
    ['a node that is not an object', ['approver'], 'VALIDATION_FAILED'],
    ['null node', [null], 'VALIDATION_FAILED'],
    ['not a list', { type: 'role', role: 'approver' }, 'VALIDATION_FAILED'],
  ];
  it.each(cases)('%s', (_name, nodes, expected) => {
    expect(validateChainNodes(nodes)).toBe(expected);
  });
});

describe('validateCcStaffIds', () => {
  const cases: Array<[string, unknown, string | null]> = [
    ['none', [], null],
    ['two people', [A, B], null],
    [`${MAX_CC_RECIPIENTS} people`, ids(MAX_CC_RECIPIENTS), null],
    [`${MAX_CC_RECIPIENTS + 1} people`, ids(MAX_CC_RECIPIENTS + 1), 'CC_TOO_MANY'],
    ['the same person twice', [A, B, A], 'CC_DUPLICATE'],
    ['not a uuid', ['x'], 'VALIDATION_FAILED'],
    ['not a list', A, 'VALIDATION_FAILED'],
  ];
  it.each(cases)('%s', (_name, list, expected) => {
    expect(validateCcStaffIds(list)).toBe(expected);
  });
});

describe('referencedStaffIds', () => {
  it('lists person nodes and CC recipients once each, ignoring roles', () => {
    expect(referencedStaffIds([{ type: 'person', staffId: A }, { type: 'role', role: 'approver' }], [B, A.toUpperCase()]).sort()).toEqual([A, B].sort());
  });
});
