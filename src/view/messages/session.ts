// The short messages around the key exchange: Finished, EncryptedExtensions, tickets, key updates,
// the end-of-flight markers, and handshake types the decoder keeps as bytes.

import { extInfo } from '../../analyse/messages.js';
import type {
  EncryptedExtensions,
  EndOfEarlyData,
  Finished,
  HelloRequest,
  KeyUpdate,
  NewSessionTicket,
  ServerHelloDone,
  UnknownHandshake,
} from '../../decode/model.js';
import { bytesOf, cappedList, extensionCodes, extensionList } from '../words.js';
import type { Describer } from './describer.js';

export const describeFinished: Describer<Finished> = (body, { add }) => {
  add('verify data', `${bytesOf(body.verifyData)} bytes ${body.verifyData}`);
  return "A MAC over the whole handshake transcript, keyed from the shared secret: if anyone altered a message, the two sides' values differ and the handshake fails.";
};

export const describeNewSessionTicket: Describer<NewSessionTicket> = (body, { add }) => {
  add('lifetime', `${body.lifetime} s`);
  add('ticket', `${bytesOf(body.ticket)} bytes`);
  return 'A session ticket: the client can present it later to resume without a full handshake.';
};

export const describeEncryptedExtensions: Describer<EncryptedExtensions> = (body, { add }) => {
  add('extensions', extensionList(body.extensions), extensionCodes(body.extensions));
  add('ALPN', cappedList(extInfo(body.extensions, 'alpn')?.protocols));
  return "The server's answers to the client's extensions that need not travel in the clear (ALPN and others): the first encrypted message.";
};

export const describeKeyUpdate: Describer<KeyUpdate> = (body, { add }) => {
  add('request update', String(body.requestUpdate));
  return 'The sender switches to fresh traffic keys.';
};

export const describeServerHelloDone: Describer<ServerHelloDone> = () => 'The server has sent everything for this flight and waits for the client.';

export const describeEndOfEarlyData: Describer<EndOfEarlyData> = () => 'The client has finished sending 0-RTT early data.';

export const describeHelloRequest: Describer<HelloRequest> = () => 'The server asks the client to start a new handshake (renegotiation).';

export const describeUnknownHandshake: Describer<UnknownHandshake> = (body, { add }) => {
  add('body', `${bytesOf(body.body)} bytes`);
  return 'A handshake message type this tool does not decode; its bytes are kept.';
};
