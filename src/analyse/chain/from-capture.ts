// Where a capture keeps its certificates: the decoded Certificate message (TLS 1.2, or TLS 1.3
// once decrypted) in the order sent, else Node's reconstructed chain; and the OCSP staple from
// CertificateStatus, the TLS 1.3 leaf entry's status_request extension, or Node's event.
//
// It reads the trace the pipeline (src/analyse/pipeline.ts) already decoded and decrypted; it
// runs no decoder of its own. Bad input is never an exception there (it is issues on the trace,
// failed records in the decryption), so nothing here is caught: an exception is a bug to see.

import type { Capture } from '../../capture/types.js';
import { certificateOf, type DecodedTrace, type Message } from '../../decode/model.js';
import { Ext } from '../../registry/index.js';
import { analyseChain } from './analyse.js';
import type { TrustStore } from './trust-store.js';
import type { Extension } from '../../decode/model.js';
import type { DecodedSct } from '../../decode/sct.js';
import { bundledLogList, type CtLogList } from '../ct/log-list.js';
import type { ChainEvidenceInput, ChainReport } from './types.js';

export interface CapturedChain {
  /** DER hex, leaf first. */
  certificates: string[];
  source: 'decoded' | 'node';
  /** The Certificate message was read from decrypted TLS 1.3 records. */
  decrypted?: boolean;
  /** DER hex OCSPResponse. */
  ocspResponse?: string;
  /** SCTs from the TLS signed_certificate_timestamp extension (ServerHello, or the TLS 1.3 leaf entry). */
  tlsScts?: DecodedSct[];
}

/** The SCT list of a signed_certificate_timestamp extension in `exts`, if it carries one. */
function sctsIn(exts: readonly Extension[] | undefined): DecodedSct[] | undefined {
  const info = exts?.find((x) => x.type === Ext.signed_certificate_timestamp)?.info;
  return info?.kind === 'signed_certificate_timestamp' && info.scts?.length ? info.scts : undefined;
}

/** The server's first Certificate message (and staple) in a decoded trace, if there is one. */
export function chainFromTrace(trace: DecodedTrace): Omit<CapturedChain, 'source'> | undefined {
  return chainFromMessages(trace.messages);
}

/** chainFromTrace over messages in trace order (check's server flight: src/check/server-flight.ts). */
export function chainFromMessages(messages: readonly Message[]): Omit<CapturedChain, 'source'> | undefined {
  let certificates: string[] | undefined;
  let ocspResponse: string | undefined;
  let tlsScts: DecodedSct[] | undefined;
  let decrypted = false;
  for (const m of messages) {
    if (m.kind !== 'handshake' || m.direction !== 'server' || !m.body) continue;
    const body = m.body;
    // A CompressedCertificate (RFC 8879) counts once decompressed.
    const cert = certificateOf(body);
    if (cert && certificates === undefined) {
      certificates = cert.entries.map((e) => e.der);
      decrypted = m.space?.decrypted === true;
      // TLS 1.3 carries the staple in the leaf entry's status_request extension.
      const info = cert.entries[0]?.extensions?.find((x) => x.type === Ext.status_request)?.info;
      if (info?.kind === 'status_request' && info.ocspResponse) ocspResponse = info.ocspResponse;
      tlsScts ??= sctsIn(cert.entries[0]?.extensions);
    }
    // TLS 1.2 and earlier carry the SCT list in the ServerHello.
    if (body.type === 'server_hello') tlsScts ??= sctsIn(body.extensions);
    if (body.type === 'certificate_status' && body.response) ocspResponse ??= body.response;
  }
  if (!certificates || certificates.length === 0) return undefined;
  return { certificates, ...(decrypted ? { decrypted } : {}), ...(ocspResponse ? { ocspResponse } : {}), ...(tlsScts ? { tlsScts } : {}) };
}

/**
 * Certificates and staple of a capture: from the pipeline's decoded (and, where the key log
 * allowed, decrypted) trace when it has them, else Node's view. Undefined when there is no
 * certificate at all.
 */
export function chainFromCapture(capture: Capture, trace: DecodedTrace): CapturedChain | undefined {
  return chainOrNodes(capture, chainFromTrace(trace));
}

/** chainFromCapture for a caller that decoded the chain already (check, as the handshake ended). */
export function chainOrNodes(capture: Capture, decoded: Omit<CapturedChain, 'source'> | undefined): CapturedChain | undefined {
  const nodeOcsp = capture.node?.ocspResponse;
  if (decoded) {
    const ocsp = decoded.ocspResponse ?? nodeOcsp;
    return { ...decoded, source: 'decoded', ...(ocsp ? { ocspResponse: ocsp } : {}) };
  }
  const nodeChain = capture.node?.peerCertificates ?? [];
  if (nodeChain.length === 0) return undefined;
  return { certificates: nodeChain, source: 'node', ...(nodeOcsp ? { ocspResponse: nodeOcsp } : {}) };
}

export interface CaptureChainOptions {
  /** Pinned clock; default now. */
  at?: Date;
  /** Name to check; default the capture's SNI, else its host. */
  host?: string;
  /** The anchors (the CLI builds them: reading files is not analysis). */
  trustStore: TrustStore;
  /** The pipeline's trace (decoded, decrypted where possible): see analyseCapture. */
  trace: DecodedTrace;
  warnDays?: number;
  /** The CT log list (default: the bundled one). */
  ctLogList?: CtLogList;
  /** Fetched intermediates and revocation results (a live trace with --revocation soft|hard). */
  evidence?: ChainEvidenceInput;
}

/** One call for the trace command: the chain report of a capture, or undefined without certificates. */
export function chainReportFromCapture(capture: Capture, opts: CaptureChainOptions): ChainReport | undefined {
  const chain = chainFromCapture(capture, opts.trace);
  if (!chain) return undefined;
  return analyseChain({
    certificates: chain.certificates,
    source: chain.source,
    ...(chain.decrypted ? { decrypted: true } : {}),
    at: opts.at ?? new Date(),
    host: opts.host ?? capture.target.servername ?? capture.target.host,
    trustStore: opts.trustStore,
    // A capture file has no options: the ClientHello's status_request says the client asked.
    ocspRequested: capture.options.requestOcsp === true || askedForOcsp(opts.trace),
    ...(chain.ocspResponse ? { ocspResponse: chain.ocspResponse } : {}),
    ...(opts.warnDays !== undefined ? { warnDays: opts.warnDays } : {}),
    ct: {
      list: opts.ctLogList ?? bundledLogList(),
      ...(chain.tlsScts ? { tlsScts: chain.tlsScts } : {}),
      ...(askedForHelloExtension(opts.trace, Ext.signed_certificate_timestamp) ? {} : { tlsNotSearched: 'the ClientHello did not ask for them (Node\'s TLS client cannot; check --ct-tls asks on a connection of its own)' }),
    },
    ...opts.evidence,
  });
}

/** Whether the first ClientHello carries status_request (RFC 6066 §8). */
const askedForOcsp = (trace: DecodedTrace): boolean => askedForHelloExtension(trace, Ext.status_request);

/** Whether the first ClientHello carries the extension: a server answers only what was asked. */
function askedForHelloExtension(trace: DecodedTrace, type: number): boolean {
  const hello = trace.messages.find((m) => m.kind === 'handshake' && m.direction === 'client' && m.body?.type === 'client_hello');
  return hello?.kind === 'handshake' && hello.body?.type === 'client_hello' && hello.body.extensions.some((e) => e.type === type);
}
