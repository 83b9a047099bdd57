// Machine output of the check command: one JSON document (`--json`) or one line per target as it
// finishes (`--ndjson`). Both carry the chain report per target in the shared vocabulary
// (shared-json.ts), its lists cut at JSON_MAX_LIST_ENTRIES with a `<name>Omitted` count
// (src/report/json-caps.ts). schema/check.schema.json and schema/check-line.schema.json describe them.

import type { CheckSummary, TargetResult } from '../check/types.js';
import { escapeControl, escapeStrings, type JsonValue } from './escape.js';
import { JSON_MAX_LIST_ENTRIES } from '../limits.js';
import { capArrays } from './json-caps.js';
import type { CertificateInfo } from '../analyse/certificates/types.js';
import { certificateJson, chainJson, SCHEMA_VERSION, type ChainJson } from './shared-json.js';

export const CHECK_JSON_FORMAT = 'tls-trace-check';
export const CHECK_LINE_FORMAT = 'tls-trace-check-line';

export interface TargetResultJson extends Omit<TargetResult, 'chain'> {
  chain?: ChainJson;
}

export interface CheckJson {
  format: typeof CHECK_JSON_FORMAT;
  schemaVersion: typeof SCHEMA_VERSION;
  at: string;
  warnDays: number;
  critDays: number;
  exitCode: number;
  counts: CheckSummary['counts'];
  durationMs: number;
  results: TargetResultJson[];
}

/** Run-wide facts, in the document and in the NDJSON summary line alike. */
export type CheckRunFacts = Pick<CheckJson, 'at' | 'warnDays' | 'critDays' | 'exitCode' | 'counts' | 'durationMs'>;

export function runFacts(summary: CheckRunFacts): CheckRunFacts {
  return { at: summary.at, warnDays: summary.warnDays, critDays: summary.critDays, exitCode: summary.exitCode, counts: summary.counts, durationMs: summary.durationMs };
}

// Certificate names and server messages are peer-controlled: every string is escaped as in the
// text output (JSON.stringify alone would pass bidi overrides and C1 controls through).
export function checkToJson(summary: CheckSummary): CheckJson {
  return escapeStrings({
    format: CHECK_JSON_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    ...runFacts(summary),
    results: summary.results.map(resultJson),
  }) as unknown as CheckJson;
}

/**
 * One result as the document carries it, escaped, as compact JSON text: a fleet's `--json` run
 * holds these until it prints, not the chain reports (a tenth of the memory).
 */
export function resultJsonText(result: TargetResult): string {
  return expandHeld(heldResultJson(result));
}

/**
 * A result's compact JSON text with its certificates' summaries held apart, as slots: the texts
 * are shared by every result with the same certificates, so a `--json` run, which must hold every
 * result until the sorted document can be written, holds each certificate's text once.
 */
export interface HeldJson {
  text: string;
  certificates: readonly string[];
}

export function heldResultJson(result: TargetResult): HeldJson {
  return machineText({}, result);
}

/**
 * The `--json` document in pieces, the same text as `JSON.stringify(checkToJson(…), null, 2)`:
 * each result (resultJsonText or heldResultJson, in the run's order) is laid out with the
 * document's indentation on its own, so the whole document is never one string.
 */
