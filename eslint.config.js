// Flat ESLint config: @eslint/js recommended + typescript-eslint's type-checked recommended rules
// (types from tsconfig.json through the project service) and a few stricter rules for lib/.
// Formatting is prettier's job (`prettier --check .` in `npm run lint`), not ESLint's.
import eslint from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(
    ['dist/', 'coverage/', 'test/artifacts/', 'bench/results/', 'sample/data/'],
    'nest-http-auth/ignores',
  ),
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    name: 'nest-http-auth/typescript',
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      // Nest's own APIs (ExecutionContext.getHandler(), Reflector targets) are typed with `Function`.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // Errors from passport callbacks and `catch` are passed on unchanged, whatever they are.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },
  {
    // Tests: jest mocks, `app.getHttpServer()` and supertest bodies are loosely typed by nature, and
    // stubs implement async interfaces without awaiting.
    name: 'nest-http-auth/tests',
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The consumer test projects (test/consumers/*/, outside tsconfig.json): their dependencies
    // exist only where test/consumers/run.sh installs them, which also type-checks them there.
    name: 'nest-http-auth/consumer-projects',
    files: ['test/consumers/**/*.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Plain JavaScript (configs, build script, consumer apps): no type information, Node globals.
    name: 'nest-http-auth/javascript',
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { 'no-console': 'off' },
  },
  {
    name: 'nest-http-auth/commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
