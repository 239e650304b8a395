// The caller's end of one request: collects the replies addressed to its query id into a result,
// streams rows and progress when someone watches, and follows the query lifecycle.
import { Observable, ReplaySubject, Subject } from '../observability/rx.js';
import { createActor, type Actor as XActor } from 'xstate';
import { performance } from 'node:perf_hooks';
import { queryMachine } from '../../machines/query-machine.js';
import { newQueryLifecycle, queryIndex, type QueryLifecycle } from '../../machines/tables.js';
import type { QueryEventType, QueryState } from '../protocol/lifecycle-events.js';
import type { Reply, WireMetrics } from '../protocol/messages.js';
import type { SqlValue } from '../storage/ports.js';
import { DispatcherError, SqlState } from './errors.js';
import { keepShape } from '../execution/shape-keeper.js';
import type {
  ArrayRow,
  ColumnInfo,
  ObjectRow,
  Progress,
  QueryHandle,
  QueryPhase,
  QueryResult,
  RowMode,
  StatementMetrics,
} from './types.js';

/** The happy path of the query machine: the events that lead from each state to the next. */
const FORWARD: Partial<Record<QueryState, QueryEventType>> = {
  received: 'ANALYZE',
  analyzing: 'ANALYZED',
  queued: 'ADMITTED',
  planning: 'PLANNED',
  waitingForLocks: 'LOCKS_GRANTED',
  executing: 'FINISHED',
};
const ORDER: readonly QueryState[] = ['received', 'analyzing', 'queued', 'planning', 'waitingForLocks', 'executing'];
/** The same by table index: each state's position on the happy path (-1 off it) and its forward event. */
const POS: Int8Array = new Int8Array(queryIndex.stateCount).fill(-1);
const FORWARD_EVENT: Int8Array = new Int8Array(queryIndex.stateCount).fill(-1);
const EV_ANALYZE = queryIndex.event('ANALYZE');
const EV_ANALYZED = queryIndex.event('ANALYZED');
const EV_FINISHED = queryIndex.event('FINISHED');
ORDER.forEach((st, i) => {
  POS[queryIndex.state(st)] = i;
  const e = FORWARD[st];
  if (e !== undefined) FORWARD_EVENT[queryIndex.state(st)] = queryIndex.event(e);
});

type Done = Extract<Reply, { type: 'StatementDone' }>;

/** Rows a chunk of a running statement's rows holds: 64 KiB of references, an ordinary heap object. */
const CHUNK_ROWS = 8192;

/** No rows yet: shared until the first row arrives (never handed to a caller, never pushed to). */
const NO_ROWS: SqlValue[][] = Object.freeze([]) as unknown as SqlValue[][];

function toObject(columns: readonly ColumnInfo[], row: readonly SqlValue[]): ObjectRow {
  const o: ObjectRow = {};
  for (let i = 0; i < columns.length; i++) o[(columns[i] as ColumnInfo).name] = row[i] as SqlValue;
  return o;
}


export interface QueryOwner {
  cancelQuery(id: number, reason: 'user' | 'timeout'): void;
  /** The query ended: stop routing replies to it and drop its abort listener. */
  releaseQuery(run: { readonly id: number; abortCleanup: (() => void) | null }): void;
}

