import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES, EVENT_VARIABLES, VISIT_EVENTS, placeholdersOf, renderTemplate, unknownPlaceholders } from './notify.js';

describe('renderTemplate', () => {
  it.each([
    ['fills known variables', '{a}来访{b}', { a: '陈', b: '。' }, [], '陈来访。'],
    ['leaves unknown or missing placeholders out', '{a}{x}来访{b}', { a: '陈' }, [], '陈来访'],
    ['keeps text that only looks like a placeholder', '{ a } {1} {}', {}, [], '{ a } {1} {}'],
    ['does not treat a value as a template', '{a}', { a: '{b}' }, [], '{b}'],
    ['does not read inherited properties', '{toString}{constructor}', {}, [], ''],
    ['appends a link after a colon without a space', '请点击链接登记：', {}, ['https://x/l/1'], '请点击链接登记：https://x/l/1'],
    ['appends a link after a sentence with a space', '请按时来访。', {}, ['https://x/c'], '请按时来访。 https://x/c'],
    ['appends two links, skipping empty ones', '见：', {}, [null, 'https://a', undefined, 'https://b'], '见：https://a https://b'],
  ])('%s', (_, content, vars, links, out) => {
    expect(renderTemplate(content, vars as Record<string, string>, links as string[])).toBe(out);
  });
});

describe('template variables', () => {
  it('lists placeholders once, in order', () => {
    expect(placeholdersOf('{b}{a}{b}{ c}')).toEqual(['b', 'a']);
  });
  it('every default template uses only its event\'s variables', () => {
    for (const e of VISIT_EVENTS) expect(unknownPlaceholders(e, DEFAULT_TEMPLATES[e].content), e).toEqual([]);
  });
  it('flags a variable of another event', () => {
    expect(unknownPlaceholders('order_submitted', '{visitorName}{inviterName}{comment}')).toEqual(['inviterName', 'comment']);
    expect(EVENT_VARIABLES.companion_link).toContain('inviterName');
  });
});
