// Which inputs force a replacement, per resource type the program creates, as plain data; and what makes up the
// physical name of the types whose name the program chooses (the name a replacement created before the old one is
// deleted would claim twice). Taken from the provider the installed @pulumi/aws 7 bridges, hashicorp/terraform-provider-aws:
// the attributes marked ForceNew (SDK resources) or RequiresReplace (framework resources) in its schema, source files
// named per entry (internal/service/<service>/<file>.go). Verified against that source for the Bedrock and Step
// Functions entries; the others follow the Terraform registry's resource pages ("forces new resource").
// A type not listed here is treated as updated in place; tests/updates.test.ts fails when the program names a
// resource of an unlisted type, so a new one gets its entry.

export interface ReplacementRule {
    /** Inputs (Pulumi names) whose change forces a replacement. */
    forcesReplacement: string[];
    /** Inputs that together make the physical name unique (in the account and region, or in their scope); none: auto-named. */
    physicalName?: string[];
    /** Where this comes from. */
    source: string;
}

const TF = "hashicorp/terraform-provider-aws internal/service";

export const REPLACEMENT_RULES: Record<string, ReplacementRule> = {
    "aws:iam/role:Role": {
        forcesReplacement: ["name", "namePrefix", "path"],
        physicalName: ["name"],
        source: `${TF}/iam/role.go (name, name_prefix, path: ForceNew)`,
    },
    "aws:iam/user:User": {
        // A user is renamed in place (UpdateUser NewUserName).
        forcesReplacement: [],
        physicalName: ["name"],
        source: `${TF}/iam/user.go (no ForceNew argument)`,
    },
    "aws:iam/policy:Policy": {
        forcesReplacement: ["name", "namePrefix", "path", "description"],
        physicalName: ["name"],
        source: `${TF}/iam/policy.go (name, name_prefix, path, description: ForceNew)`,
    },
    "aws:iam/rolePolicy:RolePolicy": {
        forcesReplacement: ["name", "namePrefix", "role"],
        physicalName: ["role", "name"],
        source: `${TF}/iam/role_policy.go (name, name_prefix, role: ForceNew)`,
    },
    "aws:iam/userPolicy:UserPolicy": {
        forcesReplacement: ["name", "namePrefix", "user"],
        physicalName: ["user", "name"],
        source: `${TF}/iam/user_policy.go (name, name_prefix, user: ForceNew)`,
    },
    "aws:lambda/function:Function": {
        forcesReplacement: ["name", "packageType"],
        physicalName: ["name"],
        source: `${TF}/lambda/function.go (function_name, package_type: ForceNew)`,
    },
    "aws:sns/topic:Topic": {
        forcesReplacement: ["name", "namePrefix", "fifoTopic"],
        physicalName: ["name"],
        source: `${TF}/sns/topic.go (name, name_prefix, fifo_topic: ForceNew)`,
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        forcesReplacement: ["name"],
        physicalName: ["name"],
        source: `${TF}/cloudwatch/metric_alarm.go (alarm_name: ForceNew)`,
    },
    "aws:wafv2/webAcl:WebAcl": {
        forcesReplacement: ["name", "scope"],
        physicalName: ["name", "scope"],
        source: `${TF}/wafv2/web_acl.go (name, scope: ForceNew)`,
    },
    "aws:dynamodb/table:Table": {
        forcesReplacement: ["name", "hashKey", "rangeKey"],
        physicalName: ["name"],
        source: `${TF}/dynamodb/table.go (name, hash_key, range_key: ForceNew)`,
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        forcesReplacement: ["name", "namePrefix", "logGroupClass"],
        physicalName: ["name"],
        source: `${TF}/logs/group.go (name, name_prefix, log_group_class: ForceNew)`,
    },
    "aws:cloudwatch/dashboard:Dashboard": {
        forcesReplacement: ["dashboardName"],
        physicalName: ["dashboardName"],
        source: `${TF}/cloudwatch/dashboard.go (dashboard_name: ForceNew)`,
    },
    "aws:cloudtrail/trail:Trail": {
        forcesReplacement: ["name"],
        physicalName: ["name"],
        source: `${TF}/cloudtrail/trail.go (name: ForceNew)`,
    },
    "aws:bedrock/inferenceProfile:InferenceProfile": {
        forcesReplacement: ["name", "description", "modelSource"],
        physicalName: ["name"],
        source: `${TF}/bedrock/inference_profile.go (name, description, model_source: RequiresReplace)`,
    },
    "aws:bedrock/guardrail:Guardrail": {
        // Everything, the name included, is changed with UpdateGuardrail (the DRAFT).
        forcesReplacement: [],
        physicalName: ["name"],
        source: `${TF}/bedrock/guardrail.go (no RequiresReplace attribute)`,
    },
    "aws:bedrock/guardrailVersion:GuardrailVersion": {
        forcesReplacement: ["guardrailArn", "description"],
        source: `${TF}/bedrock/guardrail_version.go (guardrail_arn: RequiresReplace, description: RequiresReplaceIfConfigured)`,
    },
    "aws:budgets/budget:Budget": {
        forcesReplacement: ["accountId", "name", "namePrefix"],
        physicalName: ["accountId", "name"],
        source: `${TF}/budgets/budget.go (account_id, name, name_prefix: ForceNew)`,
    },
    "aws:costexplorer/costAllocationTag:CostAllocationTag": {
        forcesReplacement: ["tagKey"],
        physicalName: ["tagKey"],
        source: `${TF}/ce/cost_allocation_tag.go (tag_key: ForceNew)`,
    },
    "aws:sfn/stateMachine:StateMachine": {
        forcesReplacement: ["name", "namePrefix", "type"],
        physicalName: ["name"],
        source: `${TF}/sfn/state_machine.go (name, name_prefix, type: ForceNew)`,
    },
    "aws:appsync/api:Api": {
        // Event API names need not be unique; the name is updated in place.
        forcesReplacement: [],
        source: `${TF}/appsync/api.go (no RequiresReplace attribute besides region)`,
    },
    "aws:appsync/channelNamespace:ChannelNamespace": {
        forcesReplacement: ["apiId", "name"],
        physicalName: ["apiId", "name"],
        source: `${TF}/appsync/channel_namespace.go (api_id, name: RequiresReplace)`,
    },
    "aws:apigateway/model:Model": {
        forcesReplacement: ["restApi", "name", "contentType", "description"],
        physicalName: ["restApi", "name"],
        source: `${TF}/apigateway/model.go (rest_api_id, name, content_type, description: ForceNew)`,
    },
    "aws:apigateway/requestValidator:RequestValidator": {
        // Validator names need not be unique in an API.
        forcesReplacement: ["restApi"],
        source: `${TF}/apigateway/request_validator.go (rest_api_id: ForceNew)`,
    },
    "aws:apigateway/stage:Stage": {
        forcesReplacement: ["restApi", "stageName"],
        physicalName: ["restApi", "stageName"],
        source: `${TF}/apigateway/stage.go (rest_api_id, stage_name: ForceNew)`,
    },
    "aws:apigateway/deployment:Deployment": {
        forcesReplacement: ["restApi", "triggers", "variables", "stageName", "stageDescription", "canarySettings"],
        source: `${TF}/apigateway/deployment.go (rest_api_id, triggers, variables, stage_name, stage_description, canary_settings: ForceNew)`,
    },
    "aws:apigateway/response:Response": {
        // One per response type and API: a replacement's PutGatewayResponse is undone by the old one's delete.
        forcesReplacement: ["restApiId", "responseType"],
        physicalName: ["restApiId", "responseType"],
        source: `${TF}/apigateway/gateway_response.go (rest_api_id, response_type: ForceNew)`,
    },
    "aws:apigateway/methodSettings:MethodSettings": {
        forcesReplacement: ["restApi", "stageName", "methodPath"],
        physicalName: ["restApi", "stageName", "methodPath"],
        source: `${TF}/apigateway/method_settings.go (rest_api_id, stage_name, method_path: ForceNew)`,
    },
};

/** Input keys that carry a name the program chose (a resource with one of these set is "explicitly named"). */
export const NAME_INPUTS = ["name", "bucket", "stageName", "dashboardName", "tagKey", "tableName", "topicName"];
