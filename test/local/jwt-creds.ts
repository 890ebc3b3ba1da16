// Operator-mode NATS for the JWT .creds test: an operator, an account and a user, signed
// with fresh nkeys (the claims nats-server needs, no more), and the creds file a user gets.
import * as nkeys from '@nats-io/nkeys'

const b64 = (data: Uint8Array | string) => Buffer.from(data).toString('base64url')

function jwt(
  signer: ReturnType<typeof nkeys.createOperator>,
  subject: string,
  name: string,
  nats: Record<string, unknown>,
): string {
  const header = b64(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }))
  const claims = b64(
    JSON.stringify({
      jti: b64(subject + name).slice(0, 52),
      iat: Math.floor(Date.now() / 1000),
      iss: signer.getPublicKey(),
      name,
      sub: subject,
      nats: { ...nats, version: 2 },
    }),
  )
  return `${header}.${claims}.${b64(signer.sign(new TextEncoder().encode(`${header}.${claims}`)))}`
}

/** Server config text (operator mode, memory resolver) and one user's .creds file text. */
export function operatorSetup(): { config: string; creds: string } {
  const operator = nkeys.createOperator()
  const account = nkeys.createAccount()
  const user = nkeys.createUser()
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 }
  const operatorJwt = jwt(operator, operator.getPublicKey(), 'kiln-test', { type: 'operator' })
  const accountJwt = jwt(operator, account.getPublicKey(), 'KILN', { type: 'account', limits: unlimited })
  const userJwt = jwt(account, user.getPublicKey(), 'worker', {
    type: 'user',
    pub: {},
    sub: {},
    subs: -1,
    data: -1,
    payload: -1,
  })
  const config = `operator: ${operatorJwt}\nresolver: MEMORY\nresolver_preload: { ${account.getPublicKey()}: ${JSON.stringify(accountJwt)} }\n`
  const creds = `-----BEGIN NATS USER JWT-----\n${userJwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${new TextDecoder().decode(user.getSeed())}\n------END USER NKEY SEED------\n`
  return { config, creds }
}
