// What a handler run in the test's own process reads to reach the local fakes instead of AWS.
import type { FakeBedrock, FakeSts } from "../../emulation/fakes";

/** The SDK's endpoint variables pointed at the fakes, a region and fake credentials (to Object.assign to process.env). */
export const fakeAwsEnv = (sts: FakeSts, bedrock: FakeBedrock): Record<string, string> => ({
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url,
    AWS_REGION: "ap-northeast-1",
    AWS_ACCESS_KEY_ID: "AKIAFAKE",
    AWS_SECRET_ACCESS_KEY: "x",
});
