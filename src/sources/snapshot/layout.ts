/** The snapshot layout of the analysis contract §4: one AWS CLI JSON file per call. */
export const SNAPSHOT_FILES = {
  vpcEndpoints: 'ec2/DescribeVpcEndpoints.json',
  networkInterfaces: 'ec2/DescribeNetworkInterfaces.json',
  subnets: 'ec2/DescribeSubnets.json',
  networkAcls: 'ec2/DescribeNetworkAcls.json',
  securityGroups: 'ec2/DescribeSecurityGroups.json',
  prefixLists: 'ec2/DescribeManagedPrefixLists.json',
  prefixListEntriesDir: 'ec2/GetManagedPrefixListEntries',
  instances: 'ec2/DescribeInstances.json',
  endpointServices: 'ec2/DescribeVpcEndpointServiceConfigurations.json',
  loadBalancers: 'elbv2/DescribeLoadBalancers.json',
  loadBalancerAttributesDir: 'elbv2/DescribeLoadBalancerAttributes',
  listenersDir: 'elbv2/DescribeListeners',
  targetGroups: 'elbv2/DescribeTargetGroups.json',
  targetHealthDir: 'elbv2/DescribeTargetHealth',
} as const;
