import { KernelClient, ofType, streamText } from './kernel-client';

describe('kernel smoke', () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
  });
  afterAll(async () => {
    await kernel.stop();
  });

  it('runs a cell and returns the last expression', async () => {
    const { reply, iopub } = await kernel.execute('const a: number = 20; console.log("hi"); a + 22');
    expect(reply.content.status).toBe('ok');
    expect(streamText(iopub)).toBe('hi\n');
    expect(ofType(iopub, 'execute_result')[0].content.data).toEqual({ 'text/plain': '42' });
  });
});
