import { Ladder, LadderRow, Phase } from '../tcp/ladder';
import { SideState } from '../tcp/states';
import { ConnectionExplanation, narrateConnection } from './connection';
import { endpointText } from '../decode/address';
import { Lang } from './glossary';
import { describeStep, formatDuration } from './steps';
import { markdownCell, markdownCode, markdownText, mermaidText, xmlText } from '../escape';

/**
 * A connection taken elsewhere: Markdown for notes and tickets, a Mermaid sequence diagram and
 * a standalone SVG for blog posts. All three draw the same ladder as the editor: the same
 * labels, the states after each step, the notes.
 */

const WORDS = {
  en: {
    steps: 'Step by step',
    time: 'Time (s)',
    delta: 'Since previous',
    seconds: 's',
    dir: 'Direction',
    segment: 'Segment',
    client: 'Client',
    server: 'Server',
    note: 'What it means',
    carried: 'Carried',
    before: 'before',
    phase: { handshake: 'Three-way handshake', data: 'Data', teardown: 'Teardown' } as Record<Phase, string>,
    numbers: { relative: 'Sequence numbers are relative (each side\'s ISN is 0), as Wireshark shows them by default.', absolute: 'Sequence numbers are absolute (raw).' },
    inferred: '? = inferred: no segment shows this state.',
    more: '… {n} more segments not shown.',
  },
  'zh-cn': {
    steps: '逐步说明',
    time: '时间（秒）',
    delta: '距上一个',
    seconds: '秒',
    dir: '方向',
    segment: '报文段',
    client: '客户端',
    server: '服务器',
    note: '含义',
    carried: '携带的数据',
    before: '开始前',
    phase: { handshake: '三次握手', data: '数据传输', teardown: '挥手（关闭连接）' } as Record<Phase, string>,
    numbers: { relative: '序列号为相对值（双方的 ISN 都记为 0），与 Wireshark 默认一致。', absolute: '序列号为绝对（原始）值。' },
    inferred: '? = 推断：没有报文段直接显示这个状态。',
    more: '…… 另有 {n} 个报文段未列出。',
  },
};

function stateText(s: SideState): string {
  return s.inferred ? `${s.state}?` : s.state;
}

/** "+9.59 ms": the time since the connection's previous segment (none on its first). */
export function deltaText(r: LadderRow, lang: Lang): string {
  if (r.n === 0) return '';
  return `${r.delta >= 0 ? '+' : ''}${formatDuration(r.delta, lang)}`;
}

/** "0.009731 s (+9.59 ms)": when a segment came, since the connection's first and since the one before. */
function timeText(r: LadderRow, lang: Lang): string {
  const delta = deltaText(r, lang);
  const at = `${r.time.toFixed(6)} ${WORDS[lang].seconds}`;
  if (!delta) return at;
  return lang === 'zh-cn' ? `${at}（${delta}）` : `${at} (${delta})`;
}

function labelWithAnalysis(r: LadderRow): string {
  return r.analysis.length ? `${r.label} ${r.analysis.map((a) => `[${a.replace(/_/g, ' ')}]`).join(' ')}` : r.label;
}


/**
 * What segments carried, by frame, in the export's language ("GET / HTTP/1.1"): text from the
 * capture, escaped here for each format. Without it (or when it is empty) no column is drawn.
 */
export type CarriedLines = ReadonlyMap<number, string>;

/**
 * Text from a capture for a Markdown cell, inert even in a renderer that ignores backslash
 * escapes or links bare URLs: angle brackets and colons as entities, the rest escaped.
 */
function inertMarkdown(s: string): string {
  return markdownText(s).replace(/\\</g, '&lt;').replace(/\\>/g, '&gt;').replace(/\\:/g, '&#58;');
}

