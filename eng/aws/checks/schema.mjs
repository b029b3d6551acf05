// Schema check: every resource type, property (nested too) and attribute a template uses exists in the CloudFormation
// resource specification with the right kind of value, and every required property is present. The specification is
// the database the AWS CDK itself is generated from (npm @aws-cdk/aws-service-spec, db.json.gz, pinned in
// package-lock.json), read offline. CloudFormation converts scalars between strings, numbers and booleans, so only
// conversions it would reject count ("abc" for an integer, a list for a string, an object for a list...).
import fs from "node:fs";
import zlib from "node:zlib";
import { createRequire } from "node:module";
import { Stack } from "./lib/assembly.mjs";

const require = createRequire(import.meta.url);

let database;

/** The specification: resources by CloudFormation type, type definitions by id. Loaded once (about 0.3 s). */
export function specification() {
  if (!database) {
    const file = require.resolve("@aws-cdk/aws-service-spec/db.json.gz");
    const { schema } = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString("utf8"));
    const resources = new Map(Object.values(schema.resource.entities).map((r) => [r.cloudFormationType, r]));
    // Entities are stored as arrays; references name them by their $id.
    const types = new Map(Object.values(schema.typeDefinition.entities).map((t) => [t.$id, t]));
    database = { resources, types };
  }
  return database;
}

const RESOURCE_KEYS = new Set(["Type", "Properties", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy", "Metadata", "Condition", "CreationPolicy", "UpdatePolicy"]);
const DELETION_POLICIES = new Set(["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"]);
// Resource types whose DeletionPolicy may be Snapshot (CloudFormation's DeletionPolicy attribute documentation).
const SNAPSHOT_TYPES = new Set(["AWS::EC2::Volume", "AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup", "AWS::Neptune::DBCluster",
  "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::Redshift::Cluster", "AWS::DocDB::DBCluster"]);
const PSEUDO = new Set(["AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"]);
const STRING_FUNCTIONS = new Set(["Fn::Join", "Fn::Sub", "Fn::Base64", "Fn::ToJsonString"]);
const LIST_FUNCTIONS = new Set(["Fn::GetAZs", "Fn::Split", "Fn::Cidr"]);
const ANY_FUNCTIONS = new Set(["Fn::Select", "Fn::ImportValue", "Fn::FindInMap", "Fn::Length", "Fn::GetAtt", "Ref", "Fn::If"]);

/** Checks one template; returns a list of problems, each "Resource.Property.Path: what is wrong". */
export function checkTemplate(template) {
  const spec = specification();
  const problems = [];
  const resources = template.Resources ?? {};
  const parameters = template.Parameters ?? {};
  const conditions = template.Conditions ?? {};

  const context = { spec, resources, parameters, conditions, problems };
  for (const [id, resource] of Object.entries(resources)) {
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) problems.push(`${id}: '${key}' is not a resource attribute CloudFormation knows`);
    }
    for (const dependency of [].concat(resource.DependsOn ?? [])) {
      if (!(dependency in resources)) problems.push(`${id}.DependsOn: '${dependency}' is not a resource of the template`);
    }
    for (const policy of ["DeletionPolicy", "UpdateReplacePolicy"]) {
      const value = resource[policy];
      if (value === undefined) continue;
      if (!DELETION_POLICIES.has(value)) problems.push(`${id}.${policy}: '${value}' is not Delete, Retain, RetainExceptOnCreate or Snapshot`);
      else if (value === "Snapshot" && !SNAPSHOT_TYPES.has(resource.Type)) problems.push(`${id}.${policy}: ${resource.Type} cannot be snapshotted`);
    }
    if (resource.Condition && !(resource.Condition in conditions)) problems.push(`${id}.Condition: '${resource.Condition}' is not a condition of the template`);
    if (/^Custom::|^AWS::CloudFormation::CustomResource$/.test(resource.Type)) continue;

    const definition = spec.resources.get(resource.Type);
    if (!definition) {
      problems.push(`${id}: the resource type '${resource.Type}' does not exist in the CloudFormation resource specification`);
      continue;
    }
    checkProperties(context, resource.Properties ?? {}, definition.properties, `${id}`, resource.Type);
  }

  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    checkValue(context, output.Value, { type: "string" }, `Outputs.${name}.Value`);
  }
  return problems;
}

