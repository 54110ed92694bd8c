// The one list of models that take temperature or topP, not both.
import { strict as assert } from "assert";
import { acceptsOneSamplingParameter } from "../../../functions/bedrock/samplingRules";

describe("sampling rules", () => {
    it("knows Claude Sonnet 4.5 and Haiku 4.5 by model id, profile id and ARN", () => {
        for (const id of [
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "jp.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "global.anthropic.claude-haiku-4-5-20251001-v1:0",
            "arn:aws:bedrock:ap-northeast-1:222222222222:inference-profile/jp.anthropic.claude-haiku-4-5-20251001-v1:0",
        ])
            assert.equal(acceptsOneSamplingParameter(id), true, id);
    });
    it("leaves older models that accept both alone", () => {
        for (const id of [
            "apac.anthropic.claude-sonnet-4-20250514-v1:0",
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "amazon.nova-pro-v1:0",
        ]) {
            assert.equal(acceptsOneSamplingParameter(id), false, id);
        }
    });
});
