// `check --format openmetrics`: OpenMetrics 1.0 text (also read by Prometheus's text parser, for
// which `# EOF` is a comment), for node_exporter's textfile collector or a Pushgateway. Names
// follow blackbox_exporter (probe_success, probe_duration_seconds) and ssl_exporter
// (ssl_cert_not_after, ssl_verified_cert_chains) under the tls_trace_ prefix. Certificate names
// are peer text: they get the project's escape (as in the JSON), then the spec's label-value
// escape (backslash, double quote, line feed).

import { SCT_STATUSES, type CheckView, type ResultView } from './check-view.js';
import { escapeControl } from './escape.js';

/** A label value per the OpenMetrics ABNF: `\` `"` and LF escaped. */
export function labelValue(text: string): string {
  return escapeControl(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs).map(([k, v]) => `${k}="${labelValue(v)}"`).join(',')}}`;
}

/** One sample of a target: its labels beyond `target`, and its value. */
type Sample = [Record<string, string>, number];

interface Family {
  name: string;
  help: string;
  /** The target's one value (undefined: no sample), or `samples` for a family with more labels. */
  value?: (r: ResultView) => number | undefined;
  samples?: (r: ResultView) => Sample[];
  /** Certificate metrics carry the leaf's identity as labels. */
  cert?: boolean;
}

const seconds = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso) / 1000);

const FAMILIES: Family[] = [
  { name: 'tls_trace_probe_success', help: 'Whether the connection and handshake succeeded (1) or failed (0).', value: (r) => (r.status === 'error' ? 0 : 1) },
  { name: 'tls_trace_probe_duration_seconds', help: 'Seconds the target took: DNS, connect and handshake.', value: (r) => r.durationMs / 1000 },
  { name: 'tls_trace_verify_ok', help: 'Whether the chain, host name and trust checks passed (1) or not (0).', value: (r) => (r.chainValid === undefined ? undefined : r.chainValid ? 1 : 0) },
  {
    name: 'tls_trace_revocation_ok',
    help: "Whether every certificate's revocation status was looked up and is good (1) or not (0: revoked, unknown or unavailable); absent with --revocation off.",
    value: (r) => (r.revocationOk === undefined ? undefined : r.revocationOk ? 1 : 0),
  },
  { name: 'tls_trace_exit_code', help: 'The exit code this target alone would give (README, Exit codes).', value: (r) => r.exitCode },
  { name: 'tls_trace_days_left', help: 'Fewest whole days left among the sent certificates on the path.', value: (r) => r.daysLeft ?? undefined },
  { name: 'tls_trace_cert_not_after_seconds', help: "The leaf certificate's notAfter, in seconds since the epoch.", value: (r) => seconds(r.leaf?.notAfter), cert: true },
  { name: 'tls_trace_cert_not_before_seconds', help: "The leaf certificate's notBefore, in seconds since the epoch.", value: (r) => seconds(r.leaf?.notBefore), cert: true },
  {
    name: 'tls_trace_ct_scts',
    help: "The leaf's SCTs (certificate, TLS extension, OCSP staple) with each verdict, every status listed; absent when the chain says nothing of CT.",
    samples: (r) => (r.ct ? SCT_STATUSES.map((status): Sample => [{ status }, r.ct?.scts[status] ?? 0]) : []),
  },
  {
    name: 'tls_trace_ct_policy_met',
    help: "Whether the leaf's SCTs meet the browser's CT policy (1) or not (0); absent when the chain says nothing of CT.",
    samples: (r) => (r.ct ? [[{ policy: 'chrome' }, r.ct.chrome.met ? 1 : 0], [{ policy: 'apple' }, r.ct.apple.met ? 1 : 0]] : []),
  },
];

function samplesOf(f: Family, r: ResultView): Sample[] {
  if (f.samples) return f.samples(r);
  const v = f.value?.(r);
  return v === undefined ? [] : [[{}, v]];
}

function sampleLines(f: Family, r: ResultView): string[] {
  const base: Record<string, string> = { target: r.target };
  const set = f.cert && r.leaf ? { ...base, subject: r.leaf.subject, serial: r.leaf.serial, issuer: r.leaf.issuer } : base;
  return samplesOf(f, r)
    .filter(([, v]) => Number.isFinite(v))
    .map(([extra, v]) => `${f.name}${labels({ ...set, ...extra })} ${v}`);
}

export function renderOpenMetrics(view: CheckView): string {
  // A target listed twice would repeat a label set, which the format forbids: its first result stands.
  const seen = new Set<string>();
  const results = view.results.filter((r) => !seen.has(r.target) && seen.add(r.target));
  const lines: string[] = [];
  for (const f of FAMILIES) {
    lines.push(`# TYPE ${f.name} gauge`, `# HELP ${f.name} ${f.help}`);
    for (const r of results) lines.push(...sampleLines(f, r));
  }
  lines.push('# TYPE tls_trace_run_timestamp_seconds gauge', '# HELP tls_trace_run_timestamp_seconds The pinned clock of the run, in seconds since the epoch.');
  lines.push(`tls_trace_run_timestamp_seconds ${Date.parse(view.at) / 1000}`, '# EOF');
  return `${lines.join('\n')}\n`;
}
