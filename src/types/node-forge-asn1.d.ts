// node-forge's ASN.1 module imported on its own (see src/analyse/certificates/der.ts); its shape
// is `forge.asn1` from @types/node-forge.
declare module 'node-forge/lib/asn1.js' {
  import type forge from 'node-forge';
  const asn1: typeof forge.asn1;
  export default asn1;
}
