import { hexString, type Prng } from '../random.js';
import { hole, numericHole } from './compile.js';
import { anyActor, envelope, requestMetadata, type TemplateContext, userActor } from './envelope.js';
import { alnum, sentence } from './text.js';

/** The per-type fields of every event type but CONVERSATION_MESSAGE (reference table). */

const AUDIT_ACTIONS = [
  'USER_INVITED',
  'USER_ROLE_UPDATED',
  'USER_REMOVED',
  'WORKSPACE_SETTING_UPDATED',
  'GPT_CREATED',
  'GPT_SHARED',
  'CONNECTOR_ENABLED',
  'SSO_CONFIG_UPDATED',
  'DOMAIN_VERIFIED',
  'COMPLIANCE_API_KEY_CREATED',
];

/**
 * AUDIT_LOG. About one template in eight is the upstream's self-generated noise: a
 * LIST_/DOWNLOAD_WORKSPACE_LOG_FILE(S) event by the simulator's own key (actor API_KEY with its
 * redacted_id), which a forwarder polling AUDIT_LOG should be able to drop.
 */
export function auditLog(rng: Prng, ctx: TemplateContext): object {
  if (rng.chance(0.125)) {
    return {
      ...envelope(ctx, { type: 'API_KEY', redacted_id: ctx.selfKeyRedactedId }),
      action: rng.pick(['LIST_WORKSPACE_LOG_FILES', 'DOWNLOAD_WORKSPACE_LOG_FILE']),
      action_result: 'SUCCESS',
      action_privilege: 'COMPLIANCE_API',
      request_metadata: requestMetadata(rng, true),
      action_data: { event_type: rng.pick(['AUDIT_LOG', 'CONVERSATION_MESSAGE', 'AUTH_LOG']) },
    };
  }
  const target = rng.pick(ctx.people);
  const result = rng.next();
  return {
    ...envelope(ctx, anyActor(rng, ctx)),
    action: rng.pick(AUDIT_ACTIONS),
    action_result: result < 0.9 ? 'SUCCESS' : result < 0.96 ? 'BLOCKED' : 'ERROR',
    action_privilege: rng.pick(['OWNER', 'ADMIN', 'MEMBER']),
    request_metadata: requestMetadata(rng, true),
    action_data: {
      target_user_id: target.userId,
      target_user_email: target.email,
      previous_value: rng.pick(['member', 'disabled', null]),
      new_value: rng.pick(['admin', 'enabled', 'Équipe Données']),
      request_id: hole('UUID'),
    },
  };
}

export function authLog(rng: Prng, ctx: TemplateContext): object {
  const who = rng.pick(ctx.people);
  return {
    ...envelope(ctx, userActor(rng, who)),
    request_metadata: requestMetadata(rng, true),
    action_data: {
      action: rng.pick([
        'login_success',
        'login_success',
        'logout_success',
        'token_issued',
        'login_failure',
        'mfa_challenge',
      ]),
      auth_provider_name: rng.pick(['google', 'microsoft', 'okta-saml', 'password', 'apple']),
      session_id: hole('UUID'),
    },
  };
}

const APPS = [
  { name: 'Google Drive', type: 'connector' },
  { name: 'Jira Cloud', type: 'connector' },
  { name: 'Notion', type: 'mcp' },
  { name: 'Café Menu Planner', type: 'gpt_action' },
  { name: '翻訳アシスタント', type: 'gpt_action' },
  { name: 'SharePoint', type: 'connector' },
];

export function appLog(rng: Prng, ctx: TemplateContext): object {
  const app = rng.pick(APPS);
  const request = rng.chance(0.5);
  const text = `${sentence(rng)}${hole('FAULT')} ${sentence(rng)}`;
  return {
    ...envelope(ctx, userActor(rng, rng.pick(ctx.people))),
    app_id: `asdk_app_${hexString(rng, 12)}`,
    app_name: app.name,
    app_type: app.type,
    conversation_id: hole('CONVERSATION_ID'),
    log_type: request ? 'request' : 'response',
    ...(request
      ? { input: JSON.stringify({ query: text, max_results: rng.int(5, 50) }) }
      : { output: JSON.stringify({ results: [{ title: sentence(rng), snippet: text }] }) }),
  };
}

