/**
 * Every operator command, in one table used by Socket.IO and REST alike:
 * parsed with its zod schema, run against the stores, answered as a Result
 * with a known error code. Refusals are written to the audit trail too.
 *
 * A command answers only once what it changed (its events, state and audit rows) is in
 * PostgreSQL (server/db/journal.ts), written in one transaction: a later request reads it, on
 * any server. PostgreSQL's version check decides between two servers: the loser answers
 * `conflict`, and its server re-reads the stream. While the
 * database is away a command is refused up front with the retryable `unavailable`, and the
 * stores stay as they were.
 */
import type { z } from 'zod';
import type { ClientToServerEvents, CommandName, ErrorCode, IncidentAction, Result } from '../../contract/index.js';
import { activeUnits, closeCommand, dispatchCommand, noteCommand, unitStatusCommand, unitStepCommand, versionedTarget } from '../../contract/index.js';
import type { AlertStore } from '../alerts/store.js';
import { CommandError } from '../events/errors.js';
import type { EventLog } from '../events/log.js';
import { DbRejectedError, type Journal } from '../db/journal.js';
import type { Incidents } from '../incidents/incidents.js';
import type { Units } from '../incidents/units.js';
import type { Logger } from '../log.js';
import { roleRefusal, scopeRefusal } from '../auth/permissions.js';
import { RateLimiter } from '../auth/rate.js';
import type { IoSocket } from './hub.js';

/** Who is acting: from the session (server/auth). A responder is bound to its unit. */
export interface Actor {
  user: string;
  role: string;
  unitId?: string | null | undefined;
  /** The client's address, for the audit trail. */
  address?: string | undefined;
}

/** What an officer reads when the database is away (the console shows the message as it is). */
export const DB_UNAVAILABLE_MESSAGE = 'the database is not answering: nothing was changed; try again in a moment';

interface CommandDef<S extends z.ZodType> {
  schema: S;
  run(input: z.infer<S>, actor: Actor): unknown;
}

const def = <S extends z.ZodType>(schema: S, run: (input: z.infer<S>, actor: Actor) => unknown): CommandDef<S> => ({ schema, run });

export class Commands {
  private readonly table: Record<CommandName, CommandDef<z.ZodType>>;
  private readonly incidentUnits: (id: string) => string[];

  /** Commands per user and second, over Socket.IO and REST alike (SOCKET_COMMANDS_PER_S). */
  private readonly rate: RateLimiter;

  private readonly events: EventLog;
  private readonly log: Logger;
  private readonly journal: Journal | null;
  private readonly writeTimeoutMs: number;
  private readonly ackIncidentWithAlert: boolean;

  constructor(o: {
    alerts: AlertStore;
    incidents: Incidents;
    units: Units;
    events: EventLog;
    log: Logger;
    /** Per user (SOCKET_COMMANDS_PER_S). Default 10. */
    commandsPerSecond?: number;
    now?: () => number;
    /** PostgreSQL's ordered writer: a command answers once its changes are in it. None: answers at once (tests of the desk alone). */
    journal?: Journal | null;
    /** How long a command waits for its write before answering `unavailable` (DB_COMMAND_TIMEOUT_MS). Default 5000. */
    writeTimeoutMs?: number;
    /** Acknowledging an incident's alert acknowledges the incident (rules file workflow.ackIncidentWithAlert). Default true. */
    ackIncidentWithAlert?: boolean;
  }) {
    const { alerts, incidents, units } = o;
    this.events = o.events;
    this.log = o.log;
    this.journal = o.journal ?? null;
    this.writeTimeoutMs = o.writeTimeoutMs ?? 5000;
    this.ackIncidentWithAlert = o.ackIncidentWithAlert ?? true;
    this.rate = new RateLimiter(o.commandsPerSecond ?? 10, o.now ?? Date.now);
    this.incidentUnits = (id) => {
      const inc = incidents.get(id);
      return inc ? activeUnits(inc).map((u) => u.unitId) : [];
    };
    const act = (action: IncidentAction) =>
      def(versionedTarget, (c, a) => incidents.act(c.id, action, { version: c.version, by: a.user, note: c.note }));
    // A unit's step: a responder's is about its own unit, whatever the body says.
    const unitStep = (action: IncidentAction) =>
      def(unitStepCommand, (c, a) =>
        incidents.act(c.id, action, { version: c.version, by: a.user, note: c.note, unitId: c.unitId, ...(a.role === 'responder' && a.unitId ? { ownUnit: a.unitId } : {}) }),
      );
    this.table = {
      'alert:acknowledge': def(versionedTarget, (c, a) => {
        const alert = alerts.acknowledge(c.id, c.version, a.user);
        if (this.ackIncidentWithAlert) incidents.acknowledgeWithAlert(alert, a.user);
        return alert;
      }),
      'alert:clear': def(versionedTarget, (c, a) => alerts.clear(c.id, c.version, a.user, c.note)),
      'incident:acknowledge': act('acknowledge'),
      'incident:dispatch': def(dispatchCommand, (c, a) => incidents.act(c.id, 'dispatch', { version: c.version, by: a.user, note: c.note, unitId: c.unitId, reassign: c.reassign })),
      'incident:accept': unitStep('accept'),
      'incident:on_scene': unitStep('on_scene'),
      'incident:release': unitStep('release'),
      'incident:resolve': unitStep('resolve'),
      'incident:close': def(closeCommand, (c, a) => incidents.act(c.id, 'close', { version: c.version, by: a.user, note: c.note?.trim() })),
      'incident:reopen': act('reopen'),
      'incident:note': def(noteCommand, (c, a) => incidents.addNote(c.id, a.user, c.note)),
      'unit:status': def(unitStatusCommand, (c, a) => units.setStatus(c.id, c.status, c.version, a.user)),
    };
  }

