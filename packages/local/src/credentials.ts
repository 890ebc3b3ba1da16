// Per-role NATS users for a local cluster: random passwords, one file per role under
// <dir>/creds, owner-only modes. Workers are not among them: each node has its own
// identity (node-identity.ts).
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { formatUserCredentials, writePrivateFile } from './creds-file.js'
import { ensurePrivateDir } from './private-dir.js'
import { SHARED_ROLES, rolePermissions, type RolePermissions, type SharedRole } from './roles.js'

/** One generated NATS user: the server config needs all of it, a process only `file`. */
export interface RoleUser {
  role: SharedRole
  user: string
  password: string
  permissions: RolePermissions
  /** The credential file a process of this role is given (`--creds FILE`). */
  file: string
}

/** A fresh random password: 192 bits, URL-safe characters only. */
export function randomPassword(): string {
  return randomBytes(24).toString('base64url')
}

/**
 * Generates a user for every shared role and writes `<dir>/creds/<role>.creds` (mode 0600, folder
 * 0700). Old files are replaced: a restarted local cluster gets new passwords.
 */
export function generateRoleUsers(dir: string, roles: readonly SharedRole[] = SHARED_ROLES): RoleUser[] {
  const credsDir = join(dir, 'creds')
  ensurePrivateDir(credsDir)
  return roles.map((role) => {
    const user = role
    const password = randomPassword()
    const file = join(credsDir, `${role}.creds`)
    writePrivateFile(
      file,
      formatUserCredentials(user, password, `Kiln local cluster: NATS credentials of the ${role} role`),
    )
    return { role, user, password, permissions: rolePermissions(role), file }
  })
}
