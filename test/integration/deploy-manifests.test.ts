/**
 * The Kubernetes manifests and the image: every kustomize target renders (kubectl kustomize,
 * offline) and each object is valid against the Kubernetes OpenAPI schemas (kubernetes-models,
 * offline), with no field the schema does not know; the pod is wired the way the service needs
 * (ports, probes, state volume, grace period, shard count, security context, network policy); and
 * the config each ConfigMap carries is a valid config. A broken manifest fails here, not in a
 * cluster.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { validateConfig } from '../../src/config/load.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The base and every overlay: a new overlay is checked without being listed here. */
const TARGETS = [
  'base',
  ...readdirSync(join(ROOT, 'deploy/kustomize/overlays'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `overlays/${e.name}`)
    .sort(),
];
const SECRETS_DIR = '/var/run/secrets/compliance-forwarder/';

// biome-ignore lint/suspicious/noExplicitAny: rendered YAML is untyped; the schemas check it.
type K8sObject = any;

const rendered = new Map<string, K8sObject[]>();

/** The objects `kubectl kustomize` renders for a target (a fresh copy each call). */
function render(target: string): K8sObject[] {
  let objects = rendered.get(target);
  if (objects === undefined) {
    objects = renderUncached(target);
    rendered.set(target, objects);
  }
  return structuredClone(objects);
}

function renderUncached(target: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/kustomize', target)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'kubectl is needed to render the manifests (kubectl kustomize; Debian: kubernetes-client, which npm test installs).',
      );
    }
    throw new Error(`kubectl kustomize ${target} failed:\n${(err as { stderr?: string }).stderr ?? err}`);
  }
  return parseAllDocuments(out).map((d) => d.toJS());
}

/** A kubernetes-models class: constructed from an object, `validate()` throws when it is invalid. */
type Model = { prototype: { validate(): void } };

/** The kubernetes-models class of an apiVersion and kind (`apps/v1` → kubernetes-models/apps/v1/Kind). */
async function modelFor(apiVersion: string, kind: string): Promise<Model> {
  const specifier = `kubernetes-models/${apiVersion}/${kind}`;
  let mod: Record<string, unknown>;
  try {
    mod = await import(specifier);
  } catch (err) {
    throw new Error(
      `Cannot load ${specifier}: the devDependency kubernetes-models is missing or does not know ${apiVersion} ${kind}. ${(err as Error).message}`,
    );
  }
  const model = mod[kind] as Model | undefined;
  assert.ok(model !== undefined, `${specifier} exports no ${kind}`);
  return model;
}

/**
 * Validates `obj` against its OpenAPI schema, and finds fields the schema does not know: the
 * compiled validator reads every property its schema declares (maps included, key by key), so a
 * property it never read is not in the schema — a typo such as `securityContex` that the API
 * server would drop or reject. The object is validated as it is, not copied: a model's
 * constructor would copy every field and so read them all.
 */
function check(model: Model, obj: Record<string, unknown>): { errors: string[]; unknown: string[] } {
  const all = new Set<string>();
  const read = new Set<string>();
  const track = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    if (!Array.isArray(value)) for (const k of Object.keys(value)) all.add(`${path}/${k}`);
    return new Proxy(value as object, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof prop !== 'string' || !Object.hasOwn(target, prop)) return v;
        if (!Array.isArray(target)) read.add(`${path}/${prop}`);
        return track(v, `${path}/${prop}`);
      },
    });
  };
  const instance = track(Object.assign(Object.create(model.prototype), obj), '') as { validate(): void };
  let errors: string[] = [];
  try {
    instance.validate();
  } catch (err) {
    const list = (err as { errors?: Array<{ instancePath: string; message?: string; keyword: string }> })
      .errors;
    errors = list?.map((e) => `${e.instancePath} ${e.message ?? e.keyword}`) ?? [(err as Error).message];
  }
  return { errors, unknown: [...all].filter((p) => !read.has(p)) };
}

