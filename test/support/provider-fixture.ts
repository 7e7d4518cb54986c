import type { AwsDocuments } from './model.js';

/**
 * One account holding a consumer VPC (10.0.0.0/16) with an interface endpoint in two AZs
 * and a client instance, and a provider VPC (10.20.0.0/16) with the endpoint service's NLB
 * (one node per AZ) and two instance targets, in AWS CLI JSON. Every rule allows by
 * default; each knob breaks one part, as the provider tests need.
 */

const ACCOUNT = '111122223333';
export const IDS = {
  endpoint: 'vpce-0f1e2d3c4b5a69788',
  service: 'vpce-svc-0a1b2c3d4e5f60789',
  serviceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f60789',
  clientIp: '10.0.1.25',
  clientEni: 'eni-0c11c11c11c11c111',
  clientSg: 'sg-0c11c11c11c11c111',
  endpointSg: 'sg-0e11e11e11e11e111',
  endpointEnis: ['eni-0e11e11e11e11e1a1', 'eni-0e11e11e11e11e1b2'],
  endpointIps: ['10.0.10.10', '10.0.11.10'],
  lbName: 'orders-nlb',
  lbId: '7d3c2b1a09f8e7d6',
  lbArn: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/orders-nlb/7d3c2b1a09f8e7d6',
  lbSg: 'sg-0b11b11b11b11b111',
  nodeIps: ['10.20.1.50', '10.20.2.50'],
  tgName: 'orders-tg',
  tgArn: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/orders-tg/1a2b3c4d5e6f7a8b',
  targetSg: 'sg-0d11d11d11d11d111',
  targets: ['i-0a11a11a11a11a1a1', 'i-0a11a11a11a11a1b2'],
  targetIps: ['10.20.11.20', '10.20.12.20'],
  targetNacl: 'acl-0d11d11d11d11d111',
} as const;

export interface ProviderKnobs {
  /** Listener ports (TCP unless a protocol is given as `PORT/PROTO`). */
  listeners?: string[];
  targetPort?: number;
  healthCheckPort?: string;
  nlbSecurityGroups?: boolean;
  /** `on`, `off`, or undefined to leave the field out as AWS does for the default. */
  enforcement?: 'on' | 'off';
  nlbSgIngress?: unknown[];
  nlbSgEgress?: unknown[];
  targetSgIngress?: unknown[];
  targetNaclEntries?: unknown[];
  crossZone?: 'true' | 'false' | 'omit';
  health?: [string, string];
  /** Provider AZ names swapped against the consumer's, as in another account (ids stay). */
  swapProviderAzNames?: boolean;
  withProvider?: boolean;
}

const allowAll = (egress: boolean, cidr = '0.0.0.0/0') => [
  { CidrBlock: cidr, Egress: egress, Protocol: '-1', RuleAction: 'allow', RuleNumber: 100 },
  { CidrBlock: '0.0.0.0/0', Egress: egress, Protocol: '-1', RuleAction: 'deny', RuleNumber: 32767 },
];

export const tcp = (from: number, to: number, peer: Record<string, unknown>) => ({
  IpProtocol: 'tcp',
  FromPort: from,
  ToPort: to,
  IpRanges: [],
  Ipv6Ranges: [],
  PrefixListIds: [],
  UserIdGroupPairs: [],
  ...peer,
});
export const cidrs = (...list: string[]) => ({ IpRanges: list.map((CidrIp) => ({ CidrIp })) });
export const groups = (...list: string[]) => ({ UserIdGroupPairs: list.map((GroupId) => ({ GroupId, UserId: ACCOUNT })) });
const everything = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };

const subnet = (id: string, vpc: string, cidr: string, az: string, azId: string) => ({
  AvailabilityZone: az,
  AvailabilityZoneId: azId,
  CidrBlock: cidr,
  State: 'available',
  SubnetId: id,
  VpcId: vpc,
  OwnerId: ACCOUNT,
  Ipv6CidrBlockAssociationSet: [],
});

const eni = (id: string, subnetId: string, vpc: string, ip: string, groupIds: string[], extra: Record<string, unknown> = {}) => ({
  Description: '',
  Groups: groupIds.map((GroupId) => ({ GroupId, GroupName: GroupId })),
  InterfaceType: 'interface',
  Ipv6Addresses: [],
  NetworkInterfaceId: id,
  OwnerId: ACCOUNT,
  PrivateIpAddress: ip,
  PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: ip }],
  Status: 'in-use',
  SubnetId: subnetId,
  VpcId: vpc,
  ...extra,
});

const sg = (id: string, vpc: string, ingress: unknown[], egress: unknown[] = [everything]) => ({
  Description: id,
  GroupName: id,
  IpPermissions: ingress,
  OwnerId: ACCOUNT,
  GroupId: id,
  IpPermissionsEgress: egress,
  VpcId: vpc,
});

