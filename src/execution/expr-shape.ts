// What an expression is, told in a form a code generator can inline (agg-codegen.ts). Only the
// shapes hot aggregate loops meet; every other expression is called through its closure.

/** `column op operand`: an integer column and an integer literal or a parameter (k % 100). */
export interface ColumnOpShape {
  readonly kind: 'column-op';
  readonly op: '%' | '+' | '-';
  readonly slot: number;
  /** The literal operand (a safe integer), or the parameter index when the operand is `$n`. */
  readonly constant?: number;
  readonly param?: number;
}

/** `length(column)`. */
export interface LengthShape {
  readonly kind: 'length';
  readonly slot: number;
}

export type ExprShape = ColumnOpShape | LengthShape;
