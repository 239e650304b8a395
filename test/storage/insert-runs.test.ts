// A transaction logs consecutive inserts into one table as one run. Marks (savepoints, statement
// marks, rebase positions) close the run, so undoing to one, replaying the log onto a newer state,
// and the redo record of the commit all see the inserts on the right side of every mark.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/engine.js';
import { logPosition } from '../../src/storage/rebase.js';
import type { Row } from '../../src/storage/ports.js';
import { drain, tableDef } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dispatchdb-runs-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const items = tableDef('items', [['id', 'integer'], ['v', 'text']], [0], [{ name: 'items_v', table: 'items', columns: [1], unique: false, implicit: false }]);
// No primary key: hidden row ids, which a replay onto a newer state may renumber.
const notes = tableDef('notes', [['msg', 'text']], []);
const row = (i: number): Row => [i, `v${i}`];

describe('runs of inserts in the log', () => {
  it('stop at savepoints and statement marks: undoing to one keeps what came before it', async () => {
    const db = await openStorage(':memory:', {});
    const setup = db.begin();
    setup.createTable(items);
    setup.createTable(notes);
    await setup.commit();
    const tx = db.begin();
    for (let i = 1; i <= 3; i++) tx.insert('items', row(i));
    const sp = tx.savepoint();
    for (let i = 4; i <= 5; i++) tx.insert('items', row(i));
    tx.rollbackTo(sp);
    tx.insert('items', row(6));
    const mark = tx.statementMark!();
    for (let i = 7; i <= 9; i++) tx.insert('items', row(i));
    tx.insert('notes', ['between']);
    tx.insert('items', row(10));
    tx.rollbackTo(mark);
    tx.insert('items', row(11));
    // A rebase position taken now: later inserts stay after it.
    const at = logPosition(tx);
    tx.insert('items', row(12));
    tx.insert('notes', ['kept']);
    const m2 = tx.statementMark!();
    tx.insert('items', row(13));
    tx.rollbackTo(m2);
    expect(at).toBeGreaterThan(0);
    await tx.commit();
    const snap = db.snapshot();
    expect(drain(snap.scanTable('items')).map((r) => r[0])).toEqual([1, 2, 3, 6, 11, 12]);
    expect(drain(snap.scanTable('notes')).map((r) => r[0])).toEqual(['kept']);
    expect(drain(snap.scanIndex('items', 'items_v')).length).toBe(6);
    snap.release();
    await db.close();
  });

  it('replay onto a newer state (hidden row ids renumbered) and come back from the redo log', async () => {
    const p = path.join(dir, 'runs.db');
    const db = await openStorage(p, { durable: false });
    const setup = db.begin();
    setup.createTable(items);
    setup.createTable(notes);
    await setup.commit();
    const a = db.begin();
    const b = db.begin();
    for (let i = 1; i <= 50; i++) a.insert('items', row(i));
    for (let i = 0; i < 5; i++) a.insert('notes', [`a${i}`]);
    for (let i = 0; i < 3; i++) b.insert('notes', [`b${i}`]);
    await b.commit();
    // a began before b's commit: its log is replayed onto b's state, its row ids after b's.
    await a.commit();
    const expectState = async (): Promise<void> => {
      const snap = db2 ?? db;
      const s = snap.snapshot();
      expect(drain(s.scanTable('items')).map((r) => r[0])).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(drain(s.scanTable('notes')).map((r) => r[0]).sort()).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2']);
      s.release();
    };
    let db2: Awaited<ReturnType<typeof openStorage>> | null = null;
    await expectState();
    // A crash copy: the commits come back from their redo records.
    fs.copyFileSync(p, `${p}.copy`);
    fs.copyFileSync(`${p}-wal`, `${p}.copy-wal`);
    db2 = await openStorage(`${p}.copy`, { durable: false });
    await expectState();
    expect(db2.integrityCheck()).toEqual([]);
    await db2.close();
    await db.close();
  });
});