export class QueryRun<R extends ArrayRow | ObjectRow = ArrayRow | ObjectRow> {
  readonly id: number;
  /** The result's promise, made when first asked for (settled at once if the run already ended). */
  #promise: Promise<QueryResult<R>> | null = null;
  /** The outcome of a run that ended before anyone asked for its promise. */
  #outcome: QueryResult<R> | null = null;
  #failure: DispatcherError | null = null;
  readonly #text: string;
  readonly #rowMode: RowMode;
  /** Who started the query: told to cancel it, and that it ended (one object, no closures per query). */
  readonly #owner: QueryOwner;
  readonly #startedAt = performance.now();
  #resolve: ((r: QueryResult<R>) => void) | null = null;
  #reject: ((e: DispatcherError) => void) | null = null;
  /**
   * Rows of the statement being run (a script returns its last statement's rows), in chunks of
   * at most CHUNK_ROWS: one array grown by push to 100,000 rows went through large objects fresh
   * from the kernel at each growth (~600 page faults; the chunks are joined once, at the end).
   */
  #rows: SqlValue[][] = NO_ROWS;
  #fullChunks: SqlValue[][][] | null = null;
  #last: Done | null = null;
  #lastRows: SqlValue[][] = NO_ROWS;
  #rowsExamined = 0;
  #rowsProduced = 0;
  #finished = false;
  readonly #lifecycle: QueryLifecycle = newQueryLifecycle();
  readonly #machine: XActor<typeof queryMachine> | null;
  readonly #rows$: Subject<SqlValue[]> | null;
  readonly #progress$: Subject<Progress> | null;
  #parseCacheHit = false;
  /** Removes the AbortSignal listener of a query started with one (set by the session). */
  abortCleanup: (() => void) | null = null;
  /** Told the outcome once it is known (operations: result cache, plugins, circuit breaker); may replace the result. */
  onSettled: ((result: QueryResult | null, raw: readonly SqlValue[][] | null, error: DispatcherError | null) => QueryResult | void) | null = null;
  #columns: readonly ColumnInfo[] = [];
  #error: DispatcherError | null = null;

  /** `observed`: watched, so it keeps a live XState actor of the query machine and publishes progress. */
  constructor(id: number, text: string, rowMode: RowMode, observed: boolean, owner: QueryOwner) {
    this.id = id;
    this.#text = text;
    this.#rowMode = rowMode;
    this.#owner = owner;
    if (observed) {
      this.#rows$ = new Subject();
      // Phases reached before the caller subscribes (the statement starts inside query()) replay.
      this.#progress$ = new ReplaySubject(32);
      this.#machine = createActor(queryMachine).start();
      // Nobody may be awaiting result when a handle is only streamed: keep the rejection handled.
      this.result.catch(() => undefined);
    } else {
      this.#rows$ = null;
      this.#progress$ = null;
      this.#machine = null;
    }
  }

  /**
   * Resolves with the result or rejects with the DispatcherError. A statement that ran to its end
   * synchronously (the usual prepared statement) gets a promise settled at once: no executor and
   * resolving functions per statement.
   */
  get result(): Promise<QueryResult<R>> {
    if (this.#promise !== null) return this.#promise;
    if (this.#outcome !== null) this.#promise = Promise.resolve(this.#outcome);
    else if (this.#failure !== null) this.#promise = Promise.reject(this.#failure);
    else {
      this.#promise = new Promise<QueryResult<R>>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
    }
    return this.#promise;
  }

  #settle(result: QueryResult<R> | null, error: DispatcherError | null): void {
    if (error !== null) {
      if (this.#reject !== null) this.#reject(error);
      else this.#failure = error;
    } else if (this.#resolve !== null) this.#resolve(result as QueryResult<R>);
    else this.#outcome = result;
    this.#resolve = null;
    this.#reject = null;
  }

  get phase(): QueryPhase {
    return this.#lifecycle.state;
  }

  /** Analysis finished (or failed) on the caller's side. */
  analyzed(parseCacheHit: boolean): void {
    this.#parseCacheHit = parseCacheHit;
    this.#eventAt(EV_ANALYZE);
    this.#eventAt(EV_ANALYZED);
  }

  readonly onReply = (r: Reply): void => {
    switch (r.type) {
      case 'Rows':
        if (r.columns !== undefined) this.#columns = r.columns as ColumnInfo[];
        this.#take(r.rows as SqlValue[][]);
        this.#rowsProduced += r.rows.length;
        return;
      case 'Progress':
        this.#rowsExamined = r.rowsExamined;
        this.#advanceTo(r.phase as QueryState);
        this.#publish();
        return;
      case 'StatementDone':
        if (r.rows !== undefined) {
          this.#columns = r.columns as ColumnInfo[];
          if (this.#rows === NO_ROWS && this.#rows$ === null) {
            // The statement's only batch: nobody else holds it now, so it becomes the result's rows.
            this.#rows = r.rows as SqlValue[][];
          } else this.#take(r.rows as SqlValue[][]);
          this.#rowsProduced += r.rows.length;
        }
        this.#last = r;
        this.#lastRows = this.#joined();
        this.#rows = NO_ROWS;
        this.#fullChunks = null;
        return;
      case 'Ok':
        this.#complete(r.at);
        return;
      case 'Failed':
        this.#failWith(new DispatcherError(r.error.sqlState, r.error.message, {
          query: this.#text,
          ...(r.error.position !== undefined ? { position: r.error.position } : {}),
          ...(r.error.detail !== undefined ? { detail: r.error.detail } : {}),
        }));
        return;
    }
  };

  /** Appends a batch to the running statement's rows (and streams it to watchers). */
  #take(batch: readonly SqlValue[][]): void {
    if (this.#rows === NO_ROWS) this.#rows = [];
    const live = this.#rows$;
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i]!;
      if (this.#rows.length === CHUNK_ROWS) {
        (this.#fullChunks ??= []).push(this.#rows);
        this.#rows = [];
      }
      this.#rows.push(row);
      live?.next(row);
    }
  }

