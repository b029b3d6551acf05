// A synthesized cloud assembly (manifest.json + CloudFormation templates) as the checks read it, and a resolver that
// turns CloudFormation's intrinsic functions into plain values for one imagined deployment: account 123456789012,
// the template's region, every resource's physical name derived from its logical id. The checks compare ARNs, URLs
// and paths across resources, so every reference to a resource must resolve to the same string wherever it appears.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

export const ACCOUNT = "123456789012";
export const PARTITION = "aws";

/** Reads the application stack of an assembly directory, or a single (optionally gzipped) template file. */
export function loadAssembly(location) {
  if (fs.statSync(location).isFile()) {
    const raw = fs.readFileSync(location);
    const text = location.endsWith(".gz") ? zlib.gunzipSync(raw).toString("utf8") : raw.toString("utf8");
    const name = path.basename(location).replace(/^.*?(Platform-[a-z]+)\.template\.json(\.gz)?$/, "$1");
    return { directory: path.dirname(location), stacks: [{ name, template: JSON.parse(text), file: location }] };
  }

  const manifest = JSON.parse(fs.readFileSync(path.join(location, "manifest.json"), "utf8"));
  const stacks = Object.entries(manifest.artifacts)
    .filter(([, a]) => a.type === "aws:cloudformation:stack")
    .map(([name, a]) => {
      const file = path.resolve(location, a.properties.templateFile);
      return { name, file, template: JSON.parse(fs.readFileSync(file, "utf8")), region: /aws:\/\/[^/]+\/([a-z0-9-]+)/.exec(a.environment ?? "")?.[1] };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return { directory: location, stacks };
}

/** The application stack (Platform-<stage>) of an assembly. */
export function applicationStack(assembly) {
  const stack = assembly.stacks.find((s) => /^Platform-[a-z]+$/.test(s.name));
  if (!stack) throw new Error(`no Platform-<stage> stack in ${assembly.directory}`);
  return new Stack(stack.name, stack.template, stack.region ?? "us-east-1");
}

/** A template with a resolver for its intrinsic functions. */
export class Stack {
  constructor(name, template, region = "us-east-1") {
    this.name = name;
    this.template = template;
    this.region = region;
    this.resources = template.Resources ?? {};
    this.parameters = template.Parameters ?? {};
    this.stage = name.replace(/^Platform-/, "");
    /** Values for SSM-typed parameters, where a check knows what they hold (e.g. a secret's ARN). */
    this.ssmValues = {};
  }

  /** [logicalId, resource] pairs of a type. */
  ofType(type) {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }

  /** The single resource of a type, or an error naming how many there are. */
  single(type) {
    const all = this.ofType(type);
    if (all.length !== 1) throw new Error(`${this.name} has ${all.length} ${type}, expected 1`);
    return all[0];
  }

  /** Resolves intrinsics to plain JSON for the imagined deployment. Unknown references stay as "${Id.Attr}". */
  resolve(value) {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== "object") return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys;
      const arg = value[fn];
      switch (fn) {
        case "Ref": return this.ref(arg);
        case "Fn::GetAtt": return this.getAtt(...(Array.isArray(arg) ? arg : arg.split(".", 2)));
        case "Fn::Join": return this.resolve(arg[1]).map(String).join(arg[0]);
        case "Fn::Sub": return this.sub(arg);
        case "Fn::Select": return this.resolve(arg[1])[Number(this.resolve(arg[0]))];
        case "Fn::Split": return String(this.resolve(arg[1])).split(arg[0]);
        case "Fn::GetAZs": return ["a", "b", "c"].map((z) => `${this.region}${z}`);
        case "Fn::Base64": return Buffer.from(String(this.resolve(arg))).toString("base64");
        case "Fn::If": return this.resolve(arg[1]);
        case "Fn::ImportValue": return `\${Import.${this.resolve(arg)}}`;
        default: break;
      }
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)]));
  }

  sub(arg) {
    const [text, vars = {}] = Array.isArray(arg) ? arg : [arg, {}];
    return text.replace(/\$\{([^}]+)\}/g, (whole, name) => {
      if (name.startsWith("!")) return whole.slice(0, 2) + name.slice(1) + "}";
      if (name in vars) return String(this.resolve(vars[name]));
      if (name.includes(".")) {
        const [id, ...attr] = name.split(".");
        return String(this.getAtt(id, attr.join(".")));
      }
      return String(this.ref(name));
    });
  }

  ref(id) {
    switch (id) {
      case "AWS::AccountId": return ACCOUNT;
      case "AWS::Region": return this.region;
      case "AWS::Partition": return PARTITION;
      case "AWS::StackName": return this.name;
      case "AWS::URLSuffix": return "amazonaws.com";
      case "AWS::NoValue": return undefined;
      case "AWS::StackId": return `arn:aws:cloudformation:${this.region}:${ACCOUNT}:stack/${this.name}/00000000`;
      default: break;
    }
    if (id in this.parameters) {
      const p = this.parameters[id];
      // An SSM-typed parameter is the parameter's value at deploy time, not its name: one symbol, the same wherever used.
      if (/^AWS::SSM::Parameter::Value</.test(p.Type ?? "")) return this.ssmValues[id] ?? `\${ssm:${p.Default ?? id}}`;
      if (p.Default !== undefined) return p.Default;
      return `\${Parameter.${id}}`;
    }
    const resource = this.resources[id];
    if (!resource) return `\${Missing.${id}}`;
    const props = resource.Properties ?? {};
    const lower = id.toLowerCase();
    switch (resource.Type) {
      case "AWS::S3::Bucket": return props.BucketName ? this.resolve(props.BucketName) : `${this.name.toLowerCase()}-${lower}`;
      case "AWS::SQS::Queue": return `https://sqs.${this.region}.amazonaws.com/${ACCOUNT}/${this.queueName(id)}`;
      case "AWS::KMS::Key": return `key-${lower}`;
      case "AWS::IAM::Role": return props.RoleName ? this.resolve(props.RoleName) : `${this.name}-${id}`;
      case "AWS::SecretsManager::Secret": return `arn:aws:secretsmanager:${this.region}:${ACCOUNT}:secret:${props.Name ? this.resolve(props.Name) : `${this.name}-${id}`}-AbCdEf`;
      // A secret attached to its database: Ref is the secret's ARN (what RotationSchedule and ECS secrets name).
      case "AWS::SecretsManager::SecretTargetAttachment": return this.resolve(props.SecretId);
      case "AWS::ElasticLoadBalancingV2::TargetGroup": return `arn:aws:elasticloadbalancing:${this.region}:${ACCOUNT}:targetgroup/${id}/0`;
      case "AWS::ElasticLoadBalancingV2::LoadBalancer": return `arn:aws:elasticloadbalancing:${this.region}:${ACCOUNT}:loadbalancer/app/${id}/0`;
      case "AWS::ElasticLoadBalancingV2::Listener": return `arn:aws:elasticloadbalancing:${this.region}:${ACCOUNT}:listener/app/${id}/0`;
      case "AWS::Logs::LogGroup": return props.LogGroupName ? this.resolve(props.LogGroupName) : `${this.name}-${id}`;
      case "AWS::CloudTrail::Trail": return props.TrailName ? this.resolve(props.TrailName) : `${this.name}-${id}`;
      case "AWS::CloudFront::Function": return `arn:aws:cloudfront::${ACCOUNT}:function/${props.Name ? this.resolve(props.Name) : id}`;
      case "AWS::SSM::Parameter": return props.Name ? this.resolve(props.Name) : id;
      default: return id;
    }
  }

  queueName(id) {
    const props = this.resources[id]?.Properties ?? {};
    return props.QueueName ? this.resolve(props.QueueName) : `${this.name}-${id}`;
  }

  getAtt(id, attribute) {
    const resource = this.resources[id];
    if (!resource) return `\${Missing.${id}.${attribute}}`;
    const props = resource.Properties ?? {};
    const ref = this.ref(id);
    switch (`${resource.Type}.${attribute}`) {
      case "AWS::S3::Bucket.Arn": return `arn:aws:s3:::${ref}`;
      case "AWS::S3::Bucket.RegionalDomainName": return `${ref}.s3.${this.region}.amazonaws.com`;
      case "AWS::S3::Bucket.DomainName": return `${ref}.s3.amazonaws.com`;
      case "AWS::SQS::Queue.Arn": return `arn:aws:sqs:${this.region}:${ACCOUNT}:${this.queueName(id)}`;
      case "AWS::SQS::Queue.QueueName": return this.queueName(id);
      case "AWS::SQS::Queue.QueueUrl": return ref;
      case "AWS::KMS::Key.Arn": return `arn:aws:kms:${this.region}:${ACCOUNT}:key/${ref}`;
      case "AWS::KMS::Key.KeyId": return ref;
      case "AWS::IAM::Role.Arn": return `arn:aws:iam::${ACCOUNT}:role/${ref}`;
      case "AWS::Logs::LogGroup.Arn": return `arn:aws:logs:${this.region}:${ACCOUNT}:log-group:${ref}:*`;
      case "AWS::CloudTrail::Trail.Arn": return `arn:aws:cloudtrail:${this.region}:${ACCOUNT}:trail/${ref}`;
      case "AWS::CloudFront::Distribution.DomainName": return `${id.toLowerCase()}.cloudfront.net`;
      case "AWS::CloudFront::Distribution.Id": return ref;
      case "AWS::CloudFront::Function.FunctionARN": return ref;
      case "AWS::ElasticLoadBalancingV2::LoadBalancer.DNSName": return `${id.toLowerCase()}.${this.region}.elb.amazonaws.com`;
      case "AWS::SNS::Topic.TopicArn": return `arn:aws:sns:${this.region}:${ACCOUNT}:${id}`;
      // The instance's resource id (db-<26 characters> in AWS), what rds-db:connect names; each instance its own.
      case "AWS::RDS::DBInstance.DbiResourceId": return `db-${id.toUpperCase()}`;
      case "AWS::RDS::DBInstance.DBInstanceArn": return `arn:aws:rds:${this.region}:${ACCOUNT}:db:${ref}`;
      case "AWS::WAFv2::WebACL.Arn": return `arn:aws:wafv2:us-east-1:${ACCOUNT}:global/webacl/${id}/0`;
      default: break;
    }
    if (attribute === "Arn") return `arn:aws:${resource.Type.split("::")[1].toLowerCase()}:${this.region}:${ACCOUNT}:${id}`;
    return `\${${id}.${attribute}}`;
  }

  /** The logical id a CloudFormation value refers to ({Ref} or {Fn::GetAtt}), if any. */
  static target(value) {
    if (value && typeof value === "object") {
      if (typeof value.Ref === "string") return value.Ref;
      const att = value["Fn::GetAtt"];
      if (att) return Array.isArray(att) ? att[0] : String(att).split(".")[0];
    }
    return undefined;
  }

  /** Every logical id a value mentions (Ref, GetAtt, Sub placeholders), recursively. */
  static references(value, found = new Set()) {
    if (Array.isArray(value)) value.forEach((v) => Stack.references(v, found));
    else if (value && typeof value === "object") {
      const target = Stack.target(value);
      if (target) found.add(target);
      if (value["Fn::Sub"]) {
        const text = Array.isArray(value["Fn::Sub"]) ? value["Fn::Sub"][0] : value["Fn::Sub"];
        for (const [, name] of String(text).matchAll(/\$\{([^}!]+)\}/g)) found.add(name.split(".")[0]);
      }
      Object.values(value).forEach((v) => Stack.references(v, found));
    }
    return found;
  }
}

