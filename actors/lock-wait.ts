// Thrown from inside a statement's synchronous execution when a row lock cannot be granted now:
// the coordinator undoes the statement, waits for the lock by message, and runs it again.
export { LockWaitSignal as LockWait } from '../src/api/errors.js';
