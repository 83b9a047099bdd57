// The plaintext before TLS as the first steps of a trace: the greeting, the client's hello and the
// server's capabilities (each explained), STARTTLS and the go-ahead, a PROXY header or an HTTP
// CONNECT exchange; and the findings a reader should not miss (STARTTLS offered but not required,
// cleartext logins offered before TLS). Used by live traces, replays and `read` alike. Values hold
// the peer's characters as sent; the renderers escape them.

import type { Capture } from '../capture/types.js';
import { decodePrologue, type DecodedPrologue, type PrologueProtocol, type PrologueTurn } from '../decode/prologue/index.js';
import { TEXT_MAX_ENTRIES_PER_MESSAGE } from '../limits.js';
import { capabilityMeaning } from './prologue-words.js';
import { detailList, type Detail } from './types.js';

export interface PrologueStepView {
  index: number;
  direction: 'client' | 'server';
  timeMs: number;
  role: PrologueTurn['role'];
  title: string;
  /** The turn's lines as sent (text protocols) or decoded in words (binary ones), at most the list cap. */
  lines: string[];
  linesOmitted?: number;
  details: Detail[];
  explanation: string;
  length: number;
  bytes: Uint8Array;
}

export interface PrologueFinding {
  severity: 'medium' | 'low';
  id: 'starttls-not-required' | 'plaintext-auth-before-tls';
  title: string;
  detail: string;
}

export interface PrologueView {
  protocol: PrologueProtocol;
  label: string;
  recognisedFrom: DecodedPrologue['recognisedFrom'];
  steps: PrologueStepView[];
  capabilities: string[];
  starttlsOffered?: boolean;
  starttlsRequired?: boolean;
  plaintextAuth: string[];
  wentAhead: boolean;
  bytes: { client: number; server: number };
  findings: PrologueFinding[];
}

export const PROTOCOL_LABELS: Record<PrologueProtocol, string> = {
  smtp: 'SMTP',
  lmtp: 'LMTP',
  imap: 'IMAP',
  pop3: 'POP3',
  ftp: 'FTP',
  ldap: 'LDAP',
  xmpp: 'XMPP',
  'xmpp-server': 'XMPP (server to server)',
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  nntp: 'NNTP',
  sieve: 'ManageSieve',
  'http-connect': 'HTTP CONNECT',
  unknown: 'unrecognised plaintext',
};

/** The command that asks for TLS, per protocol, for titles and findings. */
const STARTTLS_VERB: Partial<Record<PrologueProtocol, string>> = { pop3: 'STLS', ftp: 'AUTH TLS', postgres: 'SSLRequest', mysql: 'SSLRequest', ldap: 'StartTLS' };

function titleOf(p: PrologueProtocol, t: PrologueTurn): string {
  const verb = STARTTLS_VERB[p] ?? 'STARTTLS';
  switch (t.role) {
    case 'proxy-header':
      return 'PROXY protocol header';
    case 'greeting':
      return p === 'mysql' ? 'Server handshake packet' : p === 'sieve' ? 'Greeting and capabilities' : 'Greeting';
    case 'hello':
      return p === 'xmpp' || p === 'xmpp-server' ? 'Stream header' : `${t.verb ?? 'Hello'}`;
    case 'capabilities':
      return p === 'xmpp' || p === 'xmpp-server' ? 'Stream header and features' : 'Capabilities';
    case 'starttls':
      return verb;
    case 'go-ahead':
      return `Go-ahead for TLS${t.verb ? ` (${t.verb})` : ''}`;
    case 'refusal':
      return `${verb} refused${t.verb ? ` (${t.verb})` : ''}`;
    case 'connect-request':
      return 'HTTP CONNECT request';
    case 'connect-response':
      return `Proxy answer${t.verb ? ` (${t.verb})` : ''}`;
    default:
      return t.direction === 'client' ? 'Client data' : 'Server data';
  }
}

