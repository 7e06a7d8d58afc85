{{/* Names, labels and the few computed values shared by the templates. */}}

{{- define "mailsync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mailsync.fullname" -}}
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

{{- define "mailsync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mailsync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mailsync.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "mailsync.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mailsync-operator
{{- end }}

{{- define "mailsync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mailsync.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag, or repository@digest when a digest is given */}}
{{- define "mailsync.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "mailsync.workerImage" -}}
{{- default (include "mailsync.image" .) .Values.workerImage }}
{{- end }}

{{/*
The namespaces the controller watches, as a JSON list ("[]" = all namespaces).
namespace scope without a list watches the release namespace only.
*/}}
{{- define "mailsync.watchNamespaces" -}}
{{- if eq .Values.rbac.scope "cluster" }}
{{- if .Values.watchNamespaces }}
{{- fail "rbac.scope=cluster watches every namespace: leave watchNamespaces empty, or set rbac.scope=namespace to limit the operator (and its Secret access) to watchNamespaces" }}
{{- end }}
{{- list | toJson }}
{{- else }}
{{- default (list .Release.Namespace) .Values.watchNamespaces | uniq | toJson }}
{{- end }}
{{- end }}

{{/* true when a Prometheus Operator kind should be rendered: "auto" asks the cluster */}}
{{- define "mailsync.monitoringEnabled" -}}
{{- $enabled := index . 0 }}
{{- $ctx := index . 1 }}
{{- if eq (toString $enabled) "auto" }}
{{- $ctx.Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}
{{- else }}
{{- $enabled }}
{{- end }}
{{- end }}

{{/* the rules of the manager role, shared by the ClusterRole and the per-namespace Roles */}}
{{- define "mailsync.managerRules" -}}
# the migration controller creates, updates and deletes the child MailSyncs of a MailMigration
- apiGroups: [mailsync.io]
  resources: [mailsyncs]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [mailsync.io]
  resources: [mailsyncs/status]
  verbs: [get, update, patch]
- apiGroups: [mailsync.io]
  resources: [mailsyncs/finalizers]
  verbs: [update]
- apiGroups: [mailsync.io]
  resources: [mailmigrations]
  verbs: [get, list, watch]
- apiGroups: [mailsync.io]
  resources: [mailmigrations/status]
  verbs: [get, update, patch]
# children carry an ownerReference with blockOwnerDeletion to their MailMigration
- apiGroups: [mailsync.io]
  resources: [mailmigrations/finalizers]
  verbs: [update]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, delete, patch, update]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, delete]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
# the controller checks that referenced Secrets exist (the worker pods mount them) and reads the
# account file of a MailMigration; it writes only the per-account Secrets it owns (passwords of the
# account file), labelled mailsync.io/migration and garbage-collected with their MailMigration
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create, update, delete]
# the engine's delta state between runs lives in a ConfigMap owned by the MailSync
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end }}
