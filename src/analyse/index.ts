// analyseTrace: the facts the trace report shows, derived from the decoded messages.

import type { Capture } from '../capture/types.js';
import type { DecodedTrace } from '../decode/model.js';
import { alertDescriptions, alertLevels } from '../registry/index.js';
import { codePoint, showCodePoint } from './code-point.js';
import { buildSteps } from './flights.js';
import { findBodies } from './messages.js';
import { deriveNegotiated } from './negotiated.js';
import { fingerprintsOf } from './fingerprints.js';
import { negotiatedRows } from './negotiated-rows.js';
import type { TraceAnalysis, TraceOutcome, TraceSummary } from './types.js';

export type * from './types.js';
export { codePoint, showCodePoint } from './code-point.js';
export { messageName, messageIssues } from './flights.js';
export { deriveNegotiated, suiteFact } from './negotiated.js';
export { negotiatedRows } from './negotiated-rows.js';
export { answeredHellos, finalAnswer, unofferedChoice, type AnsweredHello, type Unoffered } from './answered-hellos.js';

export function analyseTrace(capture: Capture, decoded: DecodedTrace): TraceAnalysis {
  const summary = summariseTrace(capture, decoded);
  const { steps, flights } = buildSteps(decoded);
  return { ...summary, steps, flights };
}

/**
 * analyseTrace without the steps: the steps summarise every certificate (X509Certificate parses),
 * which a table of thousands of connections must not pay for.
 */
export function summariseTrace(capture: Capture, decoded: DecodedTrace): TraceSummary {
  const { negotiated, crossChecks } = deriveNegotiated(capture, decoded);
  const bytes = { client: 0, server: 0 };
  for (const c of capture.chunks) bytes[c.direction] += c.bytes.length;
  return {
    negotiated,
    table: negotiatedRows(negotiated),
    bytes,
    tls13: negotiated.version.value?.code === 0x0304,
    outcome: outcomeOf(capture, decoded),
    crossChecks,
    fingerprints: fingerprintsOf(decoded),
  };
}

/** How an incomplete handshake's summary opens; the reason follows it. */
const INCOMPLETE = 'Handshake did not complete: ';

/** Why a handshake did not complete, without the summary's lead-in (a capture error's message). */
export function incompleteReason(outcome: TraceOutcome): string {
  return outcome.summary.startsWith(INCOMPLETE) ? outcome.summary.slice(INCOMPLETE.length) : outcome.summary;
}

function outcomeOf(capture: Capture, decoded: DecodedTrace): TraceOutcome {
  const fatal = decoded.messages.find((m) => m.kind === 'alert' && m.level === 2);
  if (fatal && fatal.kind === 'alert') {
    const level = codePoint(alertLevels, fatal.level, 1);
    const description = codePoint(alertDescriptions, fatal.description, 1);
    const who = fatal.direction === 'server' ? 'Server' : 'Client';
    return { complete: false, summary: `${who} sent fatal alert ${showCodePoint(description)}`, alert: { direction: fatal.direction, level, description } };
  }
  if (decoded.notTls) {
    return { complete: false, summary: `The ${decoded.notTls.direction} answered with ${decoded.notTls.protocol === 'unknown' ? 'bytes that are not TLS' : `${decoded.notTls.protocol.toUpperCase()}, not TLS`}` };
  }
  const sh = findBodies(decoded, 'server_hello', 'server').filter((s) => !s.body.helloRetryRequest).at(-1);
  // After the ServerHello both sides must send something protected (their Finished). "After" in
  // the messages' order (the wire's), not by time: a capture's clock may step back between them.
  const shAt = sh === undefined ? -1 : decoded.messages.indexOf(sh.msg);
  const protectedAfter = (side: 'client' | 'server'): boolean =>
    shAt >= 0 && decoded.messages.some((m, i) => i > shAt && m.direction === side && (m.kind === 'encrypted' || (m.kind === 'handshake' && m.body?.type === 'finished')));
  const finished = protectedAfter('client') && protectedAfter('server');
  if (capture.error) return { complete: false, summary: `${INCOMPLETE}${capture.error.message}` };
  // Past one of tls-trace's caps the bytes are not decoded, so a missing Finished proves nothing.
  // Node's TLS stack finishing the handshake (capture.node) is what says it completed.
  const cap = decoded.caps?.[0];
  if (cap && !finished) {
    return capture.node
      ? { complete: true, summary: `Handshake complete (per Node's TLS stack); larger than tls-trace decodes: ${cap.said}` }
      : { complete: false, summary: `Handshake larger than tls-trace decodes: ${cap.said}` };
  }
  // A packet capture that lost server bytes may have lost the ServerHello with them: not "received" is not known.
  if (!sh) return { complete: false, summary: `${INCOMPLETE}${capture.gaps?.some((g) => g.direction === 'server') ? 'no ServerHello in the capture, which is missing bytes from the server' : 'no ServerHello received'}` };
  if (!finished) return { complete: false, summary: `${INCOMPLETE}Finished messages missing` };
  return { complete: true, summary: 'Handshake complete' };
}
