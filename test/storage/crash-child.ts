// Child process for the crash test: commits numbered batches forever and prints each number once
// its commit resolved (durable). The parent kills it with SIGKILL at an arbitrary moment.
import { openStorage } from '../../src/storage/engine.js';

const [file, startArg, checkpointArg] = process.argv.slice(2);
const db = await openStorage(file!, { pageSize: 4096, checkpointBytes: Number(checkpointArg ?? 128 * 1024) });
let c = Number(startArg);
const tx0 = db.begin();
if (!tx0.getTable('log')) {
  tx0.createTable({
    name: 'log',
    columns: [
      { name: 'id', type: 'integer', declaredType: 'INTEGER', notNull: true },
      { name: 'c', type: 'integer', declaredType: 'INTEGER', notNull: true },
      { name: 'pad', type: 'text', declaredType: 'TEXT', notNull: false },
    ],
    primaryKey: [0],
    indexes: [{ name: 'log_c', table: 'log', columns: [1], unique: false, implicit: false }],
  });
  await tx0.commit();
} else tx0.rollback();
process.stdout.write('ready\n');
for (;;) {
  const tx = db.begin();
  for (let j = 0; j < 20; j++) tx.insert('log', [c * 100 + j, c, 'p'.repeat((c * 37 + j) % 300)]);
  // Churn: rewrite and delete rows of an older batch so pages are freed and reused.
  if (c > 5) {
    const old = c - 5;
    for (let j = 0; j < 20; j += 2) {
      const row = tx.getRow('log', [old * 100 + j]);
      if (row) tx.update('log', [old * 100 + j], [old * 100 + j, old, 'u'.repeat(j * 10)]);
    }
  }
  await tx.commit();
  process.stdout.write(`${c}\n`);
  c++;
}