  /** The running statement's rows as one array. */
  #joined(): SqlValue[][] {
    const full = this.#fullChunks;
    if (full === null) return this.#rows;
    return ([] as SqlValue[][]).concat(...full, this.#rows);
  }

  /** Fails before reaching any actor (analysis error, closed session). */
  failEarly(e: DispatcherError): void {
    this.#failWith(e);
  }

  cancel(reason: 'user' | 'timeout' = 'user'): void {
    if (this.#finished) return;
    this.#owner.cancelQuery(this.id, reason);
  }

  /** `at`: performance.now() at the request's end when the session had it. */
  #complete(at?: number): void {
    if (this.#finished) return;
    this.#advanceTo('executing');
    this.#eventAt(EV_FINISHED);
    this.#finished = true;
    this.#owner.releaseQuery(this);
    const done = this.#last;
    const columns: ColumnInfo[] = done === null ? [] : (done.columns as ColumnInfo[]);
    // A fresh array for a statement without rows: the caller owns what it gets.
    const raw = this.#lastRows === NO_ROWS ? [] : this.#lastRows;
    const rows = (this.#rowMode === 'object' ? raw.map((row) => toObject(columns, row)) : raw) as R[];
    const metrics = this.#metrics(done?.metrics, at ?? performance.now());
    this.#publish();
    this.#progress$?.complete();
    this.#rows$?.complete();
    const result: QueryResult<R> = {
      command: done?.command ?? 'EMPTY',
      columns,
      rows,
      rowsAffected: done?.rowsAffected ?? 0,
      metrics,
    };
    let replaced: QueryResult | void;
    try {
      replaced = this.onSettled?.(result as QueryResult, raw, null);
    } catch (e) {
      // A plugin refused to hand the result over (its transform failed): the caller gets the error.
      this.#settle(null, e instanceof DispatcherError ? e : new DispatcherError(SqlState.InternalError, String(e)));
      return;
    }
    this.#settle((replaced ?? result) as QueryResult<R>, null);
  }

  #failWith(e: DispatcherError): void {
    if (this.#finished) return;
    this.#event(e.sqlState === SqlState.QueryCanceled ? (/timeout/.test(e.message) ? 'TIMEOUT' : 'CANCEL') : 'FAIL');
    this.#finished = true;
    this.#error = e;
    this.#owner.releaseQuery(this);
    this.#publish();
    this.#progress$?.complete();
    this.#rows$?.error(e);
    this.onSettled?.(null, null, e);
    this.#settle(null, e);
  }

  #metrics(m: WireMetrics | undefined, end: number): StatementMetrics {
    return {
      queryId: String(this.id),
      kind: m?.kind ?? 'EMPTY',
      executionTimeMs: end - this.#startedAt,
      rowsAffected: m?.rowsAffected ?? 0,
      rowsExamined: m?.rowsExamined ?? this.#rowsExamined,
      rowsProduced: m?.rowsProduced ?? this.#rowsProduced,
      indexesUsed: m?.indexesUsed ?? [],
      bufferHits: m?.bufferHits ?? 0,
      bufferMisses: m?.bufferMisses ?? 0,
      ioOperations: m?.ioOperations ?? 0,
      lockWaitMs: m?.lockWaitMs ?? 0,
      parseCacheHit: this.#parseCacheHit,
    };
  }

  #eventAt(e: number): void {
    this.#lifecycle.sendIndex(e);
    this.#machine?.send({ type: queryIndex.events[e]! });
  }

