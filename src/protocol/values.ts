// SQL values as the engine holds them. A leaf: storage, execution and messages all speak of these.

/** One SQL value. Integers are JS numbers while safe, bigint beyond. */
export type SqlValue = null | boolean | number | bigint | string | Uint8Array;
export type Row = SqlValue[];
/** A B+tree key: a tuple compared element by element. */
export type Key = readonly SqlValue[];

export type ColumnType =
  | 'integer'
  | 'bigint'
  | 'real'
  | 'numeric'
  | 'text'
  | 'boolean'
  | 'bytea'
  | 'date'
  | 'timestamp'
  | 'json'
  | 'jsonb'
  | 'any';
