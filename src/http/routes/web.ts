import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { packagePath } from '../../package-root.js';

/**
 * The web page (built from web/ into dist/web by `npm run build`): its HTML at `/` and at
 * `/endpoints/{id}` (the page reads the rest of its state from the query string), and its
 * hashed assets under /assets/, cached for a year. Everything it shows comes from the /v1
 * API with the caller's own token; the Content-Security-Policy allows scripts and styles
 * from this origin only (no inline script, no eval), so AWS data can never run as code.
 */

export const WEB_DIR = `${packagePath('dist', 'web')}/`;

export const PAGE_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(reply: FastifyReply): FastifyReply {
  return reply.header('content-security-policy', PAGE_SECURITY_POLICY).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
}

export const webRoutes: FastifyPluginAsync<{ dir?: string }> = async (app, options) => {
  const dir = options.dir ?? WEB_DIR;
  const indexFile = `${dir}index.html`;
  if (existsSync(`${dir}assets`)) {
    await app.register(fastifyStatic, {
      root: `${dir}assets`,
      prefix: '/assets/',
      // Names carry their content hash: a new build is a new name.
      immutable: true,
      maxAge: '365d',
      index: false,
      setHeaders: (response) => {
        response.header('content-security-policy', PAGE_SECURITY_POLICY);
        response.header('x-content-type-options', 'nosniff');
      },
    });
  }
  let page: string | undefined;
  const sendPage = async (_request: unknown, reply: FastifyReply) => {
    if (page === undefined) {
      if (!existsSync(indexFile)) return reply.code(503).type('text/plain; charset=utf-8').send('the web page is not built: run `npm run build`\n');
      page = await readFile(indexFile, 'utf8');
    }
    return secure(reply).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page);
  };
  const hide = { schema: { hide: true } };
  app.get('/', hide, sendPage);
  app.get('/endpoints/:id', hide, sendPage);
};
