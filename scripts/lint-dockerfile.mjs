#!/usr/bin/env node
// Lints Dockerfiles with dockerfile-utils (the parser and validator of the Dockerfile
// language server): every diagnostic, error or warning, fails the run, named by file and line.
// The image's own rules (base, user, health check, replay) are test/deploy/dockerfile.test.ts.
import { readFileSync } from 'node:fs';
import { validate } from 'dockerfile-utils';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
const files = process.argv.slice(2);
if (files.length === 0) files.push('Dockerfile');
let found = 0;
for (const file of files) {
  for (const diagnostic of validate(readFileSync(file, 'utf8'))) {
    found += 1;
    const line = diagnostic.range.start.line + 1;
    const column = diagnostic.range.start.character + 1;
    process.stderr.write(`${file}:${line}:${column}: ${SEVERITY[diagnostic.severity] ?? 'problem'}: ${diagnostic.message}\n`);
  }
}
if (found > 0) process.exit(1);
process.stdout.write(`${files.join(', ')}: no problem found by dockerfile-utils\n`);
