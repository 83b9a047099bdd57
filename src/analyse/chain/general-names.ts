// GeneralName (RFC 5280 §4.2.1.6) in every form, for name constraints: the constraint subtrees of
// a CA and the names of the certificates below it (subject, its emailAddress attributes, every
// subjectAltName). CertificateInfo keeps only the SAN forms a TLS identity uses; constraints must
// also see directoryName, registeredID and otherName, so they are read here from the raw DER.

import { type Asn1, DerError, binaryToBuffer, children, oid, oidContents, parseDer, primitive } from '../certificates/der.js';
import { asciiText, formatIp, stringValue } from '../certificates/parse.js';

/** The forms name constraints are checked for; `other` is every form tls-trace does not check. */
export type NameForm = 'dns' | 'email' | 'uri' | 'ip' | 'dn' | 'other';

export interface GeneralName {
  /** GeneralName CHOICE tag: 0 otherName … 8 registeredID. */
  tag: number;
  form: NameForm;
  /** For people: `DNS:www.example.com`, `IP:10.0.0.0/8`, `DirName:O=Example`, `RID:1.2.3`. */
  text: string;
  /** dns/email/uri: the IA5String as read (bytes as latin1, compared ASCII case-insensitively). */
  value: string;
  /** ip: the address (4 or 16 bytes), or address and mask (8 or 32) in a constraint. */
  bytes?: Buffer;
  /** dn: each RDN canonical (see canonicalRdns), in order. */
  rdns?: string[];
}

/** RFC 5280's name of each GeneralName form, by CHOICE tag. */
export const FORM_NAMES: Readonly<Record<number, string>> = {
  0: 'otherName',
  1: 'rfc822Name',
  2: 'dNSName',
  3: 'x400Address',
  4: 'directoryName',
  5: 'ediPartyName',
  6: 'uniformResourceIdentifier',
  7: 'iPAddress',
  8: 'registeredID',
};

const STRING_FORMS: Readonly<Record<number, { form: NameForm; prefix: string }>> = {
  1: { form: 'email', prefix: 'email' },
  2: { form: 'dns', prefix: 'DNS' },
  6: { form: 'uri', prefix: 'URI' },
};

const EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

/** Whole bits set from the top, or undefined when the mask has a hole (10.0.0.0/255.0.255.0). */
function prefixLength(mask: Buffer): number | undefined {
  const bits = [...mask].map((b) => b.toString(2).padStart(8, '0')).join('');
  const ones = bits.indexOf('0') < 0 ? bits.length : bits.indexOf('0');
  return bits.slice(ones).includes('1') ? undefined : ones;
}

function ipText(bytes: Buffer): string {
  if (bytes.length !== 8 && bytes.length !== 32) return `IP:${formatIp(bytes)}`;
  const half = bytes.length / 2;
  const mask = bytes.subarray(half);
  const bits = prefixLength(mask);
  return `IP:${formatIp(bytes.subarray(0, half))}/${bits ?? formatIp(mask)}`;
}

/**
 * Canonical RDNs, as OpenSSL compares names for constraints: attribute type by OID, string values
 * with ASCII letters lower-cased, outer spaces dropped and inner runs of space made one; the
 * attributes of a multi-valued RDN sorted. Other value types compare by their bytes.
 */
export function canonicalRdns(name: Asn1): string[] {
  return children(name, 'Name').map((rdn) =>
    children(rdn, 'RDN')
      .map((atv) => {
        const [type, value] = children(atv, 'AttributeTypeAndValue');
        const text = value && typeof value.value === 'string' && value.tagClass === 0 ? stringValue(value) : '';
        const canon = text.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/\s+/g, ' ').trim();
        return `${oid(type, 'attribute type')}=${JSON.stringify(canon)}`;
      })
      .sort()
      .join('+'),
  );
}

/** One GeneralName node (context-tagged CHOICE). `display` renders a Name for directoryName. */
export function readGeneralName(node: Asn1, display: (name: Asn1) => string): GeneralName {
  if (node.tagClass !== 0x80) throw new DerError('GeneralName: expected a context-specific tag');
  const tag = node.type;
  const str = STRING_FORMS[tag];
  if (str) {
    const value = primitive(node, FORM_NAMES[tag]);
    return { tag, form: str.form, text: `${str.prefix}:${asciiText(value).text}`, value };
  }
  if (tag === 7) {
    const bytes = binaryToBuffer(primitive(node, 'iPAddress'));
    return { tag, form: 'ip', text: ipText(bytes), value: '', bytes };
  }
  if (tag === 4) {
    // directoryName is EXPLICIT: [4] { Name }.
    const name = children(node, 'directoryName')[0];
    if (!name) throw new DerError('directoryName: empty');
    return { tag, form: 'dn', text: `DirName:${display(name)}`, value: '', rdns: canonicalRdns(name) };
  }
  if (tag === 8) return { tag, form: 'other', text: `RID:${oidContents(primitive(node, 'registeredID'))}`, value: '' };
  if (tag === 0) {
    const typeId = Array.isArray(node.value) ? node.value[0] : undefined;
    return { tag, form: 'other', text: `otherName:${typeId ? oid(typeId, 'otherName type-id') : '?'}`, value: '' };
  }
  if (FORM_NAMES[tag]) return { tag, form: 'other', text: FORM_NAMES[tag], value: '' };
  throw new DerError(`GeneralName: unknown tag [${tag}]`);
}

/** Every name in a subjectAltName extension value. */
export function sanNames(der: Buffer, display: (name: Asn1) => string): GeneralName[] {
  return children(parseDer(der), 'GeneralNames').map((gn) => readGeneralName(gn, display));
}

/** The subject as a directoryName (when not empty) and its emailAddress attributes as rfc822Names. */
export function subjectNames(subjectDer: Buffer, display: (name: Asn1) => string): GeneralName[] {
  const name = parseDer(subjectDer);
  const rdns = children(name, 'Name');
  if (rdns.length === 0) return [];
  const out: GeneralName[] = [{ tag: 4, form: 'dn', text: `DirName:${display(name)}`, value: '', rdns: canonicalRdns(name) }];
  for (const rdn of rdns) {
    for (const atv of children(rdn, 'RDN')) {
      const [type, value] = children(atv, 'AttributeTypeAndValue');
      if (oid(type, 'attribute type') !== EMAIL_ADDRESS || !value || typeof value.value !== 'string') continue;
      out.push({ tag: 1, form: 'email', text: `email:${asciiText(value.value).text} (subject emailAddress)`, value: value.value });
    }
  }
  return out;
}
