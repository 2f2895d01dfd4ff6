// The Error a host fault travels as. Its own module so both transports (ssh-connection.ts,
// local-connection.ts) use it without importing each other.
import type { HostFault } from './types.js';

/** An Error that carries the HostFault it stands for (Node conditions and the CLI read `.fault`). */
export class HostFaultError extends Error {
  readonly fault: HostFault;
  constructor(fault: HostFault) {
    super(fault.message);
    this.name = 'HostFaultError';
    this.fault = fault;
  }
}
