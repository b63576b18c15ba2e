/**
 * The connection table and the timeline keep the rows the worker sent them in a map by row
 * index, and the pages they asked for in a set (by first row). Both hold a window, not the
 * table: once the map passes `cap` rows, the rows far from `[from, to)` (the rows in view) are
 * let go, and so is the mark that their page was asked for, so scrolling back asks again.
 */
export function forgetFarRows<T>(rows: Map<number, T>, asked: Set<number>, [from, to]: [number, number], pageSize: number, cap: number): void {
  if (rows.size <= cap) return;
  const keepFrom = Math.floor(from / pageSize) * pageSize - 2 * pageSize;
  const keepTo = to + 2 * pageSize;
  for (const i of rows.keys()) {
    if (i >= keepFrom && i < keepTo) continue;
    rows.delete(i);
    asked.delete(i - (i % pageSize));
  }
}
