// What each step shows: the decoded fields that matter, as label/value pairs, and one or two plain
// sentences on what the message does in the handshake. Words only; the text and JSON renderers
// lay them out. Values may hold peer-supplied text: the renderers escape them.

import type { Step } from '../analyse/types.js';
import type { Extension, HandshakeBody, Message } from '../decode/model.js';
import {
  alertDescriptions,
  alertLevels,
  certificateStatusTypes,
  cipherSuites,
  clientCertificateTypes,
  contentTypes,
  describe,
  extensionTypes,
  label,
  namedGroups,
  protocolVersions,
  signatureSchemes,
} from '../registry/index.js';
import { extInfo } from '../analyse/messages.js';
import { TEXT_MAX_ENTRIES_PER_MESSAGE } from '../limits.js';

export interface StepText {
  details: Array<{ label: string; value: string }>;
  explanation: string;
}

/** How many names a list shows before `+N more`. */
const LIST_HEAD = 4;

export function describeStep(step: Step, m: Message, tls13: boolean): StepText {
  const d: Array<{ label: string; value: string }> = [];
  const add = (labelText: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') d.push({ label: labelText, value });
  };
  switch (m.kind) {
    case 'handshake':
      return m.body ? handshakeText(step, m.body, tls13, add, d) : { details: d, explanation: 'A handshake message the decoder could not read (see the issue below).' };
    case 'change_cipher_spec':
      if (m.compatibility) {
        return {
          details: d,
          explanation:
            'A dummy ChangeCipherSpec, sent only so that middleboxes expecting TLS 1.2 let the connection through (RFC 8446 §D.4). It switches nothing: TLS 1.3 changes keys by itself.',
        };
      }
      return { details: d, explanation: `From the next record on, everything the ${side(step)} sends is protected with the negotiated cipher and keys.` };
    case 'alert': {
      const level = describe(alertLevels, m.level, 1);
      const desc = describe(alertDescriptions, m.description, 1);
      add('level', `${level.name} (${m.level})`);
      add('description', `${desc.name} (${m.description})`);
      let explanation: string;
      if (desc.name === 'close_notify') explanation = `The ${side(step)} is closing the connection cleanly.`;
      else if (m.level === 2) explanation = `The ${side(step)} aborts the handshake with a fatal ${desc.name} alert; the connection is over.`;
      else explanation = `A warning (${desc.name}); the connection may go on.`;
      return { details: d, explanation };
    }
    case 'encrypted': {
      add('content type', label(contentTypes, m.contentType, 1));
      add('encrypted length', `${m.length} bytes`);
      return { details: d, explanation: encryptedExplanation(step, tls13, m.guess) };
    }
    case 'application_data':
      add('length', `${m.length} bytes`);
      return { details: d, explanation: 'Application data, protected with the session keys.' };
    case 'opaque':
      add('reason', m.reason);
      if (m.cap) return { details: d, explanation: 'tls-trace stopped decoding here at one of its own caps; the rest of this direction is not read, which says nothing about the peer.' };
      return { details: d, explanation: 'Bytes that are not a TLS record this tool knows; shown as they are.' };
  }
}

function side(step: Step): string {
  return step.direction === 'client' ? 'client' : 'server';
}

const TLS13_SERVER_FLIGHT = ['EncryptedExtensions', 'Certificate', 'CertificateVerify', 'CertificateRequest', 'handshake message'];