function checkProperties(context, values, properties, path, typeName) {
  if (values === null || typeof values !== "object" || Array.isArray(values)) {
    context.problems.push(`${path}: expected an object of ${typeName} properties, found ${describe(values)}`);
    return;
  }
  for (const [name, value] of Object.entries(values)) {
    const property = properties[name];
    if (!property) {
      const near = nearest(name, Object.keys(properties));
      context.problems.push(`${path}.${name}: ${typeName} has no property '${name}'${near ? ` (did you mean '${near}'?)` : ""}`);
      continue;
    }
    const types = [property.type, ...(property.previousTypes ?? [])];
    checkValue(context, value, types.length === 1 ? types[0] : { type: "union", types }, `${path}.${name}`);
  }
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && !(name in values)) context.problems.push(`${path}: the required property '${name}' of ${typeName} is missing`);
  }
}

/** The kind of value an intrinsic function produces: 'string', 'list' or 'any' (unknown, accepted where scalars go). */
function intrinsicKind(context, value, path) {
  const keys = Object.keys(value);
  if (keys.length !== 1) return null;
  const [fn] = keys;
  const arg = value[fn];
  if (fn === "Ref") {
    if (typeof arg !== "string") context.problems.push(`${path}: Ref needs a name, found ${describe(arg)}`);
    else if (PSEUDO.has(arg)) return arg === "AWS::NotificationARNs" ? "list" : "string";
    else if (arg in context.parameters) return /^List<|^CommaDelimitedList$|^AWS::SSM::Parameter::Value<List</.test(context.parameters[arg].Type) ? "list" : "string";
    else if (!(arg in context.resources)) context.problems.push(`${path}: Ref to '${arg}', which is neither a parameter nor a resource`);
    return "string";
  }
  if (fn === "Fn::GetAtt") {
    const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
    const resource = context.resources[id];
    if (!resource) {
      context.problems.push(`${path}: Fn::GetAtt of '${id}', which is not a resource of the template`);
      return "any";
    }
    const definition = context.spec.resources.get(resource.Type);
    if (definition && typeof attribute === "string" && !(attribute in definition.attributes)) {
      const near = nearest(attribute, Object.keys(definition.attributes));
      context.problems.push(`${path}: ${resource.Type} '${id}' has no attribute '${attribute}'${near ? ` (did you mean '${near}'?)` : ""}`);
    }
    const type = definition?.attributes?.[attribute]?.type;
    return type?.type === "array" ? "list" : "any";
  }
  if (fn === "Fn::If") {
    if (!Array.isArray(arg) || arg.length !== 3) context.problems.push(`${path}: Fn::If needs [condition, then, else]`);
    else if (!(arg[0] in context.conditions)) context.problems.push(`${path}: Fn::If names '${arg[0]}', which is not a condition`);
    return "if";
  }
  if (fn === "Fn::Sub") {
    const [text, variables = {}] = Array.isArray(arg) ? arg : [arg, {}];
    for (const [, name] of String(text).matchAll(/\$\{([^}!]+)\}/g)) {
      const [id, ...attribute] = name.split(".");
      if (id in variables || PSEUDO.has(name) || id in context.parameters) continue;
      if (!(id in context.resources)) context.problems.push(`${path}: Fn::Sub names '\${${name}}', which is not a parameter, resource or variable`);
      else if (attribute.length) intrinsicKind(context, { "Fn::GetAtt": [id, attribute.join(".")] }, path);
    }
    Object.values(variables).forEach((v) => checkReferences(context, v, path));
    return "string";
  }
  if (STRING_FUNCTIONS.has(fn) || LIST_FUNCTIONS.has(fn) || ANY_FUNCTIONS.has(fn)) {
    checkReferences(context, arg, path);
    return STRING_FUNCTIONS.has(fn) ? "string" : LIST_FUNCTIONS.has(fn) ? "list" : "any";
  }
  return null;
}

/** Checks the references inside an intrinsic's arguments, whatever they produce. */
function checkReferences(context, value, path) {
  if (Array.isArray(value)) value.forEach((v) => checkReferences(context, v, path));
  else if (value && typeof value === "object") {
    if (intrinsicKind(context, value, path) === null) Object.values(value).forEach((v) => checkReferences(context, v, path));
  }
}

