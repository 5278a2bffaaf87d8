/**
 * A Nest 12 application written as an ES module, using the packed nest-http-auth through `import`.
 * Plain JavaScript: decorators are applied with `Reflect.decorate`, as TypeScript would emit them.
 * Run by test/consumers/run.sh inside a temporary app folder; prints one PASS/FAIL line.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Auth, AuthModule, Principal } from 'nest-http-auth';

const label = 'esm-nest12';
const nestVersion = JSON.parse(
  readFileSync('node_modules/@nestjs/core/package.json', 'utf8'),
).version;
const entry = import.meta.resolve('nest-http-auth');

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

const timer = setTimeout(() => {
  console.log(`FAIL ${label}: timed out`);
  process.exit(1);
}, 30_000);
let app;
try {
  if (Number(nestVersion.split('.')[0]) !== 12)
    failures.push(`@nestjs/core is ${nestVersion}, expected 12.x`);
  if (!entry.endsWith('/dist/esm/index.js'))
    failures.push(`import resolved to ${entry}, expected dist/esm`);

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
} catch (error) {
  failures.push(
    `threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
} finally {
  await app?.close();
  clearTimeout(timer);
}

if (failures.length > 0) {
  console.log(`FAIL ${label} (@nestjs/core ${nestVersion}, ESM import)`);
  for (const failure of failures) console.log(`  - ${failure}`);
  process.exit(1);
}
console.log(
  `PASS ${label} (@nestjs/core ${nestVersion}, ESM import of dist/esm): 401 + Basic challenge, 200 for alice:a:b`,
);
