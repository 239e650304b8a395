// Placeholder until the durable page store lands: file paths are not supported yet.
import { DispatcherError, SqlState } from '../api/errors.js';
import type { NodeSource } from './btree.js';
import type { DbState } from './catalog.js';
import type { BNode, ChildRef, OverflowRef } from './node.js';
import type { Row, StorageStats } from './ports.js';

export interface CommitWork {
  readonly state: DbState;
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  readonly metaChanged: readonly string[];
  readonly freed: readonly number[];
  readonly dropped: readonly ChildRef[];
  readonly overflowFreed: readonly OverflowRef[];
}

export interface FileStoreOptions {
  readonly pageSize: number;
  readonly poolPages: number;
  readonly checkpointBytes: number;
  readonly durable: boolean;
}

export class FileStore {
  readonly src!: NodeSource;
  static async open(path: string, _o: FileStoreOptions): Promise<{ store: FileStore; state: DbState; pageSize: number }> {
    throw new DispatcherError(SqlState.FeatureNotSupported, `file databases are not supported yet (${path})`);
  }
  readOverflow(_r: OverflowRef): Row {
    throw new Error('unreachable');
  }
  stage(_w: CommitWork, _oldest: number): DbState {
    throw new Error('unreachable');
  }
  async flush(): Promise<void> {}
  wantsCheckpoint(): boolean {
    return false;
  }
  async checkpoint(_s: DbState, _oldest: number): Promise<void> {}
  stats(): StorageStats {
    throw new Error('unreachable');
  }
  accounting(): { visit: (n: BNode) => void; finish: () => string[] } {
    throw new Error('unreachable');
  }
  async close(_s: DbState, _clean: boolean): Promise<void> {}
}
