// The scan's shape (issue 10): src/scan/ builds hellos and interprets answers but opens no socket
// and does no DNS (both live in src/capture/), and its pieces stay small enough to read: no file
// over 400 lines, no function over 80. Findings are rows of one table, each with a distinct id.

import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { FINDING_RULES, SEVERITY_ORDER } from '../../src/scan/findings.js';
import { repoRoot } from '../helpers/servers.js';

const scanDir = path.join(repoRoot, 'src', 'scan');
const files = readdirSync(scanDir).filter((f) => f.endsWith('.ts'));
const source = (f: string): string => readFileSync(path.join(scanDir, f), 'utf8');

/** Every function-like node's name and length in lines. */
function functionLengths(file: string): Array<{ name: string; lines: number }> {
  const sf = ts.createSourceFile(file, source(file), ts.ScriptTarget.Latest, true);
  const out: Array<{ name: string; lines: number }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : `<anonymous at ${file}:${start + 1}>`;
      out.push({ name: `${file}:${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('src/scan shape', () => {
  it('touches no socket and does no DNS of its own (node:net, node:tls, node:dns, node:dgram, http)', () => {
    const offending = files.flatMap((f) =>
      [...source(f).matchAll(/from '(node:)?(net|tls|dns|dns\/promises|dgram|http|https|http2)'/g)].map((m) => `${f}: ${m[0]}`),
    );
    expect(offending).toEqual([]);
  });

  it('has no file over 400 lines and no function over 80 lines', () => {
    const longFiles = files.filter((f) => source(f).split('\n').length > 400);
    const longFunctions = files.flatMap(functionLengths).filter((f) => f.lines > 80);
    expect(longFiles).toEqual([]);
    expect(longFunctions).toEqual([]);
  });
});

describe('the findings table', () => {
  it('has distinct ids, known severities, and a why for every rule', () => {
    const ids = FINDING_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of FINDING_RULES) {
      expect(SEVERITY_ORDER).toContain(rule.severity);
      expect(rule.why.length).toBeGreaterThan(10);
    }
  });
});
