export const SERVER_BUNDLE: string;
export const SERVER_NODE_FLAGS: string[];
export function serverBundleStale(): boolean;
export function buildServer(): Promise<void>;
