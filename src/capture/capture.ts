// STUB — the capture helper builds this. Signature is the contract other modules code against.
import type { LookupFunction } from 'node:net';
import type { Capture } from './types.js';

export type TlsVersionName = '1.0' | '1.1' | '1.2' | '1.3';

export interface CaptureOptions {
  host: string;
  port: number;
  /** SNI to send; default: the host unless it is an IP literal. `false` sends none. */
  servername?: string | false;
  minVersion?: TlsVersionName;
  maxVersion?: TlsVersionName;
  /** OpenSSL cipher string (TLS 1.2 and below) and TLS 1.3 suites, as Node takes them. */
  ciphers?: string;
  /** Colon-separated group list, as Node's `ecdhCurve` takes it. */
  groups?: string;
  alpn?: string[];
  /** Ask for an OCSP staple (status_request). */
  requestOcsp?: boolean;
  /** Overall deadline for DNS + connect + handshake, ms. */
  timeoutMs: number;
  lookup?: LookupFunction;
  /** Client certificate to offer if the server asks (PEM). */
  clientCert?: { cert: string; key: string };
}

export async function captureHandshake(_opts: CaptureOptions): Promise<Capture> {
  throw new Error('captureHandshake: not built yet');
}
