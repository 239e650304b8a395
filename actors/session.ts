// A session owns its variables, its transaction machine (stepped through the table derived from
// machines/transaction-machine.ts) and the statement it is running. Requests run one at a time, in
// arrival order; each statement goes to the dispatcher and comes back as StatementDone or Failed.
import { performance } from 'node:perf_hooks';
import { DispatcherError, SqlState } from '../src/api/errors.js';
import {
  newSessionLifecycle,
  newTransactionLifecycle,
  sessionIndex,
  txnIndex,
  type SessionLifecycle,
  type TransactionLifecycle,
} from '../machines/tables.js';
import type { TxnEventType } from '../src/protocol/lifecycle-events.js';
import type {
  ExecuteRequest,
  IsolationLevel,
  Reply,
  SessionMsg,
  StatementContext,
  WireError,
} from '../src/protocol/messages.js';
import type { AnalyzedStatement } from '../src/protocol/statement.js';
import { Actor } from './actor.js';
import type { Dispatcher } from './dispatcher.js';
import type { Monitor } from './monitor.js';
import type { ReplyRouter } from './reply-router.js';
import type { TransactionManager } from './transaction-manager.js';
import { SessionVariables } from './session-variables.js';
import { toWire } from './wire-error.js';
import { localDone, NamedStatements } from './named-statements.js';
import type { SqlValue } from '../src/storage/ports.js';
import type { SchemaVersions } from '../src/observability/schema-versions.js';
import type { WriteTracker } from '../src/observability/data-versions.js';

// The events every statement sends, by table index (no name lookup per statement).
const TX_STATEMENT = txnIndex.event('STATEMENT');
const TX_STATEMENT_OK = txnIndex.event('STATEMENT_OK');
const TX_COMMITTED = txnIndex.event('COMMITTED');
const SS_EXECUTE = sessionIndex.event('EXECUTE');
const SS_REQUEST_DONE = sessionIndex.event('REQUEST_DONE');
// ...and the actions they answer, as bits of the table's masks.
const A_REJECT_CLOSED = sessionIndex.action('rejectClosed');
const A_ENQUEUE = sessionIndex.action('enqueueRequest');
const A_REJECT_ABORTED = txnIndex.action('rejectInAbortedTxn');
const A_REJECT_NO_TXN = txnIndex.action('rejectNoTxn');
const A_REJECT_INVALID = txnIndex.action('rejectInvalid');
const A_BEGIN = txnIndex.action('beginTxn');
const A_MARK = txnIndex.action('markStatement');
const A_RELEASE = txnIndex.action('releaseStatement');
const A_COMMIT = txnIndex.action('commitTxn');

interface Current {
  readonly req: ExecuteRequest;
  index: number;
  /** What the session waits for: a statement's outcome or a commit's. */
  waiting: 'statement' | 'commit' | 'none';
  statementStart: number;
  pendingDone: Extract<Reply, { type: 'StatementDone' }> | null;
  /** EXECUTE of a named prepared statement: what runs in its place, with its arguments. */
  exec: { readonly statement: AnalyzedStatement; readonly params: readonly SqlValue[] } | null;
}

export interface SessionDeps {
  readonly router: ReplyRouter;
  readonly dispatcher: Dispatcher;
  readonly txns: TransactionManager;
  readonly monitor: Monitor;
  readonly versions: SchemaVersions;
  /** The result cache's write tracking (null when the cache is off). */
  readonly writes?: WriteTracker | null | undefined;
  /** Privilege check of a statement run by EXECUTE (throws 42501). */
  readonly authorize?: ((user: string, st: AnalyzedStatement) => void) | undefined;
}

