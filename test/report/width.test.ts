// Item 15 of issue 9: tables in CI logs. The chain table was fitted to 100 columns by counting
// UTF-16 units and cut words ("tls-trace Demo Intermedi… CA", CJK names cut mid-character); the
// check table ignored the width. Widths are now terminal columns (cli-table3's string-width
// measure), a column is never narrower than its longest word, and text wraps at spaces.

import { analyseChain } from '../../src/analyse/chain/analyse.js';
import { buildTrustStore } from '../../src/analyse/chain/trust-store.js';
import type { CheckSummary, TargetResult } from '../../src/check/types.js';
import { renderChain } from '../../src/report/chain-table.js';
import { renderCheckTable } from '../../src/report/check-summary.js';
import { checkView } from '../../src/report/check-view.js';
import { breakLongWords, displayWidth, fitColumns } from '../../src/report/fit.js';
import { wrap } from '../../src/report/text.js';
import { selfSigned } from './helpers/big-captures.js';

const CJK = '日本語テスト認証局';
const EMOJI = '🔒 Emoji Secure 🔒 Test CA';
const LONG = 'tls-trace Demo Intermediate CA';

/** The table part of renderChain's output (the lines after it are sentences). */
function tableOf(out: string): string {
  const lines = out.split('\n');
  return lines.slice(0, lines.findIndex((l) => l.startsWith('└')) + 1).join('\n');
}

/** Everything column `col` of a boxed table shows, its lines joined with the white space removed. */
function columnText(table: string, col: number): string {
  return table
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) => (l.split('│')[col + 1] ?? '').replace(/\s+/g, ''))
    .join('');
}

/** The widest line, in terminal columns. */
function widest(out: string): number {
  return out.split('\n').reduce((w, l) => Math.max(w, displayWidth(l)), 0);
}

describe('chain table', () => {
  const certificates = [selfSigned(`/O=Example/CN=${CJK}`), selfSigned(`/CN=${EMOJI}`), selfSigned(`/CN=${LONG}`)];
  const report = analyseChain({ certificates, source: 'decoded', at: new Date(), trustStore: buildTrustStore([]) });

  it('fits 140 columns, measured in terminal columns, and cuts no name', () => {
    const table = tableOf(renderChain(report, { color: false, width: 140 }));
    expect(widest(table)).toBeLessThanOrEqual(140);
    expect(table).not.toContain('…');
    expect(table).toContain(CJK); // one word: kept on one line, never split
    for (const word of [...EMOJI.split(' '), ...LONG.split(' ')]) expect(table).toContain(` ${word} `);
    // Every line has the same width: wide characters were counted as two.
    expect(new Set(table.split('\n').map(displayWidth)).size).toBe(1);
  });

  it('80 columns cannot hold these names whole: as narrow as the words allow, nothing cut', () => {
    const natural = widest(tableOf(renderChain(report, { color: false })));
    const table = tableOf(renderChain(report, { color: false, width: 80 }));
    expect(widest(table)).toBeLessThan(natural);
    expect(table).not.toContain('…');
    expect(table).toContain(CJK);
    expect(table).toContain(' Intermediate ');
    expect(new Set(table.split('\n').map(displayWidth)).size).toBe(1);
  });

  it('a terminal of 80 columns (hard): the table keeps to 80 and every name is all there, broken across lines', () => {
    const table = tableOf(renderChain(report, { color: false, width: 80, hard: true }));
    expect(widest(table)).toBeLessThanOrEqual(80);
    expect(table).not.toContain('…');
    expect(new Set(table.split('\n').map(displayWidth)).size).toBe(1);
    const subjects = columnText(table, 1);
    for (const name of [CJK, EMOJI, LONG]) expect(subjects).toContain(name.replace(/\s+/g, ''));
  });

  it('without a width (no terminal): one line per name, nothing wrapped', () => {
    const out = renderChain(report, { color: false });
    expect(out).toContain(`│ ${CJK} `);
    expect(out).toContain(`│ ${EMOJI} `);
    expect(out).toContain(`│ ${LONG} `);
    expect(out).not.toContain('…');
  });

});

