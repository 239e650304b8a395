// Writes machines/TRANSITIONS.md from the machines (npm run machines:report).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTransitionReport } from '../machines/transition-report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(join(root, 'machines', 'TRANSITIONS.md'), renderTransitionReport());
console.log('wrote machines/TRANSITIONS.md');
