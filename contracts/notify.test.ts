import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES, EVENT_VARIABLES, SAMPLE_VARS, VISIT_EVENTS, placeholdersOf, renderTemplate, unknownPlaceholders } from './notify.js';

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
    ['says a window written {startAt}至{endAt} once, as timeRange', '您预约的来访（{startAt}至{endAt}）', { startAt: '12月6日 10:30', endAt: '12月6日 11:30', timeRange: '12月6日 10:30至11:30' }, [], '您预约的来访（12月6日 10:30至11:30）'],
    ['keeps {startAt}至{endAt} without a timeRange', '{startAt}至{endAt}', { startAt: '12月6日 10:30', endAt: '12月6日 11:30' }, [], '12月6日 10:30至12月6日 11:30'],
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

describe('default templates read well (issue 9)', () => {
  const rendered = VISIT_EVENTS.map((e) => [e, renderTemplate(DEFAULT_TEMPLATES[e].content, SAMPLE_VARS)] as const);
  it.each(rendered)('%s: no date said twice in a window', (_, text) => {
    expect(text).not.toMatch(/(\d+月\d+日) \d\d:\d\d至\1/);
  });
  it.each(rendered)('%s: Chinese punctuation in Chinese text (no half-width , . ? ! : ; after a Chinese character)', (_, text) => {
    expect(text).not.toMatch(/[\u4e00-\u9fff][,.?!:;]/);
  });
  it.each(rendered)('%s: 您预约 is followed by 的', (_, text) => {
    expect(text).not.toMatch(/您预约(?!的)/);
  });
  it('a window both ends of which a template names is said with timeRange', () => {
    for (const e of VISIT_EVENTS) expect(DEFAULT_TEMPLATES[e].content, e).not.toContain('{startAt}至{endAt}');
    expect(renderTemplate(DEFAULT_TEMPLATES.order_approved.content, SAMPLE_VARS)).toBe('【市行政中心】您预约的来访（11月24日 14:00至16:00，市政务服务管理局，受访人：姜柠檬）已审核通过，请按时来访。');
  });
});
