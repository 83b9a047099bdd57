// Extensions whose body is one list of code points (RFC 8446 §4.2, RFC 8422 §5.1, RFC 8879 §3).

import type { ExtensionInfo } from '../model.js';
import type { ByteReader } from '../reader.js';
import { fmt } from '../format.js';
import type { ExtensionWhere } from './where.js';

export function supportedGroups(r: ByteReader): ExtensionInfo {
  const groups =
    r.vector(2, 'named_group_list', 'Named groups', { min: 2, multipleOf: 2 }, (v) =>
      v.each(() => v.u16('named_group', 'Group', fmt.group)),
    ) ?? [];
  return { kind: 'supported_groups', groups };
}

export function ecPointFormats(r: ByteReader): ExtensionInfo {
  const formats =
    r.vector(1, 'ec_point_format_list', 'EC point formats', { min: 1 }, (v) =>
      v.each(() => v.u8('ec_point_format', 'Point format', fmt.pointFormat)),
    ) ?? [];
  return { kind: 'ec_point_formats', formats };
}

export function signatureAlgorithms(r: ByteReader, kind: 'signature_algorithms' | 'signature_algorithms_cert'): ExtensionInfo {
  const schemes =
    r.vector(2, 'supported_signature_algorithms', 'Signature schemes', { min: 2, max: 0xfffe, multipleOf: 2 }, (v) =>
      v.each(() => v.u16('signature_scheme', 'Signature scheme', fmt.scheme)),
    ) ?? [];
  return { kind, schemes };
}

/** ClientHello: a list of versions; ServerHello/HRR: the one selected version. */
export function supportedVersions(r: ByteReader, where: ExtensionWhere): ExtensionInfo {
  if (where === 'server_hello' || where === 'hello_retry_request') {
    return { kind: 'supported_versions_selected', version: r.u16('selected_version', 'Selected version', fmt.version) };
  }
  const versions =
    r.vector(1, 'versions', 'Versions', { min: 2, max: 254, multipleOf: 2 }, (v) =>
      v.each(() => v.u16('version', 'Version', fmt.version)),
    ) ?? [];
  return { kind: 'supported_versions', versions };
}

export function pskKeyExchangeModes(r: ByteReader): ExtensionInfo {
  const modes =
    r.vector(1, 'ke_modes', 'PSK key exchange modes', { min: 1 }, (v) =>
      v.each(() => v.u8('ke_mode', 'Mode', fmt.pskMode)),
    ) ?? [];
  return { kind: 'psk_key_exchange_modes', modes };
}

export function compressCertificate(r: ByteReader): ExtensionInfo {
  const algorithms =
    r.vector(1, 'algorithms', 'Compression algorithms', { min: 2, max: 254, multipleOf: 2 }, (v) =>
      v.each(() => v.u16('algorithm', 'Algorithm', fmt.certCompression)),
    ) ?? [];
  return { kind: 'compress_certificate', algorithms };
}
