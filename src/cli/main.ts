import { packageVersion } from '../version.js';
import { Command, Option } from 'commander';
import { AnalysisError } from '../core/errors.js';
import { parsePortRange, type PortRange } from '../core/ports.js';
import { ConfigError, loadConfig, VARIABLES } from '../config.js';
import { cliOutcomeOf, EXIT_BREAKS, EXIT_OK, EXIT_USAGE } from '../error-kinds.js';
import { UsageError } from '../errors.js';
import { Doctor, isExportable, snapshotSource, type ModelSource } from '../doctor.js';
import { fleetReportRows, fleetReportTargets } from '../core/fleet-report.js';
import type { UnitRef } from '../core/fleet.js';
import { writeFleetSnapshot } from '../sources/snapshot/write.js';
import { DEFAULT_SNAPSHOT_DIR } from '../sources/snapshot/bundled.js';
import { FIX_SCOPES, type FixScope } from '../core/report.js';
import { blastRadius, whatIf } from '../core/what-if.js';
import { readChangesFile } from './changes-file.js';
import { renderBlastRadius, renderEndpoints, renderFleetReport, renderFleetWorkloads, renderReachability, renderReport, renderWhatIf } from './render.js';
import { fleetWorkloadRows, reachability } from '../core/reachability.js';
import { parseCidr } from '../core/net.js';

/**
 * `vpce-doctor analyze | who-can-reach | endpoints | report | what-if | blast-radius | snapshot`: exit 0
 * whatever the verdict, 2 on bad usage or input; `blast-radius --fail-on-break` exits 1
 * when a pair breaks.
 */

export { EXIT_BREAKS, EXIT_OK, EXIT_USAGE };

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The terminal's width (80 when it is not a terminal). */
  readonly columns?: number;
  /** Colours: only on a terminal, never with NO_COLOR. */
  readonly color?: boolean;
  /** The whole of stdin, for `--changes -` (default: the process's). */
  readonly stdin?: () => Promise<string>;
  /**
   * Writes a long output block by block as the reader takes it (a fleet report: each block
   * is made only when the last one is written), and stops quietly when the reader is gone
   * (`| head`). Without it, each block goes to `stdout`.
   */
  readonly stream?: (blocks: Iterable<string>) => Promise<void>;
}

/** JSON lines in blocks of about `blockSize` characters: one write per block, not one per line. */
export function* jsonLineBlocks(items: Iterable<unknown>, blockSize = 64 * 1024): Generator<string> {
  let block = '';
  for (const item of items) {
    block += `${JSON.stringify(item)}\n`;
    if (block.length >= blockSize) {
      yield block;
      block = '';
    }
  }
  if (block) yield block;
}

/**
 * The width and colours of a stream: a terminal's own width (80 when it has none, or is
 * not a terminal: a pipe, a file), colours only on a terminal and never with NO_COLOR set
 * (https://no-color.org) or TERM=dumb.
 */
export function terminalOf(stream: { readonly isTTY?: boolean; readonly columns?: number }, env: NodeJS.ProcessEnv): { columns: number; color: boolean } {
  const tty = stream.isTTY === true;
  const columns = tty && stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
  return { columns, color: tty && !env['NO_COLOR'] && env['TERM'] !== 'dumb' };
}

async function processStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(`--port: "${text}" is not a port from 1 to 65535`);
  }
  return Number(text);
}

function parseEphemeral(text: string): PortRange {
  const range = parsePortRange(text);
  if (!range) throw new UsageError(`--client-ephemeral-ports: "${text}" is not FROM-TO within 1-65535 (or linux, windows, nat-gateway, nlb)`);
  return range;
}

interface SourceOptions {
  snapshot: string;
  aws?: boolean;
  /** Repeatable: with --aws, the regions read; else (one) the unit to look in. */
  region?: string[];
  /** Repeatable: roles assumed, one account each. */
  roleArn?: string[];
  organizationRole?: string;
  externalId?: string;
  includeBaseAccount?: boolean;
}

