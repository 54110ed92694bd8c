// Policy pack: `pulumi preview --policy-pack policy` (run `npm ci` in policy/ first). Rules: rules.ts.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("bedrock-bridge", {
    description:
        "bedrock-bridge security promises: least-privilege Bedrock access, conditioned trust, expiring keys, bounded logs, IAM-only publish",
    enforcementLevel: "mandatory",
    policies,
});