function only(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

test('every kustomize target renders, and each object is valid against the Kubernetes schemas', async () => {
  for (const target of TARGETS) {
    const objects = render(target);
    const kinds = objects.map((o) => o.kind).sort();
    assert.deepEqual(
      kinds,
      [
        'ConfigMap',
        'NetworkPolicy',
        'Secret',
        'Service',
        'ServiceAccount',
        'StatefulSet',
        // The http overlays reach public HTTPS collectors, which the base egress policy allows.
        ...(target === 'base' || target.startsWith('overlays/http-') ? [] : ['NetworkPolicy']),
      ].sort(),
      `${target}: the expected objects`,
    );
    for (const obj of objects) {
      const { errors, unknown } = check(await modelFor(obj.apiVersion, obj.kind), obj);
      assert.deepEqual(errors, [], `${target}: ${obj.kind} ${obj.metadata?.name} is invalid`);
      assert.deepEqual(
        unknown,
        [],
        `${target}: ${obj.kind} ${obj.metadata?.name} has fields Kubernetes does not know`,
      );
      if (target !== 'base')
        assert.equal(obj.metadata.namespace, 'compliance-forwarder', `${target}: ${obj.kind} namespaced`);
    }
  }
});

test('the schema check catches a broken manifest', async () => {
  const model = await modelFor('apps/v1', 'StatefulSet');
  const sts = only(render('base'), 'StatefulSet')[0];
  sts.spec.template.spec.securityContex = sts.spec.template.spec.securityContext;
  sts.spec.replicas = 'one';
  delete sts.spec.template.spec.containers[0].name;
  const { errors, unknown } = check(model, sts);
  assert.ok(
    errors.some((e) => e.startsWith('/spec/replicas')),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((e) => e.startsWith('/spec/template/spec/containers/0 ') && e.includes('name')),
    errors.join('\n'),
  );
  assert.deepEqual(unknown, ['/spec/template/spec/securityContex']);
});

test('the pod is wired for the service: port, probes, state volume, grace period, shards, security', () => {
  for (const target of TARGETS) {
    const objects = render(target);
    const sts = only(objects, 'StatefulSet')[0];
    const pod = sts.spec.template.spec;
    const container = pod.containers[0];
    const podLabels = sts.spec.template.metadata.labels;
    const matches = (selector: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => podLabels[k] === v);
    const configMap = only(objects, 'ConfigMap')[0];
    const config = validateConfig(parse(configMap.data['config.yaml']), `${target} config.yaml`);

    // The HTTP server, its probes and the Service.
    const port = container.ports.find((p: K8sObject) => p.containerPort === config.service.httpPort);
    assert.ok(port, `${target}: the container exposes service.httpPort ${config.service.httpPort}`);
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      assert.ok(
        [port.name, port.containerPort].includes(probe.httpGet.port),
        `${target}: probe on the HTTP port`,
      );
    }
    const service = only(objects, 'Service')[0];
    assert.ok(matches(service.spec.selector), `${target}: the Service selects the pods`);
    assert.equal(sts.spec.serviceName, service.metadata.name);
    assert.ok(matches(sts.spec.selector.matchLabels));
    assert.ok(
      service.spec.ports.some(
        (p: K8sObject) => p.targetPort === port.name || p.targetPort === port.containerPort,
      ),
    );

    // Shutdown fits in Kubernetes' grace period; the shard count matches the replicas.
    assert.ok(
      pod.terminationGracePeriodSeconds * 1000 > config.service.shutdownGraceMs,
      `${target}: terminationGracePeriodSeconds covers service.shutdownGraceMs`,
    );
    const args: string[] = container.args;
    assert.deepEqual(args.slice(0, 3), [
      'run',
      '--config',
      `${container.volumeMounts.find((m: K8sObject) => m.name === 'config').mountPath}/config.yaml`,
    ]);
    const shard = args[args.indexOf('--shard') + 1];
    assert.equal(
      shard,
      `ordinal/${sts.spec.replicas}`,
      `${target}: --shard ordinal/COUNT with COUNT = replicas`,
    );

    // State on a volume per replica, mounted where the config keeps it.
    const claim = sts.spec.volumeClaimTemplates[0];
    const stateMount = container.volumeMounts.find((m: K8sObject) => m.name === claim.metadata.name);
    assert.equal(
      stateMount?.mountPath,
      config.state.dir,
      `${target}: state.dir is on the PersistentVolumeClaim`,
    );

    // Volumes point at the rendered ConfigMap and Secret; secrets are mounted files named in the config.
    const secret = only(objects, 'Secret')[0];
    const volumes = new Map(pod.volumes.map((v: K8sObject) => [v.name, v]));
    assert.equal((volumes.get('config') as K8sObject).configMap.name, configMap.metadata.name);
    assert.equal((volumes.get('keys') as K8sObject).secret.secretName, secret.metadata.name);
    const keysMount = container.volumeMounts.find((m: K8sObject) => m.name === 'keys');
    assert.equal(`${keysMount.mountPath}/`, SECRETS_DIR);
    const text = configMap.data['config.yaml'] as string;
    const files = [...text.matchAll(/file: (\S+?) ?}/g)].map((m) => m[1]!);
    assert.ok(files.length > 0, `${target}: the key comes from a file`);
    for (const f of files) {
      assert.ok(f.startsWith(SECRETS_DIR), `${target}: ${f} is in the mounted Secret`);
      const key = f.slice(SECRETS_DIR.length);
      assert.ok(key in (secret.data ?? {}), `${target}: the Secret has ${key}`);
    }
    assert.doesNotMatch(text, /value:/, `${target}: no secret written in the ConfigMap`);

    // Restrictive security context, a writable /tmp and nothing else writable but the volumes.
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.ok(pod.securityContext.runAsUser > 0);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(pod.automountServiceAccountToken, false);
    const sc = container.securityContext;
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.deepEqual(sc.capabilities.drop, ['ALL']);
    assert.equal(sc.capabilities.add, undefined);
    assert.ok(container.volumeMounts.some((m: K8sObject) => m.mountPath === '/tmp'));
    assert.ok(
      container.resources.requests.memory && container.resources.limits.memory,
      `${target}: memory sized`,
    );

    // Network policies select the pods, limit egress, and never select our own pods as peers.
    const policies = only(objects, 'NetworkPolicy');
    for (const np of policies) {
      assert.ok(matches(np.spec.podSelector.matchLabels), `${target}: ${np.metadata.name} selects the pods`);
      assert.ok(np.spec.policyTypes.includes('Egress'));
      for (const rule of np.spec.egress ?? []) {
        assert.ok(rule.ports?.length > 0, `${target}: ${np.metadata.name} egress limited to ports`);
        for (const peer of rule.to ?? []) {
          const sel = peer.podSelector?.matchLabels ?? {};
          assert.equal(
            sel['app.kubernetes.io/name'],
            undefined,
            `${target}: ${np.metadata.name} peer selector`,
          );
        }
      }
    }
    const base = policies.find((p: K8sObject) => p.metadata.name === 'compliance-forwarder');
    assert.deepEqual(base.spec.policyTypes, ['Ingress', 'Egress']);
    const dns = base.spec.egress.find((r: K8sObject) => r.ports.some((p: K8sObject) => p.port === 53));
    assert.deepEqual(dns.to[0].podSelector.matchLabels, { 'k8s-app': 'kube-dns' });
  }
});

