// Throwaway certificates made with the openssl command: a CA and certificates it signs for
// the names and addresses a test's servers answer to (the cluster config test's TLS, the
// multi-host test bed's NATS nodes). hasOpenssl() says whether openssl is installed.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Whether the openssl command runs here. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' })

/** A CA (EC P-256, valid two days): `dir`/ca.pem and ca-key.pem. */
export function makeTestCa(dir: string): { ca: string; caKey: string } {
  const ca = join(dir, 'ca.pem')
  const caKey = join(dir, 'ca-key.pem')
  run(['req', '-x509', ...EC, '-keyout', caKey, '-out', ca, '-days', '2', '-subj', '/CN=kiln-test-ca'])
  return { ca, caKey }
}

/**
 * A certificate signed by the CA of `dir` (makeTestCa), for servers and clients alike:
 * `dir`/<name>.pem and <name>-key.pem, valid for the DNS names and IP addresses given.
 */
export function makeTestCert(
  dir: string,
  name: string,
  sans: { dns?: string[]; ip?: string[] },
): { cert: string; key: string } {
  const f = (file: string) => join(dir, file)
  const cert = f(`${name}.pem`)
  const key = f(`${name}-key.pem`)
  const alt = [...(sans.dns ?? []).map((d) => `DNS:${d}`), ...(sans.ip ?? []).map((a) => `IP:${a}`)].join(',')
  run(['req', ...EC, '-keyout', key, '-out', f(`${name}.csr`), '-subj', `/CN=${sans.dns?.[0] ?? name}`])
  writeFileSync(f(`${name}.cnf`), `subjectAltName=${alt}\nextendedKeyUsage=serverAuth,clientAuth\n`)
  run([
    'x509',
    '-req',
    '-in',
    f(`${name}.csr`),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca-key.pem'),
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    f(`${name}.cnf`),
  ])
  return { cert, key }
}

/** Writes ca.pem, cert.pem and key.pem (for localhost and 127.0.0.1) into `dir`. */
export function makeTestCerts(dir: string): { ca: string; cert: string; key: string } {
  const { ca } = makeTestCa(dir)
  const { cert, key } = makeTestCert(dir, 'cert', { dns: ['localhost'], ip: ['127.0.0.1'] })
  return { ca, cert, key }
}
