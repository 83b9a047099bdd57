// The whole offline pipeline a replay runs — decode → decrypt (when the capture has a key log) →
// analyse → text and JSON reports — plus the invariants every fuzz case must keep. Returns the
// violations as sentences (empty = fine); never throws, so the fuzzer can report and carry on.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseCapture } from '../../src/capture/capture-file.js';
import type { Capture } from '../../src/capture/types.js';
import { decodeCapture } from '../../src/decode/index.js';
import type { DecodedTrace } from '../../src/decode/model.js';
import type { ByteSpace, DecodeIssue, Field } from '../../src/decode/types.js';
import { decryptAndMerge } from '../../src/decrypt/index.js';
import { analyseTrace, renderJson, renderText } from '../../src/report/index.js';
import { renderHtml } from '../../src/report/html/index.js';
import { analyseChain, buildTrustStore, type TrustStore } from '../../src/analyse/chain/index.js';
import { renderChain } from '../../src/report/chain-table.js';
import { demoPaths, repoRoot } from '../helpers/servers.js';

/** The demo root as the only anchor (the corpus chains end there), built once. */
let trustStore: TrustStore | undefined;
function demoTrustStore(): TrustStore {
  trustStore ??= buildTrustStore([{ origin: 'ca-file', pem: readFileSync(demoPaths.root, 'utf8'), file: demoPaths.root }]);
  return trustStore;
}

/** A fixed clock inside the demo certificates' validity, so results do not drift with the date. */
const CHAIN_CLOCK = new Date('2026-06-01T00:00:00Z');

/** Every recorded capture in fixtures/captures (the fuzz corpus). */
export function loadCorpus(): Capture[] {
  const dir = path.join(repoRoot, 'fixtures', 'captures');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseCapture(readFileSync(path.join(dir, f), 'utf8'), f));
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  return String(e);
}

function checkSpan(what: string, space: ByteSpace, offset: number, length: number, out: string[]): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > space.bytes.length) {
    out.push(`${what}: span ${offset}+${length} outside ${space.id} (0..${space.bytes.length})`);
  }
}

function checkIssue(what: string, space: ByteSpace, issue: DecodeIssue | undefined, out: string[]): void {
  if (!issue) return;
  checkSpan(`${what} issue "${issue.reason}"`, space, issue.offset, issue.length, out);
  // `limit` (tls-trace's own cap) is a fact about the trace, never about a message or field.
  const kinds = what === 'trace' ? ['incomplete', 'malformed', 'limit'] : ['incomplete', 'malformed'];
  if (!kinds.includes(issue.kind)) out.push(`${what}: issue kind ${String(issue.kind)}`);
}

function checkFields(what: string, space: ByteSpace, fields: readonly Field[], out: string[], depth = 0): void {
  if (depth > 64) {
    out.push(`${what}: field tree deeper than 64`);
    return;
  }
  for (const f of fields) {
    checkSpan(`${what} field ${f.name}`, space, f.offset, f.length, out);
    checkIssue(`${what} field ${f.name}`, space, f.issue, out);
    if (f.children) checkFields(what, space, f.children, out, depth + 1);
    if (out.length > 20) return;
  }
}

/** Spans and issue offsets of a decoded trace stay inside their byte spaces. */
export function checkTrace(trace: DecodedTrace): string[] {
  const out: string[] = [];
  const stream = (d: 'client' | 'server'): ByteSpace | undefined => trace.spaces.find((s) => s.id === d);
  for (const i of trace.issues) {
    const s = stream(i.direction);
    if (!s) out.push(`trace issue for ${i.direction} without a stream space`);
    else checkIssue('trace', s, i, out);
  }
  for (const r of trace.records) {
    const s = stream(r.direction);
    if (!s) continue;
    checkSpan(`record #${r.index}`, s, r.offset, r.length, out);
    checkFields(`record #${r.index}`, s, r.fields, out);
    checkIssue(`record #${r.index}`, s, r.issue, out);
  }
  trace.messages.forEach((m, i) => {
    checkSpan(`message ${i} (${m.kind})`, m.space, m.offset, m.length, out);
    checkFields(`message ${i} (${m.kind})`, m.space, m.fields, out);
    checkIssue(`message ${i} (${m.kind})`, m.space, m.issue, out);
    for (const r of m.records) if (!trace.records[r]) out.push(`message ${i} names record ${r}, which does not exist`);
    // Derived spaces map back into their stream.
    for (const seg of m.space.segments) {
      const s = stream(m.direction);
      if (s && m.space !== s) checkSpan(`space ${m.space.id} segment`, s, seg.streamOffset, seg.length, out);
    }
  });
  return out;
}

export interface PipelineResult {
  violations: string[];
  textLength: number;
}

/** Runs everything; any exception or broken invariant becomes a violation. */
export function runPipeline(capture: Capture): PipelineResult {
  const violations: string[] = [];
  let stage = 'decode';
  let textLength = 0;
  try {
    let decoded = decodeCapture(capture);
    violations.push(...checkTrace(decoded));
    if (capture.keylog.length > 0) {
      stage = 'decrypt';
      decoded = decryptAndMerge(capture, decoded).trace;
      violations.push(...checkTrace(decoded).map((v) => `after decryption: ${v}`));
    }
    stage = 'analyse';
    const analysis = analyseTrace(capture, decoded);
    const view = { capture, decoded, analysis };
    stage = 'text';
    const text = renderText(view, { color: false, hex: true });
    textLength = text.length;
    if (text.includes('\x1b')) violations.push('text output (no colour) contains a raw ESC');
    stage = 'json';
    const json = JSON.stringify(renderJson(view));
    if (json.includes('\x1b')) violations.push('JSON output contains a raw ESC');
    JSON.parse(json);
    // The --html page of the same view: peer bytes never become markup or a raw control character.
    stage = 'html';
    const page = renderHtml(view, { showSecrets: false });
    if (page.includes('\x1b') || page.includes('\u202e')) violations.push('HTML page contains a raw ESC or bidi override');
    if ((page.match(/<script/g) ?? []).length !== 2) violations.push('HTML page has a <script> element of its own making');
    // What `check` does with the same bytes: chain analysis of every Certificate message (forge's
    // DER walk over possibly mutated certificates), rendered as text and JSON.
    stage = 'chain';
    for (const m of decoded.messages) {
      if (m.kind !== 'handshake' || m.body?.type !== 'certificate' || m.direction !== 'server') continue;
      const status = decoded.messages.find((x) => x.kind === 'handshake' && x.body?.type === 'certificate_status');
      const ocsp = status?.kind === 'handshake' && status.body?.type === 'certificate_status' ? status.body.response : undefined;
      const chain = analyseChain({
        certificates: m.body.entries.map((e) => e.der),
        source: 'decoded',
        at: CHAIN_CLOCK,
        host: 'localhost',
        trustStore: demoTrustStore(),
        ocspRequested: true,
        ...(ocsp ? { ocspResponse: ocsp } : {}),
      });
      const chainText = renderChain(chain, { color: false });
      if (chainText.includes('\x1b')) violations.push('chain text contains a raw ESC');
      JSON.stringify(chain);
    }
  } catch (e) {
    violations.push(`exception in ${stage}: ${errorText(e)}`);
  }
  return { violations, textLength };
}
