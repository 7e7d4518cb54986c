import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectHost } from './support.js';

/**
 * The loopback guard of the AWS tests reads the target of every form of `Socket#connect`
 * (checked without connecting anywhere: a wrong reading would otherwise be found by a
 * packet leaving the machine).
 */

describe('connectHost', () => {
  it('reads the host of every connect form', () => {
    assert.equal(
      connectHost([[{ host: 'ec2.us-east-1.amazonaws.com', port: 443 }, () => {}]]),
      'ec2.us-east-1.amazonaws.com',
      "http's and tls's normalized arguments",
    );
    assert.equal(connectHost([{ host: '169.254.169.254', port: 80 }]), '169.254.169.254');
    assert.equal(connectHost([{ port: 80 }]), 'localhost');
    assert.equal(connectHost([443, 'sts.amazonaws.com']), 'sts.amazonaws.com');
    assert.equal(connectHost([443]), 'localhost');
    assert.equal(connectHost([{ path: '/tmp/ipc.sock' }]), undefined);
    assert.equal(connectHost(['/tmp/ipc.sock']), undefined);
  });
});
