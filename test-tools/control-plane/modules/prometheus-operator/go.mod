// Wrapper module used only to fetch the prometheus-operator CRD manifests at a pinned version
// (the ServiceMonitor and PrometheusRule CRDs the Helm chart's objects are validated against).
module leasecron.test/control-plane/prometheus-operator

go 1.24.0

require github.com/prometheus-operator/prometheus-operator v0.85.0