function explanationOf(d: DecodedPrologue, t: PrologueTurn): string {
  const label = PROTOCOL_LABELS[d.protocol];
  switch (t.role) {
    case 'proxy-header':
      return 'A load balancer or proxy in front of the server prepends this so the server learns the original client address; it is not part of the protocol that follows and travels in the clear.';
    case 'greeting':
      return `The server speaks first, in plaintext: its ${label} banner. Everything before the go-ahead is readable and changeable by anyone on the path.`;
    case 'hello':
      return d.protocol === 'xmpp' || d.protocol === 'xmpp-server'
        ? 'The client opens an XML stream to the domain it wants (RFC 6120 §4.2).'
        : `The client asks what the server supports before deciding to switch to TLS.`;
    case 'capabilities':
      return `The server lists what it supports, in plaintext. ${d.starttlsOffered === false ? 'STARTTLS is not among them.' : 'STARTTLS among them means it can switch this connection to TLS; an attacker on the path can strip that line (STRIPTLS), so a client must insist on TLS rather than trust this list.'}`;
    case 'starttls':
      return d.protocol === 'mysql'
        ? 'The client answers the handshake with an SSLRequest packet and starts TLS at once: MySQL has no go-ahead.'
        : `The client asks to switch this connection to TLS (${STARTTLS_VERB[d.protocol] ?? 'STARTTLS'}).`;
    case 'go-ahead':
      return 'The server agrees: the next bytes on this connection are the TLS handshake (Flight 1 below). Anything the server sent between this and its first TLS record would be a bug (CVE-2011-0411 class).';
    case 'refusal':
      return 'The server did not agree to start TLS; the connection stays plaintext, so tls-trace stops here.';
    case 'connect-request':
      return 'The client asks an HTTP proxy for a tunnel to the server (RFC 9110 §9.3.6); the proxy sees the target name in the clear.';
    case 'connect-response':
      if (/^2\d\d$/.test(t.verb ?? '')) return 'The proxy opened the tunnel: from here the bytes go to the server unchanged.';
      // RFC 9110 §15.2: an interim answer; the final one follows (101 would switch protocols instead).
      if (/^1\d\d$/.test(t.verb ?? '') && t.verb !== '101') return 'An interim answer (RFC 9110 §15.2): the proxy\'s final answer follows.';
      return 'The proxy did not open the tunnel.';
    default:
      return 'Plaintext tls-trace does not recognise as part of a STARTTLS dialogue.';
  }
}

function stepOf(d: DecodedPrologue, t: PrologueTurn, index: number): PrologueStepView {
  const { details, add } = detailList();
  if (t.role === 'capabilities' || (t.role === 'greeting' && (d.protocol === 'sieve' || d.protocol === 'mysql'))) {
    for (const c of d.capabilities.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE)) add(c.split(/[ =]/)[0], capabilityMeaning(d.protocol, c));
  }
  const cap = TEXT_MAX_ENTRIES_PER_MESSAGE;
  return {
    index,
    direction: t.direction,
    timeMs: t.timeMs,
    role: t.role,
    title: titleOf(d.protocol, t),
    lines: t.lines.slice(0, cap),
    ...(t.lines.length > cap ? { linesOmitted: t.lines.length - cap } : {}),
    details,
    explanation: explanationOf(d, t),
    length: t.bytes.length,
    bytes: t.bytes,
  };
}

function findingsOf(d: DecodedPrologue): PrologueFinding[] {
  const out: PrologueFinding[] = [];
  const label = PROTOCOL_LABELS[d.protocol];
  if (d.starttlsOffered && d.starttlsRequired === false) {
    out.push({
      severity: 'medium',
      id: 'starttls-not-required',
      title: 'STARTTLS offered but not required',
      detail: `${label}: ${d.requiredEvidence ?? 'the server lets the session go on without TLS'}. An attacker on the path can strip STARTTLS from the plaintext answer and the session carries on in the clear.`,
    });
  }
  if (d.plaintextAuth.length > 0) {
    out.push({
      severity: 'medium',
      id: 'plaintext-auth-before-tls',
      title: 'Cleartext login offered before TLS',
      detail: `${label}: ${d.plaintextAuth.join(', ')} advertised before TLS: a client may send its password in the clear.`,
    });
  }
  return out;
}

/** The view of a decoded prologue. */
export function describePrologue(d: DecodedPrologue): PrologueView {
  return {
    protocol: d.protocol,
    // A PROXY header with TLS right behind it has no protocol of its own: name the header.
    label: d.protocol === 'unknown' && d.proxy && d.turns.every((t) => t.role === 'proxy-header') ? `PROXY protocol v${d.proxy.version}` : PROTOCOL_LABELS[d.protocol],
    recognisedFrom: d.recognisedFrom,
    steps: d.turns.map((t, i) => stepOf(d, t, i + 1)),
    capabilities: d.capabilities,
    ...(d.starttlsOffered !== undefined ? { starttlsOffered: d.starttlsOffered } : {}),
    ...(d.starttlsRequired !== undefined ? { starttlsRequired: d.starttlsRequired } : {}),
    plaintextAuth: d.plaintextAuth,
    wentAhead: d.wentAhead,
    bytes: d.bytes,
    findings: findingsOf(d),
  };
}

/** The capture's plaintext-before-TLS view, or undefined when there was none. */
export function prologueView(capture: Capture): PrologueView | undefined {
  if (!capture.prologue || capture.prologue.length === 0) return undefined;
  const hint = typeof capture.options.starttls === 'string' ? capture.options.starttls : undefined;
  const d = decodePrologue(capture.prologue, hint);
  return d ? describePrologue(d) : undefined;
}
