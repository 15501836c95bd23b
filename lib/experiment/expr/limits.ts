/**
 * Hard limits that keep hostile expressions cheap: every input must finish in a few milliseconds and
 * end in a value or a diagnostic, never a hang, an out-of-memory or a stack overflow.
 */
export const DEFAULT_MAX_LENGTH = 1000;
/** Syntactic nesting: brackets, calls, unary operators, `**` right operands, conditionals. */
export const DEFAULT_MAX_DEPTH = 64;
/** Depth of the syntax tree itself (long `a+b+c+…` chains); bounds the evaluator's recursion. */
export const MAX_TREE_DEPTH = 1000;
/** Syntax-tree nodes (a 1000-character source makes at most about 1000). */
export const MAX_NODES = 2000;
/** Python ints are unbounded; ours stop at this many bits (2**16384 ≈ 1e4932). */
export const MAX_INT_BITS = 16384;
/** Longest list, tuple, dict, range or string an expression may build. */
export const MAX_SIZE = 10_000;
/**
 * Work units per evaluation (and for compile's folding plus validation together): one per node,
 * one per element touched, big-int arithmetic by size. A unit is roughly 0.1 µs.
 */
export const MAX_STEPS = 100_000;
/** Rejection-sampling loops (normalvariate, gammavariate, …) give up after this many rounds. */
export const MAX_RANDOM_TRIES = 10_000;
