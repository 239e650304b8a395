// Locking and transaction behaviour across sessions, as one line per session step.
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/api/database.js';
import { ESCALATE_AFTER } from '../../actors/locking-view.js';
import { runScript } from './script-runner.js';

const SETUP = ['CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)', 'INSERT INTO t VALUES (1, 10), (2, 20)'];
let db: Database | null = null;
afterEach(async () => {
  await db?.close();
  db = null;
});

describe('multi-session scripts', () => {
  it('a deadlock picks a victim with 40P01; its locks go at once and the other transaction goes on', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      B: BEGIN => ok
      A: UPDATE t SET v = 11 WHERE id = 1 => ok
      B: UPDATE t SET v = 22 WHERE id = 2 => ok
      A: UPDATE t SET v = 12 WHERE id = 2 => blocks
      B: UPDATE t SET v = 21 WHERE id = 1 => error 40P01
      A: <wait> => ok
      B: SELECT 1 => error 25P02
      B: ROLLBACK => ok
      A: COMMIT => ok
      A: SELECT id, v FROM t ORDER BY id => rows [[1,11],[2,12]]
      `,
      SETUP,
    );
  });

  it('SELECT ... FOR UPDATE locks the rows it returns until the transaction ends', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: SELECT id, v FROM t WHERE id = 1 FOR UPDATE => rows [[1,10]]
      B: UPDATE t SET v = 12 WHERE id = 1 => blocks
      C: SELECT id FROM t WHERE id = 1 FOR UPDATE NOWAIT => error 55P03
      C: SELECT id FROM t ORDER BY id FOR UPDATE SKIP LOCKED => rows [[2]]
      C: UPDATE t SET v = 21 WHERE id = 2 => ok
      A: UPDATE t SET v = v + 1 WHERE id = 1 => ok
      A: COMMIT => ok
      B: <wait> => ok
      B: SELECT id, v FROM t ORDER BY id => rows [[1,12],[2,21]]
      A: SELECT count(*) FROM t FOR UPDATE => error 0A000
      `,
      SETUP,
    );
  });

  it('FOR UPDATE ... LIMIT locks only the rows it returns: SKIP LOCKED hands each worker its own', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: SELECT id FROM t ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED => rows [[1]]
      B: BEGIN => ok
      B: SELECT id FROM t ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED => rows [[2]]
      C: SELECT id FROM t ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED => rows []
      B: ROLLBACK => ok
      C: SELECT id FROM t WHERE id = 2 FOR UPDATE NOWAIT => rows [[2]]
      A: COMMIT => ok
      `,
      SETUP,
    );
  });

  it('FOR SHARE takes a shared row lock: other sharers go on, a writer waits for all of them', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: SELECT v FROM t WHERE id = 1 FOR SHARE => rows [[10]]
      B: BEGIN => ok
      B: SELECT v FROM t WHERE id = 1 FOR KEY SHARE NOWAIT => rows [[10]]
      C: SELECT id FROM t WHERE id = 1 FOR UPDATE NOWAIT => error 55P03
      C: SELECT id FROM t ORDER BY id FOR SHARE SKIP LOCKED => rows [[1],[2]]
      C: UPDATE t SET v = 11 WHERE id = 1 => blocks
      A: COMMIT => ok
      B: SELECT v FROM t WHERE id = 1 => rows [[10]]
      B: COMMIT => ok
      C: <wait> => ok
      A: SELECT v FROM t WHERE id = 1 => rows [[11]]
      `,
      SETUP,
    );
  });

  it('a sharer that writes the row upgrades its lock, waiting for the other sharer', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: SELECT v FROM t WHERE id = 2 FOR SHARE => rows [[20]]
      B: BEGIN => ok
      B: SELECT v FROM t WHERE id = 2 FOR SHARE => rows [[20]]
      A: UPDATE t SET v = 21 WHERE id = 2 => blocks
      B: ROLLBACK => ok
      A: <wait> => ok
      A: COMMIT => ok
      B: SELECT v FROM t WHERE id = 2 => rows [[21]]
      `,
      SETUP,
    );
  });

  it('FOR UPDATE over a join locks the rows of every table it read, or those OF names', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: SELECT t.id, u.w FROM t JOIN u ON u.t_id = t.id WHERE t.id = 1 FOR UPDATE => rows [[1,100]]
      B: UPDATE u SET w = 101 WHERE id = 7 => blocks
      C: UPDATE u SET w = 201 WHERE id = 8 => ok
      C: SELECT id FROM t WHERE id = 1 FOR UPDATE NOWAIT => error 55P03
      A: COMMIT => ok
      B: <wait> => ok
      A: BEGIN => ok
      A: SELECT x.id FROM t x JOIN u ON u.t_id = x.id WHERE x.id = 2 FOR UPDATE OF x => rows [[2]]
      B: UPDATE u SET w = 202 WHERE id = 8 => ok
      C: UPDATE t SET v = 0 WHERE id = 2 => blocks
      A: ROLLBACK => ok
      C: <wait> => ok
      A: SELECT t.id FROM t JOIN u ON u.t_id = t.id FOR UPDATE OF nosuch => error 42P01
      A: SELECT u.w FROM t LEFT JOIN u ON u.t_id = t.id + 10 ORDER BY t.id FOR UPDATE => rows [[null],[null]]
      `,
      [...SETUP, 'CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER, w INTEGER)', 'INSERT INTO u VALUES (7, 1, 100), (8, 2, 200)'],
    );
  });

  it('FOR UPDATE over a join locks a table without a primary key whole, against writers only', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: SELECT t.id, n.w FROM t JOIN n ON n.t_id = t.id WHERE t.id = 1 FOR UPDATE => rows [[1,5]]
      B: SELECT count(*) FROM n => rows [[2]]
      B: INSERT INTO n VALUES (1, 7) => blocks
      C: SELECT t_id, w FROM n ORDER BY t_id => rows [[1,5],[2,9]]
      A: UPDATE n SET w = 6 WHERE t_id = 1 => ok
      A: COMMIT => ok
      B: <wait> => ok
      B: SELECT w FROM n ORDER BY w => rows [[6],[7],[9]]
      `,
      [...SETUP, 'CREATE TABLE n (t_id INTEGER, w INTEGER)', 'INSERT INTO n VALUES (1, 5), (2, 9)'],
    );
  });

  it('an autocommit SELECT ... FOR UPDATE waits for the row lock, then reads what was committed', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: UPDATE t SET v = 11 WHERE id = 1 => ok
      B: SELECT v FROM t WHERE id = 1 FOR UPDATE => blocks
      A: COMMIT => ok
      B: <wait> => rows [[11]]
      `,
      SETUP,
    );
  });

  it('REPEATABLE READ: locking a row another committed since the snapshot fails with 40001', async () => {
    db = await runScript(
      `
      A: BEGIN ISOLATION LEVEL REPEATABLE READ => ok
      A: SELECT v FROM t WHERE id = 2 => rows [[20]]
      B: UPDATE t SET v = 25 WHERE id = 2 => ok
      A: SELECT v FROM t WHERE id = 2 FOR UPDATE => error 40001
      A: ROLLBACK => ok
      `,
      SETUP,
    );
  });

  it('a lock wait past lock_timeout fails with 55P03 and leaves the block aborted', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: UPDATE t SET v = 11 WHERE id = 1 => ok
      B: SET lock_timeout = '50ms' => ok
      B: BEGIN => ok
      B: UPDATE t SET v = 12 WHERE id = 1 => error 55P03
      B: SELECT 1 => error 25P02
      B: ROLLBACK => ok
      A: COMMIT => ok
      B: SELECT v FROM t WHERE id = 1 => rows [[11]]
      `,
      SETUP,
    );
  });

  it('savepoints: ROLLBACK TO undoes only what followed, RELEASE keeps it, an error needs ROLLBACK TO', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: INSERT INTO t VALUES (3, 30) => ok
      A: SAVEPOINT s1 => ok
      A: INSERT INTO t VALUES (4, 40) => ok
      A: SAVEPOINT s2 => ok
      A: INSERT INTO t VALUES (5, 50) => ok
      A: ROLLBACK TO SAVEPOINT s2 => ok
      A: SELECT count(*) FROM t => rows [[4]]
      A: RELEASE SAVEPOINT s1 => ok
      A: ROLLBACK TO s2 => error 3B001
      A: ROLLBACK => ok
      A: BEGIN => ok
      A: SAVEPOINT a => ok
      A: INSERT INTO t VALUES (1, 0) => error 23505
      A: SELECT 1 => error 25P02
      A: ROLLBACK TO a => ok
      A: INSERT INTO t VALUES (6, 60) => ok
      A: COMMIT => tag COMMIT
      B: SELECT id FROM t ORDER BY id => rows [[1],[2],[6]]
      `,
      SETUP,
    );
  });

  it('an aborted block refuses everything but ROLLBACK, and COMMIT of it rolls back', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: INSERT INTO t VALUES (3, 30) => ok
      A: SELECT * FROM missing => error 42P01
      A: INSERT INTO t VALUES (4, 40) => error 25P02
      A: COMMIT => tag ROLLBACK
      A: SELECT count(*) FROM t => rows [[2]]
      A: COMMIT => ok
      A: SAVEPOINT x => error 25P01
      `,
      SETUP,
    );
  });

  it('a read-only transaction refuses writes with 25006', async () => {
    db = await runScript(
      `
      A: BEGIN READ ONLY => ok
      A: SELECT count(*) FROM t => rows [[2]]
      A: UPDATE t SET v = 0 => error 25006
      A: ROLLBACK => ok
      A: UPDATE t SET v = 0 WHERE id = 1 => ok
      `,
      SETUP,
    );
  });

  it('DDL waits for a transaction that uses the table, and plans follow the new schema', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: SELECT v FROM t WHERE id = 1 => rows [[10]]
      B: DROP TABLE t => blocks
      A: SELECT v FROM t WHERE id = 2 => rows [[20]]
      A: COMMIT => ok
      B: <wait> => ok
      A: SELECT v FROM t WHERE id = 1 => error 42P01
      B: CREATE TABLE t (id INTEGER PRIMARY KEY, w TEXT, v INTEGER) => ok
      B: INSERT INTO t VALUES (1, 'x', 7) => ok
      A: SELECT v FROM t WHERE id = 1 => rows [[7]]
      A: SELECT * FROM t WHERE id = 1 => rows [[1,"x",7]]
      `,
      SETUP,
    );
  });

  it('two writers of one row: the second waits, then sees the first commit (READ COMMITTED)', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: UPDATE t SET v = v + 1 WHERE id = 1 => ok
      B: UPDATE t SET v = v + 1 WHERE id = 1 => blocks
      A: COMMIT => ok
      B: <wait> => ok
      B: SELECT v FROM t WHERE id = 1 => rows [[12]]
      `,
      SETUP,
    );
  });

  it('REPEATABLE READ: a write to a row committed by another after the snapshot fails with 40001', async () => {
    db = await runScript(
      `
      A: BEGIN ISOLATION LEVEL REPEATABLE READ => ok
      A: SELECT v FROM t WHERE id = 1 => rows [[10]]
      B: UPDATE t SET v = 15 WHERE id = 1 => ok
      A: SELECT v FROM t WHERE id = 1 => rows [[10]]
      A: UPDATE t SET v = v + 1 WHERE id = 1 => error 40001
      A: ROLLBACK => ok
      A: SELECT v FROM t WHERE id = 1 => rows [[15]]
      `,
      SETUP,
    );
    expect(db).not.toBeNull();
  });

  // Lock escalation (actors/locking-view.ts): past ESCALATE_AFTER rows of one table, a writer alone
  // on the table holds SIX on it instead of a lock per row.
  const BULK = (from: number, to: number): string =>
    `INSERT INTO t WITH RECURSIVE g(x) AS (SELECT ${from} UNION ALL SELECT x + 1 FROM g WHERE x < ${to}) SELECT x, x FROM g`;

  it('a bulk writer alone on a table escalates: readers go on, other writers wait for its commit', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: ${BULK(3, 3 + ESCALATE_AFTER)} => ok
      B: BEGIN => ok
      B: SELECT count(*) FROM t => rows [[2]]
      B: INSERT INTO t VALUES (100000, 1) => blocks
      C: SET lock_timeout = '50ms' => ok
      C: UPDATE t SET v = 0 WHERE id = 1 => error 55P03
      A: INSERT INTO t VALUES (100001, 1) => ok
      A: COMMIT => ok
      B: <wait> => ok
      B: COMMIT => ok
      C: SELECT count(*) FROM t => rows [[${ESCALATE_AFTER + 5}]]
      `,
      SETUP,
    );
  });

  it('a bulk writer does not escalate while another transaction writes the table: it keeps row locks', async () => {
    db = await runScript(
      `
      B: BEGIN => ok
      B: UPDATE t SET v = 21 WHERE id = 2 => ok
      A: BEGIN => ok
      A: ${BULK(3, 3 + 2 * ESCALATE_AFTER)} => ok
      B: INSERT INTO t VALUES (100000, 1) => ok
      B: UPDATE t SET v = 11 WHERE id = 1 => ok
      B: INSERT INTO t VALUES (5, 1) => blocks
      A: COMMIT => ok
      B: <wait> => error 23505
      B: ROLLBACK => ok
      C: SELECT count(*) FROM t => rows [[${2 * ESCALATE_AFTER + 3}]]
      `,
      SETUP,
    );
  });

  it('an escalated writer still locks the rows it deletes, so a foreign-key check waits for it', async () => {
    db = await runScript(
      `
      A: BEGIN => ok
      A: ${BULK(3, 3 + ESCALATE_AFTER)} => ok
      A: DELETE FROM t WHERE id = 1 => ok
      B: BEGIN => ok
      B: INSERT INTO child VALUES (1, 1) => blocks
      A: COMMIT => ok
      B: <wait> => error 23503
      `,
      [...SETUP, 'CREATE TABLE child (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t (id))'],
    );
  });
});
