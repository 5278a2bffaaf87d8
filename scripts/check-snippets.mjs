#!/usr/bin/env node
/**
 * Type-checks every ```ts block of README.md, each as a complete module, against the library's
 * sources (like the tests, `nest-http-auth`, `nest-http-auth/openapi` and `nest-http-auth/testing`
 * map to lib/ through tsconfig.json's `paths`), with the root tsconfig.json's compiler options.
 *
 *   npm run check:snippets
 *
 * Each block is written to dist/snippets/snippet-N.ts beside a generated tsconfig.json that extends
 * the root one; every error is printed at its README.md line, and the script exits non-zero. The
 * folder is removed when all blocks compile, and kept otherwise (`npx tsc -p dist/snippets` checks
 * it again).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = 'README.md';
const out = join(root, 'dist', 'snippets');

/** The ```ts blocks of `markdown`: their code and the 1-based line of their first code line. */
function tsBlocks(markdown) {
  const blocks = [];
  let open;
  markdown.split('\n').forEach((line, index) => {
    if (open) {
      if (/^```\s*$/.test(line)) {
        blocks.push(open);
        open = undefined;
      } else {
        open.lines.push(line);
      }
    } else if (/^```(ts|typescript)\s*$/.test(line)) {
      open = { line: index + 2, lines: [] };
    }
  });
  if (open) throw new Error(`${readme}:${open.line - 1}: a \`\`\`ts block is never closed`);
  return blocks.map((block) => ({ line: block.line, code: `${block.lines.join('\n')}\n` }));
}

const blocks = tsBlocks(await readFile(join(root, readme), 'utf8'));
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
const files = blocks.map((_, i) => `snippet-${i + 1}.ts`);
await Promise.all(blocks.map((block, i) => writeFile(join(out, files[i]), block.code)));
await writeFile(
  join(out, 'tsconfig.json'),
  `${JSON.stringify(
    {
      extends: '../../tsconfig.json',
      compilerOptions: { types: ['node'], noEmit: true },
      files,
      include: [],
    },
    null,
    2,
  )}\n`,
);

const config = ts.getParsedCommandLineOfConfigFile(join(out, 'tsconfig.json'), undefined, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
    throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  },
});
const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });

const problems = [
  ...config.errors,
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
].map((d) => `error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n  ')}`);
files.forEach((file, i) => {
  const source = program.getSourceFile(join(out, file));
  const diagnostics = [
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
  ];
  for (const d of diagnostics) {
    const { line, character } = source.getLineAndCharacterOfPosition(d.start ?? 0);
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
    problems.push(
      `${readme}:${blocks[i].line + line}:${character + 1} error TS${d.code}: ${message}` +
        ` (block ${i + 1}, ${relative(root, join(out, file))}:${line + 1})`,
    );
  }
});

if (problems.length > 0) {
  for (const problem of problems) console.log(problem);
  console.log(
    `snippets: ${problems.length} error(s) in the ${blocks.length} \`\`\`ts block(s) of ${readme};` +
      ` the files are in ${relative(root, out)}/`,
  );
  process.exit(1);
}
await rm(out, { recursive: true, force: true });
console.log(`snippets: the ${blocks.length} \`\`\`ts block(s) of ${readme} compile`);
