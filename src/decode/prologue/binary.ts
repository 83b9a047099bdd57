// The binary prologues in words: PostgreSQL's SSLRequest and its one-byte answer, MySQL's
// handshake and SSLRequest packets, LDAP's StartTLS ExtendedRequest/Response. Bytes that do not
// parse are said to be so, never guessed at.

import type { Direction } from '../../capture/types.js';
import type { PrologueProtocol } from './model.js';
import { handshakeCapabilities, CLIENT_SSL } from '../../capture/starttls/mysql.js';
import { parseExtendedResponse, STARTTLS_OID } from '../../capture/starttls/ldap.js';

export function isBinaryProtocol(p: PrologueProtocol): boolean {
  return p === 'postgres' || p === 'mysql' || p === 'ldap';
}

/** The resultCode of an LDAP ExtendedResponse, or undefined when the bytes are not one. */
export function ldapResultCode(bytes: Uint8Array): number | undefined {
  return parseExtendedResponse(Buffer.from(bytes))?.resultCode;
}

/** MySQL's protocol-10 handshake packet: server version and the capability flags it matters for. */
export function mysqlHandshake(bytes: Uint8Array): { version: string; capabilities: number } | undefined {
  const b = Buffer.from(bytes);
  if (b.length < 5 || b[4] !== 0x0a) return undefined;
  const payload = b.subarray(4, 4 + b.readUIntLE(0, 3));
  const caps = handshakeCapabilities(payload);
  if (caps === undefined) return undefined;
  return { version: payload.subarray(1, payload.indexOf(0, 1)).toString('latin1'), capabilities: caps };
}

function postgresLines(direction: Direction, b: Buffer): string[] {
  if (direction === 'client') {
    if (b.length >= 8 && b.readUInt32BE(0) === 8 && b.readUInt32BE(4) === 80877103) return ['SSLRequest (length 8, request code 80877103)'];
    return [`${b.length} bytes that are not an SSLRequest`];
  }
  const c = String.fromCharCode(b[0]);
  const said = c === 'S' ? "'S': the server is willing to start TLS" : c === 'N' ? "'N': the server will not start TLS" : `'${c}': not an answer an SSLRequest allows`;
  return [said, ...(b.length > 1 ? [`then ${b.length - 1} more bytes before TLS (they should not be there)`] : [])];
}

function mysqlLines(direction: Direction, b: Buffer): string[] {
  if (direction === 'server') {
    const h = mysqlHandshake(b);
    if (!h) return [b[4] === 0xff ? `error packet: ${b.subarray(7).toString('latin1')}` : `${b.length} bytes that are not a protocol-10 handshake packet`];
    const ssl = (h.capabilities & CLIENT_SSL) !== 0;
    return [`handshake packet, protocol 10, server version ${h.version}`, `capability flags 0x${(h.capabilities >>> 0).toString(16).padStart(8, '0')}${ssl ? ' (CLIENT_SSL set: TLS offered)' : ' (no CLIENT_SSL: no TLS)'}`];
  }
  if (b.length >= 36 && b.readUIntLE(0, 3) === 32) {
    const caps = b.readUInt32LE(4);
    return [`SSLRequest packet (sequence ${b[3]}): capability flags 0x${caps.toString(16).padStart(8, '0')}, max packet ${b.readUInt32LE(8)}, character set ${b[12]}`];
  }
  return [`${b.length} bytes`];
}

function ldapLines(direction: Direction, b: Buffer): string[] {
  if (direction === 'client') {
    return b.includes(Buffer.from(STARTTLS_OID, 'latin1')) ? [`ExtendedRequest StartTLS (requestName ${STARTTLS_OID})`] : [`${b.length} bytes of LDAP request`];
  }
  const r = parseExtendedResponse(b);
  if (!r) return [`${b.length} bytes that are not an LDAP ExtendedResponse`];
  return [`ExtendedResponse: resultCode ${r.resultCode}${r.resultCode === 0 ? ' (success)' : ''}`, ...(r.diagnostic ? [`diagnosticMessage "${r.diagnostic}"`] : []), ...(r.responseName ? [`responseName ${r.responseName}`] : [])];
}

/** One turn's bytes in words. */
export function binaryLines(protocol: PrologueProtocol, direction: Direction, bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  if (protocol === 'postgres') return postgresLines(direction, b);
  if (protocol === 'mysql') return mysqlLines(direction, b);
  return ldapLines(direction, b);
}
