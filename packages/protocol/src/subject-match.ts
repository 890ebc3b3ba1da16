// Whether a message reached a subscriber the way its subject says. A JetStream push consumer
// can deliver stored bytes to any subject its creator names (nats-server 2.10 does not check
// the creator's permissions on it), and the message keeps the stream's subject and carries a
// `$JS.ACK.` reply. Every service therefore refuses a message whose subject does not match
// what it subscribed to, or whose reply is a JetStream subject (docs/security.md).

/** Whether `subject` (no wildcards) is matched by `pattern` (NATS `*` and `>` wildcards). */
export function subjectMatches(subject: string, pattern: string): boolean {
  const s = subject.split('.')
  const p = pattern.split('.')
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i
    if (i >= s.length) return false
    if (p[i] !== '*' && p[i] !== s[i]) return false
  }
  return s.length === p.length
}

/** The parts of a NATS message the check reads. */
export interface RoutedMessage {
  subject: string
  reply?: string | undefined
}

/**
 * Why `msg`, received on a subscription to `pattern`, did not come straight from a
 * publisher: a subject outside the pattern (a relayed stream message) or a JetStream reply.
 * Undefined when it did. Services drop such a message without answering (an answer to a
 * `$JS.ACK.` reply would acknowledge it).
 */
export function relayedMessage(msg: RoutedMessage, pattern: string): string | undefined {
  if (!subjectMatches(msg.subject, pattern)) return `subject ${msg.subject.slice(0, 200)} is not ${pattern}`
  if (msg.reply?.startsWith('$JS.')) return `reply ${msg.reply.slice(0, 200)} is a JetStream subject`
  return undefined
}
