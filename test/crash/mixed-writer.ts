// Child process of the crash harness. It loads, says "loaded", and waits for a line
// `go {start, path, seed, checkpointBytes, poolPages, crashAt?}` on stdin (so the parent can start
// it ahead of time), then opens the database and runs the workload's units from `start` until it
// is killed: by the parent, or by itself just before the crashAt-th write, truncate or fsync of
// its files (through the storage's FileIo port), which puts kills at exact points of a commit or
// of a checkpoint. Lines on stdout (written synchronously, so a line is out before the next step):
//   loaded · opening · ready · submit <n> · ack <n> · ckpt-begin <n> · ckpt-end <n>
//   cp <checkpoints so far> · crash <file> <call> <count> · error <n> <sqlstate> <message>
// "ack n" is written only after unit n's COMMIT (or autocommit statement) resolved.
import { Database } from '../../src/api/database.js';
import { awaitGo, killingFileIo, say } from './child-io.js';
import { unitSql, Workload } from './workload.js';

const go = await awaitGo();
const work = new Workload(go.seed);
work.skipTo(go.start);
say('opening');
const db = await Database.open(go.path, {
  ...(go.checkpointBytes !== undefined ? { checkpointBytes: go.checkpointBytes } : {}),
  ...(go.poolPages !== undefined ? { poolPages: go.poolPages } : {}),
  ...(go.crashAt !== undefined ? { fileIo: killingFileIo(go.crashAt) } : {}),
});
const s = await db.connect();
say('ready');
let checkpoints = 0;
for (;;) {
  const unit = work.peek();
  say(`submit ${unit.n}`);
  try {
    if (unit.kind === 'checkpoint') {
      say(`ckpt-begin ${unit.n}`);
      if (unit.via === 'sql') await s.execute('CHECKPOINT');
      else await db.checkpoint();
      say(`ckpt-end ${unit.n}`);
    } else {
      for (const st of unitSql(unit)) await s.execute(st.sql, st.params);
    }
  } catch (e) {
    const err = e as { sqlState?: string; message?: string };
    say(`error ${unit.n} ${err.sqlState ?? '?'} ${err.message ?? String(e)}`);
    process.exit(3);
  }
  say(`ack ${unit.n}`);
  work.advance(unit);
  const c = db.stats().checkpoints;
  if (c !== checkpoints) {
    checkpoints = c;
    say(`cp ${c}`);
  }
}
