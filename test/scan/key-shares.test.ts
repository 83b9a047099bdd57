// The scan's (and check's) key shares: the shared secret ours makes with a peer's public value must
// be the one the peer computes with our public value (RFC 7748 §6, RFC 8446 §7.4.2), by Node's
// own diffieHellman from the other side, for each group; invalid peer values give none.

import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { Group } from '../../src/registry/index.js';
import { keyShareFor, sharedSecretWith } from '../../src/scan/key-shares.js';

/** SPKI DER prefix of an X25519 / X448 public key (RFC 8410): the raw value follows it. */
const SPKI_PREFIX: Record<'x25519' | 'x448', string> = { x25519: '302a300506032b656e032100', x448: '3042300506032b656f033900' };

describe('key shares agree with the peer\'s view', () => {
  test.each([
    ['x25519', Group.x25519, 32],
    ['x448', Group.x448, 56],
  ] as const)('%s', (type, group, n) => {
    const peer = type === 'x25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448');
    const peerRaw = peer.publicKey.export({ format: 'der', type: 'spki' }).subarray(-n);
    const ours = keyShareFor(group)!;
    expect(ours.length).toBe(n);
    const theirs = diffieHellman({ privateKey: peer.privateKey, publicKey: createPublicKey({ key: Buffer.concat([Buffer.from(SPKI_PREFIX[type], 'hex'), ours]), format: 'der', type: 'spki' }) });
    expect(sharedSecretWith(group, peerRaw)).toEqual(theirs);
    // A peer value of the wrong length is no share at all.
    expect(sharedSecretWith(group, peerRaw.subarray(1))).toBeUndefined();
  });

  test('secp256r1', () => {
    const peer = createECDH('prime256v1');
    const peerPublic = peer.generateKeys();
    expect(sharedSecretWith(Group.secp256r1, peerPublic)).toEqual(peer.computeSecret(keyShareFor(Group.secp256r1)!));
    expect(sharedSecretWith(Group.secp256r1, Buffer.from([4, 1, 2, 3]))).toBeUndefined();
  });
});