/** What the template says each ECS service is: its name (OTEL_SERVICE_NAME), task, roles, environment, secrets. */
export function ecsServices(stack) {
  return stack.ofType("AWS::ECS::Service").map(([id, service]) => {
    const taskId = Stack.target(service.Properties.TaskDefinition);
    const task = stack.resources[taskId];
    const containers = task.Properties.ContainerDefinitions ?? [];
    const app = containers.find((c) => c.Name === "app") ?? containers[0];
    const environment = Object.fromEntries((app.Environment ?? []).map((e) => [e.Name, e.Value]));
    const name = environment.OTEL_SERVICE_NAME ?? id;
    return {
      id,
      name,
      service,
      taskId,
      task,
      containers,
      app,
      environment,
      secrets: Object.fromEntries((app.Secrets ?? []).map((s) => [s.Name, s.ValueFrom])),
      taskRoleId: Stack.target(task.Properties.TaskRoleArn),
      executionRoleId: Stack.target(task.Properties.ExecutionRoleArn),
      targetGroups: (service.Properties.LoadBalancers ?? []).map((l) => Stack.target(l.TargetGroupArn)),
      dependsOn: [].concat(service.DependsOn ?? []),
      serviceConnectNames: (service.Properties.ServiceConnectConfiguration?.Services ?? [])
        .flatMap((s) => (s.ClientAliases ?? []).map((a) => a.DnsName ?? s.DiscoveryName)),
    };
  });
}
