// The performance monitor: receives Executed(metrics) fire-and-forget, keeps aggregates per
// statement kind and per statement shape, and publishes every metric on metrics$. Publishing never
// blocks a query: subscribers are called later from a bounded buffer each (a slow one loses
// metrics, counted); statements past the slow-query threshold go to onSlow (the slow-query log).
import type { Observable } from 'rxjs';
import { BoundedStream } from '../src/observability/bounded-stream.js';
import type { MonitorMsg } from '../src/protocol/messages.js';
import { Actor } from './actor.js';

export interface KindAggregate {
  calls: number;
  totalMs: number;
  rows: number;
}

export interface ShapeStats {
  readonly shape: string;
  calls: number;
  totalMs: number;
  minMs: number;
  maxMs: number;
  rows: number;
}

export class Monitor extends Actor<MonitorMsg> {
  /** Subscribers get metrics later, from a bounded buffer each: a slow one loses (and counts) metrics. */
  readonly stream = new BoundedStream<MonitorMsg>();
  readonly metrics$: Observable<MonitorMsg> = this.stream.observable;
  /** Statements at least this long (ms, session time) go to onSlow; configured by the API. */
  slowThresholdMs = Infinity;
  /** Every statement goes to onSlow (enable_query_logging). */
  logAll = false;
  onSlow: ((m: MonitorMsg, slow: boolean) => void) | null = null;
  readonly byKind = new Map<string, KindAggregate>();
  readonly byShape = new Map<string, ShapeStats>();
  readonly #maxShapes: number;

  constructor(maxShapes = 5000) {
    super('monitor');
    this.#maxShapes = maxShapes;
  }

  protected receive(m: MonitorMsg): void {
    const ms = m.totalMs;
    const rows = m.metrics.rowsAffected + m.metrics.rowsProduced;
    const k = this.byKind.get(m.metrics.kind);
    if (k === undefined) this.byKind.set(m.metrics.kind, { calls: 1, totalMs: ms, rows });
    else {
      k.calls++;
      k.totalMs += ms;
      k.rows += rows;
    }
    const s = this.byShape.get(m.shapeKey);
    if (s === undefined) {
      if (this.byShape.size < this.#maxShapes) {
        this.byShape.set(m.shapeKey, { shape: m.shapeKey, calls: 1, totalMs: ms, minMs: ms, maxMs: ms, rows });
      }
    } else {
      s.calls++;
      s.totalMs += ms;
      if (ms < s.minMs) s.minMs = ms;
      if (ms > s.maxMs) s.maxMs = ms;
      s.rows += rows;
    }
    if (this.stream.observed) this.stream.publish(m);
    if (this.onSlow !== null && (ms >= this.slowThresholdMs || this.logAll)) this.onSlow(m, ms >= this.slowThresholdMs);
  }

  override stop(): void {
    super.stop();
    this.stream.complete();
  }
}
