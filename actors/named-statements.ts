// SQL-level prepared statements of one session: PREPARE name [(types)] AS stmt, EXECUTE name
// [(args)], DEALLOCATE [PREPARE] name | ALL. The session actor owns them; EXECUTE runs the stored,
// already analysed statement with its arguments as the parameters $1..$n.
import { DispatcherError, SqlState } from '../src/api/errors.js';
import type { Reply } from '../src/protocol/messages.js';
import type { AnalyzedStatement } from '../src/protocol/statement.js';
import type { SqlValue } from '../src/storage/ports.js';

/** The PREPARE node as the API hands it over: with the inner statement analysed (flags and all). */
interface PrepareAst {
  readonly name: string;
  readonly paramTypes: readonly string[];
  readonly analyzed?: AnalyzedStatement;
}

interface ExecuteAst {
  readonly name: string;
  readonly args: readonly unknown[];
}

export interface NamedStatement {
  readonly name: string;
  readonly statement: AnalyzedStatement;
  readonly paramTypes: readonly string[];
}

const PREPARABLE = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'EXPLAIN']);

export class NamedStatements {
  readonly #byName = new Map<string, NamedStatement>();

  get size(): number {
    return this.#byName.size;
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  prepare(st: AnalyzedStatement): void {
    const ast = st.ast as PrepareAst;
    if (this.#byName.has(ast.name)) {
      throw new DispatcherError('42P05', `prepared statement "${ast.name}" already exists`);
    }
    const inner = ast.analyzed;
    if (inner === undefined) throw new DispatcherError(SqlState.InternalError, 'PREPARE reached the session without its statement');
    if (!PREPARABLE.has(inner.kind)) {
      throw new DispatcherError(SqlState.FeatureNotSupported, `${inner.kind.replace(/_/g, ' ')} cannot be prepared`);
    }
    this.#byName.set(ast.name, { name: ast.name, statement: inner, paramTypes: ast.paramTypes });
  }

  deallocate(name: string | null): void {
    if (name === null) {
      this.#byName.clear();
      return;
    }
    if (!this.#byName.delete(name)) throw notFound(name);
  }

  /** The stored statement and its parameters for an EXECUTE (whose own parameters evaluate the args). */
  resolve(st: AnalyzedStatement, params: readonly SqlValue[]): { statement: AnalyzedStatement; params: SqlValue[] } {
    const ast = st.ast as ExecuteAst;
    const named = this.#byName.get(ast.name);
    if (named === undefined) throw notFound(ast.name);
    const need = named.statement.userParamCount;
    if (ast.args.length !== need) {
      throw new DispatcherError(SqlState.SyntaxError, `wrong number of parameters for prepared statement "${ast.name}"`, {
        detail: `Expected ${need} parameters but got ${ast.args.length}.`,
      });
    }
    // The EXECUTE's own parameters: the user's, then the literals lifted out of its arguments.
    const outer: SqlValue[] = params.slice(0, st.userParamCount);
    while (outer.length < st.userParamCount) outer.push(null);
    for (const v of st.liftedParams) outer.push(v);
    const args = ast.args.map((a, i) => coerce(evaluate(a, outer), named.paramTypes[i]));
    return { statement: named.statement, params: args };
  }
}

function notFound(name: string): DispatcherError {
  return new DispatcherError('26000', `prepared statement "${name}" does not exist`);
}

/** EXECUTE arguments: parameters, literals, signs and casts of them. */
function evaluate(node: unknown, params: readonly SqlValue[]): SqlValue {
  const n = node as { type?: string; value?: unknown; name?: unknown; operator?: string; expr?: unknown; prefix?: string };
  switch (n.type) {
    case 'var':
      if (n.prefix === '$' && typeof n.name === 'number') return params[n.name - 1] ?? null;
      break;
    case 'number':
      return typeof n.value === 'number' || typeof n.value === 'bigint' ? n.value : Number(n.value);
    case 'single_quote_string':
    case 'string':
    case 'natural_string':
      return String(n.value);
    case 'bool':
    case 'boolean':
      return n.value === true;
    case 'null':
      return null;
    case 'unary_expr': {
      const v = evaluate(n.expr, params);
      if (n.operator === '-' && typeof v === 'number') return -v;
      if (n.operator === '-' && typeof v === 'bigint') return -v;
      if (n.operator === '+') return v;
      break;
    }
    case 'cast':
      return evaluate(n.expr, params);
  }
  throw new DispatcherError(SqlState.FeatureNotSupported, 'EXECUTE arguments must be constants or parameters');
}

/** Declared parameter types convert text arguments the way PostgreSQL's input functions would. */
function coerce(v: SqlValue, type: string | undefined): SqlValue {
  if (type === undefined || typeof v !== 'string') return v;
  const t = type.toUpperCase();
  if (/^(INT|INTEGER|BIGINT|SMALLINT|INT2|INT4|INT8)$/.test(t)) {
    if (!/^\s*[-+]?\d+\s*$/.test(v)) {
      throw new DispatcherError(SqlState.InvalidTextRepresentation, `invalid input syntax for type integer: "${v}"`);
    }
    const b = BigInt(v.trim());
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
  if (/^(REAL|FLOAT|DOUBLE PRECISION|DOUBLE|NUMERIC|DECIMAL|FLOAT4|FLOAT8)/.test(t)) {
    const x = Number(v);
    if (Number.isNaN(x) && v.trim().toLowerCase() !== 'nan') {
      throw new DispatcherError(SqlState.InvalidTextRepresentation, `invalid input syntax for type ${type.toLowerCase()}: "${v}"`);
    }
    return x;
  }
  if (/^(BOOL|BOOLEAN)$/.test(t)) return ['t', 'true', 'yes', 'on', '1'].includes(v.trim().toLowerCase());
  return v;
}

/** The StatementDone of a statement the session answers itself. */
export function localDone(st: AnalyzedStatement, command: string, to: number): Extract<Reply, { type: 'StatementDone' }> {
  return {
    type: 'StatementDone',
    to,
    command,
    columns: [],
    rowsAffected: 0,
    metrics: {
      kind: st.kind,
      executionTimeMs: 0,
      rowsAffected: 0,
      rowsExamined: 0,
      rowsProduced: 0,
      indexesUsed: [],
      bufferHits: 0,
      bufferMisses: 0,
      ioOperations: 0,
      lockWaitMs: 0,
      planCacheHit: false,
    },
  };
}