export class SessionActor extends Actor<SessionMsg> {
  readonly id: number;
  readonly user: string;
  readonly variables: SessionVariables;
  /** SQL-level prepared statements (PREPARE / EXECUTE / DEALLOCATE). */
  readonly named = new NamedStatements();
  readonly #deps: SessionDeps;
  readonly #address: number;
  readonly #txn: TransactionLifecycle = newTransactionLifecycle();
  #txnId = 0;
  #txnIsolation: IsolationLevel = 'read committed';
  #queue: ExecuteRequest[] = [];
  #current: Current | null = null;
  #closed = false;
  /** The session lifecycle (machines/session-machine.ts), stepped through its derived table. */
  readonly #life: SessionLifecycle = newSessionLifecycle();
  #closeReplies: number[] = [];
  /** The running statement is a read-only autocommit one (its transaction is a bare snapshot). */
  #snapshotOnly = false;
  /** performance.now() when the session last finished a request (or was created). */
  #lastActive = performance.now();
  /**
   * When the last statement of the current request ended (its clock read, reused for the request's
   * end). A clock reading from the start: a field that begins as a small integer and later holds a
   * fraction changes the class's map, and the idle database's session (src/api/database.ts) would
   * keep the old one.
   */
  #doneAt = performance.now();

  constructor(id: number, user: string, deps: SessionDeps) {
    super(`session:${id}`);
    this.id = id;
    this.user = user;
    this.#deps = deps;
    this.variables = new SessionVariables();
    this.#address = deps.router.newId();
    deps.router.register(this.#address, (r) => this.tell(r));
  }

  /** The role privileges apply to: SET ROLE's, else the session's user. */
  get currentUser(): string {
    const role = this.variables.role;
    return role === 'none' ? this.user : role;
  }

  get transactionState(): string {
    return this.#txn.state;
  }

  get sessionState(): string {
    return this.#life.state;
  }

  /** performance.now() at the end of the last request (the idle timeout's monotonic clock). */
  get lastActivity(): number {
    return this.#lastActive;
  }

  get busy(): boolean {
    return this.#current !== null;
  }

  protected receive(m: SessionMsg): void {
    switch (m.type) {
      case 'Execute': {
        // lastActivity is set when the request ends: the idle timeout reads 0 while one runs.
        const actions = this.#life.sendBits(SS_EXECUTE);
        if ((actions & A_REJECT_CLOSED) !== 0) {
          this.#fail(m.queryId, new DispatcherError(SqlState.ConnectionDoesNotExist, 'session is closed'));
        } else if ((actions & A_ENQUEUE) !== 0) {
          this.#queue.push(m);
        } else {
          this.#begin(m);
        }
        return;
      }
      case 'Cancel': {
        const i = this.#queue.findIndex((q) => q.queryId === m.queryId);
        if (i >= 0) {
          this.#queue.splice(i, 1);
          this.#fail(m.queryId, new DispatcherError(SqlState.QueryCanceled, 'canceling statement due to user request'));
        } else if (this.#current?.req.queryId === m.queryId && this.#current.waiting === 'statement') {
          this.#deps.dispatcher.tell({ type: 'Cancel', queryId: m.queryId, reason: m.reason });
        }
        return;
      }
      case 'Close': {
        if (this.#life.state === 'closed') {
          this.#deps.router.send({ type: 'Ok', to: m.replyTo });
          return;
        }
        this.#closeReplies.push(m.replyTo);
        const actions = this.#life.send('CLOSE');
        if (!actions.includes('teardown')) return;
        this.#closed = true;
        for (const q of this.#queue) {
          this.#fail(q.queryId, new DispatcherError(SqlState.ConnectionDoesNotExist, 'session closed'));
        }
        this.#queue = [];
        if (this.#current === null) this.#finishClose();
        else if (this.#current.waiting === 'statement') {
          // The running statement is cancelled; the close completes when it has ended.
          this.#deps.dispatcher.tell({ type: 'Cancel', queryId: this.#current.req.queryId, reason: 'user' });
        }
        return;
      }
      default:
        this.#onReply(m);
    }
  }

  #begin(req: ExecuteRequest): void {
    this.#current = { req, index: 0, waiting: 'none', statementStart: 0, pendingDone: null, exec: null };
    this.#next();
  }

  /** Runs the next statement of the current request, or ends the request. */
  #next(): void {
    const cur = this.#current as Current;
    const st = cur.req.statements[cur.index];
    if (st === undefined) {
      this.#current = null;
      // The request ended when its last statement did (a request of no statements: now).
      const at = cur.index > 0 ? this.#doneAt : performance.now();
      this.#deps.router.send({ type: 'Ok', to: cur.req.queryId, at });
      this.#afterRequest(at);
      return;
    }
    cur.statementStart = performance.now();
    cur.exec = null;
    try {
      if (!st.flags.implemented) {
        throw new DispatcherError(SqlState.FeatureNotSupported, `${st.kind.replace(/_/g, ' ')} is not supported`);
      }
      switch (st.kind) {
        case 'SET':
        case 'SHOW':
        case 'RESET':
        case 'SET_TRANSACTION':
          this.#local(st);
          return;
        case 'PREPARE':
        case 'DEALLOCATE':
          if (st.kind === 'PREPARE') this.named.prepare(st);
          else this.named.deallocate((st.ast as { name: string | null }).name);
          this.#statementDone(localDone(st, st.kind === 'PREPARE' ? 'PREPARE' : 'DEALLOCATE', cur.req.queryId));
          return;
        case 'EXECUTE': {
          const exec = this.named.resolve(st, cur.req.params);
          this.#deps.authorize?.(this.currentUser, exec.statement);
          cur.exec = exec;
          this.#statement(exec.statement);
          return;
        }
      }
      if (st.flags.transactionControl) this.#transactionControl(st);
      else this.#statement(st);
    } catch (e) {
      this.#requestFailed(toWire(e));
    }
  }

