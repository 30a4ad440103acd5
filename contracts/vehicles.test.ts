import { describe, expect, it } from 'vitest';
import { isNewEnergyPlate, isValidPlate, normalisePlate } from './vehicles.js';

describe('PRC plates', () => {
  it.each(['京A12345', '粤B·D12345', '浙C 1234X', '沪AD12345', '苏E12345F', '川A1234学', '粤Z1234港', '使123456'])('%s is a plate', (p) => {
    expect(isValidPlate(p)).toBe(true);
  });
  it.each(['', 'A12345', '京I12345', '京O12345', '京A1234', '京A1234567', '京AZ12345', 'XY12345', '京A12345678', '京A123 45;'])('%s is not', (p) => {
    expect(isValidPlate(p)).toBe(false);
  });
  it('tells new-energy plates (D/F first for small cars, last for large ones)', () => {
    expect(isNewEnergyPlate('沪AD12345')).toBe(true);
    expect(isNewEnergyPlate('苏E12345F')).toBe(true);
    expect(isNewEnergyPlate('京A12345')).toBe(false);
    expect(isValidPlate('沪AD123456')).toBe(false); // seven after the letter: neither kind
  });
  it('normalises case and separators', () => {
    expect(normalisePlate(' 粤b·12345 ')).toBe('粤B12345');
  });
});
