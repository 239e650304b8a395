// Child process of the crash test: commits rows in a loop and reports each commit on stdout only
// after it was acknowledged. Lines: "submit <n>" before a commit is sent, "ack <n>" after.
// Even n: one autocommit INSERT of row n. Odd n: an explicit transaction inserting rows
// n*1000+0..n*1000+4 and updating the rows of batch n-1, all or nothing.
import { Database } from '../../src/api/database.js';

const [path, startArg] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: writer <db path> <first n>');
const db = await Database.open(path);
const s = await db.connect();
await s.execute('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, pad TEXT)');
const pad = 'x'.repeat(200);
const write = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
write('ready');
for (let n = Number(startArg ?? 0); ; n++) {
  write(`submit ${n}`);
  if (n % 2 === 0) {
    await s.execute('INSERT INTO t VALUES ($1, $2, $3)', [n * 1000, n, pad]);
  } else {
    await s.execute('BEGIN');
    for (let i = 0; i < 5; i++) await s.execute('INSERT INTO t VALUES ($1, $2, $3)', [n * 1000 + i, n, pad]);
    await s.execute('UPDATE t SET pad = $1 WHERE batch = $2', [`updated by ${n}`, n - 1]);
    await s.execute('COMMIT');
  }
  write(`ack ${n}`);
}
