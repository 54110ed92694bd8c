// The one mocks setup for every test file (setMocks is global): loaded by .mocharc.json before any test.
// Tests run the program through tools/internal/harness.runStack, which points these mocks at the stack under test.
import * as pulumi from "@pulumi/pulumi";
import { ORGANIZATION, PROJECT, sharedMocks } from "../../tools/internal/harness";

void pulumi.runtime.setMocks(sharedMocks(), PROJECT, "test", false, ORGANIZATION);

// Test output is the tests' own: no AWS SDK Node-version warning (see tools/internal/quiet.ts), and the program's Pulumi
// log lines (info/warn/debug, printed once per stack run) only with BB_TEST_LOGS=1. Tests that check a warning
// replace pulumi.log.warn themselves and see every message.
import "../../tools/internal/quiet";
if (process.env.BB_TEST_LOGS !== "1") {
    const quiet = () => Promise.resolve();
    Object.assign(pulumi.log, { info: quiet, warn: quiet, debug: quiet });
}

// Handlers run in this process write their metrics as EMF lines on stdout, as in Lambda, between the test results.
// Packages run in child processes (emulation/lambdaRunner.ts) get their own environment and keep them.
process.env.POWERTOOLS_METRICS_DISABLED = "true";

// Runs that fail on purpose (config errors) leave registrations unresolved; Pulumi's exit-time leak detector
// would then print a warning after our summary line and turn a green run into exit code 1. Under mocks there
// is no engine to leak to, so mark the runtime finished after the tests (after each file in parallel mode; only
// that exit-time check reads the flag).
export const mochaHooks = {
    afterAll(): void {
        (require("@pulumi/pulumi/runtime/state").getStore() as { terminated?: boolean }).terminated = true;
    },
};
