// ServerKeyExchange and ClientKeyExchange (RFC 5246 §7.4.3/§7.4.7, RFC 8422 §5.4/§5.7,
// RFC 4279 for PSK). Their shape depends on the negotiated suite's key exchange and, for the
// signature, on the version (TLS 1.2 adds the SignatureAndHashAlgorithm field).

import type { ClientKeyExchange, ServerKeyExchange } from '../model.js';
import { toHex, type ByteReader } from '../reader.js';
import { bitLength, byteCount, fmt } from '../format.js';
import { TLS12, keyExchangeForm, serverKeyExchangeSigned, type HandshakeContext } from '../context.js';

function opaque(r: ByteReader, lenSize: 1 | 2, name: string, label: string, min = 1): Uint8Array {
  return (
    r.vector(lenSize, name, label, { min }, (v) => {
      const n = v.remaining;
      return n > 0 ? v.rest('value', label, () => byteCount(n)) : new Uint8Array();
    }) ?? new Uint8Array()
  );
}

function ecdheParams(r: ByteReader, out: ServerKeyExchange): void {
  const curveType = r.u8('curve_type', 'Curve type', fmt.curveType);
  out.curveType = curveType;
  if (curveType !== 3) {
    // explicit_prime / explicit_char2 curves (RFC 4492) are deprecated; not decoded further.
    r.fail(`curve type ${curveType} is not named_curve (3)`, r.offset - 1, 1, 'named_curve (3)', String(curveType));
  }
  out.namedGroup = r.u16('named_curve', 'Named group', fmt.group);
  out.publicKey = toHex(opaque(r, 1, 'public', 'Public key (EC point)'));
}

function dheParams(r: ByteReader, out: ServerKeyExchange): void {
  const p = opaque(r, 2, 'dh_p', 'DH prime p');
  const g = opaque(r, 2, 'dh_g', 'DH generator g');
  const ys = opaque(r, 2, 'dh_Ys', 'DH public value Ys');
  out.dh = { pBits: bitLength(p), gBits: bitLength(g), ysBits: bitLength(ys), p: toHex(p), g: toHex(g), ys: toHex(ys) };
}

/** When the suite is unknown to us, the params' own shape tells ECDHE (curve type 3) from DHE. */
function guessForm(r: ByteReader): 'ecdhe' | 'dhe' {
  return r.remaining >= 1 && r.peekU8() === 3 ? 'ecdhe' : 'dhe';
}

function signature(r: ByteReader, ctx: HandshakeContext, out: ServerKeyExchange): void {
  // TLS 1.2 prefixes the signature with its scheme; 1.0/1.1 do not. With no version known, the
  // bytes decide: a 1.2 signature's length field sits 2 bytes in and matches the rest.
  const tls12 = ctx.version !== undefined ? ctx.version >= TLS12 : r.remaining >= 4 && r.peekU16(2) === r.remaining - 4;
  r.group('signed_params', 'Signature', () => {
    if (tls12) out.signatureScheme = r.u16('signature_algorithm', 'Signature scheme', fmt.scheme);
    out.signature = toHex(opaque(r, 2, 'signature', 'Signature', 0));
  });
}

export function decodeServerKeyExchange(r: ByteReader, ctx: HandshakeContext): ServerKeyExchange {
  const kx = keyExchangeForm(ctx);
  const form: ServerKeyExchange['form'] =
    kx === 'ecdhe' || kx === 'dhe' ? kx : kx.endsWith('psk') || kx === 'psk' ? 'psk' : kx === 'unknown' ? guessForm(r) : 'unknown';
  const out: ServerKeyExchange = { type: 'server_key_exchange', form };
  const paramsStart = r.offset;
  if (form === 'unknown') {
    // e.g. export RSA keys: not worth decoding today, keep the bytes.
    if (!r.done) r.rest('params', 'Key exchange parameters');
    return out;
  }
  r.group('params', 'Key exchange parameters', () => {
    if (form === 'psk') {
      opaque(r, 2, 'psk_identity_hint', 'PSK identity hint', 0);
      if (kx === 'ecdhe_psk') ecdheParams(r, out);
      else if (kx === 'dhe_psk') dheParams(r, out);
    } else if (form === 'ecdhe') ecdheParams(r, out);
    else dheParams(r, out);
  });
  out.params = toHex(r.bytes.subarray(paramsStart, r.offset));
  const signed = serverKeyExchangeSigned(ctx) ?? !r.done;
  if (signed && form !== 'psk') signature(r, ctx, out);
  return out;
}

export function decodeClientKeyExchange(r: ByteReader, ctx: HandshakeContext): ClientKeyExchange {
  const kx = keyExchangeForm(ctx);
  if (kx === 'psk' || kx === 'ecdhe_psk' || kx === 'dhe_psk' || kx === 'rsa_psk') {
    opaque(r, 2, 'psk_identity', 'PSK identity', 0);
    let exchange: Uint8Array = new Uint8Array();
    if (kx === 'ecdhe_psk') exchange = opaque(r, 1, 'ecdh_Yc', 'Client EC point');
    else if (kx === 'dhe_psk') exchange = opaque(r, 2, 'dh_Yc', 'Client DH public value Yc');
    else if (kx === 'rsa_psk') exchange = opaque(r, 2, 'encrypted_pre_master_secret', 'Encrypted pre-master secret');
    return { type: 'client_key_exchange', form: 'unknown', exchange: toHex(exchange) };
  }
  let form: ClientKeyExchange['form'] = kx === 'ecdhe' || kx === 'dhe' || kx === 'rsa' ? kx : 'unknown';
  if (kx === 'unknown') {
    // Suite unknown to the registry: the ServerKeyExchange's shape decides; none means RSA.
    const ske = ctx.serverKeyExchange;
    form = ske === 'ecdhe' || ske === 'dhe' ? ske : ske === undefined ? 'rsa' : 'unknown';
    // Still trust the bytes over the guess: an EC point has a 1-byte length matching the rest.
    if (form !== 'ecdhe' && r.remaining >= 1 && r.peekU8() === r.remaining - 1) form = 'ecdhe';
  }
  let exchange: Uint8Array;
  if (form === 'ecdhe') exchange = opaque(r, 1, 'ecdh_Yc', 'Client EC point');
  else if (form === 'dhe') exchange = opaque(r, 2, 'dh_Yc', 'Client DH public value Yc');
  else if (form === 'rsa') exchange = opaque(r, 2, 'encrypted_pre_master_secret', 'Encrypted pre-master secret');
  else exchange = r.done ? new Uint8Array() : r.rest('exchange_keys', 'Key exchange data');
  return { type: 'client_key_exchange', form, exchange: toHex(exchange) };
}
