// Name resolution: which source (table, alias, subquery) and which slot of the row layout a
// column reference means, at which query depth, and — after GROUP BY — which group-key slot.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { ColumnType } from '../storage/ports.js';
import type { AggSpec } from './aggregates.js';
import type { Compiled, Node } from './expr.js';

/** Collects the window function calls of a query level (window-plan.ts). */
export interface WindowCalls {
  register(n: Node, scope: Scope): Compiled;
}

export interface SourceColumn {
  readonly name: string;
  readonly type: ColumnType;
  /** Merged away by USING: reachable only through its qualifier. */
  hiddenUnqualified?: boolean;
  /** RIGHT/FULL JOIN USING: the unqualified merged column falls back to this slot when null. */
  coalesceWith?: number;
}

export interface Source {
  /** Lower-cased name the source is referred to by (alias, or table name). */
  readonly name: string;
  readonly columns: readonly SourceColumn[];
  /** Position of the source's first column in the combined row. */
  readonly offset: number;
  readonly index: number;
}

export interface GroupInfo {
  /** exprKey of each GROUP BY expression -> slot in the aggregated row. */
  readonly keySlots: Map<string, number>;
  /** `source.column` of plain column group keys -> slot. */
  readonly colSlots: Map<string, number>;
  readonly aggs: AggSpec[];
  readonly aggKeys: Map<string, number>;
  readonly nKeys: number;
  /** The pre-aggregation scope, for aggregate arguments. */
  readonly raw: Scope;
}

export interface Resolved {
  readonly depth: number;
  /** Slot in the row at that depth. */
  readonly slot: number;
  readonly type: ColumnType;
  readonly name: string;
  readonly source: number;
  /** Slot to take when `slot` holds NULL (merged USING columns of outer joins). */
  readonly alt?: number;
}

export class Scope {
  readonly sources: Source[] = [];
  readonly parent: Scope | null;
  width = 0;
  grouped: GroupInfo | null = null;
  /** Set when a nested scope resolved a name here: the nested query is correlated. */
  correlated = false;
  /** Sources referenced at depth 0 since the last reset (conjunct placement). */
  used = new Set<number>();
  /**
   * Row slots any expression of this level (or of a query nested in it) has read, never reset:
   * a table source none of whose other columns is read can be answered from an index alone.
   */
  readonly usedSlots = new Set<number>();
  /** Set when an aggregate is compiled in a scope that was not prepared for grouping. */
  sawAggregate = false;
  /** Where window functions may appear (select list, ORDER BY): their collector; else null. */
  windows: WindowCalls | null = null;
  /** The SELECT this scope is the FROM of (null for scopes of other statements). */
  queryAst: object | null = null;
  /** Set while the select list, HAVING or ORDER BY compile: where an aggregate of this level may stand. */
  aggregatesAllowed = false;

  constructor(parent: Scope | null) {
    this.parent = parent;
  }

  addSource(name: string, columns: readonly SourceColumn[]): Source {
    const lower = name.toLowerCase();
    if (this.sources.some((s) => s.name === lower && lower !== '')) {
      throw new DispatcherError(SqlState.DuplicateTable, `table name "${lower}" specified more than once`);
    }
    const s: Source = { name: lower, columns, offset: this.width, index: this.sources.length };
    this.sources.push(s);
    this.width += columns.length;
    return s;
  }

  /** Looks a column up here only; undefined when absent. Throws 42702 when ambiguous. */
  findLocal(table: string | null, column: string): { source: Source; col: number } | undefined {
    let found: { source: Source; col: number } | undefined;
    const t = table?.toLowerCase() ?? null;
    // Names resolve without regard to case, as table names do: a column created with a quoted
    // mixed-case name ("MixedCase") keeps it for display and is found by any spelling.
    const lc = column.toLowerCase();
    for (const s of this.sources) {
      if (t !== null && s.name !== t) continue;
      for (let i = 0; i < s.columns.length; i++) {
        const c = s.columns[i]!;
        if (c.name !== column && c.name.toLowerCase() !== lc) continue;
        if (t === null && c.hiddenUnqualified === true) continue;
        if (found !== undefined) {
          throw new DispatcherError(SqlState.AmbiguousColumn, `column reference "${column}" is ambiguous`);
        }
        found = { source: s, col: i };
      }
    }
    return found;
  }

  hasSource(name: string): boolean {
    const n = name.toLowerCase();
    return this.sources.some((s) => s.name === n);
  }

  /**
   * How many levels up `table.column` resolves (0: here), without resolving it: undefined when
   * it is unknown or ambiguous at the level that would take it.
   */
  levelOf(table: string | null, column: string): number | undefined {
    const col = column.toLowerCase();
    let scope: Scope | null = this;
    for (let depth = 0; scope !== null; depth++) {
      const raw = scope.grouped?.raw ?? scope;
      try {
        if (raw.findLocal(table, col) !== undefined) return depth;
      } catch {
        return undefined;
      }
      scope = scope.parent;
    }
    return undefined;
  }

  resolve(table: string | null, column: string): Resolved {
    const col = column.toLowerCase();
    let scope: Scope | null = this;
    let depth = 0;
    let tableSeen = false;
    while (scope !== null) {
      const raw = scope.grouped?.raw ?? scope;
      if (table !== null && raw.hasSource(table)) tableSeen = true;
      const hit = raw.findLocal(table, col);
      if (hit !== undefined) {
        // Every scope between the reference and its home depends on the outer row.
        let s: Scope | null = this;
        for (let d = 0; d < depth && s !== null; d++) {
          s.correlated = true;
          if (s.grouped !== null) s.grouped.raw.correlated = true;
          s = s.parent;
        }
        raw.used.add(hit.source.index);
        raw.usedSlots.add(hit.source.offset + hit.col);
        const c = hit.source.columns[hit.col]!;
        if (c.coalesceWith !== undefined) raw.usedSlots.add(c.coalesceWith);
        if (scope.grouped !== null) {
          const slot = scope.grouped.colSlots.get(`${hit.source.index}.${hit.col}`);
          if (slot === undefined) {
            throw new DispatcherError(
              SqlState.GroupingError,
              `column "${hit.source.name}.${c.name}" must appear in the GROUP BY clause or be used in an aggregate function`,
            );
          }
          return { depth, slot, type: c.type, name: c.name, source: hit.source.index };
        }
        const alt = table === null ? c.coalesceWith : undefined;
        return {
          depth,
          slot: hit.source.offset + hit.col,
          type: c.type,
          name: c.name,
          source: hit.source.index,
          ...(alt !== undefined ? { alt } : {}),
        };
      }
      scope = scope.parent;
      depth++;
    }
    if (table !== null && !tableSeen) {
      throw new DispatcherError(SqlState.UndefinedTable, `missing FROM-clause entry for table "${table}"`);
    }
    const full = table !== null ? `${table}.${column}` : column;
    throw new DispatcherError(SqlState.UndefinedColumn, `column "${full}" does not exist`);
  }
}
