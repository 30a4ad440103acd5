/**
 * Malformed requests made from the OpenAPI document (issue 8 point 5). For an operation, a
 * request that looks valid is built from its schemas (path, query, JSON or multipart body), then
 * broken in one way: bad text (NUL, lone surrogates, controls), a wrong type, a huge number, a
 * missing or an extra field, an array for an object, deep nesting, invalid JSON or UTF-8, a wrong
 * content type, a broken multipart form, junk in the path or the query. Deterministic for a seed.
 */

/** The subset of JSON Schema (OpenAPI 3.0 flavour) that fastify-type-provider-zod writes. */
export interface Schema {
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
}

export interface Operation {
  id: string;
  method: string;
  /** OpenAPI path, e.g. /api/admin/units/{id} */
  path: string;
  pathParams: Array<{ name: string; schema: Schema }>;
  query: Array<{ name: string; schema: Schema; required: boolean }>;
  json?: Schema;
  multipart?: Schema;
}

type Doc = { paths: Record<string, Record<string, { operationId?: string; parameters?: Array<{ in: string; name: string; required?: boolean; schema?: Schema }>; requestBody?: { content?: Record<string, { schema?: Schema }> }; responses?: Record<string, { content?: Record<string, unknown> }> }>> };

/** A server-sent-events stream answers forever (until the client goes): not a request/answer to fuzz. Its doors are in the authorization matrix and its own tests. */
const isStream = (op: { responses?: Record<string, { content?: Record<string, unknown> }> }) => Object.values(op.responses ?? {}).some((r) => !!r.content && 'text/event-stream' in r.content);

