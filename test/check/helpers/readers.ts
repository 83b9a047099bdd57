// The independent readers check's machine formats are validated with, shared by the format tests
// (test/check/formats.test.ts) and the CT ones (test/ct/check-ct.test.ts): the Prometheus Python
// client's OpenMetrics parser (and its Prometheus text parser, as node_exporter reads a
// textfile), Python's csv module, and the GitHub annotation syntax GitHub documents.

import { execFileSync, spawnSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';

/** Python with a module (Debian's python3-prometheus-client for the parser); throws under CI when missing. */
export function pythonHas(module: string): boolean {
  const ok = spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
  if (!ok && process.env.CI) throw new Error(`python3 module ${module} is missing (CI is set; .ci/run installs it)`);
  return ok;
}

export function python(script: string, input: string): string {
  return execFileSync(PYTHON, ['-c', script], { input, encoding: 'utf8' });
}

const OPENMETRICS_PARSE = `
import sys, json
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
from prometheus_client.parser import text_string_to_metric_families as prom
text = sys.stdin.read()
out = {}
for f in om(text):
    out[f.name] = [[s.labels, s.value] for s in f.samples]
# node_exporter's textfile collector reads the Prometheus text format: it must parse too, to the same samples.
assert sorted((f.name, len(f.samples)) for f in prom(text)) == sorted((k, len(v)) for k, v in out.items())
print(json.dumps(out))
`;

export type Metrics = Record<string, Array<[Record<string, string>, number]>>;

/** Metric families by name, each sample as [labels, value], as the OpenMetrics parser reads `text`. */
export function parseOpenMetrics(text: string): Metrics {
  return JSON.parse(python(OPENMETRICS_PARSE, text)) as Metrics;
}

const CSV_READ = `
import sys, csv, json, io
print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline=''), strict=True))))
`;

/** The rows Python's csv module reads (strict). */
export function readCsv(text: string): string[][] {
  return JSON.parse(python(CSV_READ, text)) as string[][];
}

/** A workflow command as GitHub documents it: `::error title=…::message`. */
export const ANNOTATION = /^::(error|warning) title=([^:\r\n]*)::([^\r\n]*)$/;

/** The runner's unescape of a workflow command's data and properties. */
export const unescapeAnnotation = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');

/** Annotations by their title: [level, message], both unescaped. */
export function annotationsByTitle(out: string): Record<string, [string, string]> {
  const parsed = out.split('\n').filter((l) => l.startsWith('::')).map((l) => ANNOTATION.exec(l));
  if (!parsed.every(Boolean)) throw new Error(`not an annotation: ${out}`);
  return Object.fromEntries(parsed.map((m) => [unescapeAnnotation(m?.[2] ?? ''), [m?.[1] ?? '', unescapeAnnotation(m?.[3] ?? '')]]));
}
