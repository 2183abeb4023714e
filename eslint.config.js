import js from '@eslint/js'
import stylistic from '@stylistic/eslint-plugin'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'docs/**', 'node_modules/**', '.tmp/**', 'bench/results/**', 'oclif.manifest.json']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: globals.node},
    rules: {
      eqeqeq: ['error', 'always'],
      // A `let` that a callback reads before the one assignment (a handle set up after its listener) stays a `let`.
      'prefer-const': ['error', {ignoreReadBeforeAssign: true}],
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        caughtErrorsIgnorePattern: '^_',
        destructuredArrayIgnorePattern: '^_',
        ignoreRestSiblings: true,
      }],
    },
  },
  // The page of `ivc ui` runs in the browser.
  {files: ['web/**/*.ts'], languageOptions: {globals: globals.browser}},
  // Type-aware rules on src/ only, through the program `tsc` already builds (tsconfig.json): including test/ and
  // bench/ in the program doubles the lint time (about 18 s of CPU for src/, 32 s with them).
  {
    files: ['src/**/*.ts'],
    languageOptions: {parserOptions: {project: './tsconfig.json', tsconfigRootDir: import.meta.dirname}},
    rules: {
      // Fire-and-forget is written `void promise`; anything else left unawaited loses its rejection.
      '@typescript-eslint/no-floating-promises': 'error',
      // A promise-returning function where a void callback is expected (an event listener, a timer) does the same.
      '@typescript-eslint/no-misused-promises': 'error',
      // An 'abort' listener added after the signal aborted never fires: foundation/abort.ts's whenAborted runs it then.
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name='addEventListener'][arguments.0.value='abort']",
        message: 'Use whenAborted (src/foundation/abort.ts): a listener added after the abort never fires.',
      }],
    },
  },
  {files: ['src/foundation/abort.ts'], rules: {'no-restricted-syntax': 'off'}},
  {
    plugins: {'@stylistic': stylistic},
    rules: {
      '@stylistic/semi': ['error', 'never'],
      '@stylistic/quotes': ['error', 'single', {avoidEscape: true, allowTemplateLiterals: 'always'}],
      // Core rules: @stylistic's copies are deprecated in favour of list-style, which also wants line breaks.
      'object-curly-spacing': ['error', 'never'],
      'array-bracket-spacing': ['error', 'never'],
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/comma-spacing': 'error',
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/eol-last': 'error',
      '@stylistic/indent': ['error', 2, {offsetTernaryExpressions: true}],
      '@stylistic/no-multiple-empty-lines': ['error', {max: 1}],
      '@stylistic/keyword-spacing': 'error',
      '@stylistic/space-infix-ops': 'error',
      '@stylistic/space-before-blocks': 'error',
      '@stylistic/arrow-spacing': 'error',
      '@stylistic/brace-style': ['error', '1tbs', {allowSingleLine: true}],
      '@stylistic/member-delimiter-style': ['error', {multiline: {delimiter: 'none'}, singleline: {delimiter: 'semi', requireLast: false}}],
      '@stylistic/type-annotation-spacing': 'error',
      '@stylistic/space-before-function-paren': ['error', {anonymous: 'never', named: 'never', asyncArrow: 'always'}],
      '@stylistic/block-spacing': 'error',
      '@stylistic/semi-spacing': 'error',
      '@stylistic/quote-props': ['error', 'as-needed'],
      '@stylistic/no-tabs': 'error',
      '@stylistic/linebreak-style': 'error',
      '@stylistic/spaced-comment': 'error',
      '@stylistic/operator-linebreak': ['error', 'after', {overrides: {'?': 'before', ':': 'before', '|': 'before', '&': 'before'}}],
      '@stylistic/padded-blocks': ['error', 'never'],
      '@stylistic/template-curly-spacing': 'error',
      '@stylistic/computed-property-spacing': 'error',
      '@stylistic/function-call-spacing': 'error',
      '@stylistic/rest-spread-spacing': 'error',
      '@stylistic/space-in-parens': 'error',
      '@stylistic/space-unary-ops': 'error',
      '@stylistic/dot-location': ['error', 'property'],
      '@stylistic/new-parens': 'error',
      '@stylistic/no-whitespace-before-property': 'error',
      '@stylistic/type-generic-spacing': 'error',
      '@stylistic/generator-star-spacing': ['error', {before: false, after: true, method: {before: true, after: false}}],
      '@stylistic/yield-star-spacing': 'error',
    },
  },
)