export function providerDocuments(knobs: ProviderKnobs = {}): AwsDocuments {
  const targetPort = knobs.targetPort ?? 8443;
  const withProvider = knobs.withProvider ?? true;
  const providerAz = knobs.swapProviderAzNames ? ['us-east-1b', 'us-east-1a'] : ['us-east-1a', 'us-east-1b'];
  const consumerVpc = 'vpc-0c0c0c0c0c0c0c0c0';
  const providerVpc = 'vpc-0f0f0f0f0f0f0f0f0';
  const subnets = [
    subnet('subnet-0c1c1c1c1c1c1c1c1', consumerVpc, '10.0.1.0/24', 'us-east-1a', 'use1-az1'),
    subnet('subnet-0e1e1e1e1e1e1e1a1', consumerVpc, '10.0.10.0/24', 'us-east-1a', 'use1-az1'),
    subnet('subnet-0e1e1e1e1e1e1e1b2', consumerVpc, '10.0.11.0/24', 'us-east-1b', 'use1-az2'),
    subnet('subnet-0b1b1b1b1b1b1b1a1', providerVpc, '10.20.1.0/24', providerAz[0]!, 'use1-az1'),
    subnet('subnet-0b1b1b1b1b1b1b1b2', providerVpc, '10.20.2.0/24', providerAz[1]!, 'use1-az2'),
    subnet('subnet-0d1d1d1d1d1d1d1a1', providerVpc, '10.20.11.0/24', providerAz[0]!, 'use1-az1'),
    subnet('subnet-0d1d1d1d1d1d1d1b2', providerVpc, '10.20.12.0/24', providerAz[1]!, 'use1-az2'),
  ];
  const nlbSgs = knobs.nlbSecurityGroups ?? true;
  const loadBalancer = {
    LoadBalancerArn: IDS.lbArn,
    DNSName: `${IDS.lbName}-${IDS.lbId}.elb.us-east-1.amazonaws.com`,
    LoadBalancerName: IDS.lbName,
    Scheme: 'internal',
    VpcId: providerVpc,
    State: { Code: 'active' },
    Type: 'network',
    AvailabilityZones: [
      { ZoneName: providerAz[0], SubnetId: 'subnet-0b1b1b1b1b1b1b1a1', LoadBalancerAddresses: [] },
      { ZoneName: providerAz[1], SubnetId: 'subnet-0b1b1b1b1b1b1b1b2', LoadBalancerAddresses: [] },
    ],
    IpAddressType: 'ipv4',
    ...(nlbSgs ? { SecurityGroups: [IDS.lbSg] } : {}),
    ...(nlbSgs && knobs.enforcement ? { EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: knobs.enforcement } : {}),
  };
  const listeners = (knobs.listeners ?? ['443']).map((text, index) => {
    const [port, protocol] = text.split('/');
    return {
      ListenerArn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/net/${IDS.lbName}/${IDS.lbId}/00000000000000${index}`,
      LoadBalancerArn: IDS.lbArn,
      Port: Number(port),
      Protocol: protocol ?? 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: IDS.tgArn, ForwardConfig: { TargetGroups: [{ TargetGroupArn: IDS.tgArn, Weight: 1 }] } }],
    };
  });
  const health = knobs.health ?? ['healthy', 'healthy'];
  return {
    DescribeVpcEndpoints: {
      VpcEndpoints: [
        {
          VpcEndpointId: IDS.endpoint,
          VpcEndpointType: 'Interface',
          VpcId: consumerVpc,
          ServiceName: IDS.serviceName,
          State: 'available',
          SubnetIds: ['subnet-0e1e1e1e1e1e1e1a1', 'subnet-0e1e1e1e1e1e1e1b2'],
          Groups: [{ GroupId: IDS.endpointSg, GroupName: 'endpoint' }],
          NetworkInterfaceIds: [...IDS.endpointEnis],
          PrivateDnsEnabled: false,
          OwnerId: ACCOUNT,
        },
      ],
    },
    DescribeNetworkInterfaces: {
      NetworkInterfaces: [
        eni(IDS.clientEni, 'subnet-0c1c1c1c1c1c1c1c1', consumerVpc, IDS.clientIp, [IDS.clientSg], {
          Attachment: { InstanceId: 'i-0c11c11c11c11c111', DeviceIndex: 0, Status: 'attached' },
        }),
        eni(IDS.endpointEnis[0], 'subnet-0e1e1e1e1e1e1e1a1', consumerVpc, IDS.endpointIps[0], [IDS.endpointSg], {
          InterfaceType: 'vpc_endpoint',
          RequesterManaged: true,
        }),
        eni(IDS.endpointEnis[1], 'subnet-0e1e1e1e1e1e1e1b2', consumerVpc, IDS.endpointIps[1], [IDS.endpointSg], {
          InterfaceType: 'vpc_endpoint',
          RequesterManaged: true,
        }),
        eni('eni-0b1b1b1b1b1b1b1a1', 'subnet-0b1b1b1b1b1b1b1a1', providerVpc, IDS.nodeIps[0], nlbSgs ? [IDS.lbSg] : [], {
          Description: `ELB net/${IDS.lbName}/${IDS.lbId}`,
          InterfaceType: 'network_load_balancer',
          RequesterManaged: true,
        }),
        eni('eni-0b1b1b1b1b1b1b1b2', 'subnet-0b1b1b1b1b1b1b1b2', providerVpc, IDS.nodeIps[1], nlbSgs ? [IDS.lbSg] : [], {
          Description: `ELB net/${IDS.lbName}/${IDS.lbId}`,
          InterfaceType: 'network_load_balancer',
          RequesterManaged: true,
        }),
        eni('eni-0a1a1a1a1a1a1a1a1', 'subnet-0d1d1d1d1d1d1d1a1', providerVpc, IDS.targetIps[0], [IDS.targetSg], {
          Attachment: { InstanceId: IDS.targets[0], DeviceIndex: 0, Status: 'attached' },
        }),
        eni('eni-0a1a1a1a1a1a1a1b2', 'subnet-0d1d1d1d1d1d1d1b2', providerVpc, IDS.targetIps[1], [IDS.targetSg], {
          Attachment: { InstanceId: IDS.targets[1], DeviceIndex: 0, Status: 'attached' },
        }),
      ],
    },
    DescribeSubnets: { Subnets: subnets },
    DescribeNetworkAcls: {
      NetworkAcls: [
        {
          NetworkAclId: 'acl-0c0c0c0c0c0c0c0c0',
          VpcId: consumerVpc,
          IsDefault: true,
          Associations: subnets.filter((s) => s.VpcId === consumerVpc).map((s) => ({ SubnetId: s.SubnetId, NetworkAclId: 'acl-0c0c0c0c0c0c0c0c0' })),
          Entries: [...allowAll(false), ...allowAll(true)],
        },
        {
          NetworkAclId: 'acl-0b0b0b0b0b0b0b0b0',
          VpcId: providerVpc,
          IsDefault: true,
          Associations: subnets.filter((s) => s.SubnetId.startsWith('subnet-0b')).map((s) => ({ SubnetId: s.SubnetId, NetworkAclId: 'acl-0b0b0b0b0b0b0b0b0' })),
          Entries: [...allowAll(false), ...allowAll(true)],
        },
        {
          NetworkAclId: IDS.targetNacl,
          VpcId: providerVpc,
          IsDefault: false,
          Associations: subnets.filter((s) => s.SubnetId.startsWith('subnet-0d')).map((s) => ({ SubnetId: s.SubnetId, NetworkAclId: IDS.targetNacl })),
          Entries: knobs.targetNaclEntries ?? [...allowAll(false), ...allowAll(true)],
        },
      ],
    },
    DescribeSecurityGroups: {
      SecurityGroups: [
        sg(IDS.clientSg, consumerVpc, []),
        sg(IDS.endpointSg, consumerVpc, [tcp(0, 65535, cidrs('10.0.0.0/16'))]),
        sg(
          IDS.lbSg,
          providerVpc,
          knobs.nlbSgIngress ?? [tcp(443, 443, cidrs('10.0.0.0/16'))],
          knobs.nlbSgEgress ?? [tcp(targetPort, targetPort, groups(IDS.targetSg))],
        ),
        sg(
          IDS.targetSg,
          providerVpc,
          knobs.targetSgIngress ?? [tcp(targetPort, targetPort, nlbSgs ? groups(IDS.lbSg) : cidrs('10.20.1.0/24', '10.20.2.0/24'))],
        ),
      ],
    },
    ...(withProvider
      ? {
          DescribeVpcEndpointServiceConfigurations: {
            ServiceConfigurations: [
              {
                ServiceType: [{ ServiceType: 'Interface' }],
                ServiceId: IDS.service,
                ServiceName: IDS.serviceName,
                ServiceState: 'Available',
                AcceptanceRequired: false,
                NetworkLoadBalancerArns: [IDS.lbArn],
              },
            ],
          },
          DescribeLoadBalancers: { LoadBalancers: [loadBalancer] },
          DescribeLoadBalancerAttributes:
            knobs.crossZone === 'omit'
              ? {}
              : { [IDS.lbName]: { Attributes: [{ Key: 'load_balancing.cross_zone.enabled', Value: knobs.crossZone ?? 'false' }] } },
          DescribeListeners: { [IDS.lbName]: { Listeners: listeners } },
          DescribeTargetGroups: {
            TargetGroups: [
              {
                TargetGroupArn: IDS.tgArn,
                TargetGroupName: IDS.tgName,
                Protocol: 'TCP',
                Port: targetPort,
                VpcId: providerVpc,
                HealthCheckProtocol: 'TCP',
                HealthCheckPort: knobs.healthCheckPort ?? 'traffic-port',
                LoadBalancerArns: [IDS.lbArn],
                TargetType: 'instance',
              },
            ],
          },
          DescribeTargetHealth: {
            [IDS.tgName]: {
              TargetHealthDescriptions: IDS.targets.map((id, index) => ({
                Target: { Id: id, Port: targetPort, AvailabilityZone: providerAz[index] },
                HealthCheckPort: knobs.healthCheckPort && knobs.healthCheckPort !== 'traffic-port' ? knobs.healthCheckPort : String(targetPort),
                TargetHealth:
                  health[index] === 'healthy'
                    ? { State: 'healthy' }
                    : { State: health[index], Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' },
              })),
            },
          },
        }
      : {}),
  };
}
