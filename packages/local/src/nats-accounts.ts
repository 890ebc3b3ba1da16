// The two NATS accounts of a Kiln cluster. JetStream (every stream, bucket and consumer)
// lives in KILN_JS, which has no users; every Kiln user lives in KILN, which reaches
// JetStream only through imports: the JetStream API, KV and object-store writes, acks and
// flow control, and publishes to the streams' subjects, all as services.
//
// Why: a JetStream push consumer delivers to whatever subject its creator names, and
// nats-server 2.10 does not check that against the creator's permissions. Consumers live in
// KILN_JS, so their deliveries happen there, and KILN_JS exports only `_INBOX.>` back to
// KILN: a delivery can reach an inbox, never a service subject (kiln.api.submit, a node's
// commands, heartbeats, trial statuses). docs/security.md has the whole argument.
import { layoutSpecs } from '@kiln/cluster-state'

/** The account holding JetStream (no users). */
export const JS_ACCOUNT = 'KILN_JS'
/** The account every Kiln user belongs to. */
export const USER_ACCOUNT = 'KILN'

/** The subjects KILN users publish that KILN_JS must receive. */
export function jetstreamServiceSubjects(): string[] {
  const streams = layoutSpecs()
    .specs.filter((s) => s.kind === 'stream')
    .flatMap((s) => s.config.subjects ?? [])
  return ['$JS.API.>', '$KV.>', '$O.>', '$JS.ACK.>', '$JS.FC.>', ...streams]
}

// Push deliveries (ordered consumers behind KV watches and object reads) come back here.
const DELIVERIES = '_INBOX.>'

/** KILN_JS's exports: each service subject, and the inboxes as a stream. */
export function jetstreamExports(): object[] {
  return [
    // Pull requests are answered with several messages: the API's responses may be a stream.
    ...jetstreamServiceSubjects().map((subject) =>
      subject === '$JS.API.>' ? { service: subject, response_type: 'stream' } : { service: subject },
    ),
    { stream: DELIVERIES },
  ]
}

/** KILN's imports of what KILN_JS exports. */
export function jetstreamImports(): object[] {
  return [
    ...jetstreamServiceSubjects().map((subject) => ({ service: { account: JS_ACCOUNT, subject } })),
    { stream: { account: JS_ACCOUNT, subject: DELIVERIES } },
  ]
}

/** The `accounts` block of a server whose KILN users are `users` (config objects). */
export function kilnAccounts(users: object[]): Record<string, object> {
  return {
    [JS_ACCOUNT]: { jetstream: 'enabled', exports: jetstreamExports() },
    [USER_ACCOUNT]: { users, imports: jetstreamImports() },
  }
}
