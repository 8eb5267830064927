{{/* Names and labels. */}}
{{- define "vitrine.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vitrine.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: web, worker, beat, migrate, pgbouncer. */}}
{{- define "vitrine.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "vitrine.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The environment of every application pod: plain settings, then every key of the existing Secret. */}}
{{- define "vitrine.env" -}}
- name: BASE_DOMAIN
  value: {{ required "baseDomain is required" .Values.baseDomain | quote }}
- name: DJANGO_SETTINGS_MODULE
  value: vitrine.config.django.production
{{- range $name, $value := .Values.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{- define "vitrine.envFrom" -}}
- secretRef:
    name: {{ required "existingSecret is required: the chart creates no Secret" .Values.existingSecret }}
{{- end -}}

{{- define "vitrine.podSpecCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
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
{{- end -}}

{{/* /tmp (Prometheus files, beat's schedule, temporary uploads) on a read-only root file system; uploads' claim if any. */}}
{{- define "vitrine.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if .Values.media.existingClaim }}
- name: media
  persistentVolumeClaim:
    claimName: {{ .Values.media.existingClaim }}
{{- end }}
{{- end -}}

{{- define "vitrine.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.media.existingClaim }}
- name: media
  mountPath: /app/var/media
{{- end }}
{{- end -}}