/** Every operation of the document, in document order. */
export function operationsOf(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (isStream(op)) continue;
      const params = op.parameters ?? [];
      ops.push({
        id: op.operationId ?? `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {}, required: !!p.required })),
        json: op.requestBody?.content?.['application/json']?.schema,
        multipart: op.requestBody?.content?.['multipart/form-data']?.schema,
      });
    }
  }
  return ops;
}

/** mulberry32: a small seeded PRNG, so a failing run can be replayed from its seed. */
export class Rng {
  constructor(private state: number) {}
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  uuid(): string {
    const h = () => this.int(16).toString(16);
    const s = Array.from({ length: 32 }, h).join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${'89ab'[this.int(4)]}${s.slice(17, 20)}-${s.slice(20)}`;
  }
}

/** A piece of JSON text put verbatim into a body (numbers JSON.stringify cannot write, deep nesting). */
class Raw {
  constructor(readonly text: string) {}
}

/** Text no API should store: the guard must refuse it (400 TEXT_INVALID), never a 500. */
export const BAD_TEXT = ['\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\udbff', '\u0007bell', '\u001b[31mred', 'tab\u000bvt', '\u0000\ud800\u0001'];
/** Text that is odd but valid: it must be handled (stored, refused by a rule), never a 500. */
const ODD_TEXT = [
  '',
  ' ',
  '𠮷野家🙂',
  '\u202eevil',
  '\ufeffbom',
  '\uffff',
  "'; drop table staff; --",
  '../../../etc/passwd',
  '%00',
  '{{content}}${x}',
  '<script>alert(1)</script>',
  'null',
  '-1',
  '1e309',
  'x'.repeat(70_000),
  '13800000000',
  '2026-02-30T25:61:61Z',
];
const HUGE_NUMBERS = ['1e400', '-1e400', '9007199254740993', '-9007199254740993', '1e-400', '-0', '123456789012345678901234567890', '1.7976931348623157e308', '0.0000001'];
const WRONG_TYPES: unknown[] = [null, true, false, 0, -1, 1.5, '', 'x', [], {}, [null], { a: 1 }, [[[]]]];
/** Path segments a router and a validator must refuse politely. Already URL-encoded. */
const JUNK_PATH = ['%00', 'a%00b', '%ED%A0%80', '%ZZ', '%', '..', '%2e%2e%2f%2e%2e', 'null', 'undefined', '-1', '0', '1e309', 'x'.repeat(3000), '%F0%9F%98', '%C0%80', 'a%0Ab', '%E4%B8%AD%E6%96%87', ' '];
/** Query values, already URL-encoded. */
const JUNK_QUERY = ['%00', '%ED%A0%80', '%ZZ', '%C0%80', '%F0%9F', '1e400', '-1', '99999999999999999999', 'NaN', 'Infinity', 'true', '', '%01', 'x'.repeat(5000), '2026-13-45'];

/** Candidates for a string the schema only bounds by length or a pattern (sample picks one that fits). */
const STRINGS = ['13800138000', '138001', '123456', '张三', 'abc', 'face-2026-12-v2', '330302199001011234', 'long-enough-password', '/next', '京A12345', '08:00', '2026-12-01', 'ABC中文'];

/** Documents sent as JSON file parts; BAD is replaced by a JSON escape of bad text. */
const JSON_FILES: unknown[] = [
  { name: 'BAD' },
  { eventType: 'AccessControllerEvent', dateTime: '2026-11-25T10:00:00+08:00', AccessControllerEvent: { majorEventType: 5, subEventType: 75, employeeNoString: 'BAD' } },
  { eventType: 'AccessControllerEvent', dateTime: 'BAD', AccessControllerEvent: { majorEventType: 5, subEventType: 1, employeeNoString: '0' } },
];

export interface FuzzRequest {
  opId: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** how it was broken, for the report */
  mutation: string;
}

export interface Pools {
  /** ids of rows that exist (any table), so a request can reach past "not found" */
  ids: string[];
  /** words that fit non-uuid path parameters (template events, tokens) */
  words: string[];
}

export class RequestFactory {
  constructor(
    private readonly rng: Rng,
    private readonly pools: Pools,
  ) {}

  /** A valid-looking value for a schema (the rules we cannot read, such as regex patterns, are guessed). */
  sample(s: Schema, depth = 0): unknown {
    const r = this.rng;
    if (s.anyOf?.length || s.oneOf?.length) {
      const alts = (s.anyOf ?? s.oneOf)!.filter((a) => a.type !== 'null');
      return alts.length ? this.sample(r.pick(alts), depth) : null;
    }
    if (s.enum?.length) return r.pick(s.enum);
    switch (s.type) {
      case 'string': {
        if (s.format === 'uuid') return this.pools.ids.length && r.chance(0.7) ? r.pick(this.pools.ids) : r.uuid();
        if (s.format === 'date-time') return new Date(Date.now() + r.int(7 * 86400_000)).toISOString();
        if (s.format === 'date') return new Date(Date.now() + r.int(7 * 86400_000)).toISOString().slice(0, 10);
        if (s.format === 'binary') return 'file';
        const min = s.minLength ?? 0;
        const max = s.maxLength ?? 10_000;
        const fits = STRINGS.filter((x) => x.length >= min && x.length <= max && (!s.pattern || new RegExp(s.pattern, 'u').test(x)));
        return fits.length ? r.pick(fits) : 'x'.repeat(Math.max(1, Math.min(min, max)));
      }
      case 'integer':
      case 'number': {
        const lo = s.minimum ?? 0;
        const hi = s.maximum ?? lo + 100;
        return lo + r.int(Math.max(1, Math.min(hi - lo, 1000)));
      }
      case 'boolean':
        return r.chance(0.5);
      case 'array': {
        if (depth > 4) return [];
        const n = Math.max(s.minItems ?? 0, r.int(3));
        return Array.from({ length: n }, () => this.sample(s.items ?? {}, depth + 1));
      }
      case 'object': {
        const out: Record<string, unknown> = {};
        if (depth > 5) return out;
        for (const [k, v] of Object.entries(s.properties ?? {})) if (s.required?.includes(k) || r.chance(0.5)) out[k] = this.sample(v, depth + 1);
        return out;
      }
      default:
        return r.pick(['x', 1, true, null]);
    }
  }

  /** One malformed request for an operation. */
  build(op: Operation): FuzzRequest {
    const r = this.rng;
    const hasBody = !!(op.json || op.multipart) || op.method !== 'GET';
    const kinds = [
      ...(op.pathParams.length ? ['path', 'path'] : []),
      ...(op.query.length ? ['query', 'query'] : ['query']),
      ...(hasBody ? ['text', 'text', 'text', 'type', 'number', 'missing', 'extra', 'array', 'deep', 'json', 'utf8', 'content-type', 'empty', 'multipart', 'multipart'] : ['get-body', 'text-query']),
      // an upload route is mostly sent broken forms
      ...(op.multipart ? Array<string>(12).fill('multipart') : []),
    ];
    const kind = r.pick(kinds);
    const path = this.path(op, kind === 'path');
    const query = this.query(op, kind === 'query' || kind === 'text-query', kind === 'text-query');
    const url = query ? `${path}?${query}` : path;
    const base = { opId: op.id, method: op.method, url };
    if (kind === 'path' || kind === 'query' || kind === 'text-query') return { ...base, ...this.validBody(op), mutation: kind };
    if (kind === 'multipart') return { ...base, ...this.multipart(op), mutation: 'multipart' };
    if (kind === 'get-body') return { ...base, headers: { 'content-type': 'application/json' }, payload: this.stringify(this.mutated(this.sample(op.json ?? { type: 'object' }), 'text')), mutation: 'get-body' };

    const value = this.sample(op.json ?? { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] });
    const json = { 'content-type': 'application/json' };
    switch (kind) {
      case 'json': {
        const text = this.stringify(value);
        const broken = r.pick([text.slice(0, r.int(text.length)), `${text},`, `${text}}`, text.replace(/"/, ''), `{"a":1,}`, `{'a':1}`, '{"a":undefined}', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}']);
        return { ...base, headers: json, payload: broken, mutation: 'invalid-json' };
      }
      case 'utf8': {
        const buf = Buffer.from(this.stringify(value));
        const at = buf.indexOf(0x22, 1) > 0 ? buf.indexOf(0x22, 1) + 1 : 1;
        const bad = Buffer.from(r.pick([[0xff], [0xfe, 0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0x80], [0xe2, 0x82]]));
        return { ...base, headers: json, payload: Buffer.concat([buf.subarray(0, at), bad, buf.subarray(at)]), mutation: 'invalid-utf8' };
      }
      case 'content-type': {
        const type = r.pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'application/octet-stream', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'multipart/form-data', 'image/jpeg', '', '%00']);
        const payload = r.chance(0.5) ? this.stringify(value) : `name=${r.pick(BAD_TEXT)}&a[b]=1`;
        return { ...base, headers: type ? { 'content-type': type } : {}, payload, mutation: `content-type ${type || 'none'}` };
      }
      case 'empty':
        return { ...base, headers: json, payload: r.pick(['', 'null', '""', '0', 'true', '[]', ' ']), mutation: 'empty' };
      default:
        return { ...base, headers: json, payload: this.stringify(this.mutated(value, kind)), mutation: kind };
    }
  }

  /** The value with one node broken the given way. */
  private mutated(value: unknown, kind: string): unknown {
    const r = this.rng;
    const nodes = collectNodes(value);
    const target = r.pick(nodes);
    const replace = (v: unknown) => (target.parent ? ((target.parent as Record<string, unknown>)[target.key!] = v) : (value = v));
    switch (kind) {
      case 'text': {
        const strings = nodes.filter((n) => typeof n.value === 'string');
        const t = strings.length && r.chance(0.8) ? r.pick(strings) : target;
        const bad = r.chance(0.75) ? r.pick(BAD_TEXT) : r.pick(ODD_TEXT);
        const text = typeof t.value === 'string' && r.chance(0.5) ? `${t.value}${bad}` : bad;
        if (t.parent) (t.parent as Record<string, unknown>)[t.key!] = text;
        else value = text;
        // sometimes the key itself
        if (r.chance(0.2) && value && typeof value === 'object' && !Array.isArray(value)) (value as Record<string, unknown>)[r.pick(BAD_TEXT)] = 'v';
        return value;
      }
      case 'type':
        replace(structuredClone(r.pick(WRONG_TYPES)));
        return value;
      case 'number':
        replace(new Raw(r.pick(HUGE_NUMBERS)));
        return value;
      case 'missing': {
        const objects = nodes.filter((n) => n.value && typeof n.value === 'object' && !Array.isArray(n.value) && Object.keys(n.value).length);
        if (!objects.length) return {};
        const o = r.pick(objects).value as Record<string, unknown>;
        delete o[r.pick(Object.keys(o))];
        return value;
      }
      case 'extra': {
        const objects = nodes.filter((n) => n.value && typeof n.value === 'object' && !Array.isArray(n.value));
        const o = (objects.length ? r.pick(objects).value : value) as Record<string, unknown>;
        if (o && typeof o === 'object') {
          const key = r.pick(['extra', 'id', 'createdAt', 'isAdmin', 'role', 'status', 'constructor', 'toString', 'hasOwnProperty', '__proto__']);
          if (key === '__proto__') Object.defineProperty(o, '__proto__', { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
          else o[key] = r.pick([{ prototype: { polluted: true } }, 'admin', 1, 'confirmed', true]);
        }
        return value;
      }
      case 'array': {
        const objects = nodes.filter((n) => n.value && typeof n.value === 'object' && !Array.isArray(n.value));
        if (!objects.length || r.chance(0.4)) return r.pick([[value], [], [[value]]]);
        const t = r.pick(objects);
        if (t.parent) (t.parent as Record<string, unknown>)[t.key!] = [t.value];
        else value = [value];
        return value;
      }
      case 'deep': {
        const depth = r.pick([100, 1000, 10_000, 50_000]);
        const open = r.chance(0.5) ? '[' : '{"a":';
        const close = open === '[' ? ']' : '}';
        replace(new Raw(`${open.repeat(depth)}1${close.repeat(depth)}`));
        return value;
      }
      default:
        return value;
    }
  }

  private stringify(v: unknown): string {
    const raws: string[] = [];
    const text = JSON.stringify(v, (_k, x) => {
      if (x instanceof Raw) {
        raws.push(x.text);
        return `@@RAW${raws.length - 1}@@`;
      }
      return x;
    });
    return (text ?? 'null').replace(/"@@RAW(\d+)@@"/g, (_m, i: string) => raws[Number(i)]!);
  }

  private path(op: Operation, junk: boolean): string {
    const r = this.rng;
    const broken = junk ? r.int(op.pathParams.length) : -1;
    let i = 0;
    return op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const p = op.pathParams.find((x) => x.name === name);
      const mine = i++ === broken;
      if (mine) return r.pick(JUNK_PATH);
      if (p?.schema.format === 'uuid' || name === 'id') return this.pools.ids.length && r.chance(0.7) ? r.pick(this.pools.ids) : r.uuid();
      return encodeURIComponent(r.pick(this.pools.words));
    });
  }

  private query(op: Operation, junk: boolean, badText: boolean): string {
    const r = this.rng;
    const parts: string[] = [];
    for (const q of op.query) {
      if (!q.required && !r.chance(0.5)) continue;
      const v = this.sample(q.schema);
      parts.push(`${encodeURIComponent(q.name)}=${encodeURIComponent(String(v))}`);
    }
    if (junk) {
      const name = op.query.length && r.chance(0.8) ? r.pick(op.query).name : r.pick(['extra', '__proto__', 'constructor', 'a[b]', 'page[]']);
      const value = badText ? r.pick(['%00', 'a%00b', '%ED%A0%80', '%01', '%1B']) : r.pick(JUNK_QUERY);
      parts.push(`${name}=${value}`);
      if (r.chance(0.3)) parts.push(`${name}=${r.pick(JUNK_QUERY)}`); // the same key twice: an array
    }
    return parts.join('&');
  }

  private validBody(op: Operation): { headers: Record<string, string>; payload?: string } {
    if (!op.json) return { headers: {} };
    return { headers: { 'content-type': 'application/json' }, payload: this.stringify(this.sample(op.json)) };
  }

  /** A multipart form broken in one way (truncated, wrong boundary, no file, bad names, too many parts). */
  private multipart(op: Operation): { headers: Record<string, string>; payload: Buffer } {
    const r = this.rng;
    const boundary = `----fuzz${r.int(1e9)}`;
    const fields = Object.entries(op.multipart?.properties ?? { photo: { format: 'binary' }, consentVersion: {}, file: { format: 'binary' } });
    const how = r.pick(['truncate', 'truncate', 'boundary', 'no-end', 'no-file', 'bad-field', 'bad-filename', 'too-many-fields', 'too-many-files', 'no-disposition', 'empty', 'json-file']);
    const parts: string[] = [];
    const fileBytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, ...Array.from({ length: 64 }, () => r.int(256))]).toString('latin1');
    for (const [name, s] of fields) {
      const binary = (s as Schema).format === 'binary';
      if (binary && how === 'no-file') continue;
      if (binary) {
        const filename = how === 'bad-filename' ? r.pick(['a\u0000.jpg', '\ud800.jpg', 'a\u0001.jpg', '../../x.jpg']) : 'photo.jpg';
        parts.push(`Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n${fileBytes}`);
      } else {
        const value = how === 'bad-field' ? r.pick(BAD_TEXT) : 'face-2026-12-v2';
        parts.push(`Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`);
      }
    }
    if (how === 'too-many-fields') for (let i = 0; i < 30; i++) parts.push(`Content-Disposition: form-data; name="f${i}"\r\n\r\nv`);
    if (how === 'too-many-files') for (let i = 0; i < 3; i++) parts.push(`Content-Disposition: form-data; name="photo"; filename="p${i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n${fileBytes}`);
    // a JSON document sent as a file part (devices push events so), with bad text in it
    if (how === 'json-file') parts.unshift(`Content-Disposition: form-data; name="event_log"; filename="event.json"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(r.pick(JSON_FILES)).replace('BAD', r.pick(['\\u0000', '\\ud800', '\\u0001', 'ok']))}`);
    if (how === 'no-disposition') parts.push(`Content-Type: text/plain\r\n\r\nv`);
    let body = Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}${how === 'no-end' ? '' : `--${boundary}--\r\n`}`, 'latin1');
    // text fields and file names are UTF-8 on the wire; write those parts as UTF-8 where they are not bytes
    if (how === 'bad-field' || how === 'bad-filename') body = Buffer.from(body.toString('latin1').replace(/[^\x00-\xff]/g, (c) => Buffer.from(c, 'utf8').toString('latin1')), 'latin1');
    if (how === 'truncate') body = body.subarray(0, 1 + r.int(body.length - 1));
    if (how === 'empty') body = Buffer.alloc(0);
    const type = how === 'boundary' ? r.pick([`multipart/form-data; boundary=${boundary}x`, 'multipart/form-data', `multipart/form-data; boundary=${'b'.repeat(300)}`, 'multipart/form-data; boundary=']) : `multipart/form-data; boundary=${boundary}`;
    return { headers: { 'content-type': type }, payload: body };
  }
}

type Node = { value: unknown; parent?: unknown; key?: string | number };

function collectNodes(root: unknown): Node[] {
  const out: Node[] = [{ value: root }];
  for (let i = 0; i < out.length && out.length < 500; i++) {
    const v = out[i]!.value;
    if (v && typeof v === 'object' && !(v instanceof Raw)) {
      for (const [k, child] of Object.entries(v)) out.push({ value: child, parent: v, key: Array.isArray(v) ? Number(k) : k });
    }
  }
  return out;
}