  static readonly names: CommandName[] = [
    'alert:acknowledge',
    'alert:clear',
    'incident:acknowledge',
    'incident:dispatch',
    'incident:accept',
    'incident:on_scene',
    'incident:release',
    'incident:resolve',
    'incident:close',
    'incident:reopen',
    'incident:note',
    'unit:status',
  ];

  /** Runs the command and answers once its changes are stored (see the file's comment). */
  async execute(name: CommandName, body: unknown, actor: Actor): Promise<Result<unknown>> {
    const j = this.journal;
    if (j && !j.available) {
      this.log.warn({ command: name, user: actor.user }, 'command refused: the database is away');
      return { ok: false, error: { code: 'unavailable', message: DB_UNAVAILABLE_MESSAGE } };
    }
    const from = j ? j.lastSeq + 1 : 0;
    // One transaction for all it changes (an incident and the unit it dispatches), or none.
    const result = j ? j.atomically(() => this.run(name, body, actor)) : this.run(name, body, actor);
    if (!j || j.lastSeq < from) return result;
    try {
      await j.flushed(j.lastSeq, { fromSeq: from, timeoutMs: this.writeTimeoutMs });
      return result;
    } catch (err) {
      // This server's copy is re-read from the database meanwhile (the journal's onRejected, server/app.ts).
      if (err instanceof DbRejectedError && err.conflict) {
        return { ok: false, error: { code: 'conflict', message: `${err.message}: someone else changed it first; reload and try again` } };
      }
      if (err instanceof DbRejectedError && err.fenced) {
        return { ok: false, error: { code: 'unavailable', message: 'this server handed over to another during the command: nothing was changed; try again' } };
      }
      this.log.error({ command: name, user: actor.user, err: (err as Error).message }, 'command not confirmed by the database in time');
      return {
        ok: false,
        error: { code: 'unavailable', message: 'the database did not confirm in time: the change is kept and is written when the database answers; check the item before trying again' },
      };
    }
  }

  run(name: CommandName, body: unknown, actor: Actor): Result<unknown> {
    const d = this.table[name];
    // The permission table (server/auth/permissions.ts), for Socket.IO and REST alike: the role first, whatever the body.
    const denied = roleRefusal(name, actor);
    if (denied) return this.refuse(name, body, actor, 'forbidden', denied);
    // Past the user's rate: refused without an audit row each (a flood must not flood the trail).
    if (!this.rate.take(actor.user)) {
      this.log.warn({ command: name, user: actor.user }, 'command refused: over the rate');
      return { ok: false, error: { code: 'unavailable', message: 'too many commands: slow down' } };
    }
    const parsed = d.schema.safeParse(body);
    if (!parsed.success) {
      const msg = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      return this.refuse(name, body, actor, 'bad_request', msg);
    }
    // A responder: its own unit and the incidents assigned to it only.
    const refused = scopeRefusal(name, parsed.data as { id: string }, actor, { incidentUnits: this.incidentUnits });
    if (refused) return this.refuse(name, body, actor, 'forbidden', refused);
    try {
      // The role goes with every event the command writes (the audit trail).
      return { ok: true, data: this.events.asActor({ role: actor.role, address: actor.address }, () => d.run(parsed.data, actor)) };
    } catch (err) {
      if (err instanceof CommandError) return this.refuse(name, body, actor, err.code, err.message);
      this.log.error({ err, command: name }, 'command failed');
      return this.refuse(name, body, actor, 'internal', 'internal error');
    }
  }

  /** Serve every command on a socket; each answers through its ack. */
  bind(socket: IoSocket, actorOf: (socket: IoSocket) => Actor): void {
    // The names are typed in the contract; the handler is one for all of them.
    const on = socket.on.bind(socket) as unknown as (ev: string, fn: (cmd: unknown, ack: unknown) => void) => void;
    for (const name of Commands.names) {
      on(name, (cmd, ack) => {
        if (typeof ack !== 'function') return;
        void this.execute(name, cmd, actorOf(socket)).then((r) => (ack as (r: Result<unknown>) => void)(r));
      });
    }
  }

  private refuse(name: CommandName, body: unknown, actor: Actor, code: ErrorCode, message: string): Result<never> {
    const target = typeof body === 'object' && body !== null && typeof (body as { id?: unknown }).id === 'string' ? (body as { id: string }).id : '?';
    const entity = name.startsWith('alert') ? 'alert' : name.startsWith('unit') ? 'unit' : 'incident';
    this.events.append({ entity, id: target.slice(0, 64), type: name.split(':')[1]!, by: actor.user, role: actor.role, address: actor.address, result: 'refused', note: `${code}: ${message}` });
    return { ok: false, error: { code, message } };
  }
}
