{{- define "herald.env" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: HERALD_PUBLIC_URL
  value: {{ .Values.publicUrl | quote }}
- name: HERALD_TEMPORAL_UI_URL
  value: {{ .Values.temporalUiUrl | quote }}
{{- if .Values.temporal.tlsSecret }}
- name: TEMPORAL_TLS_CERT
  value: /etc/temporal-tls/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/temporal-tls/tls.key
{{- end }}
{{- end -}}
