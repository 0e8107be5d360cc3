// Lint rules: typescript-eslint's recommended set, plus Lit and web-component rules for the elements.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'examples/*/dist/',
      'node_modules/',
      'coverage/',
      'bench/results/',
      'test-results/',
      'data/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/components/**/*.ts'],
    ...lit.configs['flat/recommended'],
  },
  {
    files: ['src/components/**/*.ts'],
    ...wc.configs['flat/recommended'],
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  // The server imports from src/ only src/core/wire/: the modules shared with the browser (wire
  // types, codecs, config defaults, error codes). Everything else in src/ is browser code.
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'chat-files', message: 'server/ imports only src/core/wire/.' },
            { name: 'chat-files/react', message: 'server/ imports only src/core/wire/.' },
          ],
          patterns: [
            {
              regex: '^(\\.\\./)+src/(?!core/wire/(?!.*\\.\\./))',
              message: 'server/ imports only the shared modules of src/core/wire/.',
            },
          ],
        },
      ],
    },
  },
  // src/core/wire/ is what the server loads from src/: it imports nothing outside itself.
  {
    files: ['src/core/wire/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./',
              message: 'src/core/wire/ imports only its own modules (the server loads it).',
            },
          ],
        },
      ],
    },
  },
);
