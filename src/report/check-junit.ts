// JUnit XML for CI systems: one <testcase> per target; invalid → <failure>, connection trouble →
// <error>, expiring and critical → <failure type="expiring"|"critical"> (CI should see it red
// before it breaks). Checked against the xunit JUnit XSD in test/check/formats.test.ts.

import { verdictOf, type CheckView, type ResultView } from './check-view.js';
import { problemList } from './check-summary.js';

/** Escapes text for XML content and attributes, dropping characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex -- XML 1.0 forbids these characters outright
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function testcase(r: ResultView): string {
  const name = xmlEscape(r.target);
  const time = (r.durationMs / 1000).toFixed(3);
  const open = `    <testcase classname="tls-trace.check" name="${name}" time="${time}"`;
  const days = r.daysLeft === null ? '' : ` (${r.daysLeft} days left)`;
  switch (r.status) {
    case 'valid':
      return `${open}>\n      <system-out>${xmlEscape(`valid${days}`)}</system-out>\n    </testcase>`;
    case 'error': {
      const msg = xmlEscape(r.error?.message ?? problemList(r.problems));
      return `${open}>\n      <error type="${xmlEscape(r.error?.code ?? 'error')}" message="${msg}">${msg}</error>\n    </testcase>`;
    }
    default: {
      const msg = xmlEscape(problemList(r.problems) + days);
      const body = xmlEscape(problemList(r.problems, '\n'));
      return `${open}>\n      <failure type="${verdictOf(r)}" message="${msg}">${body}</failure>\n    </testcase>`;
    }
  }
}

export function renderJunit(summary: CheckView): string {
  const c = summary.counts;
  const tests = summary.results.length;
  const time = (summary.durationMs / 1000).toFixed(3);
  const head = `<testsuite name="tls-trace check" tests="${tests}" failures="${c.invalid + c.critical + c.expiring}" errors="${c.error}" skipped="0" time="${time}" timestamp="${xmlEscape(summary.at)}">`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tls-trace" tests="${tests}" failures="${c.invalid + c.critical + c.expiring}" errors="${c.error}" time="${time}">`,
    `  ${head}`,
    ...summary.results.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
