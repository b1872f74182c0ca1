{{/* Names, labels, the image, and what every Herald container shares: env, volumes, security. */}}

{{- define "herald.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "herald.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component (api, worker, migrations, temporal-setup): call with (list . "api"). */}}
{{- define "herald.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "herald.image" -}}
{{ printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) | quote }}
{{- end -}}

{{- define "herald.temporalTls" -}}
{{- or .Values.temporal.tls.enabled .Values.temporal.tls.secretName .Values.temporal.apiKey.secretName -}}
{{- end -}}

{{/* The environment of every Herald container (settings.py names each variable). */}}
{{- define "herald.env" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: HERALD_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
- name: HERALD_PUBLIC_URL
  value: {{ .Values.publicUrl | quote }}
{{- if not (kindIs "invalid" .Values.worker.maxCachedWorkflows) }}
- name: HERALD_WORKER_MAX_CACHED_WORKFLOWS
  value: {{ .Values.worker.maxCachedWorkflows | quote }}
{{- end }}
- name: HERALD_WORKER_SHUTDOWN_SECONDS
  value: {{ .Values.worker.shutdownSeconds | quote }}
{{- with .Values.worker.metricsPort }}
- name: HERALD_WORKER_METRICS_PORT
  value: {{ . | quote }}
{{- end }}
{{- with .Values.temporalUiUrl }}
- name: HERALD_TEMPORAL_UI_URL
  value: {{ . | quote }}
{{- end }}
{{- if include "herald.temporalTls" . }}
- name: TEMPORAL_TLS
  value: "true"
{{- end }}
{{- with .Values.temporal.tls.secretName }}
{{- with $.Values.temporal.tls.certKey }}
- name: TEMPORAL_TLS_CERT
  value: {{ printf "/etc/temporal-tls/%s" . | quote }}
{{- end }}
{{- with $.Values.temporal.tls.keyKey }}
- name: TEMPORAL_TLS_KEY
  value: {{ printf "/etc/temporal-tls/%s" . | quote }}
{{- end }}
{{- with $.Values.temporal.tls.caKey }}
- name: TEMPORAL_TLS_CA
  value: {{ printf "/etc/temporal-tls/%s" . | quote }}
{{- end }}
{{- end }}
{{- with .Values.temporal.apiKey.secretName }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef: {name: {{ . | quote }}, key: {{ $.Values.temporal.apiKey.secretKey | quote }}}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* One Herald container's image, configuration and security; the caller adds name, args, probes, resources. */}}
{{- define "herald.container" -}}
image: {{ include "herald.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
envFrom:
  - secretRef: {name: {{ .Values.existingSecret | quote }}}
env:
  {{- include "herald.env" . | nindent 2 }}
securityContext:
  {{- toYaml .Values.securityContext | nindent 2 }}
volumeMounts:
  - {name: tmp, mountPath: /tmp}
  {{- if .Values.temporal.tls.secretName }}
  - {name: temporal-tls, mountPath: /etc/temporal-tls, readOnly: true}
  {{- end }}
{{- end -}}

{{/* The pod-level part every Herald pod shares. */}}
{{- define "herald.podSpec" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - {name: tmp, emptyDir: {}}
  {{- with .Values.temporal.tls.secretName }}
  - {name: temporal-tls, secret: {secretName: {{ . | quote }}}}
  {{- end }}
{{- end -}}
