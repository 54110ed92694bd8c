// A fake clock for code whose behaviour is defined in time (windows, retries, deadlines): the test decides when
// time passes, so the result does not depend on how fast or busy the machine is. @sinonjs/fake-timers fakes Date
// and the timer functions only; promises, I/O and setImmediate stay real, so async code between timers still runs.
import * as FakeTimers from "@sinonjs/fake-timers";

export type Clock = ReturnType<typeof FakeTimers.install>;

/** Runs fn with a fake clock installed (at time 0) and removes the clock afterwards, whatever happens. */
export async function withFakeClock<T>(fn: (clock: Clock) => Promise<T>): Promise<T> {
    const clock = FakeTimers.install({
        now: 0,
        toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"],
    });
    try {
        return await fn(clock);
    } finally {
        clock.uninstall();
    }
}

/** Moves the fake clock from timer to timer until `settled` settles; what each timer starts runs in between. */
export async function runUntil<T>(clock: Clock, settled: Promise<T>, limitMs = 600_000): Promise<T> {
    let done = false;
    const result = settled.finally(() => (done = true));
    result.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    const end = Date.now() + limitMs;
    for (;;) {
        // Real I/O and promise callbacks first, so a timer they set is seen before the clock jumps ahead.
        await new Promise(r => setImmediate(r));
        if (done) return result;
        if (clock.countTimers() === 0) throw new Error("no timer left, and it has not settled");
        if (Date.now() >= end) throw new Error(`not settled after ${limitMs} ms of fake time`);
        await clock.nextAsync();
    }
}

/** Waits (real time) until `cond` holds; no limit of its own: the test's timeout is the safety net for a hang. */
export async function until(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise(r => setTimeout(r, 10));
}
