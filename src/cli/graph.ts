import type { ByteSource } from '../core/capture/source';
import { controlsEscaped } from '../core/escape';
import type { Lang } from '../core/explain/glossary';
import { graphCsvLines, graphJson, graphSvg } from '../core/graph/export';
import { GRAPH_KINDS, GraphKind, GraphSide, busierSide, buildGraph, readStreamSamples } from '../core/graph/series';
import { locateStreams } from '../core/index/catalog';
import type { ScanSummary } from '../core/scan';
import { NoSuchStream } from './follow';

/**
 * `tcp-explainer graph FILE --stream N --kind tcptrace|throughput|rtt|window
 * [--direction client|server] [--window SECONDS] --format svg|csv|json`: one picture of a
 * connection over time, or its points. The connection is read again through the catalog (the
 * capture is catalogued once; no second pass over the whole file for the graph).
 *
 * - svg: a standalone picture with axes, ticks with units, a title and a legend;
 * - csv: a header row, then one row per point (series, frame, time, values), frame order;
 * - json: the graph's description and each series' columns.
 */

export type GraphFormat = 'svg' | 'csv' | 'json';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['svg', 'csv', 'json'];

export interface GraphSettings {
  stream: number;
  kind: GraphKind;
  /** Null: the side that sent more bytes. */
  side: GraphSide | null;
  windowSeconds: number;
  format: GraphFormat;
  lang: Lang;
}

/** A wrong graph option; the caller reports it as a usage error. */
export class GraphUsage extends Error {}

interface GraphOptionValues {
  stream?: string | undefined;
  kind?: string | undefined;
  direction?: string | undefined;
  window?: string | undefined;
  format?: string | undefined;
  json?: boolean | undefined;
  lang?: string | undefined;
  filter?: string | undefined;
  frame?: string | undefined;
  absolute?: boolean | undefined;
}

/** The graph command's options, checked. */
export function graphSettings(o: GraphOptionValues): GraphSettings {
  if (o.filter !== undefined || o.frame !== undefined || o.absolute) {
    throw new GraphUsage('graph takes --stream, --kind, --direction, --window, --format and --lang');
  }
  if (o.stream === undefined) throw new GraphUsage('graph needs --stream N (a tcp.stream number, as the conversations command lists them)');
  if (!/^\d+$/.test(o.stream)) throw new GraphUsage('--stream needs a stream number');
  if (o.kind === undefined) throw new GraphUsage(`graph needs --kind ${GRAPH_KINDS.join('|')}`);
  if (!GRAPH_KINDS.includes(o.kind as GraphKind)) throw new GraphUsage(`--kind is one of ${GRAPH_KINDS.join(', ')}`);
  if (o.direction !== undefined && o.direction !== 'client' && o.direction !== 'server') throw new GraphUsage('--direction is client or server');
  let windowSeconds = 1;
  if (o.window !== undefined) {
    if (o.kind !== 'throughput') throw new GraphUsage('--window is for --kind throughput (its moving average)');
    windowSeconds = /^(\d+(\.\d*)?|\.\d+)$/.test(o.window) ? Number(o.window) : NaN;
    if (!(windowSeconds > 0) || windowSeconds > 1e6) throw new GraphUsage('--window needs a number of seconds above 0 (0.5, 1, 10...)');
  }
  let format: GraphFormat | undefined;
  if (o.format !== undefined) {
    if (!GRAPH_FORMATS.includes(o.format as GraphFormat)) throw new GraphUsage(`graph --format is one of ${GRAPH_FORMATS.join(', ')}`);
    format = o.format as GraphFormat;
  }
  if (o.json) {
    if (format !== undefined && format !== 'json') throw new GraphUsage(`--json and --format ${format} disagree`);
    format = 'json';
  }
  if (format === undefined) throw new GraphUsage(`graph needs --format ${GRAPH_FORMATS.join('|')}`);
  if (o.lang !== undefined && o.lang !== 'en' && o.lang !== 'zh-cn') throw new GraphUsage('--lang is en or zh-cn');
  return {
    stream: Number(o.stream),
    kind: o.kind as GraphKind,
    side: (o.direction as GraphSide | undefined) ?? null,
    windowSeconds,
    format,
    lang: (o.lang as Lang | undefined) ?? 'en',
  };
}

export interface GraphOutput {
  line(s: string): void;
}

export function runGraph(file: string, settings: GraphSettings, open: () => ByteSource, out: GraphOutput): ScanSummary {
  const { stream } = settings;
  // The connection is found by the conversation table's pass and analysed alone: no other is.
  const catalog = locateStreams(open(), open, [stream]);
  const count = catalog.conversations.length;
  if (!catalog.conversations[stream]) {
    throw new NoSuchStream(
      count === 0
        ? `no TCP stream ${stream} in ${controlsEscaped(file)} (it has no TCP connection)`
        : `no TCP stream ${stream} in ${controlsEscaped(file)} (its streams are 0 to ${count - 1})`,
    );
  }
  const samples = readStreamSamples(catalog, stream);
  const graph = buildGraph(samples, settings.kind, settings.side ?? busierSide(samples), { windowSeconds: settings.windowSeconds });
  if (settings.format === 'csv') graphCsvLines(graph, (line) => out.line(line));
  else if (settings.format === 'json') out.line(JSON.stringify(graphJson(graph)));
  else out.line(graphSvg(graph, settings.lang, { subtitle: fileName(file) }).replace(/\n$/, ''));
  return catalog.summary;
}

/** The file's own name, without its folders (the picture says which capture it shows). */
function fileName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}
