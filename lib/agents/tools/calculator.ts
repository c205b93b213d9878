import { all, create, type MathNode } from "mathjs";
import { z } from "zod";
import type { ToolDefinition } from "../../llm/types";

export const MAX_EXPRESSION_LENGTH = 500;
const MAX_RESULT_LENGTH = 1_000;

export const calculatorInputSchema = z.object({
  expression: z
    .string()
    .trim()
    .min(1, "the expression is empty")
    .max(MAX_EXPRESSION_LENGTH, `the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`)
    .describe('A math expression, e.g. "2 * (3 + 4)", "sqrt(2) ^ 3", "5 inch to cm"'),
});

// A private instance, limited as mathjs's security guide shows: whatever an
// expression reaches, it cannot import, define units or parse more code.
const math = create(all as NonNullable<typeof all>);
const parse = math.parse;
const disabled = (name: string) => () => {
  throw new Error(`${name} is not available in the calculator`);
};
math.import(
  Object.fromEntries(
    [
      "import",
      "createUnit",
      "reviver",
      "evaluate",
      "parse",
      "compile",
      "simplify",
      "derivative",
      "resolve",
    ].map((name) => [name, disabled(name)]),
  ),
  { override: true },
);

/*
 * Beyond the guide, only these functions may be called: the model's input is
 * untrusted, and functions that build collections of a given size (zeros,
 * range), loop over big numbers (combinations, isPrime on a bignumber) or take
 * callbacks could hold the event loop, which no timeout can interrupt.
 */
const allowedFunctions = new Set([
  ...["abs", "add", "subtract", "multiply", "divide", "unaryMinus", "unaryPlus", "mod", "pow", "sqrt"],
  ...["cbrt", "nthRoot", "exp", "expm1", "log", "log10", "log2", "log1p", "square", "cube", "hypot"],
  ...["round", "floor", "ceil", "fix", "sign", "gcd", "lcm", "factorial", "gamma"],
  ...["sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh"],
  ...["asinh", "acosh", "atanh", "min", "max", "sum", "prod", "mean", "median", "mode", "std", "variance"],
  ...["dotMultiply", "dotDivide", "dotPow", "transpose", "det", "inv", "dot", "cross", "norm"],
  ...["equal", "unequal", "smaller", "smallerEq", "larger", "largerEq", "compare", "and", "or", "xor", "not"],
  ...["bitAnd", "bitOr", "bitXor", "bitNot", "leftShift", "rightArithShift", "rightLogShift"],
  ...["to", "unit", "number", "re", "im", "conj", "arg", "complex"],
]);

const allowedNodes = new Set([
  "ArrayNode",
  "AssignmentNode",
  "BlockNode",
  "ConditionalNode",
  "ConstantNode",
  "FunctionNode",
  "OperatorNode",
  "ParenthesisNode",
  "RelationalNode",
  "SymbolNode",
]);

const isMathFunction = (name: string) =>
  typeof (math as unknown as Record<string, unknown>)[name] === "function";

/** Why the expression may not run, or null when it may. */
function refusal(root: MathNode): string | null {
  let reason: string | null = null;
  root.traverse((node) => {
    if (reason) return;
    if (!allowedNodes.has(node.type)) {
      reason = `${describeNode(node.type)} is not supported`;
    } else if (node.type === "FunctionNode") {
      const fn = (node as unknown as { fn: MathNode }).fn;
      const name = fn.type === "SymbolNode" ? (fn as unknown as { name: string }).name : "";
      if (!allowedFunctions.has(name)) reason = `the function ${name || "expression"}() is not available`;
    } else if (node.type === "OperatorNode" || node.type === "RelationalNode") {
      const ops = node.type === "OperatorNode" ? [(node as unknown as { fn: string }).fn] : [];
      for (const op of ops) if (!allowedFunctions.has(op)) reason = `the operator ${op} is not available`;
    } else if (node.type === "SymbolNode") {
      const { name } = node as unknown as { name: string };
      if (isMathFunction(name) && !allowedFunctions.has(name)) reason = `${name} is not available`;
    } else if (node.type === "AssignmentNode") {
      const { object } = node as unknown as { object: MathNode };
      const name = object.type === "SymbolNode" ? (object as unknown as { name: string }).name : "";
      if (!name || name in math) reason = `cannot assign to ${name || "that"}`;
    }
  });
  return reason;
}

function describeNode(type: string): string {
  if (type === "FunctionAssignmentNode") return "defining functions";
  if (type === "RangeNode") return "a range (a:b)";
  if (type === "AccessorNode" || type === "IndexNode") return "indexing";
  if (type === "ObjectNode") return "an object";
  return type;
}

/** Evaluates one expression; throws an Error whose message says what is wrong, for the model and the user. */
export function calculate(expression: string): string {
  const { expression: input } = calculatorInputSchema.parse({ expression });
  let root: MathNode;
  try {
    root = parse(input);
  } catch (error) {
    throw new Error(`cannot read the expression: ${(error as Error).message}`, { cause: error });
  }
  const reason = refusal(root);
  if (reason) throw new Error(`cannot evaluate: ${reason}`);
  let value: unknown;
  try {
    value = root.compile().evaluate(new Map());
  } catch (error) {
    throw new Error(`cannot evaluate: ${(error as Error).message}`, { cause: error });
  }
  if (value !== null && typeof value === "object" && "entries" in value && Array.isArray(value.entries)) {
    value = value.entries.at(-1); // several statements: the last one's value
  }
  if (value === undefined || typeof value === "function") throw new Error("the expression has no value");
  const text = math.format(value, { precision: 14, lowerExp: -9, upperExp: 15 });
  return text.length > MAX_RESULT_LENGTH ? `${text.slice(0, MAX_RESULT_LENGTH)}…` : text;
}

export const calculatorTool: ToolDefinition<z.ZodType> = {
  name: "calculator",
  description:
    "Evaluates a math expression exactly and returns the result as text: arithmetic, powers, roots, " +
    "trigonometry (radians, or units like 30 deg), logarithms, statistics (mean, median, std), small " +
    "matrices and unit conversions (5 inch to cm). Use it for any calculation instead of guessing.",
  inputSchema: calculatorInputSchema,
  async execute(input) {
    const { expression } = calculatorInputSchema.parse(input);
    return calculate(expression);
  },
};
