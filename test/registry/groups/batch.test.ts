import { strict as assert } from 'node:assert';
import { cronjobs, parseCronSchedule } from '../../../lib/registry/cronjob.js';
import { jobs, jobStatus } from '../../../lib/registry/job.js';
import { columns, create, row, update } from '../strategy.js';

/** The `pi` Job of the Kubernetes Jobs documentation. */
const pi = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi' },
  spec: {
    template: { spec: { containers: [{ name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] }], restartPolicy: 'Never' } },
    backoffLimit: 4,
  },
};

describe('Job', () => {
  it('is served in the all category with status and a status.successful field selector', () => {
    assert.deepEqual([jobs.group, jobs.version, jobs.categories, jobs.shortNames], ['batch', 'v1', ['all'], undefined]);
    assert.deepEqual(jobs.selectableFields!({ metadata: {}, status: { succeeded: 1 } }), { 'status.successful': '1' });
  });

  it('validates pi clean, generating the uid selector and the job labels', () => {
    const { obj, errors } = create(jobs, { ...pi, metadata: { name: 'pi', uid: 'c0ffee' } });
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'c0ffee' } });
    const labels = {
      'batch.kubernetes.io/controller-uid': 'c0ffee',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'c0ffee',
      'job-name': 'pi',
    };
    assert.deepEqual(obj.spec.template.metadata.labels, labels);
    assert.deepEqual(obj.metadata.labels, labels, 'a label-less job takes its template labels');
    assert.deepEqual(
      [obj.spec.completions, obj.spec.parallelism, obj.spec.backoffLimit, obj.spec.completionMode, obj.spec.suspend, obj.spec.podReplacementPolicy],
      [1, 1, 4, 'NonIndexed', false, 'TerminatingOrFailed'],
    );
  });

  it('defaults backoffLimit to 6', () => {
    const { obj } = create(jobs, { ...pi, spec: { template: pi.spec.template } });
    assert.equal(obj.spec.backoffLimit, 6);
  });

  it('keeps a manual selector as given', () => {
    const manual = {
      metadata: { name: 'm' },
      spec: { manualSelector: true, selector: { matchLabels: { app: 'm' } }, template: { metadata: { labels: { app: 'm' } }, spec: pi.spec.template.spec } },
    };
    const { obj, errors } = create(jobs, manual);
    assert.deepEqual(errors, []);
    assert.deepEqual(obj.spec.selector, { matchLabels: { app: 'm' } });
    assert.deepEqual(obj.spec.template.metadata.labels, { app: 'm' });
  });

  it('rejects a selector without manualSelector', () => {
    const { errors } = create(jobs, { metadata: { name: 'pi', uid: 'u1' }, spec: { ...pi.spec, selector: { matchLabels: { app: 'x' } } } });
    assert.ok(errors.includes('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x", "batch.kubernetes.io/controller-uid":"u1"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated'), errors.join('\n'));
  });

  it('refuses restartPolicy Always with upstream wording', () => {
    const t = structuredClone(pi);
    t.spec.template.spec.restartPolicy = 'Always';
    assert.deepEqual(create(jobs, t).errors, ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
  });

  it('requires completions for Indexed jobs', () => {
    const { errors } = create(jobs, { ...pi, spec: { ...pi.spec, completionMode: 'Indexed', parallelism: 2 } });
    assert.deepEqual(errors, ['spec.completions: Required value: when completion mode is Indexed']);
  });

  it('keeps completions, selector and template immutable', () => {
    const { obj: old } = create(jobs, pi);
    const next = structuredClone(old);
    next.spec.completions = 3;
    assert.deepEqual(update(jobs, old, next).errors, ['spec.completions: Invalid value: 3: field is immutable']);
    const img = structuredClone(old);
    img.spec.template.spec.containers[0].image = 'perl:5.36';
    const errs = update(jobs, old, img).errors;
    assert.equal(errs.length, 1);
    assert.match(errs[0], /^spec\.template: Invalid value: .*: field is immutable$/);
  });

  it('lets a suspended job that never started change its scheduling directives', () => {
    const { obj: old } = create(jobs, { ...pi, spec: { ...pi.spec, suspend: true } });
    const next = structuredClone(old);
    next.spec.template.spec.nodeSelector = { disk: 'ssd' };
    assert.deepEqual(update(jobs, old, next).errors, []);
  });

  it('prints status, completions and duration', () => {
    const { obj } = create(jobs, pi);
    assert.deepEqual(columns(jobs), ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers*', 'Images*', 'Selector*']);
    assert.deepEqual(row(jobs, obj), ['pi', 'Running', '0/1', '', '60m', 'pi', 'perl:5.34.0', 'batch.kubernetes.io/controller-uid=uid-1']);
    obj.status = {
      succeeded: 1,
      startTime: '2024-05-01T11:00:00Z',
      completionTime: '2024-05-01T11:00:42Z',
      conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }],
    };
    assert.deepEqual(row(jobs, obj).slice(1, 4), ['Complete', '1/1', '42s']);
  });

  it('names each status as printJob does', () => {
    const cond = (type: string) => ({ metadata: {}, status: { conditions: [{ type, status: 'True' }] } });
    assert.equal(jobStatus(cond('Failed')), 'Failed');
    assert.equal(jobStatus(cond('Suspended')), 'Suspended');
    assert.equal(jobStatus(cond('FailureTarget')), 'FailureTarget');
    assert.equal(jobStatus({ metadata: { deletionTimestamp: 'x' }, status: {} }), 'Terminating');
  });

  it('shows "N/1 of P" for a parallel job without completions', () => {
    const { obj } = create(jobs, { ...pi, spec: { ...pi.spec, parallelism: 3 } });
    assert.equal(row(jobs, obj)[2], '0/1 of 3');
  });
});

