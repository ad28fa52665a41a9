import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      core: 'src/core.ts',
      'testing/index': 'src/testing/index.ts',
      'adapters/postgres': 'src/adapters/postgres.ts',
      'notify/wecom-robot': 'src/adapters/notify/wecom-robot.ts',
      'notify/wecom-app': 'src/adapters/notify/wecom-app.ts',
      'notify/dingtalk-robot': 'src/adapters/notify/dingtalk-robot.ts',
      'notify/feishu-robot': 'src/adapters/notify/feishu-robot.ts',
      'notify/aliyun-sms': 'src/adapters/notify/aliyun-sms.ts',
      'notify/tencent-sms': 'src/adapters/notify/tencent-sms.ts',
      'notify/email': 'src/adapters/notify/email.ts',
      'notify/webhook': 'src/adapters/notify/webhook.ts',
    },
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: false, // the build script empties dist/ once, before both configs run in parallel
    target: 'node20',
    splitting: true,
    treeshake: true,
  },
  {
    // The CLI is ESM only (it uses import.meta.url); it is the package's `bin`.
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    clean: false,
    target: 'node20',
  },
]);
