// Fresh fake STS, Bedrock Runtime and AppSync Events for one test: the endpoints a caller package talks to.
import { FakeBedrock, FakeSts } from "./fakes";
import { FakeAppSync } from "./fakeAppSync";

export interface FakeEndpoints {
    sts: FakeSts;
    bedrock: FakeBedrock;
    appsync: FakeAppSync;
}

export async function startFakeEndpoints(): Promise<FakeEndpoints> {
    const [sts, bedrock, appsync] = await Promise.all([
        new FakeSts().start(),
        new FakeBedrock().start(),
        new FakeAppSync().start(),
    ]);
    return { sts, bedrock, appsync };
}

export async function stopFakeEndpoints(f: FakeEndpoints): Promise<void> {
    await Promise.all([f.sts.stop(), f.bedrock.stop(), f.appsync.stop()]);
}
