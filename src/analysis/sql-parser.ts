// node-sql-parser's postgresql build, loaded alone (~15 ms instead of ~90 ms for every dialect).
import pkg from 'node-sql-parser/build/postgresql.js';

export const { Parser } = pkg;
