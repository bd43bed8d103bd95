{{/*
Names, labels and the table of services. Every template ranges over "deltastream.services"
so that ports, probes and data-flow peers are written down once.
*/}}

{{- define "deltastream.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "deltastream.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "deltastream.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select one component's pods: (dict "root" $ "component" "feed"). */}}
{{- define "deltastream.selectorLabels" -}}
app.kubernetes.io/name: {{ include "deltastream.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Every label of one component's objects: (dict "root" $ "component" "feed"). */}}
{{- define "deltastream.labels" -}}
helm.sh/chart: {{ include "deltastream.chart" .root }}
{{ include "deltastream.selectorLabels" . }}
app.kubernetes.io/part-of: deltastream
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The services of the platform. For each: the Python module the container runs, its ports (the
first one is its API), how its health is probed, where its metrics are served, and which peers
it calls (the NetworkPolicies are derived from `calls`). Every API checks tokens: it calls auth
for the key set and Redis for revocations and rate limits. The operator is listed apart
("deltastream.operator").
*/}}
{{- define "deltastream.services" -}}
feed:
  module: deltastream.feed
  ports: [{name: metrics, port: 9100}]
  probe: {kind: http, port: metrics, path: /metrics}
  metrics: {port: metrics, path: /metrics}
  calls: [redis]
  clients: false
enricher:
  module: deltastream.enricher
  ports: [{name: metrics, port: 9100}]
  probe: {kind: http, port: metrics, path: /metrics}
  metrics: {port: metrics, path: /metrics}
  calls: [redis, mongo]
  clients: false
marketdata:
  module: deltastream.marketdata
  ports: [{name: grpc, port: 50051}, {name: metrics, port: 9100}]
  probe: {kind: grpc, port: 50051}
  metrics: {port: metrics, path: /metrics}
  calls: [redis, mongo, auth]
  clients: true
analytics:
  module: deltastream.analytics
  ports: [{name: grpc, port: 50054}, {name: metrics, port: 9100}]
  probe: {kind: grpc, port: 50054}
  metrics: {port: metrics, path: /metrics}
  calls: [redis, mongo, auth]
  clients: true
gateway:
  module: deltastream.gateway
  ports: [{name: http, port: 8000}]
  probe: {kind: http, port: http, path: /healthz}
  metrics: {port: http, path: /metrics}
  calls: [redis, marketdata, analytics, auth, alerts]
  clients: true
auth:
  module: deltastream.auth
  ports: [{name: grpc, port: 50052}, {name: metrics, port: 9100}]
  probe: {kind: grpc, port: 50052}
  metrics: {port: metrics, path: /metrics}
  calls: [mongo, redis]
  clients: true
alerts:
  module: deltastream.alerts
  ports: [{name: grpc, port: 50053}, {name: metrics, port: 9100}]
  probe: {kind: grpc, port: 50053}
  metrics: {port: metrics, path: /metrics}
  calls: [redis, mongo, auth]
  clients: true
  # Its evaluator must run in exactly one process: never two pods, even during a rollout.
  singleton: true
{{- end }}

{{- define "deltastream.operator" -}}
module: deltastream_operator
ports: [{name: metrics, port: 9100}, {name: health, port: 8080}]
probe: {kind: http, port: health, path: /healthz}
metrics: {port: metrics, path: /metrics}
{{- end }}

{{/* The services whose `enabled` is true, as a YAML map (use with fromYaml). */}}
{{- define "deltastream.enabledServices" -}}
{{- $enabled := dict }}
{{- range $name, $spec := include "deltastream.services" . | fromYaml }}
{{- if (index $.Values $name).enabled }}
{{- $_ := set $enabled $name $spec }}
{{- end }}
{{- end }}
{{- toYaml $enabled }}
{{- end }}

{{/* Every workload that gets a Service, a PDB and a ServiceMonitor, operator included. */}}
{{- define "deltastream.workloads" -}}
{{- $workloads := include "deltastream.enabledServices" . | fromYaml }}
{{- if .Values.operator.enabled }}
{{- $_ := set $workloads "operator" (include "deltastream.operator" . | fromYaml) }}
{{- end }}
{{- toYaml $workloads }}
{{- end }}

{{- define "deltastream.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "deltastream.redisURL" -}}
{{- if .Values.redis.inCluster.enabled }}
{{- printf "redis://%s-redis:6379/0" (include "deltastream.fullname" .) }}
{{- else }}
{{- .Values.redis.url }}
{{- end }}
{{- end }}

{{/* Connection settings of the peers a service calls: (dict "root" $ "calls" list). */}}
{{- define "deltastream.connectionEnv" -}}
{{- $root := .root }}
{{- if has "redis" .calls }}
- name: DELTASTREAM_REDIS_URL
{{- if and $root.Values.redis.urlSecret.name (not $root.Values.redis.inCluster.enabled) }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.redis.urlSecret.name }}
      key: {{ $root.Values.redis.urlSecret.key }}
{{- else }}
  value: {{ include "deltastream.redisURL" $root | quote }}
{{- end }}
{{- end }}
{{- if has "mongo" .calls }}
- name: DELTASTREAM_MONGO_URI
{{- if $root.Values.mongo.inCluster.enabled }}
  value: {{ printf "mongodb://%s-mongo:27017/?directConnection=true" (include "deltastream.fullname" $root) | quote }}
{{- else }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.mongo.uriSecret.name }}
      key: {{ $root.Values.mongo.uriSecret.key }}
{{- end }}
- name: DELTASTREAM_MONGO_DB
  value: {{ $root.Values.mongo.database | quote }}
{{- end }}
{{- $services := include "deltastream.services" $root | fromYaml }}
{{- range $peer := .calls }}
{{- if hasKey $services $peer }}
{{- $port := (first (index $services $peer).ports).port }}
- name: {{ printf "DELTASTREAM_%s_TARGET" (upper $peer) }}
  value: {{ printf "%s-%s:%v" (include "deltastream.fullname" $root) $peer $port | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Telemetry settings of one component: (dict "root" $ "component" "feed"). */}}
{{- define "deltastream.telemetryEnv" -}}
{{- $root := .root }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: DELTASTREAM_METRICS_PORT
  value: "9100"
- name: OTEL_SERVICE_NAME
  value: {{ .component | quote }}
{{- $attributes := list "service.namespace=deltastream" (printf "deployment.environment.name=%s" $root.Values.environment) (printf "k8s.namespace.name=%s" $root.Release.Namespace) "k8s.pod.name=$(POD_NAME)" }}
{{- range $key, $value := $root.Values.otel.resourceAttributes }}
{{- $attributes = append $attributes (printf "%s=%s" $key (toString $value)) }}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ join "," $attributes | quote }}
{{- with $root.Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{/* Probes from a service's probe spec: (dict "probe" spec). */}}
{{- define "deltastream.probeAction" -}}
{{- if eq .probe.kind "grpc" }}
grpc:
  port: {{ .probe.port }}
{{- else }}
httpGet:
  path: {{ .probe.path }}
  port: {{ .probe.port }}
{{- end }}
{{- end }}

{{- define "deltastream.probes" -}}
startupProbe:
  {{- include "deltastream.probeAction" . | trim | nindent 2 }}
  periodSeconds: 5
  failureThreshold: 24
readinessProbe:
  {{- include "deltastream.probeAction" . | trim | nindent 2 }}
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 3
livenessProbe:
  {{- include "deltastream.probeAction" . | trim | nindent 2 }}
  periodSeconds: 20
  timeoutSeconds: 5
  failureThreshold: 3
{{- end }}

{{/* The DNS egress rule every pod of the release needs. */}}
{{- define "deltastream.dnsEgress" -}}
- to:
    {{- toYaml .Values.networkPolicy.dns | nindent 4 }}
  ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
{{- end }}

{{/*
What the operator does in a namespace it serves: (dict "peerings" "kopfpeerings") or
"clusterkopfpeerings" for the cluster-wide kind. The same rules as k8s/operator/rbac.yaml.
*/}}
{{- define "deltastream.operatorRules" -}}
# The resources it reconciles: watched, finalizers and Kopf's annotations, and their status.
- apiGroups: [deltastream.io]
  resources: [markethoursscalers]
  verbs: [list, watch, patch]
- apiGroups: [deltastream.io]
  resources: [markethoursscalers/status]
  verbs: [patch]
# What it moves: an HPA's bounds, or a workload's replicas through its scale subresource.
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [get, patch]
- apiGroups: [apps]
  resources: [deployments/scale, statefulsets/scale]
  verbs: [get, patch]
# Kubernetes Events about each transition and failure.
- apiGroups: [""]
  resources: [events]
  verbs: [create]
# Peering between its replicas (the operator creates the object if it is missing).
- apiGroups: [kopf.dev]
  resources: [{{ .peerings }}]
  verbs: [list, watch, patch, create]
{{- end }}