export function* checkJsonPieces(facts: CheckRunFacts, results: Iterable<string | HeldJson>): Generator<string> {
  const head = JSON.stringify({ format: CHECK_JSON_FORMAT, schemaVersion: SCHEMA_VERSION, ...runFacts(facts), results: [] }, null, 2);
  let first = true;
  for (const result of results) {
    const text = typeof result === 'string' ? result : expandHeld(result);
    // JSON text has no raw line break inside a string: indenting every line is safe.
    yield `${first ? `${head.slice(0, -'[]\n}'.length)}[\n` : ',\n'}    ${JSON.stringify(JSON.parse(text), null, 2).replace(/\n/g, '\n    ')}`;
    first = false;
  }
  yield first ? `${head}\n` : '\n  ]\n}\n';
}

/** A hostile server's chain can list 65,000 certificates: lists in a result are cut as in the trace JSON. */
function resultJson(result: TargetResult): TargetResultJson {
  const { chain, ...rest } = result;
  return capArrays(chain ? { ...rest, chain: chainJson(chain) } : rest);
}

/**
 * Each certificate's summary as escaped, capped JSON text, by its parsed info (shared through
 * the chain analysis's parse cache, so this lives as long as that entry) and the days left (one
 * value per run: the clock is pinned). A fleet's intermediates and anchors, and a server's leaf,
 * come back target after target; their text is most of a line.
 */
const certificateTexts = new WeakMap<CertificateInfo, Map<number, string>>();

function certificateText(info: CertificateInfo, daysLeft: number): string {
  let byDays = certificateTexts.get(info);
  if (!byDays) certificateTexts.set(info, (byDays = new Map()));
  let text = byDays.get(daysLeft);
  if (text === undefined) byDays.set(daysLeft, (text = JSON.stringify(escapeStrings(capArrays(certificateJson(info, daysLeft))))));
  return text;
}

/**
 * A slot's mark in JSON text: a string holding U+0000, which JSON.stringify writes as `\u0000`
 * and which no escaped string holds (escapeControl turns it into `\x00`).
 */
const SLOT = '\u0000';
const SLOT_TEXT = /"\\u0000(\d+)"/g;

/**
 * `head` and the result as compact JSON, the same text as JSON.stringify(escapeStrings({ ...head,
 * ...resultJson(result) })) once expanded (expandHeld): the result is escaped and capped in one
 * walk (escapedCapped) and each certificate it keeps is a slot for its certificateText.
 */
function machineText(head: Record<string, string>, result: TargetResult): HeldJson {
  const texts: string[] = [];
  const mark = (info: CertificateInfo, daysLeft: number): null => {
    texts.push(certificateText(info, daysLeft));
    return null;
  };
  const { chain, ...rest } = result;
  const json = escapedCapped({ ...head, ...(chain ? { ...rest, chain: chainJson(chain, mark) } : rest) });
  const rows = (json as { chain?: { certificates?: Array<Record<string, unknown>> } }).chain?.certificates ?? [];
  let slot = 0;
  // The rows the cap kept, in order: the first `slot` texts are theirs.
  for (const row of rows) if ('certificate' in row) row.certificate = `${SLOT}${slot++}`;
  return { text: JSON.stringify(json), certificates: texts.slice(0, slot) };
}

function expandHeld(held: HeldJson): string {
  return held.certificates.length === 0 ? held.text : held.text.replace(SLOT_TEXT, (_m, i: string) => held.certificates[Number(i)]);
}

/**
 * escapeStrings(capArrays(value)) in one walk instead of two copies (a result is walked once per
 * target): arrays cut at JSON_MAX_LIST_ENTRIES with a `<key>Omitted` sibling, strings escaped,
 * bytes as hex, undefined members dropped, anything else JSON cannot hold as null.
 * test/check/machine-text.test.ts holds it to that composition.
 */
function escapedCapped(value: unknown): JsonValue {
  if (typeof value === 'string') return escapeControl(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.slice(0, JSON_MAX_LIST_ENTRIES).map((v) => escapedCapped(v));
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (typeof value !== 'object') return null;
  const out: { [k: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== undefined) out[k] = escapedCapped(v);
    if (Array.isArray(v) && v.length > JSON_MAX_LIST_ENTRIES) out[`${k}Omitted`] = v.length - JSON_MAX_LIST_ENTRIES;
  }
  return out;
}

/** One NDJSON line (with the trailing newline). */
export function ndjsonLine(result: TargetResult): string {
  return `${expandHeld(machineText({ format: CHECK_LINE_FORMAT, schemaVersion: SCHEMA_VERSION, type: 'target' }, result))}\n`;
}

/**
 * The summary line; a `--shard I/N` run adds `shard` so that `check merge` can tell a missing or
 * repeated shard (the --json document has no such field: a merged run equals an unsharded one).
 */
export function ndjsonSummaryLine(summary: CheckRunFacts, shard?: { index: number; count: number }): string {
  return `${JSON.stringify({ format: CHECK_LINE_FORMAT, schemaVersion: SCHEMA_VERSION, type: 'summary', ...runFacts(summary), ...(shard ? { shard: { index: shard.index, count: shard.count } } : {}) })}\n`;
}
