// Reads the server's alerts from the bytes it sent, as they arrive, instead of from Node's error.
// OpenSSL names only the alerts it knows: a fatal alert with an unassigned description (255)
// leaves Node silent until the deadline or reports a plain close, although the peer clearly
// ended the handshake. The record layer says it all: a record of content type 21 whose body is
// exactly 2 bytes is a plaintext alert (level, description). A protected alert is never 2 bytes
// long (an AEAD tag or a MAC comes with it), so encrypted alerts are not mistaken for one; those
// are left to Node, which can decrypt them.
//
// Only record headers are followed; nothing is buffered beyond a 5-byte header, so the watcher
// costs no memory whatever the peer sends. It gives up on the first header that is not TLS
// framing (SSL 2.0, HTTP…): other code reports those.
//
// Also here: naming alerts for messages, and reading what Node's errors say about them.

import { alertDescriptions, describe } from '../registry/index.js';

/** An alert read from the server's plaintext records. */
export interface SeenAlert {
  level: number;
  description: number;
}

const ALERT = 21;
const HEADER = 5;

export class AlertWatcher {
  /** The first fatal (level 2) alert, if any. */
  fatal?: SeenAlert;
  /** The most recent alert of any other level (warnings: close_notify, user_canceled…). */
  lastWarning?: SeenAlert;
  private readonly header: number[] = [];
  private bodyLeft = 0;
  /** Body bytes of the current record when it is a 2-byte alert record, else undefined. */
  private alertBody?: number[];
  private lost = false;

  /** Follows the record framing through one more chunk of the server's stream. */
  feed(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length && !this.lost) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, bytes.length - i);
        if (this.alertBody) for (let k = 0; k < take; k++) this.alertBody.push(bytes[i + k]);
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0 && this.alertBody) this.onAlert(this.alertBody);
        continue;
      }
      this.header.push(bytes[i++]);
      if (this.header.length === HEADER) this.startRecord();
    }
  }

  private startRecord(): void {
    const [type, major, , hi, lo] = this.header;
    this.header.length = 0;
    if (type < 20 || type > 24 || major !== 3) {
      this.lost = true;
      return;
    }
    this.bodyLeft = (hi << 8) | lo;
    this.alertBody = type === ALERT && this.bodyLeft === 2 ? [] : undefined;
  }

  private onAlert(body: number[]): void {
    const alert = { level: body[0], description: body[1] };
    this.alertBody = undefined;
    if (alert.level === 2) this.fatal ??= alert;
    else this.lastWarning = alert;
  }
}

/**
 * OpenSSL error strings look like
 * `80…:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/rec_layer_s3.c:1601:SSL alert number 40`;
 * the reason is the fifth colon-separated part after `error:`.
 */
export function openSslReason(message: string): string {
  const first = message.split('\n')[0];
  const m = /error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+)/.exec(first);
  return (m ? m[1] : first).trim();
}

/**
 * The alert name OpenSSL reports for an alert it received (`ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`
 * → `certificate_required`); for TLS 1.3 encrypted alerts this is all we know without decryption.
 */
export function alertNameFromNode(err: NodeJS.ErrnoException): string | undefined {
  const m = /_ALERT_([A-Z0-9_]+)$/.exec(err.code ?? '') ?? /\balert ([a-z0-9 ]+)$/i.exec(openSslReason(err.message));
  return m ? m[1].toLowerCase().replace(/ /g, '_') : undefined;
}

/** `handshake_failure (40)` for a registered description, `unknown (0xff)` otherwise. */
export function alertText(alert: SeenAlert): string {
  const d = describe(alertDescriptions, alert.description, 1);
  return d.known ? `${d.name} (${alert.description})` : `unknown (${d.hex})`;
}

/** `certificate_required` → `certificate_required (116)` when the registry knows the name. */
export function withAlertCode(name: string): string {
  for (const [code, entry] of alertDescriptions) if (entry.name === name) return `${name} (${code})`;
  return name;
}
