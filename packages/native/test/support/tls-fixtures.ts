/**
 * Test-only certificates (test/fixtures/tls, see its README): a CA, leaf certificates signed by
 * it, an expired one, a self-signed one, an encrypted key.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tls');

export function pem(name: string): string {
  return readFileSync(join(fixtureDir, name), 'latin1');
}

export const CA = pem('ca.pem');
/** localhost, 127.0.0.1, ::1; signed by CA. */
export const LOCALHOST = { key: pem('localhost.key'), cert: pem('localhost.pem') };
/** other.test and *.wild.test; signed by CA. */
export const OTHER = { key: pem('other.key'), cert: pem('other.pem') };
/** A client certificate signed by CA. */
export const CLIENT = { key: pem('client.key'), cert: pem('client.pem') };
/** localhost, signed by CA, valid only on 2020-01-01. */
export const EXPIRED = { key: pem('expired.key'), cert: pem('expired.pem') };
/** localhost, self-signed. */
export const SELF_SIGNED = { key: pem('selfsigned.key'), cert: pem('selfsigned.pem') };
export const ENCRYPTED_KEY = pem('localhost-encrypted.key');
export const PASSPHRASE = 'correct-horse';
