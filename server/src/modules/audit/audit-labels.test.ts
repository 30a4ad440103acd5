/**
 * 审计日志 shows every entry in words: this reads the server source for each `audit(…)` call and
 * checks that its action, its subject type and its detail keys have labels in contracts/audit.ts.
 * Adding an action (or a subject type, or a detail key) without its zh-CN and en words fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTION_LABELS, AUDIT_DETAIL_KEY_LABELS, AUDIT_SUBJECT_LABELS } from '../../../../contracts/audit.js';

const serverSrc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

interface Call {
  where: string;
  actions: string[];
  subjects: string[];
  keys: string[];
  problems: string[];
}

/** The string values an expression can take: literals, either side of a ?:, or (…) around them. */
function literals(e: ts.Expression): string[] | null {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
  if (ts.isParenthesizedExpression(e)) return literals(e.expression);
  if (ts.isConditionalExpression(e)) {
    const a = literals(e.whenTrue);
    const b = literals(e.whenFalse);
    return a && b ? [...a, ...b] : null;
  }
  return null;
}

/** `const target = { type: 'x', … }` in the same file, for a target passed by name. */
function declaredObject(sf: ts.SourceFile, name: string): ts.ObjectLiteralExpression | undefined {
  let found: ts.ObjectLiteralExpression | undefined;
  const visit = (n: ts.Node) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name && n.initializer) {
      let init: ts.Expression = n.initializer;
      while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init)) init = init.expression;
      if (ts.isObjectLiteralExpression(init)) found = init;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/** Object literals an expression can be (a ?: with undefined on one side included). */
function objects(e: ts.Expression): ts.ObjectLiteralExpression[] {
  if (ts.isObjectLiteralExpression(e)) return [e];
  if (ts.isParenthesizedExpression(e)) return objects(e.expression);
  if (ts.isConditionalExpression(e)) return [...objects(e.whenTrue), ...objects(e.whenFalse)];
  return [];
}

function propName(p: ts.ObjectLiteralElementLike): string | null {
  if ((ts.isPropertyAssignment(p) || ts.isShorthandPropertyAssignment(p)) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) return p.name.text;
  return null; // spreads (…result) are checked where they are built, not here
}

function auditCalls(): Call[] {
  const calls: Call[] = [];
  for (const file of sourceFiles(serverSrc)) {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('audit(')) continue;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'audit' && n.arguments.length >= 4) {
        const where = `${path.relative(serverSrc, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
        const [, , action, target, detail] = n.arguments;
        const call: Call = { where, actions: [], subjects: [], keys: [], problems: [] };
        const a = literals(action!);
        if (a) call.actions.push(...a);
        else call.problems.push(`${where}: the action is not a string literal (${action!.getText()})`);
        const t = ts.isIdentifier(target!) ? declaredObject(sf, target!.text) : objects(target!)[0];
        const typeProp = t?.properties.find((p) => propName(p) === 'type');
        const types = typeProp && ts.isPropertyAssignment(typeProp) ? literals(typeProp.initializer) : null;
        if (types) call.subjects.push(...types);
        else call.problems.push(`${where}: the subject type is not a string literal (${target!.getText()})`);
        if (detail) for (const o of objects(detail)) for (const p of o.properties) {
          const k = propName(p);
          if (k) call.keys.push(k);
        }
        calls.push(call);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return calls;
}

const calls = auditCalls();

describe('审计日志 labels (contracts/audit.ts)', () => {
  it('finds the audit calls of the server (the scan itself works)', () => {
    expect(calls.length).toBeGreaterThan(50);
    expect(calls.flatMap((c) => c.actions)).toEqual(expect.arrayContaining(['visitor.read', 'visit.approve', 'visit.reject', 'room.enable', 'room.disable']));
    expect(calls.flatMap((c) => c.problems)).toEqual([]);
  });

  it('every action used with audit(…) has a label in zh-CN and en', () => {
    const missing = calls.flatMap((c) => c.actions.filter((a) => !Object.hasOwn(AUDIT_ACTION_LABELS, a)).map((a) => `${c.where}: ${a}`));
    expect(missing).toEqual([]);
  });

  it('every subject type used with audit(…) has a label', () => {
    const missing = calls.flatMap((c) => c.subjects.filter((s) => !Object.hasOwn(AUDIT_SUBJECT_LABELS, s)).map((s) => `${c.where}: ${s}`));
    expect(missing).toEqual([]);
  });

  it('every detail key written by audit(…) has a label', () => {
    const missing = calls.flatMap((c) => c.keys.filter((k) => !Object.hasOwn(AUDIT_DETAIL_KEY_LABELS, k)).map((k) => `${c.where}: ${k}`));
    expect(missing).toEqual([]);
  });

  it('labels are words in both languages, and no two actions read the same', () => {
    for (const table of [AUDIT_ACTION_LABELS, AUDIT_SUBJECT_LABELS, AUDIT_DETAIL_KEY_LABELS] as Array<Record<string, { 'zh-CN': string; en: string }>>) {
      for (const [code, l] of Object.entries(table)) {
        expect(l['zh-CN'].trim(), code).not.toBe('');
        expect(l.en.trim(), code).not.toBe('');
        expect(l['zh-CN'], code).not.toBe(code);
      }
    }
    for (const locale of ['zh-CN', 'en'] as const) {
      const words = Object.values(AUDIT_ACTION_LABELS).map((l) => l[locale]);
      expect(words.filter((w, i) => words.indexOf(w) !== i), locale).toEqual([]);
    }
  });
});
