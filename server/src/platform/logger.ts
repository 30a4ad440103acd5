/**
 * pino options. Personal data never reaches the log in clear: bodies are not logged, query strings
 * are stripped from URLs, and known fields are redacted wherever they appear in a log object.
 */
import type { LoggerOptions } from 'pino';

const REDACT_KEYS = ['phone', 'code', 'idNumber', 'password', 'token', 'content', 'cookie', 'authorization'];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [...REDACT_KEYS, ...REDACT_KEYS.map((k) => `*.${k}`), 'req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    serializers: {
      req(req: { method: string; url: string; ip?: string; id?: string }) {
        return { id: req.id, method: req.method, url: String(req.url).split('?')[0], ip: req.ip };
      },
    },
  };
}

/** 13812345678 → 138****5678 for log lines that must mention a phone. */
export function logPhone(phone: string): string {
  return phone.length === 11 ? `${phone.slice(0, 3)}****${phone.slice(7)}` : '[phone]';
}
