// Public surface of chain analysis.
export { analyseChain } from './analyse.js';
export { chainVerdict, type ChainVerdict } from './verdict.js';
export { matchHostname, canonicalIp, ipBytes, unusableDnsName, type HostnameResult } from './hostname.js';
export { parseOcspResponse, checkOcsp, type OcspResponseInfo, type OcspSingleResponse, type ParsedOcspResponse } from './ocsp.js';
export { buildTrustStore, type TrustAnchor, type TrustStore, type AnchorOrigin } from './trust-store.js';
export type { ChainCertificate, ChainFact, ChainInput, ChainReport, CertificateRole, Severity } from './types.js';
export { chainFromCapture, chainFromTrace, chainReportFromCapture, type CapturedChain, type CaptureChainOptions } from './from-capture.js';
