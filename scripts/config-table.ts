// Prints the README's configuration table from the config schema (test/config.test.ts keeps them in step).
import { configTable } from '../src/config.js';

console.log(configTable());
