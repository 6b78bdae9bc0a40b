package io.leasecron.housekeeping;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.EventSourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.leasecron.engine.Clock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Warning Events about this replica itself (a skewed clock), on its Pod ({@code POD_NAME} in {@code POD_NAMESPACE}):
 * the fact belongs to the replica, not to a job or to the Lease. With the Pod's uid ({@code POD_UID}, which the chart
 * sets from the Downward API) {@code kubectl describe pod} lists them; without it they are still found with
 * {@code kubectl get events --field-selector involvedObject.kind=Pod,involvedObject.name=<pod>}. The Event's name is
 * derived from the pod and the reported fact's key, so reporting the same fact twice makes one Event (the second
 * create is refused as a duplicate). Needs only {@code create} on events in the service's namespace, which the
 * chart's Role there grants whichever namespaces jobs are read from.
 */
public final class PodEvents implements ClockCheck.Reporter {
    private static final Logger LOG = Logger.getLogger(PodEvents.class);

    private final KubernetesClient client;
    private final String namespace;
    private final String pod;
    private final Optional<String> podUid;
    private final Clock clock;

    public PodEvents(KubernetesClient client, String namespace, String pod, Optional<String> podUid, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.pod = pod;
        this.podUid = podUid.filter(u -> !u.isBlank());
        this.clock = clock;
    }

    @Override
    public void clockSkew(String message, String key) {
        warn("ClockSkew", message, key);
    }

    /** Creates one Warning Event on the Pod; a failure is logged, never thrown (the log has the same information). */
    void warn(String reason, String message, String key) {
        String at = clock.now().truncatedTo(ChronoUnit.SECONDS).toString();
        var ref = new ObjectReferenceBuilder().withApiVersion("v1").withKind("Pod").withNamespace(namespace).withName(pod);
        podUid.ifPresent(ref::withUid);
        var event = new EventBuilder().withNewMetadata().withName(name(pod, reason, key)).withNamespace(namespace).endMetadata()
                .withInvolvedObject(ref.build()).withReason(reason).withMessage(message).withType("Warning")
                .withFirstTimestamp(at).withLastTimestamp(at).withCount(1)
                .withSource(new EventSourceBuilder().withComponent("leasecron").withHost(pod).build())
                .withReportingComponent("leasecron").withReportingInstance(pod).build();
        try {
            client.v1().events().inNamespace(namespace).resource(event).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                LOG.warnf("could not create the %s Event on pod %s (HTTP %d: %s); the log line above has the same information", reason,
                        pod, e.getCode(), e.getMessage());
            }
        }
    }

    static String name(String pod, String reason, String key) {
        String base = pod.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
        base = base.length() > 200 ? base.substring(0, 200) : base;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest((reason + "\n" + key).getBytes(StandardCharsets.UTF_8));
            return base + "." + reason.toLowerCase(Locale.ROOT) + "." + HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
