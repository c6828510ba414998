/**
 * The connection file Jupyter writes before it starts a kernel: the ports of the five channels,
 * the transport and the HMAC key. Read once at start-up; nothing else touches the file.
 */
import { readFileSync } from 'fs';

/** What the connection file holds. */
export interface ConnectionInfo {
  transport: 'tcp' | 'ipc';
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
}

export type Channel = 'shell' | 'control' | 'iopub' | 'stdin' | 'hb';

export function readConnectionFile(path: string): ConnectionInfo {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ConnectionInfo>;
  const info: ConnectionInfo = {
    transport: 'tcp',
    signature_scheme: 'hmac-sha256',
    key: '',
    ip: '127.0.0.1',
    ...parsed,
  } as ConnectionInfo;
  for (const channel of ['shell', 'control', 'iopub', 'stdin', 'hb'] as const) {
    if (!Number.isInteger(info[`${channel}_port`])) {
      throw new Error(`connection file ${path} has no ${channel}_port`);
    }
  }
  return info;
}

export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port`];
  return info.transport === 'ipc' ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}
