// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dist-check/', 'coverage/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      // `_`-prefixed parameters are deliberate (handler signatures fixed by drachtio-srf, fastify).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Logs go through pino (src/logger.ts); messages for people through process.stdout/stderr.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: { 'no-console': 'error' },
  },
);
