// Why a handshake that ended without 'secureConnect' failed, from what the bytes said (the alert
// watcher) and what Node said (its error, the socket's end). Pure: capture.ts gathers the
// evidence and decides when to ask; keeping the verdict here keeps its order of evidence in one place.

import { alertNameFromNode, alertText, openSslReason, withAlertCode, type AlertWatcher } from './alert-watch.js';
import type { CaptureErrorCode } from './options.js';
import type { CaptureError } from './types.js';

export interface FailureEvidence {
  nodeError?: NodeJS.ErrnoException;
  alerts: AlertWatcher;
  /** The raw socket's error code (ECONNRESET…). */
  rawErrorCode?: string;
  rawEnded: boolean;
  rawDestroyed: boolean;
}

const fail = (code: CaptureErrorCode, message: string): CaptureError => ({ code, message });

/** The capture error for a failed handshake; undefined while the reason is not known yet. */
export function failureFromEvidence(e: FailureEvidence): CaptureError | undefined {
  const err = e.nodeError;
  const nodeText = err ? openSslReason(err.message) : undefined;
  // Node's own "socket disconnected" is no OpenSSL verdict: only OpenSSL's reasons are quoted.
  const fromOpenSsl = err !== undefined && (err.code?.startsWith('ERR_SSL_') === true || /error:[0-9A-Fa-f]+:/.test(err.message));
  const openSsl = nodeText && fromOpenSsl ? ` (OpenSSL: ${nodeText})` : '';
  // The bytes say which alert the server sent; Node's error is only the fallback, for alerts
  // it decrypted (TLS 1.3) and for alert names it knows.
  const fatal = e.alerts.fatal;
  const alertFromNode = err ? alertNameFromNode(err) : undefined;
  if (fatal || alertFromNode) {
    return fail('alert', `server sent fatal alert ${fatal ? alertText(fatal) : withAlertCode(alertFromNode ?? '')}${openSsl}`);
  }
  const warning = e.alerts.lastWarning;
  // close_notify is the TLS way of closing: Node then reports a disconnect, the socket may not have ended yet.
  const closedOrReset = e.rawErrorCode === 'ECONNRESET' || e.rawEnded || (e.rawDestroyed && !err) || warning?.description === 0;
  if (closedOrReset && warning && warning.description !== 0) {
    // Anything but close_notify ends the handshake as an error (RFC 8446 §6, unknown alerts too).
    return fail('alert', `server sent warning alert ${alertText(warning)} and closed the connection during the handshake`);
  }
  if (e.rawErrorCode === 'ECONNRESET') {
    return fail('reset', 'the server reset the connection during the handshake');
  }
  if (closedOrReset) {
    return fail('closed', 'the server closed the connection during the handshake');
  }
  if (!err) return undefined; // a bare 'close' with no reason yet: the error event follows
  return fail('tls', `handshake failed: ${nodeText}${err.code ? ` (${err.code})` : ''}`);
}

/** An alert Node reported after 'secureConnect', as a capture error. */
export function lateAlertError(err: NodeJS.ErrnoException | undefined): CaptureError | undefined {
  const name = err ? alertNameFromNode(err) : undefined;
  if (!err || !name) return undefined;
  return { code: 'alert', message: `server sent fatal alert ${withAlertCode(name)} after the handshake (OpenSSL: ${openSslReason(err.message)})` };
}

/** The capture error when the overall deadline passes before the handshake ended. */
export function deadlineError(d: { stage: 'dns' | 'connect' | 'proxy' | 'starttls' | 'tls' | 'drain'; notTls: boolean; host: string; where: string; ms: number; received: number; proxy?: string }): CaptureError {
  const { ms, where, received } = d;
  if (d.notTls) return fail('not-tls', 'the server answered with bytes that are not TLS');
  // Until the tunnel stands, a deadline is the proxy's: it was looked up, connected or asked.
  if (d.proxy && d.stage === 'proxy') return fail('proxy', `proxy ${d.proxy} did not answer CONNECT within ${ms} ms`);
  if (d.proxy && (d.stage === 'dns' || d.stage === 'connect')) return fail('proxy', `${d.stage === 'dns' ? 'the look-up of' : 'the TCP connect to'} proxy ${d.proxy} did not finish within ${ms} ms`);
  const message =
    d.stage === 'dns'
      ? `DNS lookup of ${d.host} did not finish within ${ms} ms`
      : d.stage === 'connect'
        ? `TCP connect to ${where} did not complete within ${ms} ms`
        : received === 0
          ? `no answer from ${where} within ${ms} ms`
          : `handshake with ${where} did not complete within ${ms} ms (${received} bytes received)`;
  // A look-up that did not finish is a name that did not resolve (exit 3), not a silent server.
  return fail(d.stage === 'dns' ? 'dns' : 'timeout', message);
}
