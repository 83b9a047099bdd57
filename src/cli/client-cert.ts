// `--cert FILE --key FILE [--pass PHRASE]`: the client certificate trace, check and scan offer to a
// server that asks for one (mutual TLS). Read through the capped PEM reader and checked to be a
// matching pair before any connection, so a wrong file is a usage error, not a handshake failure.

import crypto from 'node:crypto';
import tls from 'node:tls';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { MAX_PEM_FILE_BYTES } from '../limits.js';
import { readInputFile } from './read-file.js';

export interface ClientCertFlags {
  cert?: string;
  key?: string;
  pass?: string;
}

export interface ClientCert {
  cert: string;
  key: string;
  passphrase?: string;
}

/** Declares --cert, --key and --pass (trace declares --cert/--key with its other client options). */
export function addClientCertOptions(cmd: Command, withCertKey = true): Command {
  if (withCertKey) {
    cmd.option('--cert <file>', 'client certificate (PEM) to present if the server asks').option('--key <file>', 'private key (PEM) for --cert');
  }
  return cmd.option('--pass <phrase>', 'passphrase of an encrypted --key');
}

/** The client certificate the flags name, validated; undefined without --cert/--key. */
export function clientCertFromFlags(flags: ClientCertFlags): ClientCert | undefined {
  if ((flags.cert === undefined) !== (flags.key === undefined)) throw new UsageError('--cert and --key go together');
  if (flags.cert === undefined || flags.key === undefined) {
    if (flags.pass !== undefined) throw new UsageError('--pass is the passphrase of --key; give --cert and --key too');
    return undefined;
  }
  return loadClientCert(flags.cert, flags.key, flags.pass, { cert: '--cert', key: '--key' });
}

/** Reads and checks a certificate and key file pair; `what` names them in errors. */
export function loadClientCert(certFile: string, keyFile: string, passphrase: string | undefined, what: { cert: string; key: string }): ClientCert {
  const cert = readInputFile(certFile, { what: what.cert, maxBytes: MAX_PEM_FILE_BYTES }).toString('utf8');
  const key = readInputFile(keyFile, { what: what.key, maxBytes: MAX_PEM_FILE_BYTES }).toString('utf8');
  const out: ClientCert = { cert, key, ...(passphrase !== undefined ? { passphrase } : {}) };
  try {
    tls.createSecureContext(out);
  } catch {
    // OpenSSL's wording for a wrong passphrase varies by version and decoder; ask the key itself.
    const bad = keyLocked(key, passphrase) ? ` (the key is encrypted: ${passphrase === undefined ? 'give --pass' : 'wrong --pass'})` : '';
    throw new UsageError(`${what.cert} and ${what.key} are not a matching PEM certificate and private key${bad}`);
  }
  // Node sets the key before the certificate, and OpenSSL then drops a key that does not match
  // without an error: the pair would only fail in the handshake. Compare them here.
  if (!keyIsCertificates(cert, key, passphrase)) throw new UsageError(`${what.cert} and ${what.key} are not a matching PEM certificate and private key (the key is not the first certificate's)`);
  return out;
}

/** True when the key (opened with the passphrase) belongs to the first certificate of the PEM. */
function keyIsCertificates(cert: string, key: string, passphrase: string | undefined): boolean {
  try {
    return new crypto.X509Certificate(cert).checkPrivateKey(crypto.createPrivateKey({ key, ...(passphrase !== undefined ? { passphrase } : {}) }));
  } catch {
    return false;
  }
}

/** True when the key is encrypted and the passphrase given (or none) does not open it. */
function keyLocked(key: string, passphrase: string | undefined): boolean {
  if (!/ENCRYPTED/.test(key)) return false;
  try {
    crypto.createPrivateKey({ key, ...(passphrase !== undefined ? { passphrase } : {}) });
    return false;
  } catch {
    return true;
  }
}
