/**
 * A Nest 11 application written as CommonJS, using the packed nest-http-auth through `require`
 * (its dist/cjs build, which itself requires the ESM-only jose 6: Node >= 20.19 loads that).
 * Plain JavaScript: decorators are applied with `Reflect.decorate`, as TypeScript would emit them.
 * Run by test/consumers/run.sh inside a temporary app folder; prints one PASS/FAIL line.
 */
'use strict';
require('reflect-metadata');
const { readFileSync } = require('node:fs');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { Auth, AuthModule, Principal } = require('nest-http-auth');

const label = 'cjs-nest11';
const nestVersion = JSON.parse(
  readFileSync('node_modules/@nestjs/core/package.json', 'utf8'),
).version;
const entry = require.resolve('nest-http-auth');

class MeController {
  me(principal) {
    return { id: principal.id };
  }
}
Reflect.decorate(
  [Get('me'), Auth('basic'), (target, key) => Principal()(target, key, 0)],
  MeController.prototype,
  'me',
  Object.getOwnPropertyDescriptor(MeController.prototype, 'me'),
);
Reflect.decorate([Controller()], MeController);

class AppModule {}
Reflect.decorate(
  [
    Module({
      imports: [
        AuthModule.forRoot({
          realm: 'r',
          basic: {
            validate: (user, password) =>
              user === 'alice' && password === 'a:b' ? { id: user } : null,
          },
        }),
      ],
      controllers: [MeController],
    }),
  ],
  AppModule,
);

const basic = (credentials) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
const failures = [];
function expect(what, actual, expected) {
  if (actual !== expected)
    failures.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function main() {
  if (Number(nestVersion.split('.')[0]) !== 11)
    failures.push(`@nestjs/core is ${nestVersion}, expected 11.x`);
  if (!entry.endsWith('/dist/cjs/index.js'))
    failures.push(`require resolved to ${entry}, expected dist/cjs`);
  if (typeof require('jose').jwtVerify !== 'function')
    failures.push('require("jose") did not load jose');

  let app;
  try {
    app = await NestFactory.create(AppModule, { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const url = `${await app.getUrl()}/me`;

    const anonymous = await fetch(url);
    expect('no credentials: status', anonymous.status, 401);
    expect(
      'no credentials: WWW-Authenticate',
      anonymous.headers.get('www-authenticate'),
      'Basic realm="r", charset="UTF-8"',
    );

    const wrong = await fetch(url, { headers: { authorization: basic('alice:wrong') } });
    expect('wrong password: status', wrong.status, 401);

    const alice = await fetch(url, { headers: { authorization: basic('alice:a:b') } });
    expect('alice:a:b: status', alice.status, 200);
    expect('alice:a:b: body', await alice.text(), '{"id":"alice"}');
  } finally {
    await app?.close();
  }
}

const timer = setTimeout(() => {
  console.log(`FAIL ${label}: timed out`);
  process.exit(1);
}, 30_000);
main()
  .catch((error) =>
    failures.push(
      `threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    ),
  )
  .finally(() => {
    clearTimeout(timer);
    if (failures.length > 0) {
      console.log(`FAIL ${label} (@nestjs/core ${nestVersion}, CommonJS require)`);
      for (const failure of failures) console.log(`  - ${failure}`);
      process.exit(1);
    }
    console.log(
      `PASS ${label} (@nestjs/core ${nestVersion}, require of dist/cjs + jose 6 via require(esm)): 401 + Basic challenge, 200 for alice:a:b`,
    );
  });
