import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtobufObject, encodeProtobufObject, isProtobuf } from '../../lib/protobuf/codec.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

// The kubectl 1.32 command behind each recorded body (see fixtures/README.md).
const COMMANDS: Record<string, string> = {
  configmap: 'create configmap x --from-literal=a=b --from-file=greeting.txt --from-file=blob.bin',
  secret: 'create secret generic s --from-literal=k=v',
  'secret-docker-registry': 'create secret docker-registry reg --docker-username=u --docker-password=p --docker-server=r.io',
  deployment: 'create deployment web --image=nginx:1.14.2 --replicas=2 --port=80',
  'deployment-zero-replicas': 'create deployment zero --image=nginx --replicas=0',
  'deployment-multi': 'create deployment multi --image=nginx --image=redis',
  namespace: 'create namespace n',
  serviceaccount: 'create serviceaccount sa',
  job: 'create job j --image=busybox -- echo hi',
  cronjob: "create cronjob c --image=busybox --schedule='*/1 * * * *' -- date",
  service: 'create service clusterip s --tcp=80:8080',
  'service-nodeport': 'create service nodeport np --tcp=8080:80 --node-port=30080',
  resourcequota: 'create quota q --hard=cpu=1,memory=1Gi,pods=10 --scopes=BestEffort',
  priorityclass: "create priorityclass high --value=1000 --description='high priority' --preemption-policy=Never",
  role: 'create role pod-reader --verb=get,list --resource=pods --resource-name=a',
  rolebinding: 'create rolebinding rb --role=pod-reader --user=bob --serviceaccount=default:sa',
  clusterrole: "create clusterrole cr --verb=get --non-resource-url='/logs/*'",
  clusterrolebinding: 'create clusterrolebinding crb --clusterrole=cr --group=devs',
  poddisruptionbudget: 'create pdb pdb --selector=app=web --min-available=50%',
  ingress: "create ingress ing --rule='foo.com/bar*=svc:8080,tls=secret1' --class=nginx",
  tokenrequest: 'create token sa --duration=1h --audience=api --bound-object-kind=Pod --bound-object-name=p1 --bound-object-uid=123',
  selfsubjectaccessreview: 'auth can-i create pods',
  selfsubjectreview: 'auth whoami',
  selfsubjectrulesreview: 'auth can-i --list',
};

describe('protobuf bodies recorded from kubectl 1.32', () => {
  it('has a fixture for every recorded command', () => {
    const names = fs.readdirSync(dir).filter((f) => f.endsWith('.pb')).map((f) => f.replace(/^kubectl-1\.32-|\.pb$/g, ''));
    assert.deepEqual(names.sort(), Object.keys(COMMANDS).sort());
  });

  it('recognises the content type kubectl sends', () => {
    assert.equal(isProtobuf('application/vnd.kubernetes.protobuf'), true);
  });

  for (const [name, command] of Object.entries(COMMANDS)) {
    describe(`kubectl ${command}`, () => {
      const body = fs.readFileSync(path.join(dir, `kubectl-1.32-${name}.pb`));
      const expected = JSON.parse(fs.readFileSync(path.join(dir, `kubectl-1.32-${name}.json`), 'utf8'));

      it('decodes to the JSON object kubectl would have sent as JSON', () => {
        assert.deepEqual(decodeProtobufObject(body), expected);
      });

      it('encodes that JSON object back to the same bytes', () => {
        assert.ok(encodeProtobufObject(expected).equals(body), 're-encoded bytes differ from what kubectl sent');
      });
    });
  }
});
