package io.leasecron.job;

import java.util.Objects;

/**
 * {@code valueFrom: {secretKeyRef: {name, key}}}: a value that lives in a Kubernetes Secret (in local mode, a Secret
 * manifest in the jobs folder). Specs hold the reference only; the value is read when a fire needs it and goes
 * nowhere but into that fire's request or process: never into logs, the API, Events or run history.
 */
public record SecretRef(String name, String key) {
    public SecretRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
        return "secret " + name + " key " + key;
    }
}
