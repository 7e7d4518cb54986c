// Prints the README's configuration table from the config schema (test/config.test.ts keeps them in step).
import { VARIABLES } from '../src/config.js';

console.log(['| variable | default | meaning |', '|---|---|---|', ...Object.values(VARIABLES).map((v) => `| \`${v.name}\` | ${v.defaultText} | ${v.description} |`)].join('\n'));
