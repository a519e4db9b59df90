// Lint rules for the whole repository: typescript-eslint's recommended set on TypeScript, ESLint's on JavaScript,
// formatting left to Prettier (eslint-config-prettier turns off the rules it owns).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'libs/native/build/', 'coverage/', '**/.venv/', 'test/schemathesis/.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Dependency injection and optional SDKs are loaded with require() on purpose (only when configured).
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
  },
  {
    // The web console runs in the browser.
    files: ['apps/console/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Specs reach into values of any shape (errors, JSON bodies) on purpose.
    files: ['test/**', '**/*.spec.ts', '**/testing/**'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
