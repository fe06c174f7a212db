/**
 * CAP semantics on incidents (OASIS CAP 1.2, from other agencies): an Actual
 * Alert opens an incident and raises its alert; an Update amends the incident
 * it references; a Cancel closes it. Test, Exercise, Draft and System messages
 * are stored by ingest, not acted on here. Only the sender of the original
 * alert may update or cancel it (issue #19).
 */
import type { Incident, IncidentEntry } from '../../contract/index.js';
import type { AlertStore } from '../alerts/store.js';
import type { EventBus } from '../bus.js';
import type { CapAlert } from '../../contract/cap.js';
import { capRef, capToIncidentFields, foreignReference } from './cap-fields.js';
import { worse, type IncidentDesk } from './incidents.js';

const OWNER = 'incidents.cap';

export interface CapRefusal {
  reason: 'foreign_reference';
  detail: string;
}

export class CapIncidents {
  constructor(private readonly deps: { bus: EventBus; desk: IncidentDesk; alerts: Pick<AlertStore, 'raise'>; now: () => number }) {}

  start(): void {
    this.deps.bus.on('cap.alert', OWNER, (e) => this.onCap(e.alert));
  }

  stop(): void {
    this.deps.bus.removeOwner(OWNER);
  }

  /**
   * Why a CAP message may not be applied, or null: an Update or a Cancel
   * touches only incidents that came from an alert of its own sender, whatever
   * sender its <references> name. Both ingest paths (MQTT, HTTP) ask before
   * they put the message on the bus; onCap asks again.
   */
  refusal(cap: CapAlert): CapRefusal | null {
    if (cap.msgType !== 'Update' && cap.msgType !== 'Cancel') return null;
    for (const inc of this.referenced(cap)) {
      const why = foreignReference(cap, inc);
      if (why) return { reason: 'foreign_reference', detail: why };
    }
    return null;
  }

  private referenced(cap: CapAlert): Incident[] {
    return cap.references.map((r) => this.deps.desk.byRef(capRef(r.sender, r.identifier))).filter((i) => i !== undefined);
  }

  private onCap(cap: CapAlert): void {
    if (cap.status !== 'Actual' || this.refusal(cap)) return;
    const { desk } = this.deps;
    const f = capToIncidentFields(cap);
    const at = this.deps.now();
    const by = `cap:${cap.sender}`.slice(0, 64);
    const referenced = this.referenced(cap)[0];
    if (cap.msgType === 'Alert' || ((cap.msgType === 'Update' || cap.msgType === 'Cancel') && !referenced)) {
      if (cap.msgType === 'Cancel') return; // cancelling something we never had
      if (desk.hasRef(f.externalRef)) return; // the same message again (MQTT and HTTP)
      const inc = desk.create({ ...f, channel: 'cap', hurt: false, injured: null, callback: null }, at, by, f.description);
      desk.setRef(f.externalRef, inc.id);
      const alert = this.deps.alerts.raise(
        {
          rule: 'incident_report',
          dedupeKey: `cap:${f.externalRef}`,
          severity: f.severity,
          title: f.description.split('\n')[0]!.slice(0, 160),
          source: { kind: 'incident', id: inc.id },
          position: f.position,
          wardId: inc.wardId,
          data: { channel: 'cap', sender: cap.sender.slice(0, 128), identifier: cap.identifier.slice(0, 128) },
        },
        at,
      );
      desk.link(inc.id, alert);
      return;
    }
    if (!referenced || cap.msgType === 'Ack' || cap.msgType === 'Error') return;
    desk.setRef(f.externalRef, referenced.id);
    if (cap.msgType === 'Cancel') {
      if (referenced.status === 'closed') return;
      const entry: IncidentEntry = { at, by, action: 'cancel', from: referenced.status, to: 'closed', note: cap.note ?? f.description };
      desk.change(referenced, entry, { status: 'closed' }, entry.note);
      return;
    }
    const entry: IncidentEntry = { at, by, action: 'update', note: f.description };
    // One version step for the whole update, note and fields together: no reader sees the note without the fields it brought.
    desk.change(referenced, entry, { severity: worse(referenced.severity, f.severity), description: f.description, position: f.position ?? referenced.position }, 'CAP update');
  }
}
