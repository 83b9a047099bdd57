// A TLS 1.3 server flight carrying an RFC 8879 CompressedCertificate, built on RFC 8448 §3's hello
// exchange so the key log opens it: EncryptedExtensions, CompressedCertificate (the demo ECDSA chain,
// compressed here with node:zlib), a CertificateVerify signed with the demo leaf key by Node's
// crypto, and a Finished from the RFC's server finished key, all sealed in one record with the
// RFC's server handshake key. No OpenSSL here has certificate compression (3.2+), and Debian's
// GnuTLS is built without its compressors, so the bytes are made here and their layout is checked
// against tshark's decode.

import { createCipheriv, createHash, createHmac, createSign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { brotliCompressSync, deflateSync } from 'node:zlib';
import { RFC8448, unwrapHex } from '../../../fixtures/rfc8448/capture.js';
import { demoPaths } from '../../helpers/servers.js';

const h = (s: string): Buffer => Buffer.from(unwrapHex(s), 'hex');
const u24 = (n: number): Buffer => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);
const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);

/** DER of the demo ECDSA leaf and its intermediate, leaf first. */
export function demoEcdsaChain(): Buffer[] {
  const pem = readFileSync(demoPaths.ecdsaChain, 'utf8');
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g)].map((m) => Buffer.from(new X509Certificate(m[0]).raw));
}

/** A TLS 1.3 Certificate body (empty context, entries without extensions). */
export function certificateBody(ders: Buffer[]): Buffer {
  const list = Buffer.concat(ders.map((d) => Buffer.concat([u24(d.length), d, u16(0)])));
  return Buffer.concat([Buffer.from([0]), u24(list.length), list]);
}

export function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), body]);
}

export interface CompressedOptions {
  /** 1 zlib, 2 brotli, 3 zstd, or any other code. */
  algorithm: number;
  /** Compressed bytes to send instead of the real ones (for an algorithm Node lacks). */
  compressed?: Buffer;
  /** Declared uncompressed_length instead of the true one. */
  declared?: number;
}

/** A CompressedCertificate message (header included) over `body`. */
export function compressedCertificate(body: Buffer, opts: CompressedOptions): Buffer {
  const compressed = opts.compressed ?? (opts.algorithm === 2 ? brotliCompressSync(body) : deflateSync(body));
  return handshake(25, Buffer.concat([u16(opts.algorithm), u24(opts.declared ?? body.length), u24(compressed.length), compressed]));
}

/** The sealed server flight record (one record, inner type handshake), and the messages in it. */
export function compressedServerFlight(opts: CompressedOptions): { record: Buffer; messages: Buffer[] } {
  const ee = h(RFC8448.messages.encryptedExtensions);
  const cc = compressedCertificate(certificateBody(demoEcdsaChain()), opts);
  const hello = [h(RFC8448.messages.clientHello), h(RFC8448.messages.serverHello)];
  const hash = (parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
  // RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
  const signed = Buffer.concat([Buffer.alloc(64, 0x20), Buffer.from('TLS 1.3, server CertificateVerify'), Buffer.from([0]), hash([...hello, ee, cc])]);
  const signature = createSign('sha256').update(signed).sign(readFileSync(demoPaths.ecdsaKey, 'utf8'));
  const cv = handshake(15, Buffer.concat([u16(0x0403), u16(signature.length), signature]));
  const verifyData = createHmac('sha256', h(RFC8448.secrets.serverFinishedKey)).update(hash([...hello, ee, cc, cv])).digest();
  const fin = handshake(20, verifyData);
  const messages = [ee, cc, cv, fin];
  const inner = Buffer.concat([...messages, Buffer.from([22])]);
  const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
  // Sequence 0: the nonce is the IV itself.
  const cipher = createCipheriv('aes-128-gcm', h(RFC8448.keys.serverHandshakeKey), h(RFC8448.keys.serverHandshakeIv));
  cipher.setAAD(header);
  return { record: Buffer.concat([header, cipher.update(inner), cipher.final(), cipher.getAuthTag()]), messages };
}
