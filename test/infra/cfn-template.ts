/**
 * Test helpers for CloudFormation templates:
 * - `loadTemplate(path)`: template.yaml parsed with its short-form tags (!Ref, !Sub, ...) turned
 *   into the long JSON form, with the YAML parser aws-cdk-lib bundles (no extra dependency).
 * - `createLinter().lint(template)`: the CloudFormation validator bundled in aws-cdk-lib
 *   (@aws/cloudformation-validate), resolved from aws-cdk-lib's directory; FATAL/ERROR findings.
 * - `evaluate(value, ctx)`: a small evaluator of the intrinsics the templates use, to check what
 *   an expression produces for given parameters (resources evaluate to "<LogicalId>").
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const cdkDir = dirname(require.resolve('aws-cdk-lib/package.json'));

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export interface CfnTemplate {
  Parameters: Record<string, { Type: string; Default?: string | number; NoEcho?: boolean; AllowedValues?: (string | number)[]; Description?: string }>;
  Conditions: Record<string, Json>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, Json>; DependsOn?: string | string[] }>;
  Outputs: Record<string, Json>;
  Metadata?: Record<string, Json>;
  Transform?: string | string[];
}

// ---- YAML with CloudFormation tags -------------------------------------------------------
interface CstNode {
  type: string;
  strValue?: string;
}
interface YamlCollection {
  toJSON(): Json;
}
interface YamlModule {
  parse(text: string, options: { customTags: unknown[]; schema: string }): unknown;
}
interface YamlUtil {
  parseSeq(doc: unknown, cst: CstNode): YamlCollection;
  parseMap(doc: unknown, cst: CstNode): YamlCollection;
}

const FUNCTIONS = ['Ref', 'Condition', 'Sub', 'GetAtt', 'If', 'Join', 'Split', 'Select', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'Base64', 'GetAZs', 'ImportValue', 'Cidr'];

export function loadTemplate(path: string): CfnTemplate {
  const yaml = require(require.resolve('yaml', { paths: [cdkDir] })) as YamlModule;
  const util = require(require.resolve('yaml/util', { paths: [cdkDir] })) as YamlUtil;
  const customTags = FUNCTIONS.map((name) => ({
    tag: `!${name}`,
    identify: () => false,
    resolve(doc: unknown, cst: CstNode): Json {
      const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
      let value: Json;
      if (cst.type === 'FLOW_SEQ' || cst.type === 'SEQ') value = util.parseSeq(doc, cst).toJSON();
      else if (cst.type === 'FLOW_MAP' || cst.type === 'MAP') value = util.parseMap(doc, cst).toJSON();
      else value = cst.strValue ?? '';
      if (name === 'GetAtt' && typeof value === 'string') {
        const dot = value.indexOf('.');
        value = [value.slice(0, dot), value.slice(dot + 1)];
      }
      return { [key]: value };
    },
  }));
  return yaml.parse(readFileSync(path, 'utf8'), { customTags, schema: 'core' }) as CfnTemplate;
}

// ---- linting ------------------------------------------------------------------------------
interface Diagnostic {
  severity: string;
  ruleId: string;
  message: string;
  entity?: { logicalId?: string };
}
interface Validator {
  CompositeEngine: new () => { validateTemplate(t: unknown): { diagnostics: Diagnostic[] }; free(): void };
  TemplateFile: new (path: string) => unknown;
  TemplateContent: new (content: string, name?: string) => unknown;
}

export interface Linter {
  /** FATAL and ERROR findings, as "SEVERITY rule logicalId: message" lines. */
  lint(template: { path: string } | { json: unknown; name: string }): string[];
  free(): void;
}

/** One validator engine (building it compiles the rules: seconds), for several templates. */
export function createLinter(): Linter {
  const v = require(require.resolve('@aws/cloudformation-validate', { paths: [cdkDir] })) as Validator;
  const engine = new v.CompositeEngine();
  return {
    lint(template) {
      const input = 'path' in template ? new v.TemplateFile(template.path) : new v.TemplateContent(JSON.stringify(template.json), template.name);
      return engine
        .validateTemplate(input)
        .diagnostics.filter((d) => d.severity === 'FATAL' || d.severity === 'ERROR')
        .map((d) => `${d.severity} ${d.ruleId} ${d.entity?.logicalId ?? ''}: ${d.message}`);
    },
    free: () => engine.free(),
  };
}

