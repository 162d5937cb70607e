import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { certificateProblems } from '../../../src/webhook/certificate-check.ts';
import { generateSelfSigned } from '../../../src/webhook/self-signed-certificate.ts';

const HOSTS = ['confighash-webhook.confighash-system.svc', 'confighash-webhook.confighash-system.svc.cluster.local', '127.0.0.1'];
const NOW = new Date('2026-03-01T00:00:00Z');
const material = generateSelfSigned({ hosts: HOSTS, now: NOW });

describe('generateSelfSigned', () => {
  it('issues a serving certificate for the Service names and extra IPs, signed by a CA that is returned', () => {
    const cert = new X509Certificate(material.cert);
    const ca = new X509Certificate(material.ca);
    assert.equal(ca.ca, true);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(ca));
    assert.ok(cert.verify(ca.publicKey));
    assert.equal(cert.checkHost('confighash-webhook.confighash-system.svc'), 'confighash-webhook.confighash-system.svc');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkHost('confighash-webhook.other.svc'), undefined);
    assert.match(cert.keyUsage?.join(',') ?? '', /1\.3\.6\.1\.5\.5\.7\.3\.1/, 'extended key usage serverAuth');
  });

  it('hands out the private key of the serving certificate, and it matches', () => {
    const cert = new X509Certificate(material.cert);
    assert.ok(cert.checkPrivateKey(createPrivateKey(material.key)));
  });

  it('is valid from a little before now for ten years, with a positive serial number', () => {
    const cert = new X509Certificate(material.cert);
    assert.ok(Date.parse(cert.validFrom) < NOW.getTime());
    assert.ok(Date.parse(cert.validTo) > NOW.getTime() + 9 * 365 * 86_400_000);
    assert.ok(Number.parseInt(cert.serialNumber.slice(0, 2), 16) < 0x80);
  });
});

describe('certificateProblems', () => {
  it('finds nothing wrong for the hosts it was issued for', () => {
    assert.deepEqual(certificateProblems(material, ['confighash-webhook.confighash-system.svc', '127.0.0.1'], NOW), []);
  });

  it('names a host it does not cover, and an expiry that is past or near', () => {
    assert.deepEqual(certificateProblems(material, ['::1'], NOW), ['it is not valid for ::1']);
    const later = new Date(NOW.getTime() + 3650 * 86_400_000 - 86_400_000);
    assert.match(certificateProblems(material, [], later)[0] ?? '', /^it expires at /);
    const after = new Date(NOW.getTime() + 3651 * 86_400_000);
    assert.match(certificateProblems(material, [], after)[0] ?? '', /^it expired at /);
  });

  it('says so when tls.crt is not a certificate', () => {
    assert.deepEqual(certificateProblems({ ...material, cert: 'garbage' }, [], NOW), ['tls.crt is not a PEM certificate']);
  });
});