function encryptedExplanation(step: Step, tls13: boolean, guess: string | undefined): string {
  const decryptHint = 'Decrypting it needs the session keys.';
  if (guess === 'Finished') {
    return tls13
      ? `The ${side(step)}'s Finished, encrypted with its handshake keys: a MAC over the whole handshake transcript, so any tampering is caught.`
      : 'The Finished message, encrypted with the keys the ChangeCipherSpec switched on: a MAC over the whole handshake transcript, so any tampering is caught.';
  }
  if (guess === 'early data') return `0-RTT early data, sent before the handshake completes. ${decryptHint}`;
  if (guess === 'Alert') return `An alert, encrypted (usually close_notify as the connection ends). ${decryptHint}`;
  if (tls13 && guess && (TLS13_SERVER_FLIGHT.includes(guess) || guess.startsWith('Certificate'))) {
    const who = step.direction === 'server' ? "Part of the server's encrypted flight" : "Part of the client's encrypted flight";
    return `${who}, protected with the handshake keys derived after the ServerHello. ${decryptHint}`;
  }
  if (guess?.startsWith('NewSessionTicket')) {
    return `After the handshake: most likely a NewSessionTicket the client can use to resume later, protected with the application traffic keys. ${decryptHint}`;
  }
  if (tls13 && !guess) {
    return step.direction === 'server'
      ? `Part of the server's encrypted flight (EncryptedExtensions, Certificate, CertificateVerify, Finished) or later data, protected with TLS 1.3 traffic keys. ${decryptHint}`
      : `The client's encrypted Finished (or later data), protected with TLS 1.3 traffic keys. ${decryptHint}`;
  }
  if (guess === 'application data') return `Application data (or a closing alert), protected with the session keys. ${decryptHint}`;
  return `A protected record${guess ? ` (most likely ${guess})` : ''}. ${decryptHint}`;
}

