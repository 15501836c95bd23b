// Test support for the trainer's tests.

/**
 * A tiny-clip training at 32 px on "a curly spoon", two views with noise: the YAML up to the first
 * transform (more transforms, then constraints, may follow at the same indentation).
 */
export const spoonYaml = (epochs: number) => `
epochs: ${epochs}
resolution: 32
verbose: 0
snapshot_interval: 0
targets:
  - batch_size: 2
    features:
      - text: a curly spoon
    transforms:
      - noise: 0.1
`;
