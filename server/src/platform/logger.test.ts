import { describe, expect, it } from 'vitest';
import { scrubErrorText, serializeError } from './logger.js';

describe('error serializer of the log', () => {
  it('keeps type, code, constraint and stack frames, and none of the values a pg or drizzle error carries', () => {
    const pg = Object.assign(new Error('duplicate key value violates unique constraint "staff_phone_unique"'), {
      code: '23505',
      constraint: 'staff_phone_unique',
      table: 'staff',
      detail: 'Key (phone)=(13800000000) already exists.',
      parameters: ['13800000000', '330302199001011234'],
      where: 'SQL statement "insert …"',
    });
    const drizzle = Object.assign(new Error('Failed query: insert into "staff" ("phone", "id_number") values ($1, $2)\nparams: 13800000000,330302199001011234'), {
      query: 'insert into "staff" ("phone", "id_number") values ($1, $2)',
      params: ['13800000000', '330302199001011234'],
      cause: pg,
    });
    const out = serializeError(drizzle) as Record<string, unknown> & { cause: Record<string, unknown> };
    const text = JSON.stringify(out);
    expect(text).not.toContain('13800000000');
    expect(text).not.toContain('330302199001011234');
    expect(out).toMatchObject({ type: 'Error', message: expect.stringContaining('Failed query: insert into "staff"') });
    expect(out.cause).toMatchObject({ code: '23505', constraint: 'staff_phone_unique', table: 'staff' });
    expect(out.cause).not.toHaveProperty('detail');
    expect(String(out.stack)).toMatch(/\n\s+at /);
  });

  it('scrubs URL query strings, quoted values of PostgreSQL messages, phones and ID numbers from any error text', () => {
    expect(scrubErrorText('fetch failed for https://api.example.test/v1/send?phone=13912345678&sig=abc')).toBe('fetch failed for https://api.example.test/v1/send?[redacted]');
    expect(scrubErrorText('GET /api/admin/visitors?q=330302199001011234 failed')).toBe('GET /api/admin/visitors?[redacted] failed');
    expect(scrubErrorText('invalid input syntax for type uuid: "13912345678"')).toBe('invalid input syntax for type uuid: "[redacted]"');
    expect(scrubErrorText('Key (phone)=(13912345678) already exists.')).toBe('Key (phone)=([redacted]) already exists.');
    expect(scrubErrorText('no visitor 33030219900101123X, call 13912345678')).toBe('no visitor [id-number], call [phone]');
    expect(scrubErrorText('took 1796527765937 ms')).toBe('took 1796527765937 ms');
  });
});
