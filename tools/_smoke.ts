import { runStack, readStackConfig } from "./harness";
import { writeLambdaPackage } from "./lambdaPackage";
(async () => {
  const run = await runStack({ stack: "bedrock", ...readStackConfig("bedrock") });
  const run2 = await runStack({ stack: "caller", ...readStackConfig("caller"), stackOutputs: () => run.outputs });
  const fn = run2.resources.find(r => r.type === "aws:lambda/function:Function")!;
  console.log(await writeLambdaPackage(fn.inputs.code, "/tmp/pkg"));
})().catch(e => { console.error("ERR", e); process.exit(1); });
