import type { ServerReady } from '../server/index.js';

export function simulatorPassword(env: Record<string, string | undefined>, envFile?: string): string;
export function simulatorsCommand(
  sim: NonNullable<ServerReady['simulators']>,
  env: Record<string, string | undefined>,
  password: string,
  now?: () => number,
): { args: string[]; env: Record<string, string | undefined> };
