// Who someone is to an experiment (`server/accounts/roles.ts` says what each may do).

export const ROLES = ["owner", "editor", "runner", "viewer"] as const;
export type Role = (typeof ROLES)[number];
