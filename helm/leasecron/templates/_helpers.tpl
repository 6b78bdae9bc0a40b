{{/* The chart's name, or nameOverride. */}}
{{- define "leasecron.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of every object: the release name, prefixed by the chart's name when it does not contain it. */}}
{{- define "leasecron.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "leasecron.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "leasecron.labels" -}}
helm.sh/chart: {{ include "leasecron.chart" . }}
{{ include "leasecron.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The labels that select the replicas: never change them in an upgrade (a Deployment's selector is immutable). */}}
{{- define "leasecron.selectorLabels" -}}
app.kubernetes.io/name: {{ include "leasecron.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "leasecron.serviceAccountName" -}}
{{- default (include "leasecron.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{- define "leasecron.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
A duration value as the service reads it (500ms, 2s, 1h30m, PT2S), or a failed render naming the value.
Call with (list "lease.duration" .Values.lease.duration).
*/}}
{{- define "leasecron.duration" -}}
{{- $name := index . 0 }}
{{- $value := toString (index . 1) }}
{{- if not (regexMatch "^(([0-9]+([.][0-9]+)?(ms|s|m|h|d))+|P([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+([.][0-9]+)?S)?)?)$" $value) }}
{{- fail (printf "%s: %q is not a duration; write it like 500ms, 2s, 5m, 1h30m or PT2S" $name $value) }}
{{- end }}
{{- $value }}
{{- end }}

{{/* The rules that span several values: checked by every template that depends on them. */}}
{{- define "leasecron.checks" -}}
{{- $names := .Values.jobNamespaces.names }}
{{- if and (has "*" $names) (gt (len $names) 1) }}
{{- fail (printf "jobNamespaces.names %v: \"*\" means every namespace and stands alone; set either [\"*\"] or a list of namespaces" $names) }}
{{- end }}
{{- if and .Values.jobNamespaces.selector (not (has "*" $names)) }}
{{- fail (printf "jobNamespaces.selector %q chooses among all namespaces; set jobNamespaces.names to [\"*\"] with it" .Values.jobNamespaces.selector) }}
{{- end }}
{{- range $names }}
{{- if and (ne . "*") (or (gt (len .) 63) (not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" .))) }}
{{- fail (printf "jobNamespaces.names: %q is not a namespace name; use lowercase letters, digits and '-', starting and ending with a letter or digit (at most 63)" .) }}
{{- end }}
{{- end }}
{{- if and .Values.jobs $names (not (has "*" $names)) (not (has .Release.Namespace $names)) }}
{{- fail (printf "jobs: the chart creates its job ConfigMaps in the release namespace %s, which jobNamespaces.names %v does not list; add it, or the service never reads them" .Release.Namespace $names) }}
{{- end }}
{{- $grace := int .Values.engine.shutdownGraceSeconds }}
{{- $termination := int .Values.terminationGracePeriodSeconds }}
{{- if lt $termination (add $grace 5) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be at least engine.shutdownGraceSeconds (%d) + 5: on SIGTERM a replica lets running fires finish for up to the shutdown grace, then releases the Lease and exits; killed before that, it leaves the Lease held until it expires" $termination $grace) }}
{{- end }}
{{- end }}

{{/*
A name the API server accepts for a ConfigMap or a Secret (a DNS subdomain), or a failed render saying where it is
used. Call with (list "jobs" "Billing").
*/}}
{{- define "leasecron.objectName" -}}
{{- $where := index . 0 }}
{{- $name := toString (index . 1) }}
{{- if or (gt (len $name) 253) (not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" $name)) }}
{{- fail (printf "%s: %q is not a valid object name; use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253)" $where $name) }}
{{- end }}
{{- $name }}
{{- end }}

{{/* The rules of the jobs' namespaces (docs/rbac.md): their ConfigMaps, Events, and what enabled actions need. */}}
{{- define "leasecron.jobRules" -}}
{{ include "leasecron.jobConfigMapRules" . }}
# InvalidJobSpec, UncertainSlot and JobFailing Events on the job ConfigMaps.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- with include "leasecron.jobObjectRules" . | trim }}
{{ . }}
{{- end }}
{{- end }}

{{- define "leasecron.jobConfigMapRules" -}}
# The job ConfigMaps (label leasecron.io/jobs=true).
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["list", "watch"]
{{- end }}

{{- define "leasecron.jobObjectRules" -}}
{{- range .Values.secrets.names }}
{{- $_ := include "leasecron.objectName" (list "secrets.names" .) }}
{{- end }}
{{- with .Values.secrets.names }}
# valueFrom.secretKeyRef in jobs (secrets.names): these Secrets only.
- apiGroups: [""]
  resources: ["secrets"]
  resourceNames: {{ toJson . }}
  verbs: ["get"]
{{- end }}
{{- if .Values.kubernetesJob.enabled }}
# kubernetesJob actions (kubernetesJob.enabled): one Job per slot, followed to completion, history cleaned up.
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["create", "list", "watch", "delete"]
{{- end }}
{{- end }}
