/**
 * An error nobody caught (uncaughtException, unhandledRejection) leaves the process in an unknown
 * state, so it is not carried on from: it is logged — without personal data — and the process exits
 * non-zero, for its supervisor (systemd Restart=always, a container restart policy) to start a
 * clean one. Expected failures never get here: a database outage is answered with 503 and survived.
 */
import { pino } from 'pino';
import { loggerOptions } from './logger.js';

/** phones, ID numbers, codes: any run of 6 or more digits (an ID number may end in X) */
const DIGITS = /\d{6,}[\dXx]?/g;

/** What is safe to log about an error: its kind and where it was thrown, not the data it carried. */
export function describeCrash(err: unknown): { type: string; errorCode?: string; message: string; stack: string[] } {
  if (!(err instanceof Error)) return { type: typeof err, message: '(a non-Error value was thrown)', stack: [] };
  // Drizzle puts the query's parameters in its message ("Failed query: … params: 138…")
  const message = err.message.split(/\nparams:/)[0]!.replace(DIGITS, '[digits]').slice(0, 500);
  const stack = (err.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 20)
    .map((l) => l.trim().replace(DIGITS, '[digits]'));
  const code = (err as { code?: unknown }).code;
  const type = err.name === 'Error' ? err.constructor.name : err.name;
  return { type, ...(typeof code === 'string' ? { errorCode: code } : {}), message, stack };
}

type Proc = Pick<NodeJS.Process, 'on' | 'exit'>;

/** Install the policy: log one fatal line, then exit(1). */
export function installCrashPolicy(proc: Proc = process, log: (obj: object, msg: string) => void = defaultFatalLog()) {
  let exiting = false;
  const fail = (kind: string) => (err: unknown) => {
    if (exiting) return;
    exiting = true;
    try {
      log({ kind, error: describeCrash(err) }, 'fatal: uncaught error, exiting so the supervisor restarts the process');
    } finally {
      proc.exit(1);
    }
  };
  proc.on('uncaughtException', fail('uncaughtException'));
  proc.on('unhandledRejection', fail('unhandledRejection'));
}

function defaultFatalLog() {
  // synchronous, so the line is written before the process exits
  const logger = pino(loggerOptions('fatal'), pino.destination({ fd: 2, sync: true }));
  return (obj: object, msg: string) => logger.fatal(obj, msg);
}
