import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  // Tests may import the package by name, as a user would (the README's examples do).
  resolve: {
    alias: [
      { find: /^dispatchdb\/machines$/, replacement: here('./machines/index.ts') },
      { find: /^dispatchdb\/testing$/, replacement: here('./src/testing/index.ts') },
      { find: /^dispatchdb$/, replacement: here('./src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'properties/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
