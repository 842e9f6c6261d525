import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'coverage/**', 'node_modules/**'] }),
  {
    rules: {
      // `void promise` marks a promise deliberately not awaited (a listener that cannot be async).
      'no-void': ['error', { allowAsStatement: true }],
      // Its false positives here: the loops' conditions change in the callbacks they wait for.
      'no-unmodified-loop-condition': 'off'
    }
  },
  {
    // Type tests declare values only to take their types.
    files: ['test/types/**'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' }
  },
  {
    // The seam: the pipeline, the verifiers and the envelopes import no adapter, framework or store.
    files: ['src/core/**', 'src/verify/**', 'src/envelopes/**'],
    ignores: ['src/core/index.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['fastify', 'fastify-*', 'express', 'node:http', 'node:http2', 'ioredis', 'bullmq', 'pg'], message: 'the core is framework-free: frameworks, stores and queue clients belong in src/adapters, src/stores and src/queues' },
          { group: ['**/adapters/**', '**/stores/**', '**/queues/**'], message: 'the core imports no adapter, store or queue engine' }
        ]
      }]
    }
  }
]
