import { CfError } from './errors/index.js';
import type { PrincipalType } from './record.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a principal's logs live: a ChatGPT workspace (UUID) or an API Platform org (`org-…`). */
export interface PrincipalRoute {
  readonly type: PrincipalType;
  /** Path segment under the base URL: `workspaces` or `organizations`. */
  readonly collection: 'workspaces' | 'organizations';
  /** Stream-key prefix, as in SourceRef.stream (`workspace/<id>/<EVENT_TYPE>`). */
  readonly streamPrefix: string;
}

/** Routes a principal id, or fails with CF_ERR_CONFIG saying which ids are accepted. */
export function routePrincipal(principalId: string): PrincipalRoute {
  if (UUID.test(principalId)) {
    return { type: 'CHATGPT_WORKSPACE', collection: 'workspaces', streamPrefix: `workspace/${principalId}` };
  }
  if (/^org-[A-Za-z0-9_-]+$/.test(principalId)) {
    return {
      type: 'API_PLATFORM_ORG',
      collection: 'organizations',
      streamPrefix: `organization/${principalId}`,
    };
  }
  throw new CfError(
    'CF_ERR_CONFIG',
    `Principal id ${JSON.stringify(principalId)} is neither a workspace id (a UUID) nor an organization id (org-…).`,
  );
}
