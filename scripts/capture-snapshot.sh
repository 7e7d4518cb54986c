#!/bin/sh
# Captures one account and region as a vpce-doctor snapshot (README, "Snapshots"): every
# file of the layout, each what the AWS CLI prints for that call (--output json, all pages
# merged), with the read-only permissions of docs/iam-policy.json.
#
#   scripts/capture-snapshot.sh OUT_DIR [--region R] [--profile P] [--endpoint-url URL]
#                                       [--only CALL,CALL…]
#
# OUT_DIR (new or empty: one capture per snapshot) gets ec2/… and elbv2/…; for a
# fleet, capture each account and region into ROOT/<account-id>/<region>. A call that
# fails (denied, throttled past the CLI's retries, a service name the region does not
# know) leaves no file: the checks that need it are then `unknown`. Its command and the
# CLI's error go to stderr, and the capture goes on.
#
# --only captures just those calls (named as the layout's files: DescribeSecurityGroups,
# DescribeListeners…) into OUT_DIR, which may hold a capture already: to capture again
# what a fix changed. A per-resource call (GetManagedPrefixListEntries,
# DescribeVpcEndpointServices, DescribeLoadBalancerAttributes, DescribeListeners,
# DescribeTargetHealth) takes its ids from the listing in OUT_DIR, captured now or before,
# and replaces its folder.
#
# A call docs/iam-policy.json does not allow (ec2:DescribeInstances: the service does not
# need it) is denied with that policy alone, and skipped like any failed call.
#
# Exit status: 0 when ec2/DescribeVpcEndpoints.json was captured, whatever else was
# skipped; 1 when it was not (nothing can be analysed without it: usually credentials,
# the region or the endpoint URL are wrong); 2 on bad usage.
#
# Environment: AWS_ENDPOINT_URL (as --endpoint-url: passed to every call, so that CLIs
# older than the variable honour it too), AWS_CLI (the aws command; default `aws`), and
# the AWS CLI's own (AWS_PROFILE, AWS_REGION, credentials).
#
# POSIX sh and POSIX utilities only: no jq, no GNU sed. Ids and ARNs are read from the
# JSON just written (one "Key": "value" per line, as the CLI prints it) rather than by a
# second call with --query: each call of the CLI costs about a second.

set -u

me=capture-snapshot
usage() {
  echo "usage: $0 OUT_DIR [--region REGION] [--profile PROFILE] [--endpoint-url URL] [--only CALL,…]" >&2
  exit 2
}

out=
region=
profile=
only=
endpoint=${AWS_ENDPOINT_URL:-}
while [ $# -gt 0 ]; do
  case $1 in
    --region | --profile | --endpoint-url | --only)
      [ $# -ge 2 ] || usage
      case $1 in
        --region) region=$2 ;;
        --profile) profile=$2 ;;
        --endpoint-url) endpoint=$2 ;;
        --only) only=$2 ;;
      esac
      shift 2
      ;;
    --region=*) region=${1#*=}; shift ;;
    --profile=*) profile=${1#*=}; shift ;;
    --endpoint-url=*) endpoint=${1#*=}; shift ;;
    --only=*) only=${1#*=}; shift ;;
    -h | --help)
      awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
      exit 0
      ;;
    -*) echo "$me: unknown option $1" >&2; usage ;;
    *)
      [ -z "$out" ] || usage
      out=$1
      shift
      ;;
  esac
done
[ -n "$out" ] || usage

# The layout's calls, as its files and folders are named.
calls="DescribeVpcEndpoints DescribeNetworkInterfaces DescribeSubnets DescribeNetworkAcls DescribeSecurityGroups
DescribeManagedPrefixLists GetManagedPrefixListEntries DescribeInstances DescribeVpcEndpointServiceConfigurations
DescribeVpcEndpointServices DescribeLoadBalancers DescribeLoadBalancerAttributes DescribeListeners DescribeTargetGroups
DescribeTargetHealth"
for call in $(echo "$only" | tr ',' ' '); do
  case " $(echo $calls) " in
    *" $call "*) ;;
    *) echo "$me: --only: $call is none of the layout's calls: $(echo $calls)" >&2; exit 2 ;;
  esac
