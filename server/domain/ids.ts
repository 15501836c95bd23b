/** Ids of experiments, runs, snapshots and users as they appear in rooms, events and URLs. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
