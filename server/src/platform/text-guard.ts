/**
 * One guard for every string the API accepts: a text with U+0000 or another C0 control character
 * (other than tab, line feed and carriage return) or with an unpaired UTF-16 surrogate is refused
 * with 400 TEXT_INVALID before any route sees it. PostgreSQL cannot store U+0000 in text nor a
 * lone surrogate in jsonb, and no person types either; refusing them at the door means no route,
 * service or column has to think about them.
 *
 * Checked: path parameters, the query string, the parsed body (JSON at any depth, keys too; a
 * text/plain body), and the parts of a multipart form (field names, values, file names) as a
 * route reads them. Invalid UTF-8 bytes are not our concern here: the body reader decodes them to
 * U+FFFD, which is well-formed text.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

// C0 controls except \t \n \r
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

/** Node ≥ 20 has String.prototype.isWellFormed (ES2024); the project's lib is ES2022. */
const isWellFormed = (s: string) => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** True when the text may be stored and shown: no control characters, no lone surrogates. */
export function isCleanText(s: string): boolean {
  return !CONTROL.test(s) && isWellFormed(s);
}

/**
 * The path (e.g. `body/visitors/2/name`) of the first string in a value — keys included — that is
 * not clean text, or null. Iterative, so a deeply nested body cannot overflow the stack.
 */
export function findInvalidText(value: unknown, root: string): string | null {
  const stack: Array<[unknown, string]> = [[value, root]];
  const seen = new Set<object>();
  while (stack.length) {
    const [v, where] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isCleanText(v)) return where;
    } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v) && !seen.has(v)) {
      seen.add(v);
      if (Array.isArray(v)) v.forEach((item, i) => stack.push([item, `${where}/${i}`]));
      else
        for (const [k, item] of Object.entries(v)) {
          if (!isCleanText(k)) return `${where}/${k.replace(/[^\x20-\x7e]/g, '?')}`;
          stack.push([item, `${where}/${k}`]);
        }
    }
  }
  return null;
}

/** Throws 400 TEXT_INVALID when a value carries a string that is not clean text. */
export function assertCleanText(value: unknown, root: string) {
  const where = findInvalidText(value, root);
  if (where !== null) throw new AppError('TEXT_INVALID', { path: where });
}

type Part = { type?: string; fieldname?: string; filename?: string; value?: unknown; mimetype?: string; toBuffer?: () => Promise<Buffer> };

/**
 * Each part of a multipart form, checked (field name, file name, text value) as it is read. A file
 * part that declares itself JSON (a device's event as a file) holds values too: they are checked
 * when the route reads it (JSON that does not parse, and any other file, is the route's to judge).
 */
function guardedParts<T extends Part>(parts: AsyncIterable<T>): AsyncGenerator<T> {
  return (async function* () {
    for await (const part of parts) {
      const where = `form/${part.fieldname ?? ''}`;
      assertCleanText({ name: part.fieldname, filename: part.filename, value: part.type === 'field' ? part.value : undefined }, where);
      if (part.type === 'file' && part.toBuffer && /json/i.test(part.mimetype ?? '')) {
        const read = part.toBuffer.bind(part);
        part.toBuffer = async () => {
          const buf = await read();
          assertCleanText(parseOrUndefined(buf.toString('utf8')), where);
          return buf;
        };
      }
      yield part;
    }
  })();
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Installs the guard: once, before validation, on every route. Multipart bodies are streams that a
 * route reads with req.parts() / req.file() / req.files(); on a multipart request those are
 * replaced, for that request only, with readers that check each part.
 */
export function installTextGuard(app: FastifyInstance) {
  app.addHook('preValidation', async (req: FastifyRequest) => {
    assertCleanText(req.params, 'params');
    assertCleanText(req.query, 'query');
    assertCleanText(req.body, 'body');
    if (req.isMultipart?.()) {
      const r = req as unknown as { parts: (o?: unknown) => AsyncIterable<Part>; file: (o?: unknown) => Promise<Part | undefined>; files: (o?: unknown) => AsyncIterable<Part> };
      const parts = r.parts.bind(req);
      r.parts = (o) => guardedParts(parts(o));
      r.files = async function* (o) {
        for await (const p of guardedParts(parts(o))) if (p.type === 'file') yield p;
      };
      r.file = async (o) => {
        for await (const p of guardedParts(parts(o))) if (p.type === 'file') return p;
        return undefined;
      };
    }
  });
}
