// CT log lists in Google's v3 format (log_list.json / all_logs_list.json, schema
// https://www.gstatic.com/ct/log_list/v3/log_list_schema.json): operators → logs (RFC 6962) and
// tiled_logs (static-ct-api), each with its key, log_id, state and temporal interval. The bundled
// list and a user's --ct-log-list file go through this one parser; a list that is not the format
// is refused with one sentence (LogListError), never half-read.

import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { MAX_CT_LOGS } from '../../limits.js';
import { BUNDLED_CT_LOG_LIST } from '../../registry/ct-log-list.data.js';

export const CT_LOG_STATES = ['usable', 'qualified', 'readonly', 'retired', 'pending', 'rejected'] as const;
export type CtLogState = (typeof CT_LOG_STATES)[number];

export interface CtLog {
  /** SHA-256 of the key (hex): what an SCT names. */
  logId: string;
  description: string;
  operator: string;
  /** The log's public key; undefined when the list's key does not parse (its SCTs cannot verify). */
  key?: KeyObject;
  url?: string;
  /** Maximum merge delay, seconds. */
  mmd?: number;
  state?: CtLogState;
  /** When the log entered `state` (ISO). */
  stateAt?: string;
  interval?: { start: string; end: string };
  /** A static-ct-api (tiled) log rather than an RFC 6962 one. */
  tiled: boolean;
}

export interface CtLogList {
  /** `bundled` or the file it was read from. */
  source: string;
  version?: string;
  /** The list's own date (log_list_timestamp). */
  timestamp?: string;
  logs: Map<string, CtLog>;
}

export class LogListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogListError';
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Json, k: string): string | undefined {
  return typeof o[k] === 'string' ? o[k] : undefined;
}

/** The single state a log is in: the v3 schema writes it as an object with one key. */
function stateOf(o: Json): { state?: CtLogState; stateAt?: string } {
  if (!isObject(o.state)) return {};
  for (const s of CT_LOG_STATES) {
    const v = o.state[s];
    if (isObject(v)) return { state: s, ...(typeof v.timestamp === 'string' ? { stateAt: v.timestamp } : {}) };
  }
  return {};
}

function readLog(o: unknown, operator: string, tiled: boolean, where: string): CtLog {
  if (!isObject(o)) throw new LogListError(`${where} is not an object`);
  const keyB64 = str(o, 'key');
  if (!keyB64) throw new LogListError(`${where} has no key`);
  const keyDer = Buffer.from(keyB64, 'base64');
  const logId = createHash('sha256').update(keyDer).digest('hex');
  const listed = str(o, 'log_id');
  // The log_id is defined as the key's hash; a list that disagrees is corrupt, not a new kind of log.
  if (listed !== undefined && Buffer.from(listed, 'base64').toString('hex') !== logId) {
    throw new LogListError(`${where} ("${str(o, 'description') ?? '?'}"): log_id is not the SHA-256 of its key`);
  }
  let key: KeyObject | undefined;
  try {
    key = createPublicKey({ key: keyDer, format: 'der', type: 'spki' });
  } catch {
    key = undefined;
  }
  const ti = isObject(o.temporal_interval) ? o.temporal_interval : undefined;
  const start = ti && str(ti, 'start_inclusive');
  const end = ti && str(ti, 'end_exclusive');
  const url = str(o, 'url') ?? str(o, 'submission_url');
  return {
    logId,
    description: str(o, 'description') ?? `log ${listed ?? logId}`,
    operator,
    ...(key ? { key } : {}),
    ...(url ? { url } : {}),
    ...(typeof o.mmd === 'number' ? { mmd: o.mmd } : {}),
    ...stateOf(o),
    ...(start && end ? { interval: { start, end } } : {}),
    tiled,
  };
}

/** Reads a parsed v3 log list. Throws LogListError when it is not one. */
export function parseLogList(json: unknown, source: string): CtLogList {
  if (!isObject(json) || !Array.isArray(json.operators)) throw new LogListError('not a v3 CT log list (no "operators" array)');
  const logs = new Map<string, CtLog>();
  json.operators.forEach((op: unknown, i) => {
    if (!isObject(op)) throw new LogListError(`operators[${i}] is not an object`);
    const name = str(op, 'name') ?? `operator #${i}`;
    for (const [field, tiled] of [['logs', false], ['tiled_logs', true]] as const) {
      const list = op[field];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw new LogListError(`operators[${i}].${field} is not an array`);
      list.forEach((l: unknown, j) => {
        if (logs.size >= MAX_CT_LOGS) throw new LogListError(`more than ${MAX_CT_LOGS} logs, the most tls-trace reads from a CT log list`);
        const log = readLog(l, name, tiled, `operators[${i}].${field}[${j}]`);
        logs.set(log.logId, log);
      });
    }
  });
  return {
    source,
    ...(typeof json.version === 'string' ? { version: json.version } : {}),
    ...(typeof json.log_list_timestamp === 'string' ? { timestamp: json.log_list_timestamp } : {}),
    logs,
  };
}

/** Reads a log list file's text (the CLI reads the file, size-capped). */
export function parseLogListText(text: string, source: string): CtLogList {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LogListError(`not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseLogList(json, source);
}

let bundled: CtLogList | undefined;

/** The list shipped with tls-trace (parsed once). */
export function bundledLogList(): CtLogList {
  bundled ??= parseLogList(BUNDLED_CT_LOG_LIST, 'bundled');
  return bundled;
}
