// Analysis output types; defined in protocol/ because they travel inside actor messages.
export * from '../protocol/statement.js';