const hello = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'hello' },
  spec: {
    schedule: '* * * * *',
    jobTemplate: {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'hello', image: 'busybox:1.28', imagePullPolicy: 'IfNotPresent', command: ['/bin/sh', '-c', 'date; echo Hello from the Kubernetes cluster'] }],
            restartPolicy: 'OnFailure',
          },
        },
      },
    },
  },
};

describe('CronJob', () => {
  it('is served as cj in the all category', () => {
    assert.deepEqual([cronjobs.shortNames, cronjobs.categories], [['cj'], ['all']]);
  });

  it('validates the hello example clean with upstream defaults', () => {
    const { obj, errors } = create(cronjobs, hello);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      [obj.spec.concurrencyPolicy, obj.spec.suspend, obj.spec.successfulJobsHistoryLimit, obj.spec.failedJobsHistoryLimit],
      ['Allow', false, 3, 1],
    );
    assert.equal(obj.spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(obj.spec.jobTemplate.spec.backoffLimit, undefined, 'job defaults are applied to jobs, not to the template');
  });

  it('accepts standard cron syntax and descriptors', () => {
    for (const s of ['*/5 * * * *', '0 0 1-15/2 JAN-MAR mon,wed', '@hourly', '@daily', '@every 1h30m', '0 9 * * 1-5', '5 4 ? * SUN']) {
      assert.equal(parseCronSchedule(s), undefined, s);
    }
  });

  it('reports schedule errors with robfig/cron wording', () => {
    const { errors } = create(cronjobs, { ...hello, spec: { ...hello.spec, schedule: '* * * *' } });
    assert.deepEqual(errors, ['spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]']);
    assert.equal(parseCronSchedule('61 * * * *'), 'end of range (61) above maximum (59): 61');
    assert.equal(parseCronSchedule('* * 0 * *'), 'beginning of range (0) below minimum (1): 0');
    assert.equal(parseCronSchedule('x * * * *'), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
    assert.equal(parseCronSchedule('@fortnightly'), 'unrecognized descriptor: @fortnightly');
    assert.equal(parseCronSchedule('5-1 * * * *'), 'beginning of range (5) beyond end of range (1): 5-1');
  });

  it('sends TZ in the schedule to the timeZone field', () => {
    const { errors } = create(cronjobs, { ...hello, spec: { ...hello.spec, schedule: 'CRON_TZ=UTC 0 * * * *' } });
    assert.deepEqual(errors, ['spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
  });

  it('validates timeZone against the time zone database', () => {
    assert.deepEqual(create(cronjobs, { ...hello, spec: { ...hello.spec, timeZone: 'Europe/Berlin' } }).errors, []);
    assert.deepEqual(create(cronjobs, { ...hello, spec: { ...hello.spec, timeZone: 'Mars/Olympus' } }).errors, ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
    assert.deepEqual(create(cronjobs, { ...hello, spec: { ...hello.spec, timeZone: 'Local' } }).errors, [
      'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
    ]);
  });

  it('refuses names over 52 characters and unknown concurrency policies', () => {
    const long = create(cronjobs, { ...hello, metadata: { name: 'a'.repeat(53) } });
    assert.deepEqual(long.errors, [`metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters`]);
    const policy = create(cronjobs, { ...hello, spec: { ...hello.spec, concurrencyPolicy: 'Sometimes' } });
    assert.deepEqual(policy.errors, ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']);
  });

  it('needs a job template restart policy of OnFailure or Never', () => {
    const t = structuredClone(hello);
    t.spec.jobTemplate.spec.template.spec.restartPolicy = 'Always';
    assert.deepEqual(create(cronjobs, t).errors, ['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
  });

  it('prints schedule, time zone, suspend, active and last schedule', () => {
    const { obj } = create(cronjobs, hello);
    assert.deepEqual(columns(cronjobs), ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers*', 'Images*', 'Selector*']);
    assert.deepEqual(row(cronjobs, obj), ['hello', '* * * * *', '<none>', 'False', 0, '<none>', '60m', 'hello', 'busybox:1.28', '<none>']);
    obj.status = { active: [{ name: 'hello-1' }], lastScheduleTime: '2024-05-01T11:59:00Z' };
    assert.deepEqual(row(cronjobs, obj).slice(4, 6), [1, '60s']);
  });

  it('allows a schedule update that keeps an old TZ prefix', () => {
    const { obj: old } = create(cronjobs, hello);
    old.spec.schedule = 'TZ=UTC 0 * * * *';
    const { errors } = update(cronjobs, old, { ...hello, spec: { ...hello.spec, schedule: 'TZ=UTC 5 * * * *' } });
    assert.deepEqual(errors, []);
  });
});
