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
  // The server may import from src/ only the modules shared with the browser (wire types,
  // codecs, config defaults): src/core/config, error-codes, federated-file, file-message, format,
  // mime and protocol. Everything else in src/ is browser code.
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(\\.\\./)+src/(?!core/(config|error-codes|federated-file|file-message|format|file-name|mime|protocol)\\.js$)',
              message:
                'server/ imports only the shared modules of src/core (config, error-codes, federated-file, file-message, format, file-name, mime, protocol).',
            },
          ],
        },
      ],
    },
  },
);