// ---- evaluation ---------------------------------------------------------------------------
export interface EvalContext {
  readonly template: CfnTemplate;
  readonly parameters: Readonly<Record<string, string | string[]>>;
  readonly partition?: string;
}

const NO_VALUE = Symbol('NoValue');
type Value = Json | typeof NO_VALUE | undefined;

function param(ctx: EvalContext, name: string): Json {
  const pseudo: Record<string, string> = {
    'AWS::Partition': ctx.partition ?? 'aws',
    'AWS::Region': 'us-east-1',
    'AWS::AccountId': '123456789012',
    'AWS::StackName': 'log-forwarder',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const p = pseudo[name];
  if (p !== undefined) return p;
  const decl = ctx.template.Parameters[name];
  if (decl === undefined) return `<${name}>`;
  const given = ctx.parameters[name];
  const raw = given ?? (decl.Default === undefined ? '' : String(decl.Default));
  if (decl.Type === 'CommaDelimitedList') return Array.isArray(raw) ? raw : raw.split(',');
  return Array.isArray(raw) ? raw.join(',') : raw;
}

export function condition(ctx: EvalContext, name: string): boolean {
  const c = ctx.template.Conditions[name];
  if (c === undefined) throw new Error(`no condition ${name}`);
  return evaluate(c, ctx) === true;
}

function str(v: Value): string {
  if (typeof v !== 'string') throw new Error(`expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function sub(text: string, vars: Readonly<Record<string, Value>>, ctx: EvalContext): string {
  return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
    if (name in vars) return str(vars[name]);
    if (name.includes('.')) return `<${name}>`;
    const v = ctx.template.Resources[name] !== undefined ? `<${name}>` : param(ctx, name);
    return str(v);
  });
}

/** Evaluates intrinsics; returns undefined for AWS::NoValue at the top. */
export function evaluate(value: Json, ctx: EvalContext): Json | undefined {
  const v = ev(value, ctx);
  return v === NO_VALUE ? undefined : v;
}

function ev(value: Json, ctx: EvalContext): Value {
  if (Array.isArray(value)) return value.map((x) => ev(x, ctx)).filter((x): x is Json => x !== NO_VALUE && x !== undefined);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const fn = keys.length === 1 ? keys[0] : undefined;
  const arg = fn === undefined ? undefined : (value[fn] as Json);
  switch (fn) {
    case 'Ref': {
      const name = str(arg);
      if (name === 'AWS::NoValue') return NO_VALUE;
      return ctx.template.Resources[name] !== undefined ? `<${name}>` : param(ctx, name);
    }
    case 'Condition':
      return condition(ctx, str(arg));
    case 'Fn::GetAtt': {
      const [id, attr] = arg as [string, string];
      return `<${id}.${attr}>`;
    }
    case 'Fn::If': {
      const [c, a, b] = arg as [string, Json, Json];
      return ev(condition(ctx, c) ? a : b, ctx);
    }
    case 'Fn::Equals': {
      const [a, b] = arg as [Json, Json];
      return JSON.stringify(ev(a, ctx)) === JSON.stringify(ev(b, ctx));
    }
    case 'Fn::Not':
      return !(ev((arg as Json[])[0] ?? null, ctx) as boolean);
    case 'Fn::And':
      return (arg as Json[]).every((x) => ev(x, ctx) === true);
    case 'Fn::Or':
      return (arg as Json[]).some((x) => ev(x, ctx) === true);
    case 'Fn::Join': {
      const [sep, items] = arg as [string, Json];
      return (ev(items, ctx) as Json[]).map(str).join(sep);
    }
    case 'Fn::Split': {
      const [sep, text] = arg as [string, Json];
      return str(ev(text, ctx)).split(sep);
    }
    case 'Fn::Select': {
      const [i, items] = arg as [string | number, Json];
      return (ev(items, ctx) as Json[])[Number(i)];
    }
    case 'Fn::Sub': {
      if (typeof arg === 'string') return sub(arg, {}, ctx);
      const [text, vars] = arg as [string, Record<string, Json>];
      const resolved: Record<string, Value> = {};
      for (const [k, x] of Object.entries(vars)) resolved[k] = ev(x, ctx);
      return sub(text, resolved, ctx);
    }
    default: {
      const out: Record<string, Json> = {};
      for (const [k, x] of Object.entries(value)) {
        const r = ev(x, ctx);
        if (r !== NO_VALUE && r !== undefined) out[k] = r;
      }
      return out;
    }
  }
}
