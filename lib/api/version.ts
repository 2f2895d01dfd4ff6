// The Kubernetes version whose API kubeshim implements (kubectl's dispatcher picks its client by it;
// the node agent reports it as kubeletVersion). Its own module so node code need not load the server.
export const KUBERNETES_VERSION = { major: '1', minor: '33', gitVersion: 'v1.33.0+kubeshim' };
