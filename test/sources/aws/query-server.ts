import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback HTTP server that speaks enough of the AWS query protocols (EC2, ELBv2, STS:
 * form-encoded `Action=…` in, XML out) to put the real SDK stack under test: timeouts,
 * retries, endpoint resolution, signing. It listens on 127.0.0.1 only.
 */

export interface QueryRequest {
  readonly action: string;
  readonly params: URLSearchParams;
  readonly authorization: string;
}

/** `never`: accept the request and never answer. */
export type QueryAnswer = { readonly status: number; readonly body: string } | 'never';

export interface QueryServer {
  readonly url: string;
  readonly requests: QueryRequest[];
  actions(): string[];
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startQueryServer(answer: (request: QueryRequest) => QueryAnswer): Promise<QueryServer> {
  const requests: QueryRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (request, response) => {
    const params = new URLSearchParams(await bodyOf(request));
    const received = { action: params.get('Action') ?? '', params, authorization: String(request.headers.authorization ?? '') };
    requests.push(received);
    const reply = answer(received);
    if (reply === 'never') return;
    response.writeHead(reply.status, { 'content-type': 'text/xml' }).end(reply.body);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    actions: () => requests.map((request) => request.action),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function ec2Answer(action: string, inner = ''): QueryAnswer {
  return { status: 200, body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>00000000-0000-0000-0000-000000000001</requestId>${inner}</${action}Response>` };
}

export function ec2Error(status: number, code: string, message: string): QueryAnswer {
  return {
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000002</RequestID></Response>`,
  };
}

export function elbv2Answer(action: string, inner = ''): QueryAnswer {
  return {
    status: 200,
    body: `<${action}Response xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000003</RequestId></ResponseMetadata></${action}Response>`,
  };
}

export function stsAssumeRoleAnswer(accessKeyId: string, roleArn: string): QueryAnswer {
  return {
    status: 200,
    body:
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>assumed-secret</SecretAccessKey><SessionToken>assumed-session-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
      `<AssumedRoleUser><Arn>${roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/')}/vpce-doctor</Arn><AssumedRoleId>AROAFAKEFAKEFAKE:vpce-doctor</AssumedRoleId></AssumedRoleUser>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000004</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  };
}

export function stsError(status: number, code: string, message: string): QueryAnswer {
  return {
    status,
    body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000005</RequestId></ErrorResponse>`,
  };
}
