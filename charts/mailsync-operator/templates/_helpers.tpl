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

{{/*
An object name: the full name plus a suffix ("metrics", "manager", ...), at most 63 characters
(a DNS label, as Services need). The suffix is added first and the full name shortened to make
room; a shortened name gets 8 characters of a hash of the whole name, so two long release names
with the same beginning still get different names.
  include "mailsync.suffixedName" (list . "metrics")
*/}}
{{- define "mailsync.suffixedName" -}}
{{- $ctx := index . 0 }}
{{- $suffix := index . 1 }}
{{- $full := include "mailsync.fullname" $ctx }}
{{- $name := $full }}
{{- if $suffix }}{{ $name = printf "%s-%s" $full $suffix }}{{ end }}
{{- if le (len $name) 63 }}
{{- $name }}
{{- else }}
{{- $hash := sha256sum $name | trunc 8 }}
{{- $room := sub 63 (add (len $suffix) 10) | int }}
{{- printf "%s-%s-%s" ($full | trunc $room | trimSuffix "-") $hash $suffix }}
{{- end }}
{{- end }}

{{- define "mailsync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mailsync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* labels of every object; the caller adds app.kubernetes.io/component */}}
{{- define "mailsync.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "mailsync.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: mailsync-operator
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* the labels of every object plus its component: include "mailsync.componentLabels" (list . "controller") */}}
{{- define "mailsync.componentLabels" -}}
{{ include "mailsync.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "mailsync.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mailsync.fullname" .) .Values.serviceAccount.name }}
{{- else if .Values.serviceAccount.name }}
{{- .Values.serviceAccount.name }}
{{- else }}
{{- fail "serviceAccount.create=false needs serviceAccount.name: the ServiceAccount the controller runs as (it must exist; the chart never falls back to the namespace's default ServiceAccount)" }}
{{- end }}
{{- end }}

{{/* the metrics' job label (the ServiceMonitor's jobLabel), which the alerts select */}}
{{- define "mailsync.metricsJob" -}}
{{- default (include "mailsync.fullname" .) .Values.metrics.job }}
{{- end }}

{{/* registry/repository: global.imageRegistry wins over image.registry; none: the repository as written */}}
{{- define "mailsync.imageRepository" -}}
{{- $registry := default .Values.image.registry ((.Values.global).imageRegistry) }}
{{- if $registry }}
{{- printf "%s/%s" (trimSuffix "/" $registry) .Values.image.repository }}
{{- else }}
{{- .Values.image.repository }}
{{- end }}
{{- end }}

{{/* registry/repository:tag, or registry/repository@digest when a digest is given */}}
{{- define "mailsync.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" (include "mailsync.imageRepository" .) .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" (include "mailsync.imageRepository" .) (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "mailsync.workerImage" -}}
{{- default (include "mailsync.image" .) .Values.workerImage }}
{{- end }}

{{/*
The names of the image pull secrets, as a JSON list: imagePullSecrets then global.imagePullSecrets
(objects {name: x} or plain names), without duplicates. The controller pod and the worker Jobs get them.
*/}}
{{- define "mailsync.pullSecretNames" -}}
{{- $names := list }}
{{- range concat (.Values.imagePullSecrets | default list) ((.Values.global).imagePullSecrets | default list) }}
{{- if kindIs "map" . }}{{ $names = append $names .name }}{{ else }}{{ $names = append $names . }}{{ end }}
{{- end }}
{{- $names | uniq | toJson }}
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
# Exactly the verbs the controller calls (src/controller, src/kube; test/chart/chart.test.ts lists them):
# informers list and watch; status and other writes are merge patches; nothing uses update or a
# single-object get where not listed.
# the migration controller creates, patches and deletes the child MailSyncs of a MailMigration
- apiGroups: [mailsync.io]
  resources: [mailsyncs]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [mailsync.io]
  resources: [mailsyncs/status]
  verbs: [patch]
# Jobs and ConfigMaps carry an ownerReference with blockOwnerDeletion to their MailSync
- apiGroups: [mailsync.io]
  resources: [mailsyncs/finalizers]
  verbs: [update]
- apiGroups: [mailsync.io]
  resources: [mailmigrations]
  verbs: [list, watch]
- apiGroups: [mailsync.io]
  resources: [mailmigrations/status]
  verbs: [patch]
# children carry an ownerReference with blockOwnerDeletion to their MailMigration
- apiGroups: [mailsync.io]
  resources: [mailmigrations/finalizers]
  verbs: [update]
# suspend (patch) before an abort; get: the outcome of a finished run
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, delete]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
# the controller checks that referenced Secrets exist (the worker pods mount them) and reads the
# account file of a MailMigration; it writes only the per-account Secrets it owns (passwords of the
# account file, merge-patched when they change), labelled mailsync.io/migration and
# garbage-collected with their MailMigration (list and watch: the migration controller's cache)
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create, patch, delete]
# the engine's delta state between runs lives in a ConfigMap owned by the MailSync (deleted by
# the garbage collector with it)
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, create, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end }}

{{/*
Values for the repository's local test cluster only (ci/local-cluster-values.yaml): pods on the node's
network. Refused unless testMode is set as well, which also starts the controller in test mode
(MAILSYNC_TEST_MODE=1: it refuses --worker-host-network otherwise).
*/}}
{{- define "mailsync.testOnly" -}}
{{- if and (or .Values.hostNetwork .Values.workerHostNetwork) (not .Values.testMode) }}
{{- fail "hostNetwork and workerHostNetwork are for the repository's local test cluster only (pods on the node's network): they need testMode=true (ci/local-cluster-values.yaml sets it); never in production" }}
{{- end }}
{{- end }}
