import { CfError } from './errors/index.js';
import type { PrincipalType } from './record.js';

/**
 * The one definition of principal ids (reference: /work/shared/reference/compliance-api.md,
 * section 1). A ChatGPT workspace id is a UUID; an API Platform organization id is `org-`
 * followed by letters and digits (OpenAI's ids look like `org-p13k3klgno5cqxbf0q8hpgrk`). The
 * reference documents no other characters; 64 bounds what a config can put into a URL path.
 */
export const WORKSPACE_ID_PATTERN =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const ORGANIZATION_ID_PATTERN = /^org-[A-Za-z0-9]{1,64}$/;

export type PrincipalKind = 'workspace' | 'organization';

export function isWorkspaceId(id: string): boolean {
  return WORKSPACE_ID_PATTERN.test(id);
}

export function isOrganizationId(id: string): boolean {
  return ORGANIZATION_ID_PATTERN.test(id);
}

/** Workspace ids are UUIDs; organization ids look like `org-p13k3klgno5cqxbf0q8hpgrk`. */
export function principalKindOf(id: string): PrincipalKind | undefined {
  if (isWorkspaceId(id)) return 'workspace';
  if (isOrganizationId(id)) return 'organization';
  return undefined;
}

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
  const kind = principalKindOf(principalId);
  if (kind === 'workspace') {
    return { type: 'CHATGPT_WORKSPACE', collection: 'workspaces', streamPrefix: `workspace/${principalId}` };
  }
  if (kind === 'organization') {
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