function checkValue(context, value, type, path) {
  if (value === undefined) return;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const kind = intrinsicKind(context, value, path);
    if (kind === "if") {
      for (const branch of value["Fn::If"].slice(1)) {
        if (!(branch && branch.Ref === "AWS::NoValue")) checkValue(context, branch, type, path);
      }
      return;
    }
    if (kind === "list") {
      if (!["array", "json", "union"].includes(type.type)) context.problems.push(`${path}: a list (from ${Object.keys(value)[0]}) where ${typeName(context, type)} is expected`);
      return;
    }
    if (kind !== null) {
      if (kind === "string" && ["array", "map", "ref", "tag"].includes(type.type)) {
        context.problems.push(`${path}: a string (from ${Object.keys(value)[0]}) where ${typeName(context, type)} is expected`);
      }
      return;
    }
  }

  switch (type.type) {
    case "string":
    case "date-time":
      if (typeof value === "object" && value !== null) context.problems.push(`${path}: expected a string, found ${describe(value)}`);
      else if (type.allowedValues && typeof value === "string" && !type.allowedValues.includes(value)) {
        context.problems.push(`${path}: '${value}' is not one of ${type.allowedValues.join(", ")}`);
      }
      return;
    case "integer":
    case "number":
      if (typeof value === "number" ? (type.type === "integer" && !Number.isInteger(value)) : !(typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value))) {
        context.problems.push(`${path}: expected ${type.type === "integer" ? "an integer" : "a number"}, found ${describe(value)}`);
      }
      return;
    case "boolean":
      if (!(typeof value === "boolean" || value === "true" || value === "false")) context.problems.push(`${path}: expected true or false, found ${describe(value)}`);
      return;
    case "json":
    case "null":
      return;
    case "tag":
      if (!value || typeof value !== "object" || Array.isArray(value)) context.problems.push(`${path}: expected a tag {Key, Value}, found ${describe(value)}`);
      else {
        for (const key of Object.keys(value)) if (key !== "Key" && key !== "Value") context.problems.push(`${path}.${key}: a tag has only Key and Value`);
        if (!("Key" in value)) context.problems.push(`${path}: the tag has no Key`);
        checkValue(context, value.Key, { type: "string" }, `${path}.Key`);
        checkValue(context, value.Value, { type: "string" }, `${path}.Value`);
      }
      return;
    case "array":
      if (!Array.isArray(value)) context.problems.push(`${path}: expected a list, found ${describe(value)}`);
      else value.forEach((v, i) => checkValue(context, v, type.element, `${path}[${i}]`));
      return;
    case "map":
      if (!value || typeof value !== "object" || Array.isArray(value)) context.problems.push(`${path}: expected a map, found ${describe(value)}`);
      else Object.entries(value).forEach(([k, v]) => checkValue(context, v, type.element, `${path}.${k}`));
      return;
    case "ref": {
      const definition = context.spec.types.get(type.reference.$ref);
      if (!definition) return;
      checkProperties(context, value, definition.properties, path, definition.name);
      return;
    }
    case "union": {
      // The first alternative that fits; else the problems of the alternative of the value's own kind.
      let best;
      for (const alternative of type.types) {
        const attempt = { ...context, problems: [] };
        checkValue(attempt, value, alternative, path);
        if (attempt.problems.length === 0) return;
        if (!best || (kindOf(alternative) === kindOf(value) && attempt.problems.length < best.length)) best = attempt.problems;
      }
      context.problems.push(...best);
      return;
    }
    default:
      return;
  }
}

function kindOf(valueOrType) {
  if (valueOrType && typeof valueOrType === "object" && "type" in valueOrType && typeof valueOrType.type === "string" && Object.keys(valueOrType).length <= 3) {
    return { array: "array", map: "object", ref: "object", tag: "object" }[valueOrType.type] ?? "scalar";
  }
  if (Array.isArray(valueOrType)) return "array";
  return valueOrType && typeof valueOrType === "object" ? "object" : "scalar";
}

function typeName(context, type) {
  if (type.type === "ref") return `a ${context.spec.types.get(type.reference.$ref)?.name ?? "structure"}`;
  if (type.type === "array") return "a list";
  if (type.type === "map") return "a map";
  return `a ${type.type}`;
}

function describe(value) {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return `an object {${Object.keys(value).slice(0, 3).join(", ")}}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The known name closest to a misspelt one (Levenshtein distance ≤ 3), to make a typo's message useful. */
function nearest(name, candidates) {
  let best;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

export { Stack };
