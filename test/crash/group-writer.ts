// Child process of the group-commit crash runs (group-harness.ts): several sessions commit
// transfers between a few accounts at once, so one WAL write carries many commits, while one of
// them checkpoints now and then. Each transfer inserts its history row; "submit <id>" is said just
// before its COMMIT, "ack <id>" after it resolved. Orders come on the "go" line (child-io.ts).
import { Database } from '../../src/api/database.js';
import { DispatcherError } from '../../src/api/errors.js';
import { awaitGo, GROUP_ACCOUNTS, GROUP_BALANCE, killingFileIo, say } from './child-io.js';
import { Rng, mix } from './workload.js';

const go = await awaitGo();
say('opening');
const db = await Database.open(go.path, {
  ...(go.checkpointBytes !== undefined ? { checkpointBytes: go.checkpointBytes } : {}),
  ...(go.poolPages !== undefined ? { poolPages: go.poolPages } : {}),
  ...(go.crashAt !== undefined ? { fileIo: killingFileIo(go.crashAt) } : {}),
});
const s0 = await db.connect();
await s0.execute('CREATE TABLE IF NOT EXISTS accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)');
await s0.execute('CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, src INTEGER NOT NULL, dst INTEGER NOT NULL, amount INTEGER NOT NULL, note TEXT)');
if (Number((await s0.execute('SELECT count(*) FROM accounts')).rows[0]![0]) === 0) {
  await s0.execute('BEGIN');
  for (let a = 1; a <= GROUP_ACCOUNTS; a++) await s0.execute('INSERT INTO accounts VALUES ($1, $2)', [a, GROUP_BALANCE]);
  await s0.execute('COMMIT');
}
await s0.close();
say('ready');

const session = async (i: number): Promise<void> => {
  const s = await db.connect();
  const r = new Rng(mix(go.seed, go.start + i));
  for (let n = 1; ; n++) {
    const id = go.start + i * 1_000_000 + n;
    const a = r.int(1, GROUP_ACCOUNTS);
    let b = r.int(1, GROUP_ACCOUNTS - 1);
    if (b >= a) b++;
    const amount = r.int(1, 100);
    let committing = false;
    try {
      if (i === 0 && n % 25 === 0) await s.execute('CHECKPOINT');
      await s.execute('BEGIN');
      await s.execute('UPDATE accounts SET balance = balance - $2 WHERE id = $1', [a, amount]);
      await s.execute('UPDATE accounts SET balance = balance + $2 WHERE id = $1', [b, amount]);
      await s.execute('INSERT INTO history VALUES ($1, $2, $3, $4, $5)', [id, a, b, amount, 'n'.repeat(r.chance(0.1) ? r.int(2500, 6000) : r.int(0, 200))]);
      say(`submit ${id}`);
      committing = true;
      await s.execute('COMMIT');
      say(`ack ${id}`);
    } catch (e) {
      if (e instanceof DispatcherError && (e.sqlState === '40P01' || e.sqlState === '40001')) {
        if (committing) say(`nack ${id}`);
        if (s.transactionState !== 'noTxn') await s.execute('ROLLBACK');
        continue;
      }
      const err = e as { sqlState?: string; message?: string };
      say(`error ${id} ${err.sqlState ?? '?'} ${err.message ?? String(e)}`);
      process.exit(3);
    }
  }
};
await Promise.all(Array.from({ length: go.sessions ?? 8 }, (_, i) => session(i)));