test('the example configs are valid for `run`', () => {
  const dir = join(ROOT, 'deploy/examples');
  const names = readdirSync(dir).filter((n) => n.endsWith('.yaml'));
  assert.ok(names.length >= 2);
  for (const name of names) {
    const config = validateConfig(parse(readFileSync(join(dir, name), 'utf8')), name);
    assert.ok(config.principals.length > 0, `${name} has principals`);
    assert.ok(config.state.dir !== undefined, `${name} has state.dir`);
  }
});

test('the Dockerfile builds a non-root, production-only Node 24 image whose signals reach node', () => {
  const text = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
  const stages = [...text.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)];
  assert.ok(stages.length >= 2, 'multi-stage');
  assert.match(text, /^ARG NODE_IMAGE=node:24-\S*slim$/m);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a template.
  assert.equal(stages.at(-1)![1], '${NODE_IMAGE}', 'the runtime is Node 24 slim');
  const runtime = text.slice(stages.at(-1)!.index);
  assert.match(runtime, /npm ci --omit=dev|COPY --from=\S+ \/src\/node_modules/, 'production dependencies');
  assert.match(text, /npm ci --omit=dev/);
  assert.match(runtime, /^USER [1-9]\d*:[1-9]\d*$/m, 'a numeric non-root user');
  assert.match(runtime, /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node"/m, 'tini forwards signals to node');
  assert.match(runtime, /^VOLUME \["\/var\/lib\/compliance-forwarder"\]$/m);
  const ignore = readFileSync(join(ROOT, 'deploy/Dockerfile.dockerignore'), 'utf8');
  assert.match(ignore, /^\*\*$/m, 'the build context starts empty');
});
