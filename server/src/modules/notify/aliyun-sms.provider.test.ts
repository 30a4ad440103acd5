import { describe, expect, it } from 'vitest';
import { canonicalizedQueryString, percentEncode, signRpc, stringToSign, aliyunTimestamp } from './aliyun-sms.provider.js';
import { aliyunExpectedSignature } from '../../test/stubs/aliyun-sms-stub.js';

describe('Aliyun RPC signature (Signature Version 1.0)', () => {
  // The worked example of Aliyun's signature documentation (DescribeRegions, testid / testsecret).
  const example = {
    TimeStamp: '2016-02-23T12:46:24Z',
    Format: 'XML',
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    Version: '2014-05-26',
    SignatureVersion: '1.0',
  };

  // (the separators between pairs are encoded too: %26; some copies of the page show a bare &)
  it('reproduces the documented string to sign', () => {
    expect(stringToSign('GET', example)).toBe(
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
  });

  it('reproduces the documented signature', () => {
    expect(signRpc('GET', example, 'testsecret')).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
    expect(signRpc('GET', { ...example, Signature: 'ignored' }, 'testsecret')).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
    expect(signRpc('POST', example, 'testsecret')).not.toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
    expect(signRpc('GET', example, 'othersecret')).not.toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE=');
  });

  it.each([
    ['a b', 'a%20b'],
    ['a+b', 'a%2Bb'],
    ['a*b', 'a%2Ab'],
    ['a~b', 'a~b'],
    ["!'()", '%21%27%28%29'],
    ['-_.', '-_.'],
    ['{"code":"123456"}', '%7B%22code%22%3A%22123456%22%7D'],
    ['市行政中心', '%E5%B8%82%E8%A1%8C%E6%94%BF%E4%B8%AD%E5%BF%83'],
    ['😀', '%F0%9F%98%80'],
  ])('percent-encodes %j as %s', (input, out) => {
    expect(percentEncode(input)).toBe(out);
  });

  it('sorts parameters by name and leaves Signature out', () => {
    expect(canonicalizedQueryString({ b: '2', a: '1', Signature: 'x', B: '3' })).toBe('B=3&a=1&b=2');
  });

  it('agrees with the stub\'s independent verification on awkward values', () => {
    const params = { ...example, SignName: '市行政中心', TemplateParam: JSON.stringify({ code: '000123', name: "O'Neil (访客) *~!" }), PhoneNumbers: '+8613800000000' };
    const { signature } = aliyunExpectedSignature('POST', new Map(Object.entries(params)), 's3cr3t');
    expect(signRpc('POST', params, 's3cr3t')).toBe(signature);
  });

  it('writes the timestamp as ISO 8601 UTC without milliseconds', () => {
    expect(aliyunTimestamp(new Date('2026-11-24T04:05:06.789Z'))).toBe('2026-11-24T04:05:06Z');
  });
});