describe('check summary table', () => {
  const result = (target: string, details: string): TargetResult => ({
    target,
    host: target,
    port: 443,
    checkedName: target,
    status: 'invalid',
    exitCode: 8,
    daysLeft: 12,
    notAfter: '2027-01-01T00:00:00.000Z',
    problems: [details],
    durationMs: 1,
  });
  const long = `self-signed certificate "CN=${CJK}" is not in the trust store; ${CJK}.example does not match: no DNS SANs and CN ${CJK}`;
  const summary: CheckSummary = {
    at: '2026-01-01T00:00:00.000Z',
    warnDays: 30, critDays: 0,
    results: [result(`${CJK}.example:443`, long), result('ci-host.example.com:8443', 'expires in 12 days')],
    counts: { valid: 0, expiring: 0, critical: 0, invalid: 2, error: 0 },
    exitCode: 8,
    durationMs: 5,
  };

  it.each([100, 140])('width %i: fits, wraps the details at spaces, cuts nothing', (width) => {
    const out = renderCheckTable(checkView(summary), { color: false, width });
    expect(widest(out)).toBeLessThanOrEqual(width);
    expect(out).not.toContain('…');
    expect(out).toContain('│ ci-host.example.com:8443 ');
    expect(out).toContain(`│ ${CJK}.example:443 `);
    expect(new Set(out.trimEnd().split('\n').map(displayWidth)).size).toBe(1);
  });

  it('a terminal of 60 columns (too narrow for the names): the table keeps to 60, long words break across lines, nothing cut', () => {
    const out = renderCheckTable(checkView(summary), { color: false, width: 60 });
    expect(widest(out)).toBeLessThanOrEqual(60);
    expect(out).not.toContain('…');
    expect(columnText(out, 0)).toContain(`${CJK}.example:443`);
  });

  it('piped (no width): 100 columns, nothing cut (was one 280-column row per target)', () => {
    const out = renderCheckTable(checkView(summary), { color: false });
    expect(widest(out)).toBeLessThanOrEqual(100);
    expect(out).not.toContain('…');
  });
});

describe('wrap and fitColumns', () => {
  it('wraps by terminal columns and never splits a character', () => {
    const lines = wrap(`${'日本'.repeat(30)} tail`, 40);
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(40);
    expect(lines.join('')).toBe(`${'日本'.repeat(30)}tail`);
    const emoji = wrap('🔒'.repeat(30), 21);
    for (const l of emoji) expect([...l].every((ch) => ch === '🔒')).toBe(true);
  });

  it('a column shrinks no further than its longest word', () => {
    expect(fitColumns([['abc def ghi', 'x']], 10, [0])).toEqual([5, 3]);
    expect(fitColumns([['日本語 テスト', 'x']], 8, [0])).toEqual([8, 3]);
    expect(fitColumns([['abc def', 'x']], undefined, [0])).toEqual([9, 3]);
  });
});

describe('a hard width (a terminal): the table fits, long words break across lines, nothing is cut', () => {
  it('fitColumns goes below the longest word only when hard', () => {
    expect(fitColumns([['Intermediate', 'x']], 10, [0])).toEqual([14, 3]);
    expect(fitColumns([['Intermediate', 'x']], 10, [0], true)).toEqual([6, 3]);
  });

  it('breakLongWords splits between grapheme clusters by terminal columns, and keeps short words whole', () => {
    expect(breakLongWords('tls-trace Demo Intermediate CA', 8)).toBe('tls-trac\ne Demo Intermed\niate CA');
    expect(breakLongWords('日本語テスト', 4)).toBe('日本\n語テ\nスト');
    // A family emoji (one grapheme of several code points) and e + combining acute stay whole.
    expect(breakLongWords('👨‍👩‍👧ab', 2)).toBe('👨‍👩‍👧\nab');
    expect(breakLongWords('ééééé', 2)).toBe('éé\néé\né');
    expect(breakLongWords('short words only', 6)).toBe('short words only');
  });
});