done
# wanted CALL: true when CALL is to be captured.
wanted() {
  [ -z "$only" ] && return 0
  case ",$only," in *",$1,"*) return 0 ;; esac
  return 1
}

aws=${AWS_CLI:-aws}
if ! command -v "$aws" >/dev/null 2>&1; then
  echo "$me: the AWS CLI ($aws) is not installed or not on PATH" >&2
  exit 2
fi

# AWS CLI v2 would page the output or prompt for missing parameters; v1 knows neither.
AWS_PAGER=
AWS_CLI_AUTO_PROMPT=off
export AWS_PAGER AWS_CLI_AUTO_PROMPT

if [ -z "$only" ] && [ -d "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "$me: $out is not empty: capture into a new directory, so that no file of another capture stays in the snapshot" >&2
  exit 2
fi
mkdir -p "$out/ec2" "$out/elbv2" || exit 2
# Each call's stderr, for its message (a dot file: the snapshot reader passes over it).
errors=$out/.$me.stderr
trap 'rm -f "$errors"' EXIT
trap 'exit 130' INT TERM

written=0
skipped=
# capture FILE SERVICE COMMAND [ARG...]: one call into OUT_DIR/FILE, or no file and a line on stderr.
capture() {
  file=$1
  shift
  mkdir -p "$out/${file%/*}"
  if "$aws" "$@" --output json ${region:+--region "$region"} ${profile:+--profile "$profile"} \
    ${endpoint:+--endpoint-url "$endpoint"} >"$out/$file" 2>"$errors" </dev/null; then
    written=$((written + 1))
    return 0
  fi
  rm -f "$out/$file"
  # The CLI's error: its last non-blank lines, on one line.
  reason=$(sed '/^[[:space:]]*$/d' "$errors" | tail -n 3 | tr '\n' ' ')
  echo "$me: skipped $file: aws $1 $2 failed: ${reason:-no message}" >&2
  skipped="$skipped $file"
  return 1
}

# values FILE KEY: every string value of "KEY" in a JSON file the CLI printed, once each.
values() {
  [ -f "$1" ] || return 0
  sed -n 's/^[[:space:]]*"'"$2"'":[[:space:]]*"\([^"]*\)".*$/\1/p' "$1" | sort -u
}

# EC2: the endpoints and every network path component of the region.
endpoints_failed=0
if wanted DescribeVpcEndpoints; then
  capture ec2/DescribeVpcEndpoints.json ec2 describe-vpc-endpoints || endpoints_failed=1
fi
wanted DescribeNetworkInterfaces && capture ec2/DescribeNetworkInterfaces.json ec2 describe-network-interfaces
wanted DescribeSubnets && capture ec2/DescribeSubnets.json ec2 describe-subnets
wanted DescribeNetworkAcls && capture ec2/DescribeNetworkAcls.json ec2 describe-network-acls
wanted DescribeSecurityGroups && capture ec2/DescribeSecurityGroups.json ec2 describe-security-groups
wanted DescribeManagedPrefixLists && capture ec2/DescribeManagedPrefixLists.json ec2 describe-managed-prefix-lists
wanted DescribeInstances && capture ec2/DescribeInstances.json ec2 describe-instances
wanted DescribeVpcEndpointServiceConfigurations &&
  capture ec2/DescribeVpcEndpointServiceConfigurations.json ec2 describe-vpc-endpoint-service-configurations

# The entries of each prefix list a security group rule names.
if wanted GetManagedPrefixListEntries; then
  rm -f "$out/ec2/GetManagedPrefixListEntries/"*.json
  for id in $(values "$out/ec2/DescribeSecurityGroups.json" PrefixListId); do
    capture "ec2/GetManagedPrefixListEntries/$id.json" ec2 get-managed-prefix-list-entries --prefix-list-id "$id"
  done
fi

# Consumer side: the services the endpoints connect to, each with its owner's account.
if wanted DescribeVpcEndpointServices; then
  rm -f "$out/ec2/DescribeVpcEndpointServices.json"
  services=$(values "$out/ec2/DescribeVpcEndpoints.json" ServiceName)
  # A service-name filter, not --service-names: one name that no longer exists (or runs in
  # another region) would fail the whole call and leave every owner unknown.
  names=$(printf '%s\n' $services | sort -u | tr '\n' ',' | sed 's/,$//')
  [ -z "$services" ] || capture ec2/DescribeVpcEndpointServices.json ec2 describe-vpc-endpoint-services --filters "Name=service-name,Values=$names"
fi

# Provider side: the load balancers and target groups. Each per-resource file is named by
# the resource's name, which its ARN holds:
#   arn:aws:elasticloadbalancing:R:A:loadbalancer/net/NAME/ID, …:targetgroup/NAME/ID
wanted DescribeLoadBalancers && capture elbv2/DescribeLoadBalancers.json elbv2 describe-load-balancers
# A CLI prints only the members its model knows: one from before August 2023 drops an NLB's
# EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic, without which the NLB security
# group checks are unknown. Each load balancer is an object indented by 8 spaces.
if wanted DescribeLoadBalancers && [ -f "$out/elbv2/DescribeLoadBalancers.json" ] && awk '
  /^        \{/ { network = groups = enforce = 0 }
  /"Type": "network"/ { network = 1 }
  /"SecurityGroups": \[$/ { groups = 1 }
  /"EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"/ { enforce = 1 }
  /^        \}/ { if (network && groups && !enforce) found = 1 }
  END { exit !found }' "$out/elbv2/DescribeLoadBalancers.json"; then
  echo "$me: warning: a Network Load Balancer with security groups but no EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic:" \
    "$("$aws" --version 2>&1 | head -n 1) may be too old to print it (an AWS CLI from August 2023 on does);" \
    "without it the NLB security group checks are unknown" >&2
fi
wanted DescribeLoadBalancerAttributes && rm -f "$out/elbv2/DescribeLoadBalancerAttributes/"*.json
wanted DescribeListeners && rm -f "$out/elbv2/DescribeListeners/"*.json
for arn in $(values "$out/elbv2/DescribeLoadBalancers.json" LoadBalancerArn); do
  name=${arn#*:loadbalancer/}
  name=${name#*/}
  name=${name%%/*}
  wanted DescribeLoadBalancerAttributes &&
    capture "elbv2/DescribeLoadBalancerAttributes/$name.json" elbv2 describe-load-balancer-attributes --load-balancer-arn "$arn"
  wanted DescribeListeners && capture "elbv2/DescribeListeners/$name.json" elbv2 describe-listeners --load-balancer-arn "$arn"
done
wanted DescribeTargetGroups && capture elbv2/DescribeTargetGroups.json elbv2 describe-target-groups
if wanted DescribeTargetHealth; then
  rm -f "$out/elbv2/DescribeTargetHealth/"*.json
  for arn in $(values "$out/elbv2/DescribeTargetGroups.json" TargetGroupArn); do
    name=${arn#*:targetgroup/}
    name=${name%%/*}
    capture "elbv2/DescribeTargetHealth/$name.json" elbv2 describe-target-health --target-group-arn "$arn"
  done
fi

# Folders left empty (no prefix list, no load balancer) are not part of the snapshot.
for dir in "$out/ec2/GetManagedPrefixListEntries" "$out/elbv2/DescribeLoadBalancerAttributes" \
  "$out/elbv2/DescribeListeners" "$out/elbv2/DescribeTargetHealth" "$out/elbv2"; do
  rmdir "$dir" 2>/dev/null || true
done

count=$(echo "$skipped" | wc -w | tr -d ' ')
if [ "$count" -eq 0 ]; then
  echo "$me: captured $written file(s) into $out" >&2
else
  echo "$me: captured $written file(s) into $out; $count skipped (checks that need them will be unknown):$skipped" >&2
fi
if [ "$endpoints_failed" -ne 0 ]; then
  echo "$me: ec2/DescribeVpcEndpoints.json could not be captured: check the credentials, the region and the endpoint URL" >&2
  exit 1
fi
exit 0
