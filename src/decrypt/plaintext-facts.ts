// The handshake facts decryption needs from the plaintext part of the trace (randoms, version,
// suite, the two TLS 1.2 record-protection options), read before any record is opened.

import { updateContext, type HandshakeContext } from '../decode/context.js';
import { hasExt, isDecrypted } from '../decode/message-facts.js';
import type { DecodedTrace } from '../decode/model.js';
import { Ext } from '../registry/index.js';

export interface PlaintextFacts {
  clientRandom?: string;
  serverRandom?: string;
  version?: number;
  cipherSuite?: number;
  encryptThenMac: boolean;
  extendedMasterSecret: boolean;
  ctx: HandshakeContext;
}

export function plaintextFacts(decoded: DecodedTrace): PlaintextFacts {
  let ctx: HandshakeContext = {};
  const out: PlaintextFacts = { encryptThenMac: false, extendedMasterSecret: false, ctx };
  let clientEms = false;
  for (const m of decoded.messages) {
    if (m.kind !== 'handshake' || isDecrypted(m) || !m.body) continue;
    ctx = updateContext(ctx, m.body);
    if (m.body.type === 'client_hello') {
      out.clientRandom ??= m.body.random;
      clientEms ||= hasExt(m.body.extensions, Ext.extended_master_secret);
    }
    if (m.body.type === 'server_hello' && !m.body.helloRetryRequest) {
      out.serverRandom = m.body.random;
      out.encryptThenMac = hasExt(m.body.extensions, Ext.encrypt_then_mac);
      out.extendedMasterSecret = clientEms && hasExt(m.body.extensions, Ext.extended_master_secret);
    }
  }
  out.ctx = ctx;
  out.version = ctx.version;
  out.cipherSuite = ctx.cipherSuite;
  return out;
}
