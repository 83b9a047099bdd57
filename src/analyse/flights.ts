// Turns the decoded messages into numbered steps and groups them into flights: a flight is a run
// of messages from one side, so each change of direction is half a round trip.

import { X509Certificate } from 'node:crypto';
import type { DecodeIssue, Field } from '../decode/types.js';
import { certificateOf, type DecodedTrace, type HandshakeMessage, type Message, type TlsRecord } from '../decode/model.js';
import { handshakeTypes } from '../registry/index.js';
import { codePoint } from './code-point.js';
import type { CertificateSummary, Flight, Step } from './types.js';
import { MAX_CERTIFICATE_BYTES, MAX_CERTIFICATES_PER_MESSAGE } from '../limits.js';
import { handshakeTitles } from '../decode/index.js';
import { describeKey, displayNames } from './certificates/parse.js';


/** Display name of a message: `ClientHello`, `HelloRetryRequest`, `Alert`, `Encrypted record`. */
export function messageName(m: Message): string {
  switch (m.kind) {
    case 'handshake': {
      if (m.body?.type === 'server_hello' && m.body.helloRetryRequest) return 'HelloRetryRequest';
      return handshakeTitles[m.msgType] ?? `Handshake ${codePoint(handshakeTypes, m.msgType, 1).name} (${m.msgType})`;
    }
    case 'change_cipher_spec':
      return 'ChangeCipherSpec';
    case 'alert':
      return 'Alert';
    case 'encrypted':
      return 'Encrypted record';
    case 'application_data':
      return 'Application data';
    case 'heartbeat':
      return m.heartbeatType === 2 ? 'HeartbeatResponse' : m.heartbeatType === 1 ? 'HeartbeatRequest' : 'Heartbeat';
    case 'opaque':
      return m.missing ? 'Missing bytes (not in the capture)' : m.cap ? 'Not decoded (tls-trace cap)' : 'Unrecognised bytes';
  }
}

/** Every issue on a message: its own and those inside its field tree. */
export function messageIssues(m: Message): DecodeIssue[] {
  const out: DecodeIssue[] = [];
  if (m.issue) out.push(m.issue);
  const walk = (fields: readonly Field[]): void => {
    for (const f of fields) {
      if (f.issue && !out.some((i) => sameIssue(i, f.issue!))) out.push(f.issue);
      if (f.children) walk(f.children);
    }
  };
  walk(m.fields);
  return out;
}

/** Adds the issues of the records that carried a message (e.g. an over-long record) once each. */
function withRecordIssues(issues: DecodeIssue[], records: ReadonlyArray<TlsRecord | undefined>): DecodeIssue[] {
  for (const r of records) {
    if (!r) continue;
    const found = [r.issue, ...r.fields.map((f) => f.issue)].filter((i): i is DecodeIssue => i !== undefined);
    for (const i of found) if (!issues.some((x) => sameIssue(x, i))) issues.push(i);
  }
  return issues;
}

function sameIssue(a: DecodeIssue, b: DecodeIssue): boolean {
  return a.offset === b.offset && a.length === b.length && a.reason === b.reason;
}

/** One step per decoded message, in trace order, grouped into flights. */
export function buildSteps(decoded: DecodedTrace): { steps: Step[]; flights: Flight[] } {
  const steps: Step[] = [];
  // Record-level issues (a length over 2^14 + 2048, a body cut short) are shown once, on the
  // first message the record carried.
  const recordIssueShown = new Set<number>();
  decoded.messages.forEach((m, i) => {
    const recordLength = m.records.reduce((sum, r) => sum + (decoded.records[r]?.length ?? 0), 0);
    const step: Step = {
      index: steps.length + 1,
      flight: 0,
      message: i,
      direction: m.direction,
      timeMs: m.timeMs,
      kind: m.kind,
      name: messageName(m),
      records: [...m.records],
      recordLength,
      messageLength: m.length,
      decrypted: m.space.decrypted === true,
      issues: withRecordIssues(messageIssues(m), m.records.map((r) => decoded.records[r])),
    };
    for (const r of m.records) {
      const issue = decoded.records[r]?.issue;
      if (!issue || recordIssueShown.has(r)) continue;
      recordIssueShown.add(r);
      if (!step.issues.some((x) => sameIssue(x, issue))) step.issues.push(issue);
    }
    if (m.kind === 'handshake' && certificateOf(m.body)) step.certificates = summariseCertificates(m);
    if (m.kind === 'encrypted' && m.guess) step.guess = m.guess;
    steps.push(step);
  });
  return { steps, flights: assignFlights(steps) };
}

/** Numbers flights in place (a new flight at each change of direction) and returns them. */
function assignFlights(steps: Step[]): Flight[] {
  const flights: Flight[] = [];
  const perSide = { client: 0, server: 0 };
  for (const s of steps) {
    let f = flights.at(-1);
    if (!f || f.direction !== s.direction) {
      perSide[s.direction] += 1;
      f = {
        index: flights.length + 1,
        label: `${s.direction === 'client' ? 'C' : 'S'}${perSide[s.direction]}`,
        direction: s.direction,
        startMs: s.timeMs,
        endMs: s.timeMs,
        steps: [],
      };
      flights.push(f);
    }
    f.steps.push(s.index);
    f.startMs = Math.min(f.startMs, s.timeMs);
    f.endMs = Math.max(f.endMs, s.timeMs);
    s.flight = f.index;
  }
  return flights;
}

/** Subject/issuer/key of each certificate, as far as Node can read them; never throws. */
function summariseCertificates(m: HandshakeMessage): CertificateSummary[] {
  const body = certificateOf(m.body);
  if (!body) return [];
  return body.entries.map((e, i) => {
    // Caps (src/limits.ts): a hostile server can pack thousands of entries into one message.
    if (i >= MAX_CERTIFICATES_PER_MESSAGE) {
      return { subject: '?', issuer: '?', error: `not examined: more than ${MAX_CERTIFICATES_PER_MESSAGE} certificates in one message (certificate cap)` };
    }
    if (e.der.length / 2 > MAX_CERTIFICATE_BYTES) {
      return { subject: '?', issuer: '?', error: `not examined: ${e.der.length / 2} bytes is over the ${MAX_CERTIFICATE_BYTES}-byte certificate cap` };
    }
    try {
      const der = Buffer.from(e.der, 'hex');
      const x = new X509Certificate(der);
      // Names from our DN formatter: Node's subject is OpenSSL-escaped, which the report would escape again.
      return { ...displayNames(der, x), key: describeKey(x.publicKey).label };
    } catch (err) {
      // Node falls back to PEM when DER fails, so OpenSSL's text ("PEM routines::no start line")
      // would blame the wrong format: name the real problem first.
      return { subject: '?', issuer: '?', error: `not a valid DER certificate (OpenSSL: ${err instanceof Error ? err.message : String(err)})` };
    }
  });
}