  #context(): StatementContext {
    return {
      sessionId: this.id,
      user: this.currentUser,
      txnId: this.#txnId,
      isolation: this.#txnIsolation,
      explicitTxn: this.#txn.state === 'open.explicit',
      lockTimeoutMs: this.variables.lockTimeoutMs,
    };
  }

  #deadline(): number {
    const cur = this.#current as Current;
    const ms = cur.req.timeoutMs ?? this.variables.statementTimeoutMs;
    return ms > 0 ? cur.statementStart + ms : Infinity;
  }

  #route(st: AnalyzedStatement, txnActions?: readonly string[]): void {
    const cur = this.#current as Current;
    cur.waiting = 'statement';
    this.#deps.dispatcher.tell({
      type: 'Run',
      queryId: cur.req.queryId,
      statement: st,
      params: cur.exec?.params ?? cur.req.params,
      batch: cur.req.batch,
      context: this.#context(),
      rowsTo: cur.req.queryId,
      replyTo: this.#address,
      sentAt: cur.statementStart,
      deadline: this.#deadline(),
      preparedId: cur.req.preparedId,
      txnActions,
      observed: cur.req.observed,
    });
  }

  /** A statement that is not transaction control: open an implicit transaction if none is open. */
  #statement(st: AnalyzedStatement): void {
    this.#rejectBits(this.#txn.bitsFor(TX_STATEMENT));
    const actions = this.#txn.sendBits(TX_STATEMENT);
    let snapshotOnly = false;
    if ((actions & A_BEGIN) !== 0) {
      // A SELECT that locks rows (FOR UPDATE / SHARE) or nests a write needs a writing transaction.
      const readOnly = !st.flags.writesData && !st.flags.changesSchema && !(st.kind === 'SELECT' && !st.metadata.isReadOnly);
      this.#txnIsolation = this.variables.defaultIsolation;
      this.#txnId = this.#deps.txns.begin(this.id, readOnly, this.#txnIsolation, true);
      // A read-only autocommit statement reads the snapshot just taken: no mark to take or release.
      snapshotOnly = readOnly;
    }
    this.#snapshotOnly = snapshotOnly;
    // The transaction manager's synchronous ports (the MarkStatement / ReleaseStatement messages
    // do the same): the mark is in place before the statement is routed, at no message's cost.
    if ((actions & A_MARK) !== 0 && !snapshotOnly) this.#deps.txns.statementStart(this.#txnId);
    const w = this.#deps.writes;
    if (w != null && !(st.kind === 'SELECT' && st.metadata.isReadOnly) && !this.#deps.txns.isReadOnly(this.#txnId)) {
      if (st.kind === 'INSERT' || st.kind === 'UPDATE' || st.kind === 'DELETE') w.note(this.#txnId, st.metadata.tablesAccessed);
      else w.noteUnknown(this.#txnId);
    }
    this.#route(st);
  }

  #transactionControl(st: AnalyzedStatement): void {
    const event = txnEventFor(st.kind);
    const peek = this.#txn.peek(event);
    this.#reject(peek.actions);
    if (peek.actions.includes('beginTxn')) {
      const ast = st.ast as { isolationLevel?: string | null; readOnly?: boolean | null };
      this.#txnIsolation = isolationOf(ast.isolationLevel) ?? this.variables.defaultIsolation;
      this.#txnId = this.#deps.txns.begin(this.id, ast.readOnly === true, this.#txnIsolation);
      this.#txn.send(event);
    }
    this.#route(st, peek.actions);
  }

  /** Refusals decided by the machine before anything runs. */
  #reject(actions: readonly string[]): void {
    let bits = 0;
    if (actions.includes('rejectInAbortedTxn')) bits |= A_REJECT_ABORTED;
    if (actions.includes('rejectNoTxn')) bits |= A_REJECT_NO_TXN;
    if (actions.includes('rejectInvalid')) bits |= A_REJECT_INVALID;
    this.#rejectBits(bits);
  }

  #rejectBits(actions: number): void {
    if ((actions & A_REJECT_ABORTED) !== 0) {
      throw new DispatcherError(
        SqlState.InFailedTransaction,
        'current transaction is aborted, commands ignored until end of transaction block',
      );
    }
    if ((actions & A_REJECT_NO_TXN) !== 0) {
      throw new DispatcherError(SqlState.NoActiveTransaction, 'there is no transaction in progress');
    }
    if ((actions & A_REJECT_INVALID) !== 0) {
      throw new DispatcherError(SqlState.InternalError, `invalid transaction event in state ${this.#txn.state}`);
    }
  }

  #onReply(r: Reply): void {
    const cur = this.#current;
    if (cur === null) return;
    const st = cur.req.statements[cur.index] as AnalyzedStatement;
    if (cur.waiting === 'commit') {
      cur.waiting = 'none';
      if (r.type === 'Failed') {
        this.#txn.send('COMMIT_FAILED');
        this.#endTxn(false);
        this.#requestFailed(r.error, false);
      } else {
        this.#txn.send('COMMITTED');
        this.#endTxn(true);
        this.#statementDone(cur.pendingDone as Extract<Reply, { type: 'StatementDone' }>);
      }
      return;
    }
    if (cur.waiting !== 'statement') return;
    if (r.type === 'StatementDone') {
      cur.waiting = 'none';
      if (st.flags.transactionControl) this.#afterTransactionControl(st, r);
      else this.#afterStatement(r);
    } else if (r.type === 'Failed') {
      cur.waiting = 'none';
      if (st.flags.transactionControl) {
        if (st.kind === 'COMMIT' && this.#txn.state === 'open.explicit') {
          // The commit itself failed: its writes were never published.
          this.#txn.send('COMMIT');
          this.#txn.send('COMMIT_FAILED');
          this.#endTxn(false);
        }
        this.#requestFailed(r.error, false);
      } else {
        this.#requestFailed(r.error);
      }
    }
  }

  #afterStatement(done: Extract<Reply, { type: 'StatementDone' }>): void {
    const cur = this.#current as Current;
    const actions = this.#txn.sendBits(TX_STATEMENT_OK);
    if ((actions & A_RELEASE) !== 0 && !this.#snapshotOnly) this.#deps.txns.releaseStatement(this.#txnId);
    const commit = (actions & A_COMMIT) !== 0;
    if (commit && this.#deps.txns.isReadOnly(this.#txnId)) {
      // Nothing to make durable: end the snapshot here, without a message round trip.
      this.#deps.txns.finishReadOnly(this.#txnId);
      this.#txn.sendIndex(TX_COMMITTED);
      this.#txnId = 0;
      this.#statementDone(done, done.endedAt);
      return;
    }
    if (commit) {
      cur.waiting = 'commit';
      cur.pendingDone = done;
      this.#deps.txns.tell({ type: 'Commit', replyTo: this.#address, txnId: this.#txnId });
      return;
    }
    this.#statementDone(done, done.endedAt);
  }

  #afterTransactionControl(st: AnalyzedStatement, done: Extract<Reply, { type: 'StatementDone' }>): void {
    // BEGIN was applied before routing (the transaction had to exist); every other event is
    // applied once its work succeeded.
    if (st.kind !== 'BEGIN') {
      const actions = this.#txn.send(txnEventFor(st.kind));
      if (actions.includes('commitTxn')) {
        this.#txn.send('COMMITTED');
        this.#endTxn(true);
      } else if (actions.includes('rollbackTxn')) {
        this.#endTxn(false);
      }
    }
    this.#statementDone(done);
  }

  /** `endedAt`: when the statement ended, if nothing (a commit) came after its coordinator's end. */
  #statementDone(done: Extract<Reply, { type: 'StatementDone' }>, endedAt?: number): void {
    const cur = this.#current as Current;
    const st = cur.req.statements[cur.index] as AnalyzedStatement;
    // The caller's handler reads the reply's content, not its address: no copy needed.
    this.#deps.router.forward(cur.req.queryId, done);
    this.#deps.monitor.tell({
      type: 'Executed',
      queryId: cur.req.queryId,
      sessionId: this.id,
      shapeKey: st.shapeKey,
      text: st.text,
      metrics: done.metrics,
      totalMs: (this.#doneAt = endedAt ?? performance.now()) - cur.statementStart,
      plan: done.plan,
    });
    cur.index++;
    this.#next();
  }

  #endTxn(committed: boolean): void {
    this.#deps.writes?.end(this.#txnId, committed);
    if (this.#deps.txns.changedSchema(this.#txnId)) this.#deps.versions.bumpAll();
    if (!committed) this.#deps.txns.rollback(this.#txnId);
    this.#txnId = 0;
  }

  /** The current statement failed: undo it as the machine says, and fail the whole request. */
  #requestFailed(error: WireError, applyMachine = true): void {
    const cur = this.#current as Current;
    if (applyMachine && (this.#txn.state === 'open.implicit' || this.#txn.state === 'open.explicit')) {
      const actions = this.#txn.send('STATEMENT_FAILED');
      if (actions.includes('undoStatement')) this.#deps.txns.tell({ type: 'UndoStatement', txnId: this.#txnId });
      if (actions.includes('rollbackTxn')) this.#endTxn(false);
      // An aborted block can only roll back: like PostgreSQL, give up its locks now, so a deadlock
      // victim does not hold the other transaction until its client sends ROLLBACK.
      else if ((this.#txn.state as string) === 'aborted') this.#deps.txns.tell({ type: 'AbortBlock', txnId: this.#txnId });
    }
    this.#current = null;
    this.#deps.router.send({ type: 'Failed', to: cur.req.queryId, error });
    this.#afterRequest();
  }

  #afterRequest(at = performance.now()): void {
    this.#lastActive = at;
    this.#life.sendIndex(SS_REQUEST_DONE);
    if (this.#life.state === 'closing') {
      this.#finishClose();
      return;
    }
    const next = this.#queue.shift();
    if (next !== undefined) {
      this.#life.sendIndex(SS_EXECUTE);
      this.#begin(next);
    }
  }

  #finishClose(): void {
    this.#teardown();
    this.#life.send('CLOSED');
    for (const to of this.#closeReplies) this.#deps.router.send({ type: 'Ok', to });
    this.#closeReplies = [];
  }

  #fail(queryId: number, e: DispatcherError): void {
    this.#deps.router.send({ type: 'Failed', to: queryId, error: toWire(e) });
  }

  #teardown(): void {
    const actions = this.#txn.send('TEARDOWN');
    if (actions.includes('rollbackTxn') && this.#txnId !== 0) this.#endTxn(false);
    this.#deps.router.unregister(this.#address);
  }

  /** SET, SHOW, RESET, SET TRANSACTION: the session's own state, no coordinator needed. */
  #local(st: AnalyzedStatement): void {
    const cur = this.#current as Current;
    const ast = st.ast as {
      name?: string;
      value?: unknown;
      isDefault?: boolean;
      isolationLevel?: string | null;
      session?: boolean;
    };
    let command = st.kind === 'SET_TRANSACTION' ? 'SET' : st.kind;
    let columns: { name: string; type: string }[] = [];
    if (st.kind === 'SHOW') {
      const name = String(ast.name ?? '').toLowerCase();
      const value = this.variables.show(name);
      columns = [{ name, type: 'text' }];
      this.#deps.router.send({ type: 'Rows', to: cur.req.queryId, rows: [[value]] });
    } else if (st.kind === 'RESET') {
      this.variables.reset(String(ast.name ?? '').toLowerCase());
    } else if (st.kind === 'SET_TRANSACTION') {
      const level = isolationOf(ast.isolationLevel);
      if (ast.session === true) {
        if (level !== undefined) this.variables.set('default_transaction_isolation', level);
      } else {
        if (this.#txn.state !== 'open.explicit') {
          throw new DispatcherError(SqlState.NoActiveTransaction, 'SET TRANSACTION can only be used in transaction blocks');
        }
        if (level !== undefined) {
          this.#deps.txns.setIsolation(this.#txnId, level);
          this.#txnIsolation = level;
        }
      }
    } else {
      this.variables.set(String(ast.name ?? '').toLowerCase(), ast.isDefault === true ? 'default' : ast.value);
      command = 'SET';
    }
    this.#statementDone({
      type: 'StatementDone',
      to: cur.req.queryId,
      command,
      columns,
      rowsAffected: 0,
      metrics: {
        kind: st.kind,
        executionTimeMs: 0,
        rowsAffected: 0,
        rowsExamined: 0,
        rowsProduced: st.kind === 'SHOW' ? 1 : 0,
        indexesUsed: [],
        bufferHits: 0,
        bufferMisses: 0,
        ioOperations: 0,
        lockWaitMs: 0,
        planCacheHit: false,
      },
    });
  }
}

function isolationOf(level: string | null | undefined): IsolationLevel | undefined {
  if (level === null || level === undefined) return undefined;
  const l = level.toLowerCase();
  // PostgreSQL runs READ UNCOMMITTED as READ COMMITTED.
  return l === 'read uncommitted' ? 'read committed' : (l as IsolationLevel);
}

function txnEventFor(kind: string): TxnEventType {
  switch (kind) {
    case 'BEGIN':
      return 'BEGIN';
    case 'COMMIT':
      return 'COMMIT';
    case 'ROLLBACK':
      return 'ROLLBACK';
    case 'SAVEPOINT':
      return 'SAVEPOINT';
    case 'RELEASE_SAVEPOINT':
      return 'RELEASE';
    case 'ROLLBACK_TO_SAVEPOINT':
      return 'ROLLBACK_TO';
    default:
      throw new DispatcherError(SqlState.InternalError, `${kind} is not transaction control`);
  }
}
