// The one mocks setup for every test file (setMocks is global): loaded by .mocharc.json before any test.
// Tests run the program through tools/harness.runStack, which points these mocks at the stack under test.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, sharedMocks } from "../../tools/harness";

pulumi.runtime.setMocks(sharedMocks(), PROJECT, "test", false);
