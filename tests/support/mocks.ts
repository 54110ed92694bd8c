// The one mocks setup for every test file (setMocks is global): loaded by .mocharc.json before any test.
// Tests run the program through tools/harness.runStack, which points these mocks at the stack under test.
import * as pulumi from "@pulumi/pulumi";
import { ORGANIZATION, PROJECT, sharedMocks } from "../../tools/harness";

pulumi.runtime.setMocks(sharedMocks(), PROJECT, "test", false, ORGANIZATION);

// Runs that fail on purpose (config errors) leave registrations unresolved; Pulumi's exit-time leak detector
// would then print a warning after our summary line and turn a green run into exit code 1. Under mocks there
// is no engine to leak to, so mark the runtime finished once all tests are done.
export const mochaHooks = {
    afterAll(): void {
        (require("@pulumi/pulumi/runtime/state").getStore() as { terminated?: boolean }).terminated = true;
    },
};