/** The explanation and the step table, in Markdown. */
export function explanationMarkdown(x: ConnectionExplanation, ladder: Ladder, lang: Lang = 'en', carried?: CarriedLines): string {
  const w = WORDS[lang];
  const withCarried = !!carried && ladder.rows.some((r) => carried.has(r.frame));
  const n = narrateConnection(x, lang);
  const out: string[] = [`## ${n.title}`, '', n.summary.join(lang === 'zh-cn' ? '' : ' '), ''];
  for (const d of n.details) out.push(`- ${d}`);
  out.push('', `### ${w.steps}`, '', w.numbers[ladder.numbers], '');
  const carriedHead = withCarried ? ` ${w.carried} |` : '';
  out.push(`| # | ${w.time} | ${w.delta} | ${w.dir} | ${w.segment} |${carriedHead} ${w.client} | ${w.server} | ${w.note} |`, `|---:|---:|---:|:---:|---|${withCarried ? '---|' : ''}---|---|---|`);
  out.push(`|  |  |  |  | *${w.before}* |${withCarried ? '  |' : ''} ${stateText(ladder.initial.client)} | ${stateText(ladder.initial.server)} |  |`);
  for (const r of ladder.rows) {
    const words = describeStep(r, lang, ladder.server.port);
    const what = carried?.get(r.frame);
    // Text, every punctuation mark escaped: no link can start, even for a renderer that reads code spans loosely.
    const carriedCell = withCarried ? ` ${what ? markdownCell(inertMarkdown(what)) : ''} |` : '';
    out.push(
      `| ${r.n + 1} | ${r.time.toFixed(6)} | ${deltaText(r, lang)} | ${r.toServer ? '→' : '←'} | ${markdownCell(markdownCode(labelWithAnalysis(r)))} |${carriedCell} ${stateText(r.client)} | ${stateText(r.server)} | ${markdownCell(words.short)} |`,
    );
  }
  if (ladder.first + ladder.rows.length < ladder.total) out.push('', w.more.replace('{n}', String(ladder.total - ladder.first - ladder.rows.length)));
  if ([ladder.initial.client, ladder.initial.server, ...ladder.rows.flatMap((r) => [r.client, r.server])].some((s) => s.inferred)) out.push('', w.inferred);
  return out.join('\n') + '\n';
}


/** A Mermaid `sequenceDiagram` of the ladder: one message per segment, notes for states and phases. */
export function ladderMermaid(ladder: Ladder, lang: Lang = 'en', carried?: CarriedLines): string {
  const w = WORDS[lang];
  const out = [
    'sequenceDiagram',
    `    participant C as ${mermaidText(`${w.client} ${endpointText(ladder.client)}`)}`,
    `    participant S as ${mermaidText(`${w.server} ${endpointText(ladder.server)}`)}`,
    `    Note over C: ${stateText(ladder.initial.client)}`,
    `    Note over S: ${stateText(ladder.initial.server)}`,
  ];
  let phase: Phase | null = null;
  let client = stateText(ladder.initial.client);
  let server = stateText(ladder.initial.server);
  for (const r of ladder.rows) {
    if (r.phase !== phase) {
      phase = r.phase;
      out.push(`    Note over C,S: ${mermaidText(w.phase[phase])}`);
    }
    const note = describeStep(r, lang, ladder.server.port).short;
    const what = carried?.get(r.frame);
    out.push(`    ${r.toServer ? 'C->>S' : 'S->>C'}: ${mermaidText(labelWithAnalysis(r))}${what ? `<br/>${mermaidText(what)}` : ''}<br/>${mermaidText(note)}<br/>${mermaidText(timeText(r, lang))}`);
    const c = stateText(r.client);
    const s = stateText(r.server);
    if (c !== client) out.push(`    Note over C: ${c}`);
    if (s !== server) out.push(`    Note over S: ${s}`);
    client = c;
    server = s;
  }
  return out.join('\n') + '\n';
}


