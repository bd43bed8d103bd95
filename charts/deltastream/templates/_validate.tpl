{{/*
Checks across several values that values.schema.json cannot express; each fails the install
with the key to change.
*/}}
{{- define "deltastream.validate" -}}
{{- $autoscaling := .Values.enricher.autoscaling }}
{{- if and $autoscaling.enabled (gt (int $autoscaling.minReplicas) (int $autoscaling.maxReplicas)) }}
{{- fail (printf "enricher.autoscaling.minReplicas (%v) must not exceed enricher.autoscaling.maxReplicas (%v)" $autoscaling.minReplicas $autoscaling.maxReplicas) }}
{{- end }}
{{- if not (or .Values.redis.inCluster.enabled .Values.redis.url .Values.redis.urlSecret.name) }}
{{- fail "redis: set redis.url or redis.urlSecret.name (or redis.inCluster.enabled=true for development)" }}
{{- end }}
{{- if not (or .Values.mongo.inCluster.enabled .Values.mongo.uriSecret.name) }}
{{- fail "mongo: set mongo.uriSecret.name to the Secret holding the connection string (or mongo.inCluster.enabled=true for development)" }}
{{- end }}
{{- if and .Values.auth.enabled (not .Values.auth.privateKeySecret.name) }}
{{- fail "auth: set auth.privateKeySecret.name to the Secret holding the token signing key" }}
{{- end }}
{{- if and .Values.auth.bootstrapAdmin.user (not .Values.auth.bootstrapAdmin.passwordSecret.name) }}
{{- fail "auth.bootstrapAdmin.user needs auth.bootstrapAdmin.passwordSecret.name, the Secret holding its password" }}
{{- end }}
{{- if and .Values.operator.scaler.enabled (not (and .Values.enricher.enabled $autoscaling.enabled)) }}
{{- fail "operator.scaler.enabled needs the enricher's HPA (enricher.enabled and enricher.autoscaling.enabled): the scaler moves its bounds" }}
{{- end }}
{{- end }}
