/** The dev kit's waitFor: a condition with a deadline. */
import { expect } from 'chai';

import { waitFor } from '../../devkit/wait';

describe('devkit waitFor', () => {
  it("resolves with the condition's first truthy value", async () => {
    let looks = 0;
    expect(await waitFor(() => (++looks >= 3 ? `look ${looks}` : undefined), { intervalMs: 1 })).to.equal('look 3');
  });

  it('counts a throwing condition as not met yet', async () => {
    let looks = 0;
    const value = await waitFor(
      async () => {
        if (++looks < 2) throw new Error('not yet');
        return true;
      },
      { intervalMs: 1 },
    );
    expect(value).to.equal(true);
  });

  it('gives up at the deadline, naming what it waited for and the last error', async () => {
    const error = await waitFor(
      () => {
        throw new Error('refused');
      },
      { timeoutMs: 50, what: 'the server' },
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.equal('timed out after 50 ms waiting for the server (last error: refused)');
    expect((error?.cause as Error).message).to.equal('refused');
  });
});
