// XMPP (RFC 6120 §5): the client's stream header, the server's stream header and
// <stream:features> with <starttls/> in it, the client's <starttls/>, and <proceed/> as the
// go-ahead (<failure/> or a stream error is a refusal). Matched as text: these few elements are
// fixed by the RFC, and a full XML parser would buy nothing but size.

import type { Dialogue } from './types.js';
import { StarttlsFailure, unexpected, type Conversation } from './conversation.js';

const TLS_NS = 'urn:ietf:params:xml:ns:xmpp-tls';

function xmlAttr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
}

/** Reads until one of `ends` closes an element; returns the text read. */
async function readUntil(conv: Conversation, ends: RegExp, expected: string): Promise<string> {
  const text = await conv.read((b) => {
    const s = b.toString('latin1');
    if (s.trimStart().length > 0 && !s.trimStart().startsWith('<')) return b.length;
    const m = ends.exec(s);
    return m ? m.index + m[0].length : undefined;
  }, 'stream data');
  const s = text.toString('latin1');
  if (!s.trimStart().startsWith('<')) throw unexpected(conv, s, expected);
  return s;
}

const STREAM_ERROR = /<stream:error>([\s\S]*?)<\/stream:error>/;
const FEATURES_END = /<\/stream:features>|<stream:features\s*\/>|<\/stream:error>|<\/stream:stream>/;

function streamError(conv: Conversation, text: string): StarttlsFailure | undefined {
  const m = STREAM_ERROR.exec(text);
  if (!m) return undefined;
  const condition = /<([a-z-]+)[\s/>]/.exec(m[1])?.[1] ?? 'unknown';
  return new StarttlsFailure('starttls-refused', `${conv.where} ended the XMPP stream: stream error <${condition}/>`);
}

function xmppDialogue(ns: 'jabber:client' | 'jabber:server'): Dialogue {
  return async (conv, ctx) => {
    const to = ctx.xmppHost ?? ctx.host;
    conv.send(`<?xml version='1.0'?><stream:stream xmlns='${ns}' xmlns:stream='http://etherx.jabber.org/streams' to='${xmlAttr(to)}' version='1.0'>`);
    const features = await readUntil(conv, FEATURES_END, 'an XMPP stream header');
    const error = streamError(conv, features);
    if (error) throw error;
    if (!/<stream:stream[\s>]/.test(features)) throw unexpected(conv, features, 'an XMPP stream header');
    if (!new RegExp(`<starttls[^>]*${TLS_NS}`).test(features)) {
      throw new StarttlsFailure('starttls-not-offered', `${conv.where} does not offer STARTTLS: its XMPP stream features for ${to} hold no <starttls/>`);
    }
    conv.send(`<starttls xmlns='${TLS_NS}'/>`);
    const answer = await readUntil(conv, /<proceed[^>]*>|<failure[^>]*\/>|<\/failure>|<\/stream:error>|<\/stream:stream>/, 'an XMPP <proceed/>');
    const err = streamError(conv, answer);
    if (err) throw err;
    if (!/<proceed[\s/>]/.test(answer)) throw new StarttlsFailure('starttls-refused', `${conv.where} refused STARTTLS: it answered <starttls/> with <failure/>`);
  };
}

export const xmpp = xmppDialogue('jabber:client');
export const xmppServer = xmppDialogue('jabber:server');
