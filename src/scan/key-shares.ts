// Real TLS 1.3 key shares from Node's crypto, so a 1.3 server can answer a hand-built hello with a
// ServerHello rather than an alert. The scan never finishes a handshake, so one key pair per group
// per process is enough; the private halves are never used.

import { createECDH, generateKeyPairSync } from 'node:crypto';
import { Group } from '../registry/index.js';

/** Named-group code points the scan can make shares for, with how Node makes them. */
const MAKERS: ReadonlyMap<number, () => Uint8Array> = new Map([
  [Group.x25519, () => rawOkp('x25519')],
  [Group.x448, () => rawOkp('x448')],
  [Group.secp256r1, () => ecPoint('prime256v1')],
  [Group.secp384r1, () => ecPoint('secp384r1')],
  [Group.secp521r1, () => ecPoint('secp521r1')],
  // RFC 8734 brainpool groups for TLS 1.3.
  [Group.brainpoolP256r1tls13, () => ecPoint('brainpoolP256r1')],
  [Group.brainpoolP384r1tls13, () => ecPoint('brainpoolP384r1')],
  [Group.brainpoolP512r1tls13, () => ecPoint('brainpoolP512r1')],
]);

/** RFC 7748 public key: the raw u-coordinate, which is the tail of the SPKI DER. */
function rawOkp(type: 'x25519' | 'x448'): Uint8Array {
  const { publicKey } = type === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const n = type === 'x25519' ? 32 : 56;
  return new Uint8Array(der.subarray(der.length - n));
}

/** RFC 8446 §4.2.8.2: UncompressedPointRepresentation (0x04 || X || Y). */
function ecPoint(curve: string): Uint8Array {
  const ecdh = createECDH(curve);
  return new Uint8Array(ecdh.generateKeys());
}

const cache = new Map<number, Uint8Array | null>();

/** A public key share for `group`, or undefined when Node cannot make one (FFDHE, ML-KEM hybrids). */
export function keyShareFor(group: number): Uint8Array | undefined {
  if (!cache.has(group)) {
    const make = MAKERS.get(group);
    let share: Uint8Array | null = null;
    if (make) {
      try {
        share = make();
      } catch {
        share = null; // curve missing from this OpenSSL build
      }
    }
    cache.set(group, share);
  }
  return cache.get(group) ?? undefined;
}

export function canMakeKeyShare(group: number): boolean {
  return keyShareFor(group) !== undefined;
}
