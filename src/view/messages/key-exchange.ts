// ServerKeyExchange and ClientKeyExchange: the TLS 1.2 key agreement.

import { codePoint } from '../../analyse/code-point.js';
import type { ClientKeyExchange, ServerKeyExchange } from '../../decode/model.js';
import { label, namedGroups, signatureSchemes } from '../../registry/index.js';
import { bytesOf } from '../words.js';
import type { Describer } from './describer.js';

export const describeServerKeyExchange: Describer<ServerKeyExchange> = (body, { add }) => {
  if (body.form === 'ecdhe') {
    if (body.namedGroup !== undefined) add('curve', label(namedGroups, body.namedGroup), [codePoint(namedGroups, body.namedGroup)]);
    add('public key', `${bytesOf(body.publicKey)} bytes`);
  } else if (body.form === 'dhe' && body.dh) {
    add('DH prime p', `${body.dh.pBits} bits`);
    add('generator g', `${body.dh.gBits} bits`);
    add('public value Ys', `${body.dh.ysBits} bits`);
  } else {
    add('form', body.form);
  }
  if (body.signatureScheme !== undefined) add('signature scheme', label(signatureSchemes, body.signatureScheme), [codePoint(signatureSchemes, body.signatureScheme)]);
  if (body.signature) add('signature', `${bytesOf(body.signature)} bytes`);
  return `The server's ephemeral ${body.form === 'dhe' ? 'DHE' : 'ECDHE'} parameters, signed with the certificate's private key so the client knows they come from the certificate's owner.`;
};

export const describeClientKeyExchange: Describer<ClientKeyExchange> = (body, { add }) => {
  add('form', body.form);
  add(body.form === 'rsa' ? 'encrypted pre-master secret' : 'public key', `${bytesOf(body.exchange)} bytes`);
  if (body.form === 'rsa') {
    return "The pre-master secret, encrypted with the server's RSA public key. Both sides derive the master secret from it and the two randoms. No forward secrecy: whoever obtains the server's key later can decrypt recorded sessions.";
  }
  return "The client's ephemeral public key. With it and the server's, both sides compute the same pre-master secret; with the two randoms it gives the master secret and the session keys.";
};
