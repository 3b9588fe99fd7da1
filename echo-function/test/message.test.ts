import { expect } from 'chai';
import { decodeEchoRequest, MAX_DATA_BYTES, MAX_PAYLOAD_DEPTH } from '../src/message';
import { echoData, encodeData, toBase64 } from './support/events';

const known = new Set(['echo']);

describe('echo-function message decoding', () => {
  it('accepts the contract message and keeps every field', () => {
    const data = echoData({ payload: { n: [1, 2, 3] } });
    const result = decodeEchoRequest(encodeData(data), known);
    expect(result).to.deep.equal({ ok: true, request: data });
  });

  it('treats loop, iteration and payload as optional', () => {
    const { loop: _loop, iteration: _iteration, payload: _payload, ...generic } = echoData();
    const result = decodeEchoRequest(encodeData(generic), known);
    expect(result.ok).to.equal(true);
  });

  it('ignores fields it does not know, so producers can add some', () => {
    const result = decodeEchoRequest(encodeData(echoData({ traceId: 'abc' })), known);
    expect(result.ok && 'traceId' in result.request).to.equal(false);
  });

  it('accepts sentAt with an offset and nanoseconds', () => {
    for (const sentAt of ['2025-01-02T03:04:05+01:00', '2025-01-02T03:04:05.123456789Z']) {
      expect(decodeEchoRequest(encodeData(echoData({ sentAt })), known).ok, sentAt).to.equal(true);
    }
  });

  it('accepts data of exactly the size limit and refuses one byte more', () => {
    const fill = (size: number) => {
      const skeleton = JSON.stringify(echoData({ payload: '' }));
      return JSON.stringify(echoData({ payload: 'x'.repeat(size - skeleton.length) }));
    };
    expect(Buffer.byteLength(fill(MAX_DATA_BYTES))).to.equal(MAX_DATA_BYTES);
    expect(decodeEchoRequest(toBase64(fill(MAX_DATA_BYTES)), known).ok).to.equal(true);
    const tooBig = decodeEchoRequest(toBase64(fill(MAX_DATA_BYTES + 1)), known);
    expect(tooBig).to.deep.include({ ok: false, reason: `message data is larger than ${MAX_DATA_BYTES} bytes` });
  });

  it(`accepts a payload nested ${MAX_PAYLOAD_DEPTH} levels deep and refuses a deeper one`, () => {
    const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));
    expect(decodeEchoRequest(encodeData(echoData({ payload: nested(MAX_PAYLOAD_DEPTH) })), known).ok).to.equal(true);
    const deep = decodeEchoRequest(encodeData(echoData({ payload: nested(MAX_PAYLOAD_DEPTH + 1) })), known);
    expect(deep.ok).to.equal(false);
    expect(!deep.ok && deep.reason).to.contain('payload: nests deeper than');
  });

  it('summarizes schema issues by field and keeps the valid fields as hints', () => {
    const data = echoData({ replyMessageName: 'Echo Reply', iteration: -1 });
    const result = decodeEchoRequest(encodeData(data), known);
    expect(result.ok).to.equal(false);
    if (result.ok) return;
    expect(result.reason).to.match(/^replyMessageName: .*; iteration: /);
    expect(result.hints).to.deep.equal({
      messageName: 'echo',
      processInstanceId: data.processInstanceId,
      requestId: data.requestId,
      sentAt: data.sentAt,
      loop: 'test-loop',
    });
  });

  it('names an unknown messageName', () => {
    const result = decodeEchoRequest(encodeData(echoData({ messageName: 'resize' })), known);
    expect(result).to.deep.include({ ok: false, reason: "unknown messageName 'resize'" });
    expect(decodeEchoRequest(encodeData(echoData({ messageName: 'resize' })), new Set(['echo', 'resize'])).ok).to.equal(
      true,
    );
  });

  it('truncates long reasons', () => {
    const result = decodeEchoRequest(
      encodeData(echoData({ messageName: 'x'.repeat(5000), replyMessageName: 'y'.repeat(5000) })),
      known,
    );
    expect(!result.ok && result.reason.length).to.be.at.most(300);
  });
});
