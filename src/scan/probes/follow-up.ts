// What the probes that go past the first flight share: the records they send after the server's
// ServerHelloDone, and a reading of what the server sent back through the shared decoder (its
// alert, its heartbeat responses, its first record's bytes as capped evidence).

import { frameRecords } from '../client-hello-builder.js';
import { decodeStream } from '../../decode/index.js';
import { FINDING_EVIDENCE_BYTES, SCAN_FOLLOW_UP_BYTES } from '../../limits.js';
import { alertDescriptions, ContentType, describe } from '../../registry/index.js';
import type { FlightSummary } from '../first-flight.js';
import type { ProbeResult } from '../probe.js';
import type { ProbeOutcome } from '../types.js';

/** One record of `contentType` with `body`, in the version the server picked. */
export function record(contentType: number, version: number, body: readonly number[] | Uint8Array): Uint8Array {
  return frameRecords(Uint8Array.from(body), version, contentType);
}

/** A warning-level close_notify: a server that ignored what came before closes at once instead of
 * waiting out the probe's deadline. */
export const closeNotify = (version: number): Uint8Array => record(ContentType.alert, version, [1, 0]);

export interface AfterReading {
  alert?: { level: number; description: number };
  /** Heartbeat messages the server sent: type, declared payload length, and whether the record
   * holds that many bytes (a response that only claims them proves nothing). */
  heartbeats: Array<{ heartbeatType: number; payloadLength: number; carried: boolean }>;
  /** The first record received, lower-case hex, at most FINDING_EVIDENCE_BYTES bytes. */
  firstRecordHex?: string;
}

/** Reads the bytes the server sent after a follow-up. */
export function readAfter(after: Buffer): AfterReading {
  const out: AfterReading = { heartbeats: [] };
  if (after.length === 0) return out;
  const declared = after.length >= 5 ? 5 + after.readUInt16BE(3) : after.length;
  out.firstRecordHex = after.subarray(0, Math.min(declared, FINDING_EVIDENCE_BYTES)).toString('hex');
  for (const m of decodeStream('server', after).messages) {
    if (m.kind === 'alert' && !out.alert) out.alert = { level: m.level, description: m.description };
    if (m.kind === 'heartbeat') out.heartbeats.push({ heartbeatType: m.heartbeatType, payloadLength: m.payloadLength, carried: !m.heartbleed && !m.issue });
  }
  return out;
}

/** `alert bad_record_mac (20)`. */
export function alertText(a: { description: number }): string {
  return `alert ${describe(alertDescriptions, a.description, 1).name} (${a.description})`;
}

/** The flight did not reach ServerHelloDone: the probe had nothing to follow up, so it cannot tell. */
export function noFollowUp(r: ProbeResult, what: string): ProbeOutcome {
  const f: FlightSummary = r.flight;
  const seen = f.alert ? alertText(f.alert) : f.serverHello ? 'a ServerHello but no ServerHelloDone' : `connection ${r.end}`;
  return { verdict: 'unknown', detail: `the handshake did not reach ServerHelloDone (${seen}), so no ${what} was sent`, connections: r.attempts };
}

/** How the connection ended after the follow-up, as what the probe "got", when it saw no alert. */
export function silentEnd(r: ProbeResult, timeoutMs: number): string {
  if (r.end === 'timeout') return `no answer within ${timeoutMs} ms`;
  if (r.end === 'too-big') return `more than tls-trace reads after a probe (${SCAN_FOLLOW_UP_BYTES} bytes)`;
  return `a ${r.end === 'reset' ? 'reset' : 'close'} without an alert`;
}
