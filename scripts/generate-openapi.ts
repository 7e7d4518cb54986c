// Writes openapi/openapi.json from the route schemas; test/http/openapi.test.ts fails when it drifts.
import { writeFile } from 'node:fs/promises';
import { generateOpenApiDocument } from '../src/http/openapi-document.js';

const target = new URL('../openapi/openapi.json', import.meta.url);
await writeFile(target, await generateOpenApiDocument());
console.log(`wrote ${target.pathname}`);
