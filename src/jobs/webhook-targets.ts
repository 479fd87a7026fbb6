import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Where webhooks may go. An admin types the URL, but the worker makes the request from inside the deployment,
 * so by default it refuses every address that is not on the public internet: loopback, private ranges,
 * link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254), unique-local, multicast, reserved. The
 * check runs on the address actually connected to (a lookup on the connection, so a name that resolves
 * differently the second time gains nothing), and redirects are never followed.
 */
export interface WebhookTargetPolicy {
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS=true: any address, for deployments that deliver inside their network on purpose. */
  readonly allowPrivate: boolean;
  /** WEBHOOK_ALLOWED_TARGETS host names: allowed whatever they resolve to. */
  readonly allowedHosts: ReadonlySet<string>;
  /** WEBHOOK_ALLOWED_TARGETS addresses and CIDR ranges: allowed although not public. */
  readonly allowedNets: BlockList;
}

export const REFUSE_PRIVATE: WebhookTargetPolicy = { allowPrivate: false, allowedHosts: new Set(), allowedNets: new BlockList() };

const CIDR = /^(?<address>[0-9a-fA-F:.]+)(?:\/(?<prefix>\d{1,3}))?$/;

/** The policy from WEBHOOK_ALLOW_PRIVATE_TARGETS and WEBHOOK_ALLOWED_TARGETS (entries checked by the environment schema). */
export function webhookTargetPolicy(allowPrivate: boolean, allowedTargets: readonly string[]): WebhookTargetPolicy {
  const allowedHosts = new Set<string>();
  const allowedNets = new BlockList();
  for (const entry of allowedTargets) {
    const cidr = CIDR.exec(entry);
    const address = cidr?.groups?.address;
    const family = address ? isIP(address) : 0;
    if (!address || !family) {
      allowedHosts.add(entry.toLowerCase());
      continue;
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (cidr?.groups?.prefix === undefined) allowedNets.addAddress(address, type);
    else allowedNets.addSubnet(address, Number(cidr.groups.prefix), type);
  }
  return { allowPrivate, allowedHosts, allowedNets };
}

/** Address ranges that are not the public internet, each with what it is. IPv4 rules also match IPv4-mapped IPv6. */
const NOT_PUBLIC: readonly (readonly [network: string, prefix: number, family: 'ipv4' | 'ipv6', what: string])[] = [
  ['0.0.0.0', 8, 'ipv4', '"this network" (unspecified)'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared (carrier-grade NAT)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (cloud metadata)'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'reserved (IETF protocol assignments)'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.88.99.0', 24, 'ipv4', 'reserved (6to4 relay)'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'reserved (benchmarking)'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['64:ff9b:1::', 48, 'ipv6', 'reserved (local NAT64)'],
  ['100::', 64, 'ipv6', 'reserved (discard)'],
  ['2001::', 23, 'ipv6', 'reserved (IETF protocol assignments, Teredo)'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['2002::', 16, 'ipv6', 'reserved (6to4)'],
  ['fc00::', 7, 'ipv6', 'unique-local (private, cloud metadata at fd00:ec2::254)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local (deprecated)'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];
const RANGES = NOT_PUBLIC.map(([network, prefix, family, what]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { list, what };
});
const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');

/** The IPv4 address a NAT64 address (64:ff9b::/96) stands for. */
function nat64Target(address: string): string | null {
  if (!NAT64.check(address, 'ipv6')) return null;
  const tail = address.slice(address.lastIndexOf(':') + 1);
  if (isIP(tail) === 4) return tail;
  const groups = address.split(':');
  const [high, low] = [groups.at(-2) ?? '0', groups.at(-1) ?? '0'].map((g) => Number.parseInt(g || '0', 16)) as [number, number];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** What kind of non-public address this is, or null for a public one. */
export function nonPublicKind(address: string): string | null {
  const family = isIP(address);
  if (!family) return 'unparseable';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const mapped = type === 'ipv6' ? nat64Target(address) : null;
  if (mapped) return nonPublicKind(mapped);
  return RANGES.find((range) => range.list.check(address, type))?.what ?? null;
}

/** Why the policy refuses connecting to `address` for `hostname`, or null when it may. */
export function targetRefusal(policy: WebhookTargetPolicy, hostname: string, address: string): string | null {
  if (policy.allowPrivate || policy.allowedHosts.has(hostname.toLowerCase())) return null;
  const kind = nonPublicKind(address);
  if (kind === null) return null;
  if (kind !== 'unparseable' && policy.allowedNets.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6')) return null;
  const what = hostname === address ? `${address} is` : `${hostname} resolves to ${address},`;
  return `${what} a ${kind} address: webhooks to addresses outside the public internet are refused (WEBHOOK_ALLOW_PRIVATE_TARGETS, WEBHOOK_ALLOWED_TARGETS)`;
}

export class WebhookTargetRefused extends Error {
  readonly code = 'ERR_WEBHOOK_TARGET_REFUSED';
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetRefused';
  }
}

type Resolve = (hostname: string, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;
const systemResolve: Resolve = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/**
 * The lookup a webhook connection uses: resolves the name, refuses it when any of its addresses is refused
 * (a name that answers with a public and a private address is not a public name), and hands the addresses on.
 */
export function guardedLookup(policy: WebhookTargetPolicy, resolve: Resolve = systemResolve): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    resolve(hostname, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
      const wanted = addresses.filter((a) => !family || family === a.family);
      const refusal = addresses.map((a) => targetRefusal(policy, hostname, a.address)).find((r) => r !== null);
      if (refusal) return callback(new WebhookTargetRefused(refusal), '', 0);
      const first = wanted[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no IPv${String(family)} address`), { code: 'ENOTFOUND' }), '', 0);
      return options.all ? callback(null, wanted) : callback(null, first.address, first.family);
    });
  };
}
