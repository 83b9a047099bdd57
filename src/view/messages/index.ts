// One describer per handshake message type. A new message (or a new detail an extension decoder
// adds to a hello) is described in the file for its family and registered here.

import type { HandshakeBody } from '../../decode/model.js';
import type { DescribeContext, Describer, DescriberTable } from './describer.js';
import { describeCertificate, describeCertificateRequest, describeCompressedCertificate, describeCertificateStatus, describeCertificateVerify } from './authentication.js';
import { describeClientHello, describeServerHello } from './hellos.js';
import { describeClientKeyExchange, describeServerKeyExchange } from './key-exchange.js';
import {
  describeEncryptedExtensions,
  describeEndOfEarlyData,
  describeFinished,
  describeHelloRequest,
  describeKeyUpdate,
  describeNewSessionTicket,
  describeServerHelloDone,
  describeUnknownHandshake,
} from './session.js';

export type { DescribeContext } from './describer.js';

const DESCRIBERS: DescriberTable = {
  client_hello: describeClientHello,
  server_hello: describeServerHello,
  certificate: describeCertificate,
  compressed_certificate: describeCompressedCertificate,
  certificate_status: describeCertificateStatus,
  server_key_exchange: describeServerKeyExchange,
  certificate_request: describeCertificateRequest,
  server_hello_done: describeServerHelloDone,
  client_key_exchange: describeClientKeyExchange,
  certificate_verify: describeCertificateVerify,
  finished: describeFinished,
  new_session_ticket: describeNewSessionTicket,
  encrypted_extensions: describeEncryptedExtensions,
  key_update: describeKeyUpdate,
  end_of_early_data: describeEndOfEarlyData,
  hello_request: describeHelloRequest,
  unknown: describeUnknownHandshake,
};

/** Adds the body's details through `ctx.add` and returns its explanation. */
export function describeHandshake(body: HandshakeBody, ctx: DescribeContext): string {
  // The table is keyed by `type`, so the entry fits the body; TypeScript cannot correlate the two.
  const describer = DESCRIBERS[body.type] as Describer<HandshakeBody>;
  return describer(body, ctx);
}
