import {networkInterfaces, type NetworkInterfaceInfo} from 'node:os'

/**
 * The address peers should use to reach this host when --address is not given: the first non-internal IPv4
 * address (interfaces in name order, so the choice is stable), else 127.0.0.1 (single host). Pure over its input.
 */
export function primaryAddress(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  for (const name of Object.keys(interfaces).sort()) {
    for (const info of interfaces[name] ?? []) {
      if (info.family === 'IPv4' && !info.internal && !info.address.startsWith('169.254.')) return info.address
    }
  }

  return '127.0.0.1'
}
