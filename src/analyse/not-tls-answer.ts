// What a server that did not speak TLS answered, named from its first bytes: the one sentence
// trace's stderr line and check's verdict share.

import type { Capture } from '../capture/types.js';
import { detectNotTls } from '../decode/not-tls.js';
import type { DecodedTrace } from '../decode/model.js';

/**
 * `answered with HTTP, not TLS ("HTTP/1.1 400 Bad Request")`, or undefined when the bytes name no
 * protocol. The decoder's finding when there is one, else the server's first bytes sniffed (the
 * capture may have failed before decoding). Raw peer text: escaped at output.
 */
export function namedNotTlsAnswer(capture: Capture, decoded?: DecodedTrace): string | undefined {
  const sniffed = decoded?.notTls ?? detectNotTls(serverPrefix(capture));
  if (!sniffed || sniffed.protocol === 'unknown') return undefined;
  const line = sniffed.firstLine.trim();
  return `answered with ${sniffed.protocol.toUpperCase()}, not TLS${line ? ` ("${line.slice(0, 120)}")` : ''}`;
}

/** The server's first bytes, for naming the protocol when decoding itself failed. */
function serverPrefix(capture: Capture): Uint8Array {
  return Buffer.concat(capture.chunks.filter((c) => c.direction === 'server').map((c) => c.bytes)).subarray(0, 512);
}
