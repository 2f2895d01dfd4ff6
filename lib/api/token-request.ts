// The serviceaccounts/token subresource (TokenRequest, `kubectl create token`): issues a signed
// ServiceAccount token for an existing account, as kube-apiserver's TokenREST does.
import { methodNotAllowed } from './errors.js';
import { readObjectBody, type SubresourceHandler } from './rest-handler.js';
import { sendObject } from './respond.js';
import { negotiate } from './negotiation.js';
import type { ServiceAccountTokens } from '../auth/service-account-token.js';

export function tokenRequestHandler(tokens: ServiceAccountTokens): SubresourceHandler {
  return async ({ req, res, info, rt, deps }) => {
    if (req.method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
    const fmt = negotiate(req.headers.accept);
    const namespace = info.namespace ?? '';
    const sa = await deps.store.get(rt, namespace, info.name!);
    const tr = await readObjectBody(req, deps, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest' }, true);
    const spec = tr.spec ?? {};
    const { token, expiration } = tokens.issue({
      namespace,
      name: sa.metadata.name!,
      uid: sa.metadata.uid!,
      audiences: spec.audiences,
      expirationSeconds: spec.expirationSeconds,
    });
    sendObject(req, res, 201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: sa.metadata.name, namespace, creationTimestamp: null },
      spec: {
        audiences: spec.audiences?.length ? spec.audiences : [tokens.issuer],
        expirationSeconds: Math.round((expiration.getTime() - Date.now()) / 1000),
        boundObjectRef: spec.boundObjectRef ?? null,
      },
      status: { token, expirationTimestamp: expiration.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    }, fmt.serialization);
  };
}
