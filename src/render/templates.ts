/**
 * The one Handlebars environment: templates/ precompiled at build time
 * (scripts/build-templates.mjs) with strict (a missing field is an error, not an
 * empty string) and noEscape (these are config files, not HTML); values are written
 * only through the quoting helpers of quote.ts.
 */
import type Handlebars from 'handlebars';
import runtime from 'handlebars/runtime.js';
import { PARTIALS, TEMPLATES } from '../generated/templates.js';
import { formatGiB, GiB } from '../memory/units.js';
import { money } from '../planner/describe.js';
import { codeFence, composeString, composeWithVariables, markdownText, modelfileParameterName, modelfileValue, shellLines, shellWord, shellWords, yamlScalar } from './quote.js';
import { terminalSafe } from '../util/errors.js';

/** Handlebars' runtime build: the full build's API minus the compiler, which its typings do not describe separately. */
const handlebarsRuntime = runtime as unknown as typeof Handlebars;
type TemplateSpecification = Parameters<typeof Handlebars.template>[0];

type Scalar = string | number | boolean;

/** Comment text on one line: no line breaks a YAML, shell or Modelfile reader would honour. */
function commentText(value: Scalar): string {
  // Line breaks become spaces; other control and bidi characters are shown escaped (`\u202e`).
  return terminalSafe(String(value).replace(/[\r\n\u0085\u2028\u2029]+/g, ' '));
}

function helpers(): Record<string, Handlebars.HelperDelegate> {
  // Handlebars passes its options object as the last argument of every helper.
  const args = (xs: unknown[]) => xs.slice(0, -1) as Scalar[];
  return {
    sh: (value: Scalar) => shellWord(value),
    shellWords: (values: Scalar[]) => shellWords(values),
    shellLines: (argv: string[]) => shellLines(argv),
    yaml: (value: Scalar) => yamlScalar(value),
    compose: (value: Scalar) => composeString(value),
    // A launch argument with <NAME> placeholders: each becomes a required Compose variable, the rest stays literal.
    composeVariables: (value: Scalar) => composeWithVariables(String(value)),
    // Kubernetes expands $(VAR) in command and args and reads $$ as $, as Compose does with ${VAR}.
    k8s: (value: Scalar) => composeString(value),
    modelfile: (value: Scalar) => modelfileValue(value),
    modelfileName: (name: Scalar) => modelfileParameterName(String(name)),
    md: (value: Scalar) => markdownText(String(value)),
    comment: (value: Scalar) => commentText(value),
    concat: (...xs: unknown[]) => args(xs).map(String).join(''),
    join: (xs: unknown[], separator: string) => xs.map(String).join(separator),
    lines: (...xs: unknown[]) => args(xs).map(String),
    eq: (a: unknown, b: unknown) => a === b,
    plus: (a: number, b: number) => a + b,
    minus: (a: number, b: number) => a - b,
    gib: (bytes: number) => formatGiB(bytes),
    gibNumber: (bytes: number) => (bytes / GiB).toFixed(2),
    money: (n: number) => money(n),
    /** `{{#code "bash" lines}}{{/code}}`: a fenced block no line inside can close early. */
    code: (lang: string, body: string[]) => {
      const text = body.join('\n');
      const fence = codeFence(text);
      return `${fence}${lang}\n${text}\n${fence}`;
    },
  };
}

/**
 * Strict mode checks paths written in the template but not the arguments of helpers,
 * so each helper refuses a missing (undefined) argument itself.
 */
function strictHelpers(table: Record<string, Handlebars.HelperDelegate>): Record<string, Handlebars.HelperDelegate> {
  return Object.fromEntries(
    Object.entries(table).map(([name, helper]) => [
      name,
      (...xs: unknown[]) => {
        const options = xs[xs.length - 1] as { loc?: { start?: { line?: number } } } | undefined;
        if (xs.slice(0, -1).some((x) => x === undefined)) {
          throw new Error(`template helper "${name}" at line ${options?.loc?.start?.line ?? '?'}: a value it was given is missing`);
        }
        return helper(...xs);
      },
    ]),
  );
}

let environment: typeof Handlebars | null = null;
const compiled = new Map<string, Handlebars.TemplateDelegate>();

function env(): typeof Handlebars {
  if (environment) return environment;
  const hb = handlebarsRuntime.create();
  hb.registerHelper(strictHelpers(helpers()));
  for (const [name, spec] of Object.entries(PARTIALS)) hb.registerPartial(name, hb.template(spec));
  environment = hb;
  return hb;
}

/** Renders the template compiled from `templates/<name>.hbs` with `view`. */
export function renderTemplate(name: string, view: object): string {
  let template = compiled.get(name);
  if (!template) {
    const spec = (TEMPLATES as Record<string, TemplateSpecification | undefined>)[name];
    if (!spec) throw new Error(`no template templates/${name}.hbs`);
    template = env().template(spec);
    compiled.set(name, template);
  }
  return template(view);
}
