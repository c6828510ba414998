import { Subject, lastValueFrom, toArray, from } from 'rxjs';
import { latestFirst } from '../../src/media/latest-first';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('latestFirst', () => {
  test('sync transform: every input goes through, in order', async () => {
    const out = await lastValueFrom(
      from([1, 2, 3]).pipe(
        latestFirst((x: number) => x * 10),
        toArray(),
      ),
    );
    expect(out).toEqual([10, 20, 30]);
  });

  test('slow async consumer: at most one waiting, older dropped and counted, order kept', async () => {
    const src = new Subject<number>();
    const started: number[] = [];
    const dropped: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const resolvers: (() => void)[] = [];
    const results: number[] = [];
    let completed = false;
    src
      .pipe(
        latestFirst(
          (x: number) => {
            started.push(x);
            running++;
            maxRunning = Math.max(maxRunning, running);
            return new Promise<number>((r) =>
              resolvers.push(() => {
                running--;
                r(x);
              }),
            );
          },
          { onDrop: (d, total) => dropped.push(d) && expect(total).toBe(dropped.length) },
        ),
      )
      .subscribe({ next: (v) => results.push(v), complete: () => (completed = true) });
    for (let i = 1; i <= 5; i++) src.next(i); // 1 runs; 2,3,4 replaced in turn; 5 waits
    expect(started).toEqual([1]);
    expect(dropped).toEqual([2, 3, 4]);
    resolvers.shift()!();
    await tick();
    expect(started).toEqual([1, 5]);
    src.next(6);
    src.next(7); // 6 dropped, 7 waits
    src.complete();
    resolvers.shift()!();
    await tick();
    resolvers.shift()!();
    await tick();
    expect(results).toEqual([1, 5, 7]);
    expect(dropped).toEqual([2, 3, 4, 6]);
    expect(maxRunning).toBe(1);
    expect(completed).toBe(true);
  });

  test('errors: onError skips the input and continues; without it the error propagates', async () => {
    const errs: unknown[] = [];
    const ok = await lastValueFrom(
      from([1, 2, 3]).pipe(
        latestFirst(
          (x: number) => {
            if (x === 2) throw new Error('boom');
            return x;
          },
          { onError: (e) => errs.push(e) },
        ),
        toArray(),
      ),
    );
    expect(ok).toEqual([1, 3]);
    expect(errs).toHaveLength(1);
    // async rejection, inputs spaced out so none is dropped
    const src = new Subject<number>();
    const got: number[] = [];
    src
      .pipe(
        latestFirst(
          async (x: number) => {
            if (x === 2) throw new Error('async boom');
            return x;
          },
          { onError: (e) => errs.push(e) },
        ),
      )
      .subscribe((v) => got.push(v));
    for (const x of [1, 2, 3]) {
      src.next(x);
      await tick();
    }
    expect(got).toEqual([1, 3]);
    expect(errs).toHaveLength(2);
    await expect(
      lastValueFrom(
        from([1]).pipe(
          latestFirst(() => {
            throw new Error('sync boom');
          }),
        ),
      ),
    ).rejects.toThrow('sync boom');
  });

  test('unsubscribe stops a pending transform from emitting', async () => {
    const src = new Subject<number>();
    const results: number[] = [];
    let finish: (() => void) | undefined;
    const sub = src
      .pipe(latestFirst((x: number) => new Promise<number>((resolve) => (finish = () => resolve(x)))))
      .subscribe((v) => results.push(v));
    src.next(1);
    expect(finish).toBeDefined(); // the transform started
    sub.unsubscribe();
    finish!(); // it completes only after the unsubscribe
    await tick();
    expect(results).toEqual([]);
    // Control: the same transform without the unsubscribe does emit.
    const sub2 = src
      .pipe(latestFirst((x: number) => new Promise<number>((resolve) => (finish = () => resolve(x)))))
      .subscribe((v) => results.push(v));
    src.next(2);
    finish!();
    await tick();
    expect(results).toEqual([2]);
    sub2.unsubscribe();
  });
});