export function appAuthLog(rng: Prng, ctx: TemplateContext): object {
  const app = rng.pick(APPS);
  return {
    ...envelope(ctx, userActor(rng, rng.pick(ctx.people))),
    app_id: `asdk_app_${hexString(rng, 12)}`,
    app_name: `${app.name}${hole('FAULT')}`,
    link_id: `link_${alnum(rng, 20)}`,
    action: rng.chance(0.8) ? 'link' : 'unlink',
  };
}

const SUBTYPES: Record<string, readonly string[]> = {
  CODEX_LOG: ['PROMPT_SENT', 'TASK_CREATED', 'TASK_COMPLETED', 'PR_CREATED', 'COMMAND_EXECUTED'],
  CODEX_SECURITY_LOG: ['SANDBOX_ESCAPE_BLOCKED', 'NETWORK_ACCESS_DENIED', 'SECRET_DETECTED'],
  CUSTOM_AGENTS_LOG: ['AGENT_CREATED', 'AGENT_RUN_STARTED', 'AGENT_RUN_FINISHED', 'TOOL_CALLED'],
  CHATGPT_PLUGIN_SPREADSHEET: ['SPREADSHEET_OPENED', 'FORMULA_GENERATED', 'CHART_CREATED'],
};

/** CODEX_LOG, CODEX_SECURITY_LOG, CUSTOM_AGENTS_LOG, CHATGPT_PLUGIN_SPREADSHEET. */
export function subtypedLog(rng: Prng, ctx: TemplateContext): object {
  const subtypes = SUBTYPES[ctx.eventType] ?? ['EVENT'];
  return {
    ...envelope(ctx, anyActor(rng, ctx)),
    event_type: rng.pick(subtypes),
    client_id: rng.pick(['codex-cli', 'codex-web', 'vscode-extension', 'chatgpt-web', 'chatgpt-desktop']),
    workspace_id: ctx.principalId,
    event_details: {
      task_id: hole('UUID'),
      repository: rng.pick(['acme/payments', 'acme/web-app', 'données/pipeline', 'acme/infra']),
      summary: `${sentence(rng)}${hole('FAULT')}`,
      duration_ms: rng.int(50, 600_000),
      files_changed: rng.int(0, 40),
    },
  };
}

/** COSTS: an hourly usage line; day and hour follow the (late) timestamp. */
export function costs(rng: Prng, ctx: TemplateContext): object {
  const input = rng.int(100, 2_000_000);
  const output = rng.int(10, 400_000);
  return {
    ...envelope(ctx, { type: 'SYSTEM', id: 'billing' }),
    payload: {
      day: hole('DAY'),
      hour: numericHole('HOUR'),
      organization_id: ctx.principalId,
      identity: {
        project_id: `proj_${alnum(rng, 24)}`,
        project_name: rng.pick(['Support bot', 'Équipe Recherche', 'データ分析', 'Default project']),
        api_key_redacted_id: `sk-...${alnum(rng, 4)}`,
        description: `${rng.pick(['batch', 'interactive', 'eval'])}${hole('FAULT')}`,
      },
      product: rng.pick(['responses', 'chat_completions', 'embeddings', 'images', 'audio']),
      model: rng.pick(['gpt-5', 'gpt-5-mini', 'gpt-4.1', 'text-embedding-3-large', 'gpt-image-1']),
      measures: {
        usage: {
          input_tokens: input,
          output_tokens: output,
          cached_input_tokens: rng.int(0, input),
          requests: rng.int(1, 5000),
        },
        billing: { amount: Math.round((input * 1.25e-6 + output * 1e-5) * 1e6) / 1e6, currency: 'usd' },
      },
    },
  };
}
