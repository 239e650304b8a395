// Child process of delete-all.test.ts: empties a loaded table, commits a few rows after it,
// reports, then waits to be killed (SIGKILL: no close, no checkpoint; recovery reads the log).
import { Database } from '../../src/api/database.js';

const [path] = process.argv.slice(2);
const db = await Database.open(path!);
const s = await db.connect();
await s.execute('CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, c TEXT)');
await s.execute('CREATE INDEX t_k ON t(k)');
const ins = await s.prepare('INSERT INTO t VALUES ($1, $2, $3)');
await s.execute('BEGIN');
await ins.executeMany(Array.from({ length: 3000 }, (_, i) => [i, i % 97, `row ${i}`]));
await s.execute('COMMIT');
await s.execute('CHECKPOINT');
await s.execute('DELETE FROM t');
await s.execute('INSERT INTO t VALUES (1, 5, $1), (2, 5, $1), (3, 6, $1)', ['after']);
process.stdout.write('done\n');
setInterval(() => {}, 1000);
