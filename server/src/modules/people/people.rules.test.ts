import { describe, expect, it } from 'vitest';
import { withIdCheckDigit } from '../../db/seed-demo.js';
import { checkStaffFields, mapHeader, normaliseHeader, parseIdType, parseYesNo, validateImportRows, type ImportLookups, type RawRow } from './people.rules.js';

const ID = withIdCheckDigit('33030219900101123');
const BAD_ID = ID.slice(0, 17) + (ID[17] === '0' ? '1' : '0');

describe('parseYesNo', () => {
  it.each([
    ['是', true],
    ['否', false],
    [' 是 ', true],
    ['Y', true],
    ['no', false],
    ['1', true],
    ['0', false],
    ['', undefined],
    ['  ', undefined],
    ['可以', null],
    ['maybe', null],
  ])('%j → %j', (v, want) => expect(parseYesNo(v)).toBe(want));
});

describe('parseIdType', () => {
  it.each([
    ['', 'prc_id'],
    ['居民身份证', 'prc_id'],
    ['身份证', 'prc_id'],
    ['护照', 'passport'],
    ['Passport', 'passport'],
    ['hk_macau_permit', 'hk_macau_permit'],
    ['台湾居民来往大陆通行证', 'taiwan_permit'],
    ['驾驶证', null],
  ])('%j → %j', (v, want) => expect(parseIdType(v)).toBe(want));
});

describe('headers', () => {
  it.each([
    ['姓名*', '姓名'],
    [' 手机号码 * ', '手机号码'],
    ['访问权限(是/否)', '访问权限'],
    ['访问权限（是/否）', '访问权限'],
    ['Name', 'name'],
  ])('normaliseHeader(%j) = %j', (h, want) => expect(normaliseHeader(h)).toBe(want));

  it('maps template headers in any order and reports missing required columns', () => {
    const { map, missing } = mapHeader([
      { col: 1, text: '单位*' },
      { col: 2, text: '姓名' },
      { col: 3, text: '备注' },
      { col: 4, text: '访问权限(是/否)' },
    ]);
    expect([...map.entries()]).toEqual([
      [1, 'unit'],
      [2, 'name'],
      [4, 'visitPermission'],
    ]);
    expect(missing).toEqual(['手机号码*']);
  });
});

describe('checkStaffFields', () => {
  it.each([
    [{ name: '张三', phone: '13800000000' }, []],
    [{ name: '', phone: '13800000000' }, ['name:REQUIRED_FIELD_MISSING']],
    [{ name: '张'.repeat(51) }, ['name:VALUE_TOO_LONG']],
    [{ phone: '1380000000' }, ['phone:PHONE_INVALID']],
    [{ phone: '23800000000' }, ['phone:PHONE_INVALID']],
    [{ phone: '' }, ['phone:REQUIRED_FIELD_MISSING']],
    [{ idType: 'prc_id' as const, idNumber: ID }, []],
    [{ idType: 'prc_id' as const, idNumber: BAD_ID }, ['idNumber:ID_NUMBER_INVALID']],
    [{ idType: 'passport' as const, idNumber: 'E12345678' }, []],
    [{ idType: 'passport' as const, idNumber: 'E1' }, ['idNumber:DOCUMENT_NUMBER_INVALID']],
    [{ employeeNo: 'x'.repeat(51) }, ['employeeNo:VALUE_TOO_LONG']],
    [{ password: 'short' }, ['password:PASSWORD_TOO_WEAK']],
    [{ password: 'long-enough' }, []],
    [{ password: '' }, []],
    [{ password: null }, []],
  ])('%j → %j', (input, want) => {
    expect(checkStaffFields(input).map((e) => `${e.field}:${e.code}`)).toEqual(want);
  });
});