  #event(e: QueryEventType): void {
    this.#lifecycle.send(e);
    this.#machine?.send({ type: e });
  }

  /** Moves forward along the happy path until the lifecycle stands in `phase`. */
  #advanceTo(phase: QueryState): void {
    const state = this.#lifecycle.state;
    // A row lock met while executing: back to waiting, and forward again once granted.
    if (phase === 'waitingForLocks' && state === 'executing') {
      this.#event('LOCK_WAIT');
      return;
    }
    const target = ORDER.indexOf(phase);
    if (target < 0) return;
    const lc = this.#lifecycle;
    for (;;) {
      const si = lc.stateIndex;
      const at = POS[si]!;
      if (at < 0 || at >= target) return;
      const e = FORWARD_EVENT[si]!;
      this.#eventAt(e);
    }
  }

  #publish(): void {
    if (this.#progress$ === null) return;
    this.#progress$.next({
      queryId: String(this.id),
      phase: this.#machine === null ? this.#lifecycle.state : (this.#machine.getSnapshot().value as QueryPhase),
      rowsExamined: this.#rowsExamined,
      rowsProduced: this.#rowsProduced,
      elapsedMs: performance.now() - this.#startedAt,
    });
  }

  /** The public handle of a watched run. */
  handle(): QueryHandle<R> {
    const rowsSubject = this.#rows$ as Subject<SqlValue[]>;
    const progressSubject = this.#progress$ as Subject<Progress>;
    const mode = this.#rowMode;
    const shape = (row: SqlValue[]): R => (mode === 'object' ? toObject(this.#columns, row) : row) as R;
    const rows$ = new Observable<R>((sub) => {
      // Rows produced before the subscription are replayed first, then the live ones follow.
      for (const chunk of this.#fullChunks ?? []) for (const row of chunk) sub.next(shape(row));
      for (const row of this.#rows) sub.next(shape(row));
      if (this.#finished) {
        if (this.#error !== null) sub.error(this.#error);
        else {
          for (const row of this.#lastRows) sub.next(shape(row));
          sub.complete();
        }
        return undefined;
      }
      const s = rowsSubject.subscribe({
        next: (row) => sub.next(shape(row)),
        error: (e: unknown) => sub.error(e),
        complete: () => sub.complete(),
      });
      return () => {
        s.unsubscribe();
        // Unsubscribing before the end cancels the statement.
        if (!this.#finished) this.cancel('user');
      };
    });
    return {
      id: String(this.id),
      rows$,
      progress$: progressSubject.asObservable(),
      result: this.result,
      cancel: () => this.cancel('user'),
    };
  }
}

/** An idle run, kept so that V8 keeps the class's map (see execution/shape-keeper.ts). */
keepShape(new QueryRun(0, '', 'array', false, { cancelQuery: () => {}, releaseQuery: () => {} }));
