package io.leasecron.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.leasecron.testing.Jobs;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobViewsTest {

    @Test
    void a_kubernetes_job_template_is_shown_with_every_text_value_redacted_and_its_structure_kept() throws Exception {
        var spec = Jobs.spec("reports/export", """
                schedule: "@every 1h"
                kubernetesJob:
                  template:
                    metadata:
                      annotations: {source: "https://deploy:hunter2@git.example/repo"}
                    spec:
                      backoffLimit: 2
                      template:
                        spec:
                          restartPolicy: Never
                          containers:
                          - name: main
                            image: busybox
                            command: [sh, -c, "curl -f https://admin:hunter2@db.example/x"]
                            args: ["--url=https://h.example/p?token=abc123&page=2"]
                            env:
                            - {name: DB, value: "postgres://app:s3cret@db:5432/app"}
                            - {name: MODE, value: full}
                """);
        @SuppressWarnings("unchecked")
        Map<String, Object> job = (Map<String, Object>) JobViews.spec(spec).get("kubernetesJob");
        assertEquals("{\"metadata\":{\"annotations\":{\"source\":\"https://***@git.example/repo\"}},"
                + "\"spec\":{\"backoffLimit\":2,\"template\":{\"spec\":{\"containers\":[{\"args\":[\"--url=https://h.example/p?token=***&page=2\"],"
                + "\"command\":[\"sh\",\"-c\",\"curl -f https://***@db.example/x\"],"
                + "\"env\":[{\"name\":\"DB\",\"value\":\"postgres://***@db:5432/app\"},{\"name\":\"MODE\",\"value\":\"full\"}],"
                + "\"image\":\"busybox\",\"name\":\"main\"}],\"restartPolicy\":\"Never\"}}}}",
                new ObjectMapper().writeValueAsString(job.get("template")));
    }
}