describe('validateImportRows (all or none)', () => {
  const lookups: ImportLookups = {
    units: new Map([
      ['甲单位', { id: 'u1', departments: new Map([['办公室', 'd1']]) }],
      ['乙单位', { id: 'u2', departments: new Map([['财务处', 'd2']]) }],
    ]),
    staffByPhone: new Map([['13900000001', { id: 's1', unitId: 'u1', hasIdNumber: true }]]),
    employeeNoOwner: new Map([['E001', '13900000001']]),
  };
  const row = (n: number, v: RawRow['values']): RawRow => ({ row: n, values: { name: '张三', phone: `1380000000${n}`, unit: '甲单位', ...v } });
  const codes = (rows: RawRow[]) => validateImportRows(rows, lookups).errors.map((e) => `${e.row}:${e.column}:${e.code}`);

  it('accepts good rows and says which are updates', () => {
    const { records, errors } = validateImportRows([row(2, { department: '办公室', idNumber: ID, visitPermission: '是' }), row(3, { phone: '13900000001' })], lookups);
    expect(errors).toEqual([]);
    expect(records.map((r) => [r.existingId, r.departmentId, r.visitPermission, r.idType])).toEqual([
      [null, 'd1', true, 'prc_id'],
      ['s1', undefined, undefined, undefined],
    ]);
  });

  it.each<[string, RawRow['values'], string[]]>([
    ['missing name', { name: '' }, ['2:姓名*:REQUIRED_FIELD_MISSING']],
    ['bad phone', { phone: '1380000' }, ['2:手机号码*:PHONE_INVALID']],
    ['bad ID checksum', { idNumber: BAD_ID }, ['2:证件号码:ID_NUMBER_INVALID']],
    ['unknown unit', { unit: '丙单位' }, ['2:单位*:UNIT_NOT_FOUND']],
    ['missing unit', { unit: '' }, ['2:单位*:REQUIRED_FIELD_MISSING']],
    ['department of another unit', { department: '财务处' }, ['2:部门:DEPARTMENT_NOT_IN_UNIT']],
    ['employee no of someone else', { employeeNo: 'E001' }, ['2:工号:EMPLOYEE_NO_TAKEN']],
    ['bad permission', { visitPermission: '可以' }, ['2:访问权限(是/否):VISIT_PERMISSION_VALUE_INVALID']],
    ['unknown ID type', { idType: '驾驶证', idNumber: ID }, ['2:证件类型:DOCUMENT_NUMBER_INVALID']],
    ['masked ID for a new person', { idNumber: '3303**********1234' }, ['2:证件号码:ID_NUMBER_INVALID']],
  ])('%s', (_name, values, want) => {
    expect(codes([row(2, values)])).toEqual(want);
  });

  it('the employee no owner may keep theirs; a masked ID keeps the stored one', () => {
    const { records, errors } = validateImportRows([row(2, { phone: '13900000001', employeeNo: 'E001', idNumber: '3303**********1234' })], lookups);
    expect(errors).toEqual([]);
    expect(records[0]).toMatchObject({ existingId: 's1', employeeNo: 'E001', idNumber: undefined });
  });

  it('reports duplicates within the file on the later rows', () => {
    expect(codes([row(2, { phone: '13800000009', employeeNo: 'X1' }), row(3, { phone: '13800000009', employeeNo: 'X1' })])).toEqual([
      '3:手机号码*:PHONE_DUPLICATE_IN_FILE',
      '3:工号:EMPLOYEE_NO_DUPLICATE_IN_FILE',
    ]);
  });

  it('reports every bad row, not only the first', () => {
    expect(codes([row(2, { phone: 'x' }), row(3, {}), row(4, { unit: '无' })])).toEqual(['2:手机号码*:PHONE_INVALID', '4:单位*:UNIT_NOT_FOUND']);
  });

  it('moving an existing person to another unit without a department clears it', () => {
    const { records } = validateImportRows([row(2, { phone: '13900000001', unit: '乙单位' })], lookups);
    expect(records[0]).toMatchObject({ unitId: 'u2', departmentId: null });
  });
});