/** Commander's collector for a repeatable option. */
const repeatable = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** A live option checked as the service checks its variable, the problem told by the option's name. */
function checkLive(
  flag: string,
  variable: { readonly parse: (text: string) => { readonly value: unknown } | { readonly problem: string } },
  value: string,
): string {
  const parsed = variable.parse(value);
  if ('problem' in parsed) throw new UsageError(`${flag}: ${parsed.problem}, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * The snapshot, or with --aws the live account, configured as the service would be from
 * the options and the AWS settings of the environment (AWS_*, VPCE_DOCTOR_AWS_*) alone:
 * the CLI runs no server, so the server's own settings (PORT, limits, tokens) are not its
 * business and a wrong one does not stop it.
 */
async function chooseSource(options: SourceOptions, endpointIds?: readonly string[]): Promise<ModelSource> {
  if (!options.aws) return snapshotSource(options.snapshot);
  const regions = (options.region ?? []).map((region) => checkLive('--region', VARIABLES.awsRegion, region));
  const roleArns = (options.roleArn ?? []).map((arn) => checkLive('--role-arn', VARIABLES.awsRoleArn, arn));
  if (options.externalId !== undefined) checkLive('--external-id', VARIABLES.awsExternalId, options.externalId);
  if (options.organizationRole !== undefined) checkLive('--organization-role', VARIABLES.awsOrganizationRoleName, options.organizationRole);
  const aws = Object.fromEntries(Object.entries(process.env).filter(([name]) => /^(AWS_|VPCE_DOCTOR_AWS_)/.test(name)));
  if (regions.length === 0 && !aws['AWS_REGION'] && !aws['AWS_DEFAULT_REGION'] && !aws[VARIABLES.awsRegion.name] && !aws[VARIABLES.awsRegions.name]) {
    throw new UsageError('--aws needs a region: give --region (or set AWS_REGION)');
  }
  // The options' variables, named by the options in what the checks below find.
  const fromOptions: [string, string, string | undefined][] = [
    ['--region', VARIABLES.awsRegions.name, regions.length > 0 ? regions.join(',') : undefined],
    ['--role-arn', VARIABLES.awsRoleArns.name, roleArns.length > 0 ? roleArns.join(',') : undefined],
    ['--external-id', VARIABLES.awsExternalId.name, options.externalId],
    ['--organization-role', VARIABLES.awsOrganizationRoleName.name, options.organizationRole],
    ['--include-base-account', VARIABLES.awsIncludeBaseAccount.name, options.includeBaseAccount ? 'true' : undefined],
  ];
  const env = {
    ...aws,
    [VARIABLES.source.name]: 'aws',
    ...Object.fromEntries(fromOptions.filter(([, , value]) => value !== undefined).map(([, name, value]) => [name, value])),
  };
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const named = (problem: string) => fromOptions.reduce((text, [flag, name, value]) => (value !== undefined ? text.replaceAll(name, flag) : text), problem);
    throw new UsageError(error.problems.map(named).join('; '));
  }
  // The AWS SDK is loaded only for a live read: a snapshot run does not pay its start-up.
  const { sourceFromConfig } = await import('../sources/from-config.js');
  return sourceFromConfig(config, undefined, endpointIds);
}

const ACCOUNT_ID = /^\d{12}$/;
const ENDPOINT_ID = /^vpce-[0-9a-f]{8,17}$/;

/** A well-formed endpoint id, or a usage error saying what it should look like. */
function checkEndpointId(id: string): string {
  if (!ENDPOINT_ID.test(id)) throw new UsageError(`--endpoint: "${id}" is malformed: an interface endpoint id is vpce- followed by 8 to 17 hexadecimal digits`);
  return id;
}

/** The edit distance of two ids, for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** Runs an answer about one endpoint; an id the data lacks is told with the endpoints it has (or the 5 closest). */
async function withEndpointHint<T>(doctor: Doctor, endpointId: string, answer: () => Promise<T>): Promise<T> {
  try {
    return await answer();
  } catch (error) {
    if (!(error instanceof AnalysisError) || error.code !== 'endpoint_not_found') throw error;
    const ids = [...new Set((await doctor.listEndpoints()).value.map((endpoint) => endpoint.id))];
    const hint =
      ids.length === 0
        ? 'the data holds no interface endpoint'
        : ids.length <= 10
          ? `the data holds: ${ids.join(', ')}`
          : `the closest ids of the ${ids.length} in the data: ${ids
              .sort((a, b) => distance(endpointId, a) - distance(endpointId, b))
              .slice(0, 5)
              .join(', ')} (vpce-doctor endpoints lists them all)`;
    throw new UsageError(`${error.message}; ${hint}`);
  }
}

/** `--account-id` and `--region` name the unit when an id is in several (a fleet); with --aws, --region is also what is read. */
function unitOf(options: { accountId?: string; region?: string[] }): UnitRef {
  if (options.accountId !== undefined && !ACCOUNT_ID.test(options.accountId)) throw new UsageError(`--account-id: "${options.accountId}" is not 12 digits`);
  // Several regions read live: the region does not single out a unit.
  const region = options.region?.length === 1 ? options.region[0] : undefined;
  return { ...(options.accountId ? { accountId: options.accountId } : {}), ...(region ? { region } : {}) };
}

/** The client, port, range and unit of `analyze` and `report`, as the core takes them. */
function clientRequestOf(options: Omit<AnalyzeOptions, 'endpoint'>) {
  if (!options.clientIp && !options.clientEni && !options.clientInstance) {
    throw new UsageError('give the client: --client-ip, --client-eni or --client-instance');
  }
  return {
    ...unitOf(options),
    client: {
      ...(options.clientIp ? { ip: options.clientIp } : {}),
      ...(options.clientEni ? { eniId: options.clientEni } : {}),
      ...(options.clientInstance ? { instanceId: options.clientInstance } : {}),
    },
    ...(options.port ? { port: parsePort(options.port) } : {}),
    ...(options.clientEphemeralPorts ? { clientEphemeralPorts: parseEphemeral(options.clientEphemeralPorts) } : {}),
  };
}

interface AnalyzeOptions extends SourceOptions {
  accountId?: string;
  endpoint: string;
  clientIp?: string;
  clientEni?: string;
  clientInstance?: string;
  port?: string;
  clientEphemeralPorts?: string;
  json?: boolean;
  fixScope?: FixScope;
  fixScript?: boolean;
  verbose?: boolean;
}

interface WhatIfOptions extends Omit<AnalyzeOptions, 'fixScope' | 'fixScript'> {
  changes: string;
}

interface BlastRadiusOptions extends SourceOptions {
  changes: string;
  clientIp?: string[];
  port?: string;
  json?: boolean;
  failOnBreak?: boolean;
}

/** The program, and the exit code its action sets (0 unless a command says otherwise). */
function buildProgram(io: CliIo): { program: Command; exitCode: () => number } {
  let exitCode = EXIT_OK;
  const program = new Command('vpce-doctor')
    .description('Can a client reach an AWS VPC interface endpoint? Which rule stops it, and what to add.')
    .version(packageVersion(), '--version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  // The terminal's width: 80 when it is not a terminal, or not told.
  const width = io.columns ?? 80;
  const style = (verbose?: boolean) => ({ width, verbose: verbose ?? false, color: io.color ?? false });
  const snapshotOption = () =>
    new Option('--snapshot <dir>', 'snapshot directory (AWS CLI JSON, see docs)').default(DEFAULT_SNAPSHOT_DIR, 'the bundled example');
  // Live AWS instead of a snapshot: the SDK's standard credential chain, read-only calls.
  const withAwsOptions = (command: Command) =>
    command
      .option('--aws', 'read the live AWS account instead of a snapshot (docs/iam-policy.json lists the calls)')
      .option('--region <region>', 'AWS region to read, repeatable (default: AWS_REGION); with a fleet snapshot, the unit to look in', repeatable)
      .option('--role-arn <arn>', 'a role to assume to read its account, repeatable (each account is read on its own)', repeatable)
      .option('--organization-role <name>', 'read every active account of the AWS Organization through this role (organizations:ListAccounts)')
      .option('--external-id <id>', "the external id the roles' trust policies ask for")
      .option('--include-base-account', "with --role-arn or --organization-role, read the base credentials' own account too");
  const accountOption = () => new Option('--account-id <id>', "the endpoint's account, when its id is in several units of a fleet");

  /** The options that name one (endpoint, client) pair: analyze and what-if alike. */
  const withPairOptions = (command: Command) =>
    command
      .addOption(snapshotOption())
      .requiredOption('--endpoint <id>', 'interface endpoint id (vpce-…)')
      .addOption(accountOption())
      .option('--client-ip <ip>', 'client IP address')
      .option('--client-eni <id>', "client's network interface id (eni-…)")
      .option('--client-instance <id>', "client's instance id (i-…)")
      .option('--port <port>', 'service port (default 443 for AWS services)')
      .option('--client-ephemeral-ports <range>', 'FROM-TO, or linux | windows | nat-gateway | nlb (default 1024-65535)');

  withPairOptions(withAwsOptions(program.command('analyze')))
    .description('judge every security group and NACL between a client and an interface endpoint')
    .addOption(
      new Option('--fix-scope <scope>', "whom the fix plan's rules admit: the client's address, its (or the endpoint's) subnets, or its VPC")
        .choices(FIX_SCOPES)
        .default('client'),
    )
    .addOption(new Option('--fix-script', 'print only the fix plan, as a bash script to review and run (nothing else on stdout)').conflicts('json'))
    .option('--json', 'print the report as JSON (the plan is its fixPlan)')
    .option('--verbose', 'print every check, the passing and n/a ones too')
    .action(async (options: AnalyzeOptions) => {
      const endpointId = checkEndpointId(options.endpoint);
      const request = { endpointId, ...clientRequestOf(options), ...(options.fixScope ? { fixScope: options.fixScope } : {}) };
      const doctor = new Doctor(await chooseSource(options));
      const { value: report } = await withEndpointHint(doctor, endpointId, () => doctor.analyze(request));
      if (options.fixScript) io.stdout(report.fixPlan.script);
      else io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, style(options.verbose)));
    });

  const changesOption = () =>
    new Option(
      '--changes <file>',
      'JSON file of changes (the format of a fix plan\'s changes, see the README): an array, or an object with a "changes" array such as a saved fixPlan; - reads stdin',
    ).makeOptionMandatory();
  withPairOptions(withAwsOptions(program.command('what-if')))
    .description('analyse a client and an endpoint before and after a list of changes: the verdicts, and every check that moves')
    .addOption(changesOption())
    .option('--json', 'print the result as JSON (before and after verdicts, the checks that move, the report after)')
    .action(async (options: WhatIfOptions) => {
      const endpointId = checkEndpointId(options.endpoint);
      const request = { endpointId, ...clientRequestOf(options) };
      const changes = await readChangesFile(options.changes, io.stdin ?? processStdin);
      const doctor = new Doctor(await chooseSource(options));
      const result = await withEndpointHint(doctor, endpointId, async () => whatIf((await doctor.fleet()).value, request, changes));
      io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderWhatIf(result, width));
    });

  withAwsOptions(program.command('blast-radius'))
    .description(
      "every (endpoint, client) pair of the data whose verdict or a check moves under a list of changes; the clients are each endpoint's VPC's network interfaces, and any --client-ip",
    )
    .addOption(snapshotOption())
    .addOption(changesOption())
    .option('--client-ip <ip>', 'a client IP address to judge besides the network interfaces, repeatable', repeatable)
    .option('--port <port>', 'service port for every endpoint (default: 443 for AWS services, the listeners for visible customer services)')
    .option('--json', 'print the result as JSON')
    .option('--fail-on-break', 'exit 1 when a pair that was reachable or partial gets worse (a CI gate); exit 0 otherwise')
    .action(async (options: BlastRadiusOptions) => {
      const port = options.port !== undefined ? parsePort(options.port) : undefined;
      const changes = await readChangesFile(options.changes, io.stdin ?? processStdin);
      const { value: fleet } = await new Doctor(await chooseSource(options)).fleet();
      const result = blastRadius(fleet, {
        changes,
        ...(options.clientIp?.length ? { clientIps: options.clientIp } : {}),
        ...(port !== undefined ? { port } : {}),
      });
      io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderBlastRadius(result, width));
      if (options.failOnBreak && result.breaks > 0) {
        io.stderr(
          `vpce-doctor: ${result.breaks} (endpoint, client) pair${result.breaks === 1 ? '' : 's'} of ${result.pairsAnalysed} analysed would break under these changes\n`,
        );
        exitCode = EXIT_BREAKS;
      }
    });

  withAwsOptions(program.command('who-can-reach'))
    .description(
      "every source address an interface endpoint's side admits on a port, per interface; the data's workloads grouped by subnet and security groups, each with its verdict and a fix plan proven for the group; and what it admits beyond its VPC",
    )
    .addOption(snapshotOption())
    .requiredOption('--endpoint <id>', 'interface endpoint id (vpce-…)')
    .addOption(accountOption())
    .option('--port <port>', 'service port (default 443 for AWS services, the listener of a visible customer service)')
    .option('--client-ephemeral-ports <range>', 'FROM-TO, or linux | windows | nat-gateway | nlb (default 1024-65535)')
    .addOption(
      new Option('--fix-scope <scope>', "whom each group's fix plan admits (default: client for a group of one interface, subnet otherwise)").choices(
        FIX_SCOPES,
      ),
    )
    .option('--no-plans', 'leave out the fix plans of the groups that do not reach (faster)')
    .option(
      '--trusted-cidr <cidr>',
      "a range beyond the endpoint's VPC that may reach it (peered VPC, on-premises), repeatable: anything else admitted outside the VPC is an exposure finding",
      repeatable,
    )
    .option('--json', "print the answer as JSON (the API's GET /v1/endpoints/{id}/reachability)")
    .action(
      async (
        options: SourceOptions & {
          endpoint: string;
          accountId?: string;
          port?: string;
          clientEphemeralPorts?: string;
          fixScope?: FixScope;
          plans: boolean;
          trustedCidr?: string[];
          json?: boolean;
        },
      ) => {
        const trustedCidrs = (options.trustedCidr ?? []).map((text) => {
          const cidr = parseCidr(text);
          if (!cidr) throw new UsageError(`--trusted-cidr: "${text}" is not an IPv4 or IPv6 CIDR`);
          return cidr;
        });
        const endpointId = checkEndpointId(options.endpoint);
        const request = {
          endpointId,
          ...unitOf(options),
          ...(options.port ? { port: parsePort(options.port) } : {}),
          ...(options.clientEphemeralPorts ? { clientEphemeralPorts: parseEphemeral(options.clientEphemeralPorts) } : {}),
          ...(options.fixScope ? { fixScope: options.fixScope } : {}),
          plans: options.plans,
          trustedCidrs,
        };
        const doctor = new Doctor(await chooseSource(options));
        const answer = await withEndpointHint(doctor, endpointId, async () => reachability((await doctor.fleet()).value, request));
        io.stdout(options.json ? `${JSON.stringify(answer, null, 2)}\n` : renderReachability(answer, width));
      },
    );

  withAwsOptions(program.command('endpoints'))
    .description('list the interface endpoints of a snapshot (every unit of a fleet)')
    .addOption(snapshotOption())
    .addOption(accountOption())
    .option('--vpc-id <id>', 'only the endpoints of this VPC')
    .option('--service <text>', 'only the endpoints whose service name contains this')
    .option('--json', 'print as JSON')
    .action(async (options: SourceOptions & { accountId?: string; vpcId?: string; service?: string; json?: boolean }) => {
      const filter = { ...unitOf(options), ...(options.vpcId ? { vpcId: options.vpcId } : {}), ...(options.service ? { serviceName: options.service } : {}) };
      const { value: endpoints } = await new Doctor(await chooseSource(options)).listEndpoints({ filter });
      io.stdout(options.json ? `${JSON.stringify(endpoints, null, 2)}\n` : renderEndpoints(endpoints, width));
    });

  withAwsOptions(program.command('report'))
    .description(
      'analyse every interface endpoint of the data (or of one account / region) for one client: a verdict per endpoint; or, with --all-workloads, for every workload group',
    )
    .addOption(snapshotOption())
    .addOption(accountOption())
    .option('--client-ip <ip>', 'client IP address')
    .option('--client-eni <id>', "client's network interface id (eni-…)")
    .option('--client-instance <id>', "client's instance id (i-…)")
    .option('--port <port>', 'service port for every endpoint (default: 443 for AWS services, the listeners for visible customer services)')
    .option('--client-ephemeral-ports <range>', 'FROM-TO, or linux | windows | nat-gateway | nlb (default 1024-65535)')
    .option(
      '--all-workloads',
      "instead of one client: every endpoint against every workload group of its VPC (the data's network interfaces by subnet and security groups), read from its source sets",
    )
    .option('--json', 'print JSON lines: one object per endpoint (per endpoint and workload group with --all-workloads), streamed')
    .action(async (options: Omit<AnalyzeOptions, 'endpoint'> & { allWorkloads?: boolean }) => {
      if (options.allWorkloads) {
        if (options.clientIp || options.clientEni || options.clientInstance) throw new UsageError('--all-workloads judges every workload: give no client');
        const unit = unitOf(options);
        const { value: fleet } = await new Doctor(await chooseSource(options)).fleet();
        const rows = fleetWorkloadRows(fleet, fleetReportTargets(fleet, unit), {
          ...(options.port ? { port: parsePort(options.port) } : {}),
          ...(options.clientEphemeralPorts ? { clientEphemeralPorts: parseEphemeral(options.clientEphemeralPorts) } : {}),
        });
        if (options.json) {
          for (const row of rows) io.stdout(`${JSON.stringify(row)}\n`);
        } else {
          io.stdout(renderFleetWorkloads(rows, fleet, width));
        }
        return;
      }
      const request = clientRequestOf(options);
      const { value: fleet } = await new Doctor(await chooseSource(options)).fleet();
      const rows = fleetReportRows(fleet, request);
      if (options.json) {
        const blocks = jsonLineBlocks(rows);
        if (io.stream) await io.stream(blocks);
        else for (const block of blocks) io.stdout(block);
      } else {
        io.stdout(renderFleetReport(rows, fleet, width));
      }
    });
  program
    .command('snapshot')
    .description('fetch the live account (--aws) and write what was fetched as a snapshot directory, to replay offline or attach to a ticket')
    .requiredOption('--aws', 'read the live AWS account (the only source to export)')
    .option('--region <region>', 'AWS region, repeatable (default: AWS_REGION)', repeatable)
    .option('--role-arn <arn>', 'a role to assume to read its account, repeatable', repeatable)
    .option('--organization-role <name>', 'read every active account of the AWS Organization through this role')
    .option('--external-id <id>', "the external id the roles' trust policies ask for")
    .option('--include-base-account', "with --role-arn or --organization-role, read the base credentials' own account too")
    .requiredOption('--out <dir>', 'directory to write (must be empty or absent); several units are written as a fleet, <account>/<region>/…')
    .option('--endpoint <id...>', 'only these endpoints, their VPCs and providers')
    .action(async (options: SourceOptions & { out: string; endpoint?: string[] }) => {
      const source = await chooseSource({ ...options, snapshot: '' }, (options.endpoint ?? []).map(checkEndpointId));
      if (!isExportable(source)) throw new UsageError('snapshot needs --aws');
      const fleet = await source.load();
      const written = await writeFleetSnapshot(options.out, source.lastResponses());
      for (const unit of fleet.units) {
        if (unit.failure) io.stderr(`not captured: ${unit.key}: ${unit.failure}\n`);
        for (const [collection, reason] of unit.model?.failures ?? []) io.stderr(`not captured: ${collection}: ${reason}\n`);
      }
      io.stdout(`${written.join('\n')}\n`);
    });
  return { program, exitCode: () => exitCode };
}

/** Runs the CLI and returns the exit code; the report goes to stdout, problems to stderr. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { program, exitCode } = buildProgram(io);
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode();
  } catch (error) {
    // Each kind of error says its exit code and what it prints (src/error-kinds.ts); any other is a fault.
    const outcome = cliOutcomeOf(error);
    if (!outcome) throw error;
    for (const line of outcome.stderr) io.stderr(line);
    return outcome.exit;
  }
}
