/**
 * Runs operator commands and keeps what the officer must see about them: sending,
 * queued while offline, or the error in plain words (conflict, invalid transition…).
 * State is kept per key (a queue row, an incident), so each shows its own outcome.
 */
import { useCallback, useState } from 'react';
import type { CommandName } from '../../../contract/socket.js';
import { sendCommand, type CommandErrorCode, type CommandResult } from './commands.js';

export type CommandState =
  | { phase: 'idle' }
  | { phase: 'sending'; queued: boolean }
  | { phase: 'error'; code: CommandErrorCode; message: string };

export const IDLE: CommandState = { phase: 'idle' };

export interface Step<N extends CommandName = CommandName> {
  name: N;
  payload: Parameters<typeof sendCommand<N>>[1];
}

/** Send steps one after the other; stop at the first refusal. */
export async function runSteps(steps: readonly Step[], onQueued: () => void): Promise<CommandResult<unknown>> {
  let last: CommandResult<unknown> = { ok: true, data: null };
  for (const s of steps) {
    last = await sendCommand(s.name, s.payload as never, onQueued);
    if (!last.ok) return last;
  }
  return last;
}

export function useCommands() {
  const [states, setStates] = useState<Readonly<Record<string, CommandState>>>({});
  const set = useCallback((key: string, st: CommandState) => setStates((s) => ({ ...s, [key]: st })), []);
  const run = useCallback(
    async (key: string, steps: readonly Step[]): Promise<boolean> => {
      set(key, { phase: 'sending', queued: false });
      const r = await runSteps(steps, () => set(key, { phase: 'sending', queued: true }));
      set(key, r.ok ? IDLE : { phase: 'error', code: r.error.code, message: r.error.message });
      return r.ok;
    },
    [set],
  );
  const stateOf = useCallback((key: string): CommandState => states[key] ?? IDLE, [states]);
  const dismiss = useCallback((key: string) => set(key, IDLE), [set]);
  return { run, stateOf, dismiss };
}

export const step = <N extends CommandName>(name: N, payload: Parameters<typeof sendCommand<N>>[1]): Step => ({ name, payload }) as Step;
