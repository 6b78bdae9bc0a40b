package io.leasecron.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.leasecron.schedule.CronType;
import io.leasecron.schedule.DstPolicy;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JobSpecParserTest {
    static final JobId ID = new JobId("reports", "cleanup");
    static final String HTTP = "http: {url: https://billing.example/hooks/cleanup}\n";

    static JobSpec parse(String yaml) throws InvalidJobSpecException {
        return JobSpecParser.parse(ID, yaml);
    }

    @Test
    void a_full_spec_becomes_an_immutable_value_with_every_field() throws Exception {
        JobSpec s = parse("""
                description: Nightly cleanup
                schedule: "30 2 * * *"
                cronType: unix
                timeZone: Europe/Berlin
                dstPolicy: CronJob
                suspend: true
                concurrencyPolicy: Forbid
                catchUp: All
                startingDeadlineSeconds: 600
                delivery: AtLeastOnce
                timeout: 90s
                retry: {attempts: 4, backoff: 500ms, maxBackoff: PT1M}
                http:
                  url: https://billing.example/hooks/cleanup
                  method: put
                  headers: {X-Team: billing}
                  body: '{"dryRun": false}'
                  expectStatus: [200, 204, 3xx]
                """);
        assertEquals(ID, s.id());
        assertEquals("Nightly cleanup", s.description());
        assertEquals("30 2 * * *", s.scheduleText());
        assertEquals(CronType.UNIX, s.cronType());
        assertEquals(ZoneId.of("Europe/Berlin"), s.timeZone());
        assertEquals(DstPolicy.CRON_JOB, s.dstPolicy());
        assertTrue(s.suspend());
        assertEquals(ConcurrencyPolicy.Forbid, s.concurrencyPolicy());
        assertEquals(CatchUp.All, s.catchUp());
        assertEquals(Optional.of(Duration.ofMinutes(10)), s.startingDeadline());
        assertEquals(Delivery.AtLeastOnce, s.delivery());
        assertEquals(Duration.ofSeconds(90), s.timeout());
        assertEquals(new Retry(4, Duration.ofMillis(500), Duration.ofMinutes(1)), s.retry());
        HttpAction h = (HttpAction) s.action();
        assertEquals(URI.create("https://billing.example/hooks/cleanup"), h.url());
        assertEquals("PUT", h.method());
        assertEquals(Map.of("X-Team", "billing"), h.headers());
        assertEquals("{\"dryRun\": false}", h.body());
        assertTrue(h.expectStatus().matches(204) && h.expectStatus().matches(302) && !h.expectStatus().matches(201));
        assertThrows(UnsupportedOperationException.class, () -> h.headers().put("x", "y"));
    }

    @Test
    void defaults_are_those_of_the_documented_contract() throws Exception {
        JobSpec s = parse("schedule: \"@every 30s\"\n" + HTTP);
        assertEquals(ZoneId.of("UTC"), s.timeZone());
        assertEquals(CronType.UNIX, s.cronType());
        assertEquals(DstPolicy.RUN_ONCE, s.dstPolicy());
        assertEquals(ConcurrencyPolicy.Allow, s.concurrencyPolicy());
        assertEquals(CatchUp.Latest, s.catchUp());
        assertEquals(Optional.empty(), s.startingDeadline());
        assertEquals(Delivery.AtMostOnce, s.delivery());
        assertEquals(JobSpec.DEFAULT_TIMEOUT, s.timeout());
        assertEquals(1, s.retry().attempts());
        HttpAction h = (HttpAction) s.action();
        assertEquals("POST", h.method());
        assertTrue(h.expectStatus().matches(200) && h.expectStatus().matches(299) && !h.expectStatus().matches(300));
    }

    @Test
    void a_one_time_job_has_run_at_and_no_cron() throws Exception {
        JobSpec s = parse("runAt: 2026-12-01T10:00:00+01:00\n" + HTTP);
        assertEquals(Optional.of(Instant.parse("2026-12-01T09:00:00Z")), s.runAt());
        assertTrue(s.oneTime());
    }

    @Test
    void every_problem_of_a_spec_is_reported_at_once() {
        InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class, () -> parse("""
                schedule: "@every 1m"
                timezone: UTC
                catchUp: Sometimes
                http: {url: "ftp://x"}
                """));
        assertEquals(List.of(
                "unknown field \"timezone\"; did you mean \"timeZone\"?",
                "catchUp \"Sometimes\" is not allowed; use one of All, Latest, None",
                "http.url \"ftp://x\" must be an absolute http:// or https:// URL"), e.problems());
        assertEquals(ID, e.jobId());
        assertTrue(e.getMessage().startsWith("reports/cleanup: unknown field \"timezone\""), e.getMessage());
    }

    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
                Arguments.of("schedule: \"61 * * * *\"\n" + HTTP,
                        "reports/cleanup: schedule \"61 * * * *\": minute 61 is out of range 0-59"),
                Arguments.of("",
                        "reports/cleanup: empty job spec; write the job's fields as YAML, at least a schedule and an action such as http"),
                Arguments.of("just text",
                        "reports/cleanup: job spec must be a YAML mapping of fields, got the text \"just text\"; write e.g. 'schedule: \"0 * * * *\"' and 'http: {url: ...}' on their own lines"),
                Arguments.of("- schedule: x",
                        "reports/cleanup: job spec must be a YAML mapping of fields, got a list; write e.g. 'schedule: \"0 * * * *\"' and 'http: {url: ...}' on their own lines"),
                Arguments.of("schedule: */5 * * * *\n" + HTTP,
                        "reports/cleanup: invalid YAML at line 1, column 9: while scanning an alias; quote values that start with *, @ or ?, e.g. schedule: \"*/5 * * * *\""),
                Arguments.of("schedule: \"@every 1m\"\nschedule: \"@every 2m\"\n" + HTTP,
                        "reports/cleanup: invalid YAML at line 2, column 9: Duplicate field 'schedule'; each field may appear once"),
                Arguments.of(HTTP,
                        "reports/cleanup: no schedule; set schedule (e.g. \"0 3 * * *\" or \"@every 5m\") or runAt (an RFC 3339 time)"),
                Arguments.of("schedule: \"@every 1m\"\nrunAt: 2026-12-01T10:00:00Z\n" + HTTP,
                        "reports/cleanup: both schedule and runAt are set; a job has either a schedule or a one-time runAt"),
                Arguments.of("schedule: \"@every 1m\"\n",
                        "reports/cleanup: no action; add exactly one of http, kubernetesJob or shell, e.g. http: {url: https://example.com/hook}"),
                Arguments.of("schedule: \"@every 1m\"\n" + HTTP + "shell: {command: [date]}\n",
                        "reports/cleanup: 2 actions (http, shell); a job has exactly one action, keep one"),
                Arguments.of("schedule: \"@every 1m\"\nshell: {command: [date]}\n",
                        "reports/cleanup: shell actions are disabled on this installation; an operator enables them with LEASECRON_SHELL_ENABLED=true, or use http or kubernetesJob"),
                Arguments.of("shedule: \"@every 1m\"\n" + HTTP,
                        "reports/cleanup: unknown field \"shedule\"; did you mean \"schedule\"?; reports/cleanup: no schedule; set schedule (e.g. \"0 3 * * *\" or \"@every 5m\") or runAt (an RFC 3339 time)"),
                Arguments.of("schedule: \"@every 1m\"\nowner: team-a\n" + HTTP,
                        "reports/cleanup: unknown field \"owner\"; known fields are alignTo, catchUp, concurrencyPolicy, cronType, delivery, description, dstPolicy, http, kubernetesJob, retry, runAt, schedule, shell, startingDeadlineSeconds, suspend, timeZone, timeout"),
                Arguments.of("schedule: \"@every 1m\"\ntimeZone: Mars/Olympus\n" + HTTP,
                        "reports/cleanup: timeZone \"Mars/Olympus\" is not a known IANA time zone; use an IANA time zone name such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\""),
                Arguments.of("schedule: \"@every 1m\"\ntimeZone: berlin\n" + HTTP,
                        "reports/cleanup: timeZone \"berlin\" is not a known IANA time zone; did you mean \"Europe/Berlin\"?"),
                Arguments.of("schedule: \"@every 1m\"\ntimeZone: \"+02:00\"\n" + HTTP,
                        "reports/cleanup: timeZone \"+02:00\" is not a known IANA time zone; use an IANA time zone name such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\""),
                Arguments.of("schedule: \"@every 1m\"\ncronType: cron\n" + HTTP,
                        "reports/cleanup: cronType \"cron\" is not allowed; use one of quartz, unix"),
                Arguments.of("schedule: \"@every 1m\"\ndstPolicy: runonce\n" + HTTP,
                        "reports/cleanup: dstPolicy \"runonce\" is not allowed; did you mean \"RunOnce\"?"),
                Arguments.of("schedule: \"@every 1m\"\nconcurrencyPolicy: forbid\n" + HTTP,
                        "reports/cleanup: concurrencyPolicy \"forbid\" is not allowed; did you mean \"Forbid\"?"),
                Arguments.of("schedule: \"@every 1m\"\ndelivery: ExactlyOnce\n" + HTTP,
                        "reports/cleanup: delivery \"ExactlyOnce\" is not allowed; use one of AtLeastOnce, AtMostOnce"),
                Arguments.of("schedule: \"@every 1m\"\ncatchUp: All\n" + HTTP,
                        "reports/cleanup: catchUp All needs startingDeadlineSeconds; set how far back missed slots may still fire (e.g. 3600), so an outage never releases an unbounded backlog"),
                Arguments.of("schedule: \"@every 1m\"\nstartingDeadlineSeconds: -5\n" + HTTP,
                        "reports/cleanup: startingDeadlineSeconds -5 is out of range; use a whole number from 1 to 2147483647"),
                Arguments.of("schedule: \"@every 1m\"\nstartingDeadlineSeconds: 1.5\n" + HTTP,
                        "reports/cleanup: startingDeadlineSeconds must be a whole number, got the number 1.5"),
                Arguments.of("schedule: \"@every 1m\"\nsuspend: maybe\n" + HTTP,
                        "reports/cleanup: suspend must be true or false, got the text \"maybe\""),
                Arguments.of("schedule: \"@every 1m\"\ntimeout: 0s\n" + HTTP,
                        "reports/cleanup: timeout \"0s\" must be positive"),
                Arguments.of("runAt: tomorrow\n" + HTTP,
                        "reports/cleanup: runAt \"tomorrow\" is not an RFC 3339 time with an offset; write e.g. 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00"),
                Arguments.of("runAt: 2026-12-01T10:00:00\n" + HTTP,
                        "reports/cleanup: runAt \"2026-12-01T10:00:00\" is not an RFC 3339 time with an offset; write e.g. 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00"),
                Arguments.of("schedule: \"0 * * * *\"\nalignTo: 2026-01-01T00:00:00Z\n" + HTTP,
                        "reports/cleanup: alignTo only applies to \"@every\" schedules; remove it or use an @every schedule"),
                Arguments.of("schedule: \"@every 1m\"\nretry: 3\n" + HTTP,
                        "reports/cleanup: retry must be a mapping, got the number 3; write e.g. retry: {attempts: 3, backoff: 10s}"),
                Arguments.of("schedule: \"@every 1m\"\nretry: {attempts: 0}\n" + HTTP,
                        "reports/cleanup: retry.attempts 0 is out of range; use a whole number from 1 to 100"),
                Arguments.of("schedule: \"@every 1m\"\nretry: {attempts: 3, backof: 1s}\n" + HTTP,
                        "reports/cleanup: unknown field \"retry.backof\"; did you mean \"retry.backoff\"?"),
                Arguments.of("schedule: \"@every 1m\"\nretry: {backoff: 1m, maxBackoff: 10s}\n" + HTTP,
                        "reports/cleanup: retry.maxBackoff 10s is shorter than retry.backoff 1m; raise maxBackoff or lower backoff"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: https://x.example\n",
                        "reports/cleanup: http must be a mapping with at least url, got the text \"https://x.example\"; write e.g. http: {url: https://example.com/hook}"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {method: GET}\n",
                        "reports/cleanup: http.url is missing; set the absolute http:// or https:// URL to call"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http:///path\"}\n",
                        "reports/cleanup: http.url \"http:///path\" has no host; write e.g. http://billing.default.svc:8080/hooks/nightly"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://deploy:hunter2/path\"}\n",
                        "reports/cleanup: http.url \"http://***/path\" has no host (the part after :// is masked here as ***, "
                                + "since it may hold a credential); write a host name of letters, digits, '-' and '.', "
                                + "e.g. http://billing.default.svc:8080/hooks/nightly"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example/a b\"}\n",
                        "reports/cleanup: http.url \"http://x.example/a b\" is not a valid URL: Illegal character in path at index 18; percent-encode spaces and special characters"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example\", method: FETCH}\n",
                        "reports/cleanup: http.method \"FETCH\" is not supported; use one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example\", method: GET, body: hello}\n",
                        "reports/cleanup: http.body is set but http.method is GET, which sends no body; use POST, PUT or PATCH"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example\", expectStatus: 700}\n",
                        "reports/cleanup: http.expectStatus 700 is not an HTTP status; use codes 100-599 or classes like 2xx, e.g. expectStatus: [200, 204]"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example\", expectStatus: []}\n",
                        "reports/cleanup: http.expectStatus is empty; list at least one status such as 200 or 2xx"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example\", headers: {Idempotency-Key: abc}}\n",
                        "reports/cleanup: http.headers \"Idempotency-Key\" is set by leasecron on every fire; remove it from the spec"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example\", headers: {Host: other}}\n",
                        "reports/cleanup: http.headers \"Host\" is managed by the HTTP client; remove it from the spec"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example\", headers: {\"X Team\": a}}\n",
                        "reports/cleanup: http.headers \"X Team\" is not a valid header name; use letters, digits and '-'"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example\", headers: {X-Team: [a, b]}}\n",
                        "reports/cleanup: http.headers \"X-Team\" must be a text value or valueFrom.secretKeyRef, got a list"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example\", headers: {X-Team: \"a\\r\\nX-Evil: 1\"}}\n",
                        "reports/cleanup: http.headers \"X-Team\" contains a line break; header values are one line"),
                Arguments.of("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example\", verb: GET}\n",
                        "reports/cleanup: unknown field \"http.verb\"; known fields are body, expectStatus, headers, method, url"),
                Arguments.of("schedule: {cron: x}\n" + HTTP,
                        "reports/cleanup: schedule must be a text value, got a mapping"),
                Arguments.of("schedule: \"\"\n" + HTTP,
                        "reports/cleanup: schedule is empty; set a value or remove the field"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidSpecs")
    void an_invalid_spec_is_rejected_with_a_message_naming_the_job_the_field_and_the_fix(String yaml, String message) {
        InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class, () -> parse(yaml));
        assertEquals(message, e.getMessage());
    }

    static final String USER_INFO_FIX = " has credentials before the host (user-info, masked here as ***); remove them "
            + "from the URL and send them in a header from a Secret, e.g. headers: {Authorization: {valueFrom: {secretKeyRef: "
            + "{name: my-secret, key: authorization}}}} with the Secret's value \"Basic <base64 of user:password>\"";

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("userInfoUrls")
    void a_url_with_credentials_before_the_host_is_refused_without_quoting_them(String url, String shown) {
        InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
                () -> parse("schedule: \"@every 1m\"\nhttp: {url: \"" + url + "\"}\n"));
        assertEquals(List.of("http.url \"" + shown + "\"" + USER_INFO_FIX), e.problems());
        assertEquals("reports/cleanup: http.url \"" + shown + "\"" + USER_INFO_FIX, e.getMessage());
        assertFalse(e.getMessage().contains("hunter2") || e.getMessage().contains("ghp_abc123"), e.getMessage());
    }

    static Stream<Arguments> userInfoUrls() {
        return Stream.of(
                Arguments.of("https://deploy:hunter2@billing.example/hooks", "https://***@billing.example/hooks"),
                Arguments.of("https://ghp_abc123@billing.example", "https://***@billing.example"),
                Arguments.of("https://deploy:hunter2@@billing.example/x?api_key=hunter2", "https://***@billing.example/x?api_key=***"),
                Arguments.of("https://deploy:hun ter2@billing.example/x", "https://***@billing.example/x"),
                Arguments.of("ftp://deploy:hunter2@billing.example/x", "ftp://***@billing.example/x"),
                Arguments.of("https://deploy:hun#ter2@billing.example/x", "https://***@billing.example/x"),
                Arguments.of("https://deploy:hun/ter2@billing.example/x", "https://***@billing.example/x"),
                Arguments.of("https://deploy:hun?ter2@billing.example/x", "https://***@billing.example/x"),
                Arguments.of("https://billing.example/users/@me", "https://***@me"));
    }

    @Test
    void a_url_with_a_credential_in_its_query_is_accepted_and_kept_as_written_for_the_request() throws Exception {
        HttpAction h = (HttpAction) parse("schedule: \"@every 1m\"\nhttp: {url: \"https://x.example/a?api_key=abc123&x=1\"}\n").action();
        assertEquals(URI.create("https://x.example/a?api_key=abc123&x=1"), h.url());
        InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
                () -> parse("schedule: \"@every 1m\"\nhttp: {url: \"http://x.example/a b?token=abc123\"}\n"));
        assertEquals(List.of("http.url \"http://x.example/a b?token=***\" is not a valid URL: Illegal character in path at index 18; "
                + "percent-encode spaces and special characters"), e.problems());
    }

    @Test
    void a_spec_larger_than_the_limit_is_rejected_without_being_parsed() {
        String huge = "schedule: \"@every 1m\"\n" + HTTP + "description: \"" + "x".repeat(1024 * 1024) + "\"\n";
        InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class, () -> parse(huge));
        assertEquals(List.of("job spec is 1048665 bytes; the limit is 65536 bytes, keep large payloads out of the spec"),
                e.problems());
    }

    static final JobSpecParser.Options SHELL = new JobSpecParser.Options(true);

    @Test
    void a_shell_action_is_an_argument_vector_with_env_and_secret_env() throws Exception {
        JobSpec s = JobSpecParser.parse(ID, """
                schedule: "@daily"
                shell:
                  command: [/usr/bin/backup, --full, "two words"]
                  env: {TARGET: s3, TOKEN: {valueFrom: {secretKeyRef: {name: backup-creds, key: token}}}}
                  workingDir: /var/backup
                """, SHELL);
        ShellAction a = (ShellAction) s.action();
        assertEquals(List.of("/usr/bin/backup", "--full", "two words"), a.command());
        assertEquals(Map.of("TARGET", "s3"), a.env());
        assertEquals(Map.of("TOKEN", new SecretRef("backup-creds", "token")), a.secretEnv());
        assertEquals("/var/backup", a.workingDir());
    }

    @Test
    void an_http_header_can_come_from_a_secret() throws Exception {
        JobSpec s = parse("""
                schedule: "@hourly"
                http:
                  url: https://billing.example/hooks/cleanup
                  headers: {Authorization: {valueFrom: {secretKeyRef: {name: billing-token, key: bearer}}}, X-Team: billing}
                """);
        HttpAction h = (HttpAction) s.action();
        assertEquals(Map.of("X-Team", "billing"), h.headers());
        assertEquals(Map.of("Authorization", new SecretRef("billing-token", "bearer")), h.secretHeaders());
    }

    @Test
    void a_kubernetes_job_action_takes_a_cronjob_style_template() throws Exception {
        JobSpec s = parse("""
                schedule: "0 3 * * *"
                kubernetesJob:
                  successfulJobsHistoryLimit: 2
                  template:
                    metadata: {labels: {team: billing}}
                    spec:
                      backoffLimit: 0
                      template:
                        spec:
                          containers: [{name: main, image: busybox, args: [echo, hello]}]
                """);
        KubernetesJobAction k = (KubernetesJobAction) s.action();
        assertEquals(2, k.successfulJobsHistoryLimit());
        assertEquals(1, k.failedJobsHistoryLimit());
        assertEquals("busybox", k.template().getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
        assertEquals("Never", k.template().getSpec().getTemplate().getSpec().getRestartPolicy());
        assertEquals(Map.of("team", "billing"), k.template().getMetadata().getLabels());
    }

    static Stream<Arguments> invalidActions() {
        return Stream.of(
                Arguments.of("shell: {command: []}", "shell.command must be a non-empty list (the argument vector, no shell), got a list; write e.g. [/bin/sh, -c, \"pg_dump mydb | gzip > /backup/db.gz\"] to use a shell"),
                Arguments.of("shell: {command: \"rm -rf /tmp/x\"}", "shell.command must be a non-empty list (the argument vector, no shell), got the text \"rm -rf /tmp/x\"; write e.g. [/bin/sh, -c, \"pg_dump mydb | gzip > /backup/db.gz\"] to use a shell"),
                Arguments.of("shell: {command: [date], env: {LEASECRON_JOB: x}}", "shell.env \"LEASECRON_JOB\" is set by leasecron on every fire; remove it from the spec"),
                Arguments.of("shell: {command: [date], env: {\"A-B\": x}}", "shell.env \"A-B\" is not a valid variable name; use letters, digits and '_'"),
                Arguments.of("shell: {command: [date], workingDir: tmp}", "shell.workingDir \"tmp\" must be an absolute path"),
                Arguments.of("shell: {command: [date], cwd: /tmp}", "unknown field \"shell.cwd\"; known fields are command, env, workingDir"),
                Arguments.of("shell: {command: [date], env: {T: {secret: x}}}", "shell.env \"T\" is a mapping but not valueFrom.secretKeyRef; write {valueFrom: {secretKeyRef: {name: my-secret, key: token}}}"),
                Arguments.of("shell: {command: [date], env: {T: {valueFrom: {secretKeyRef: {name: x}}}}}", "shell.env \"T\".valueFrom.secretKeyRef needs both name and key; write {valueFrom: {secretKeyRef: {name: my-secret, key: token}}}"),
                Arguments.of("shell: {command: [date], env: {T: {valueFrom: {secretKeyRef: {name: My_Secret, key: k}}}}}", "shell.env \"T\".valueFrom.secretKeyRef.name \"My_Secret\" is not a valid Secret name; use lower-case letters, digits, '-' and '.'"),
                Arguments.of("kubernetesJob: {template: {spec: {template: {spec: {containers: []}}}}}", "kubernetesJob.template.spec.template.spec.containers is missing or empty; write kubernetesJob: {template: {spec: {template: {spec: {containers: [{name: main, image: busybox}], restartPolicy: Never}}}}}, the shape of a CronJob's jobTemplate"),
                Arguments.of("kubernetesJob: {template: {spec: {template: {spec: {containers: [{name: main}]}}}}}", "kubernetesJob.template.spec.template.spec.containers: every container needs a name and an image"),
                Arguments.of("kubernetesJob: {template: {spec: {template: {spec: {restartPolicy: Always, containers: [{name: m, image: i}]}}}}}", "kubernetesJob.template.spec.template.spec.restartPolicy \"Always\" is not allowed for a Job; use Never or OnFailure"),
                Arguments.of("kubernetesJob: {template: {metadata: {name: fixed}, spec: {template: {spec: {containers: [{name: m, image: i}]}}}}}", "kubernetesJob.template.metadata.name is set by leasecron (one name per slot); remove it"),
                Arguments.of("kubernetesJob: {failedJobsHistoryLimit: -1, template: {spec: {template: {spec: {containers: [{name: m, image: i}]}}}}}", "kubernetesJob.failedJobsHistoryLimit must be a whole number from 0 to 100, got the number -1"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidActions")
    void an_invalid_action_is_rejected_with_the_field_and_the_fix(String action, String message) {
        InvalidJobSpecException e = assertThrows(InvalidJobSpecException.class,
                () -> JobSpecParser.parse(ID, "schedule: \"@every 1m\"\n" + action + "\n", SHELL));
        assertEquals("reports/cleanup: " + message, e.getMessage());
    }
}
