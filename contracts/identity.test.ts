import { describe, expect, it } from 'vitest';
import { checkIdNumber, isValidPhone, isValidPrcId, maskIdNumber, maskName, maskPhone } from './identity.js';

describe('PRC resident ID (GB 11643, ISO 7064 MOD 11-2)', () => {
  it.each([
    ['11010519491231002X', true, 'valid, X check digit'],
    ['11010519491231002x'.toUpperCase(), true, 'lower-case x normalised'],
    ['110105194912310021', false, 'wrong check digit'],
    ['330302199002301234', false, 'no 30 February'],
    ['33030219900101123', false, '17 digits'],
    ['3303021990010112345', false, '19 digits'],
    ['33030218000101123X', false, 'born before 1900'],
    ['abcdefghijklmnopqr', false, 'letters'],
  ])('%s → %s (%s)', (id, ok) => expect(isValidPrcId(id)).toBe(ok));

  it('answers the catalogue code for each document type', () => {
    expect(checkIdNumber('prc_id', '110105194912310021')).toBe('ID_NUMBER_INVALID');
    expect(checkIdNumber('prc_id', ' 11010519491231002x ')).toBeNull();
    expect(checkIdNumber('passport', 'E12345678')).toBeNull();
    expect(checkIdNumber('passport', '12')).toBe('DOCUMENT_NUMBER_INVALID');
    expect(checkIdNumber('hk_macau_permit', 'H12345678')).toBeNull();
    expect(checkIdNumber('taiwan_permit', '12345678')).toBeNull();
    expect(checkIdNumber('taiwan_permit', 'ABC')).toBe('DOCUMENT_NUMBER_INVALID');
  });
});

describe('phone', () => {
  it.each([
    ['13812345678', true],
    ['1381234567', false],
    ['23812345678', false],
    ['138-1234-567', false],
  ])('%s → %s', (p, ok) => expect(isValidPhone(p)).toBe(ok));
});

describe('masking (X5)', () => {
  it.each([
    ['330302199001011234', '3303**********1234'],
    ['E12345678', 'E1*****78'],
    ['1234', '****'],
  ])('ID %s → %s', (v, m) => expect(maskIdNumber(v)).toBe(m));
  it.each([
    ['姜柠檬', '姜*檬'],
    ['张三', '张*'],
    ['欧阳娜娜', '欧**娜'],
    ['李', '李'],
  ])('name %s → %s', (v, m) => expect(maskName(v)).toBe(m));
  it('phone', () => expect(maskPhone('13812345678')).toBe('138****5678'));
});
