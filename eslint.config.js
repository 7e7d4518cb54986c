import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The core stays pure: it may import only itself, ipaddr.js and typebox.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'net', 'http', 'os'], message: 'src/core is pure: no I/O modules.' },
            { group: ['../sources/*', '../probe/*', '../cache/*', '../http/*', '../metrics/*', '../cli*', '../doctor*'], message: 'src/core imports nothing outside itself.' },
          ],
        },
      ],
    },
  },
);
