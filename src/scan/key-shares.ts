// Real TLS 1.3 key shares from Node's crypto, so a 1.3 server can answer a hand-built hello with a
// ServerHello rather than an alert. One key pair per group per process: the scan never sends data
// under these keys, it only reads the server's encrypted flight (handshake13.ts, the 0-RTT probe),
// so the private half is kept to compute the (EC)DHE shared secret with the server's share.

import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Group } from '../registry/index.js';

/** Our public share and how to combine it with the peer's into the shared secret. */
interface OwnShare {
  public: Uint8Array;
  /** The (EC)DHE shared secret with the peer's public value; throws for an invalid value. */
  secret: (peer: Uint8Array) => Buffer;
}

/** Named-group code points the scan can make shares for, with how Node makes them. */
const MAKERS: ReadonlyMap<number, () => OwnShare> = new Map([
  [Group.x25519, () => okp('x25519')],
  [Group.x448, () => okp('x448')],
  [Group.secp256r1, () => ec('prime256v1')],
  [Group.secp384r1, () => ec('secp384r1')],
  [Group.secp521r1, () => ec('secp521r1')],
  // RFC 8734 brainpool groups for TLS 1.3.
  [Group.brainpoolP256r1tls13, () => ec('brainpoolP256r1')],
  [Group.brainpoolP384r1tls13, () => ec('brainpoolP384r1')],
  [Group.brainpoolP512r1tls13, () => ec('brainpoolP512r1')],
]);

/**
 * RFC 7748 public key: the raw u-coordinate, which is the tail of the SPKI DER (its prefix is fixed
 * per type). The peer's is imported as a JWK (RFC 8037 OKP), not as SPKI DER: OpenSSL 3.0's DER
 * decoder took ≈ 300 µs per key here against ≈ 18 µs, and check imports one per target.
 */
function okp(type: 'x25519' | 'x448'): OwnShare {
  const { publicKey, privateKey }: { publicKey: KeyObject; privateKey: KeyObject } = type === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  const n = type === 'x25519' ? 32 : 56;
  const crv = type === 'x25519' ? 'X25519' : 'X448';
  return {
    public: new Uint8Array(der.subarray(der.length - n)),
    secret: (peer) => {
      if (peer.length !== n) throw new RangeError(`a ${type} share is ${n} bytes, not ${peer.length}`);
      const x = Buffer.from(peer.buffer, peer.byteOffset, peer.byteLength).toString('base64url');
      return diffieHellman({ privateKey, publicKey: createPublicKey({ key: { kty: 'OKP', crv, x }, format: 'jwk' }) });
    },
  };
}

/** RFC 8446 §4.2.8.2: UncompressedPointRepresentation (0x04 || X || Y); the secret is the X coordinate. */
function ec(curve: string): OwnShare {
  const ecdh = createECDH(curve);
  return { public: new Uint8Array(ecdh.generateKeys()), secret: (peer) => ecdh.computeSecret(peer) };
}

const cache = new Map<number, OwnShare | null>();

function ownShare(group: number): OwnShare | undefined {
  if (!cache.has(group)) {
    const make = MAKERS.get(group);
    let share: OwnShare | null = null;
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

/** A public key share for `group`, or undefined when Node cannot make one (FFDHE, ML-KEM hybrids). */
export function keyShareFor(group: number): Uint8Array | undefined {
  return ownShare(group)?.public;
}

export function canMakeKeyShare(group: number): boolean {
  return keyShareFor(group) !== undefined;
}

/** The shared secret of our share for `group` with the server's `peer` value; undefined when there is none (not our group, invalid point). */
export function sharedSecretWith(group: number, peer: Uint8Array): Buffer | undefined {
  const own = ownShare(group);
  if (!own) return undefined;
  try {
    return own.secret(peer);
  } catch {
    return undefined;
  }
}
