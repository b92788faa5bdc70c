/** This agent's version, as `--version` prints it and the control plane records it. */
export const AGENT_VERSION = '0.1.0';
