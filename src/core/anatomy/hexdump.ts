/**
 * A hex/ASCII dump as Wireshark's bytes pane shows it: 16 bytes a line, a gap after eight, the
 * printable ASCII beside (anything else is "."), so no byte from the file can reach a terminal
 * as a control character.
 */
export function hexDumpLines(bytes: Uint8Array, limit = bytes.length): string[] {
  const end = Math.min(limit, bytes.length);
  const lines: string[] = [];
  for (let row = 0; row < end; row += 16) {
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      const o = row + i;
      if (i === 8) hex += ' ';
      if (o < end) {
        const b = bytes[o]!;
        hex += `${b.toString(16).padStart(2, '0')} `;
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else hex += '   ';
    }
    lines.push(`${row.toString(16).padStart(4, '0')}  ${hex} ${ascii}`);
  }
  return lines;
}