/** A standalone SVG of the ladder (light colours, for documents outside VS Code). */
export function ladderSvg(ladder: Ladder, lang: Lang = 'en', carried?: CarriedLines): string {
  const w = WORDS[lang];
  const width = 960;
  const rowH = 64;
  const top = 96;
  const xc = 190;
  const xs = width - 190;
  const height = top + ladder.rows.length * rowH + 40;
  const parts: string[] = [];
  const text = (x: number, y: number, s: string, attrs = ''): string => `<text x="${x}" y="${y}" ${attrs}>${xmlText(s)}</text>`;
  const badge = (x: number, y: number, s: SideState, anchor: 'start' | 'end'): string =>
    text(x, y, stateText(s), `class="state${s.inferred ? ' inferred' : ''}" text-anchor="${anchor}"`);
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Segoe UI, Helvetica, Arial, 'Noto Sans CJK SC', sans-serif" font-size="13">`,
    '<style>.label{fill:#1f2328}.note{fill:#57606a;font-size:12px}.state{fill:#0969da;font-weight:600;font-size:12px}.inferred{fill:#8c959f;font-style:italic}.lane{stroke:#8c959f;stroke-width:1}.arrow{stroke:#1f2328;stroke-width:1.5}.rst{stroke:#cf222e}.phase{fill:#6e7781;font-size:11px;text-transform:uppercase;letter-spacing:.05em}.head{font-weight:700;fill:#1f2328}.endpoint{fill:#57606a}.time{fill:#57606a;font-size:11px;font-variant-numeric:tabular-nums}.carried{fill:#8250df;font-size:12px;font-weight:600}</style>',
    '<defs><marker id="tip" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1f2328"/></marker></defs>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(xc, 24, w.client, 'class="head" text-anchor="middle"'),
    text(xc, 42, endpointText(ladder.client), 'class="endpoint" text-anchor="middle"'),
    text(xs, 24, w.server, 'class="head" text-anchor="middle"'),
    text(xs, 42, endpointText(ladder.server), 'class="endpoint" text-anchor="middle"'),
    badge(xc - 12, 70, ladder.initial.client, 'end'),
    badge(xs + 12, 70, ladder.initial.server, 'start'),
    `<line class="lane" x1="${xc}" y1="52" x2="${xc}" y2="${height - 16}"/>`,
    `<line class="lane" x1="${xs}" y1="52" x2="${xs}" y2="${height - 16}"/>`,
  );
  let phase: Phase | null = null;
  ladder.rows.forEach((r, k) => {
    const y0 = top + k * rowH;
    if (r.phase !== phase) {
      phase = r.phase;
      parts.push(text(8, y0 + 4, w.phase[phase], 'class="phase"'));
    }
    const yLine = y0 + 30;
    const [x1, x2] = r.toServer ? [xc, xs] : [xs, xc];
    const rst = r.flags.includes('RST');
    parts.push(
      text((xc + xs) / 2, yLine - 8, labelWithAnalysis(r), 'class="label" text-anchor="middle"'),
      `<line class="arrow${rst ? ' rst' : ''}" x1="${x1}" y1="${yLine}" x2="${x2}" y2="${yLine + 12}" marker-end="url(#tip)"/>`,
      text((xc + xs) / 2, yLine + 26, describeStep(r, lang, ladder.server.port).short, 'class="note" text-anchor="middle"'),
      badge(xc - 12, yLine + 16, r.client, 'end'),
      badge(xs + 12, yLine + 16, r.server, 'start'),
      text(8, yLine - 8, `${r.time.toFixed(6)} ${w.seconds}`, 'class="time"'),
    );
    const delta = deltaText(r, lang);
    if (delta) parts.push(text(8, yLine + 6, delta, 'class="time"'));
    const what = carried?.get(r.frame);
    if (what) parts.push(text((xc + xs) / 2, yLine - 23, what.length > 90 ? `${what.slice(0, 89)}…` : what, 'class="carried" text-anchor="middle"'));
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
