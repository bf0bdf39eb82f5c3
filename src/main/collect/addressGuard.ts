/**
 * Which addresses a collection may reach. By default only public ones: a page on the web must not be able to send
 * the studio (through a link or a redirect) to the machine itself or to the person's own network. Hosts the person
 * names (or every host, when asked) may still resolve to private addresses.
 */
import { lookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** true: every host may be private; a list: those host names (as written in the URL, without the port). */
export type PrivateAllowance = boolean | readonly string[];

export class AddressRefused extends Error {}

/** Whether `address` is somewhere the open web should never lead: loopback, private, link-local, … */
export function isPrivateAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() !== 'unicast';
}

const mayBePrivate = (host: string, allow: PrivateAllowance): boolean => (allow === true ? true : allow === false ? false : allow.includes(host));

/** Refuses a URL whose host is a private address written out (those are never looked up). */
export function checkLiteralHost(url: URL, allow: PrivateAllowance): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isPrivateAddress(host) && !mayBePrivate(host, allow)) {
    throw new AddressRefused(`${url.href}: ${host} is a private or loopback address (allow it with --allow-private ${host})`);
  }
}

/** A DNS lookup for http.request that refuses a name resolving to a private address, checked as it connects. */
export function guardedLookup(allow: PrivateAllowance): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = mayBePrivate(hostname, allow) ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (refused) {
        return callback(new AddressRefused(`${hostname} resolves to ${refused.address}, a private or loopback address (allow it with --allow-private ${hostname})`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