function names(codes: readonly number[], registry: Parameters<typeof describe>[0], width: 1 | 2 = 2): string {
  const shown = codes.slice(0, LIST_HEAD).map((c) => describe(registry, c, width).name);
  const more = codes.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? `, +${more} more` : ''}`;
}

function counted(codes: readonly number[], registry: Parameters<typeof describe>[0], noun: string): string {
  const grease = codes.filter((c) => describe(registry, c).grease).length;
  const real = codes.filter((c) => !describe(registry, c).grease);
  return `${real.length} ${noun}${real.length === 1 ? '' : 's'}${grease ? ` (+${grease} GREASE)` : ''}: ${names(real, registry)}`;
}

function extensionList(exts: readonly Extension[]): string {
  if (exts.length === 0) return 'none';
  return `${exts.length}: ${capped(exts.map((e) => describe(extensionTypes, e.type).name))}`;
}

/** `… 64,900 more entries not shown (tls-trace shows at most 100 per message)`. */
export function notShown(count: number): string {
  // Not toLocaleString: its first call loads ICU data (see formatBytes in text.ts).
  const digits = String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `… ${digits} more ${count === 1 ? 'entry' : 'entries'} not shown (tls-trace shows at most ${TEXT_MAX_ENTRIES_PER_MESSAGE} per message)`;
}

function cappedList(items: readonly string[] | undefined): string | undefined {
  return items ? capped(items) : undefined;
}

/** A comma-separated list of at most TEXT_MAX_ENTRIES_PER_MESSAGE items, then what was left out. */
function capped(items: readonly string[]): string {
  if (items.length <= TEXT_MAX_ENTRIES_PER_MESSAGE) return items.join(', ');
  return `${items.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE).join(', ')} ${notShown(items.length - TEXT_MAX_ENTRIES_PER_MESSAGE)}`;
}

function bytesOf(hex: string | undefined): number {
  return hex ? hex.length / 2 : 0;
}

function handshakeText(
  step: Step,
  body: HandshakeBody,
  tls13: boolean,
  add: (l: string, v: string | undefined) => void,
  d: StepText['details'],
): StepText {
  const done = (explanation: string): StepText => ({ details: d, explanation });
  switch (body.type) {
    case 'client_hello': {
      const versions = extInfo(body.extensions, 'supported_versions')?.versions;
      add('versions', versions ? capped(versions.map((v) => describe(protocolVersions, v).name)) : describe(protocolVersions, body.legacyVersion).name);
      add('random', body.random);
      add('session id', body.sessionId ? `${bytesOf(body.sessionId)} bytes ${body.sessionId}` : 'empty');
      add('cipher suites', counted(body.cipherSuites, cipherSuites, 'suite'));
      const sniNames = extInfo(body.extensions, 'server_name')?.names;
      const sni = sniNames ? capped(sniNames) : undefined;
      add('server name', sni);
      const groups = extInfo(body.extensions, 'supported_groups')?.groups;
      if (groups) add('groups', counted(groups, namedGroups, 'group'));
      const shares = extInfo(body.extensions, 'key_share')?.shares;
      if (shares) add('key shares', capped(shares.map((s) => `${describe(namedGroups, s.group).name} (${bytesOf(s.keyExchange)} B)`)) || 'none (asks the server to choose)');
      add('ALPN', cappedList(extInfo(body.extensions, 'alpn')?.protocols));
      const sigs = extInfo(body.extensions, 'signature_algorithms')?.schemes;
      if (sigs) add('signature algorithms', counted(sigs, signatureSchemes, 'scheme'));
      add('extensions', extensionList(body.extensions));
      const retry = step.index > 1 && step.name === 'ClientHello';
      const offers = ['the protocol versions it speaks', 'a fresh random', 'the cipher suites it accepts'];
      if (sni) offers.push('the name of the server it wants');
      return done(
        (retry ? 'The client tries again, now with what the server asked for. ' : 'The client opens the handshake. ') +
          `It offers ${offers.slice(0, -1).join(', ')} and ${offers.at(-1)}.` +
          (shares?.length ? ' It also sends key shares for the groups it expects the server to pick, so TLS 1.3 can finish in one round trip.' : ''),
      );
    }
    case 'server_hello': {
      const selected = extInfo(body.extensions, 'supported_versions_selected')?.version;
      const keyShare = extInfo(body.extensions, 'key_share_selected');
      if (body.helloRetryRequest) {
        add('version', label(protocolVersions, selected ?? body.legacyVersion));
        add('cipher suite', label(cipherSuites, body.cipherSuite));
        if (keyShare) add('group wanted', label(namedGroups, keyShare.group));
        add('extensions', extensionList(body.extensions));
        return done(
          'A HelloRetryRequest: none of the client\'s key shares suits the server, so it names the group it wants and the client must send a second ClientHello. That costs one more round trip.',
        );
      }
      add('version', label(protocolVersions, selected ?? body.legacyVersion) + (selected !== undefined ? ' (supported_versions)' : ''));
      add('cipher suite', label(cipherSuites, body.cipherSuite));
      add('random', body.random);
      if (body.downgradeSentinel) add('downgrade sentinel', body.downgradeSentinel === 'tls12' ? 'DOWNGRD 01 (server speaks TLS 1.3)' : 'DOWNGRD 00 (server speaks TLS 1.2+)');
      add('session id', body.sessionId ? `${bytesOf(body.sessionId)} bytes ${body.sessionId}` : 'empty');
      if (keyShare) add('key share', `${label(namedGroups, keyShare.group)}${keyShare.keyExchange ? `, ${bytesOf(keyShare.keyExchange)} B` : ''}`);
      add('ALPN', cappedList(extInfo(body.extensions, 'alpn')?.protocols));
      add('extensions', extensionList(body.extensions));
      const base = 'The server picks the protocol version and cipher suite from the client\'s offers and adds its own random; both randoms feed the key derivation.';
      return done(
        tls13
          ? `${base} With its key share both sides can now compute the handshake keys: everything after this message is encrypted.`
          : base,
      );
    }
    case 'certificate': {
      add('certificates', String(body.entries.length));
      const certs = step.certificates ?? [];
      // A legal message can carry 65,000 one-byte entries: show the head and say what was left out.
      for (const [i, c] of certs.slice(0, TEXT_MAX_ENTRIES_PER_MESSAGE).entries()) {
        add(`  #${i + 1}`, c.error ? `unreadable: ${c.error}` : `${c.subject}${c.key ? ` (${c.key})` : ''}`);
      }
      if (certs.length > TEXT_MAX_ENTRIES_PER_MESSAGE) add('  …', notShown(certs.length - TEXT_MAX_ENTRIES_PER_MESSAGE));
      if (step.direction === 'client') {
        return done(
          body.entries.length === 0
            ? 'The server asked for a client certificate; the client has none to offer and sends an empty list. The server decides whether to go on.'
            : 'The client\'s certificate chain, sent because the server asked for one.',
        );
      }
      return done(
        body.entries.length === 0
          ? 'An empty certificate list.'
          : 'The server\'s certificate chain. The first certificate carries the server\'s public key; the client checks the chain up to a trusted root and that it names the host.',
      );
    }
    case 'certificate_status':
      add('status type', label(certificateStatusTypes, body.statusType, 1));
      add('OCSP response', `${bytesOf(body.response)} bytes`);
      return done('A stapled OCSP response: the CA\'s signed statement that the certificate is not revoked, so the client need not ask the CA itself.');
    case 'server_key_exchange': {
      if (body.form === 'ecdhe') {
        if (body.namedGroup !== undefined) add('curve', label(namedGroups, body.namedGroup));
        add('public key', `${bytesOf(body.publicKey)} bytes`);
      } else if (body.form === 'dhe' && body.dh) {
        add('DH prime p', `${body.dh.pBits} bits`);
        add('generator g', `${body.dh.gBits} bits`);
        add('public value Ys', `${body.dh.ysBits} bits`);
      } else {
        add('form', body.form);
      }
      if (body.signatureScheme !== undefined) add('signature scheme', label(signatureSchemes, body.signatureScheme));
      if (body.signature) add('signature', `${bytesOf(body.signature)} bytes`);
      return done(
        `The server's ephemeral ${body.form === 'dhe' ? 'DHE' : 'ECDHE'} parameters, signed with the certificate's private key so the client knows they come from the certificate's owner.`,
      );
    }
    case 'certificate_request':
      if (body.certificateTypes) add('certificate types', names(body.certificateTypes, clientCertificateTypes, 1));
      add('signature schemes', counted(body.signatureSchemes, signatureSchemes, 'scheme'));
      add('acceptable CAs', String(body.authorities.length));
      return done('The server asks the client to authenticate with a certificate of its own.');
    case 'server_hello_done':
      return done('The server has sent everything for this flight and waits for the client.');
    case 'client_key_exchange':
      add('form', body.form);
      add(body.form === 'rsa' ? 'encrypted pre-master secret' : 'public key', `${bytesOf(body.exchange)} bytes`);
      if (body.form === 'rsa') {
        return done(
          'The pre-master secret, encrypted with the server\'s RSA public key. Both sides derive the master secret from it and the two randoms. No forward secrecy: whoever obtains the server\'s key later can decrypt recorded sessions.',
        );
      }
      return done(
        'The client\'s ephemeral public key. With it and the server\'s, both sides compute the same pre-master secret; with the two randoms it gives the master secret and the session keys.',
      );
    case 'certificate_verify':
      add('signature scheme', label(signatureSchemes, body.signatureScheme));
      add('signature', `${bytesOf(body.signature)} bytes`);
      return done(
        step.direction === 'server'
          ? 'The server signs the handshake transcript with its certificate\'s private key, proving it holds that key.'
          : 'The client signs the handshake transcript with its certificate\'s private key, proving it holds that key.',
      );
    case 'finished':
      add('verify data', `${bytesOf(body.verifyData)} bytes ${body.verifyData}`);
      return done('A MAC over the whole handshake transcript, keyed from the shared secret: if anyone altered a message, the two sides\' values differ and the handshake fails.');
    case 'new_session_ticket':
      add('lifetime', `${body.lifetime} s`);
      add('ticket', `${bytesOf(body.ticket)} bytes`);
      return done('A session ticket: the client can present it later to resume without a full handshake.');
    case 'encrypted_extensions':
      add('extensions', extensionList(body.extensions));
      add('ALPN', cappedList(extInfo(body.extensions, 'alpn')?.protocols));
      return done('The server\'s answers to the client\'s extensions that need not travel in the clear (ALPN and others): the first encrypted message.');
    case 'key_update':
      add('request update', String(body.requestUpdate));
      return done('The sender switches to fresh traffic keys.');
    case 'end_of_early_data':
      return done('The client has finished sending 0-RTT early data.');
    case 'hello_request':
      return done('The server asks the client to start a new handshake (renegotiation).');
    case 'unknown':
      add('body', `${bytesOf(body.body)} bytes`);
      return done('A handshake message type this tool does not decode; its bytes are kept.');
  }
}
