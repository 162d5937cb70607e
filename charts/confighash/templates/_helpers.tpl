{{/* The app name: app.kubernetes.io/name and the base of every object name. */}}
{{- define "confighash.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of the controller's objects: confighash for a release named confighash. */}}
{{- define "confighash.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := include "confighash.name" . }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Labels on every object: the kustomize base's (name, part-of) and Helm's own (chart,
instance, version, managed-by). The template-vs-kustomize test ignores only Helm's own.
*/}}
{{- define "confighash.labels" -}}
app.kubernetes.io/name: {{ include "confighash.name" . }}
app.kubernetes.io/part-of: confighash
{{ include "confighash.helmLabels" . }}
{{- end }}

{{- define "confighash.helmLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The controller's pods. No instance label, as in the kustomize base: one release per
namespace, and a Deployment's selector can never change after install.
*/}}
{{- define "confighash.selectorLabels" -}}
app.kubernetes.io/name: {{ include "confighash.name" . }}
app.kubernetes.io/component: controller
{{- end }}

{{- define "confighash.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Kinds the namespaced-object templates must leave without a namespace. */}}
{{- define "confighash.clusterScopedKinds" -}}
{{- list "Namespace" "CustomResourceDefinition" "ClusterRole" "ClusterRoleBinding" "MutatingWebhookConfiguration" "ValidatingWebhookConfiguration" "ValidatingAdmissionPolicy" "ValidatingAdmissionPolicyBinding" "MutatingAdmissionPolicy" "MutatingAdmissionPolicyBinding" "PriorityClass" "StorageClass" | toJson }}
{{- end }}

{{/* The watched namespaces of a namespaced scope: watch.namespaces, or the release's own. */}}
{{- define "confighash.watchedNamespaces" -}}
{{- if .Values.watch.namespaces }}{{ toJson .Values.watch.namespaces }}{{ else }}{{ list (include "confighash.namespace" .) | toJson }}{{ end }}
{{- end }}

{{/*
What the controller needs in every namespace it watches: the rules of the kustomize base's
ClusterRole (files/controller-rules.yaml, copied by `npm run generate`), plus list, watch and
patch on each of workloadKinds.
*/}}
{{- define "confighash.watchRules" -}}
{{- $rules := (.Files.Get "files/controller-rules.yaml" | fromYaml).rules }}
{{- range .Values.workloadKinds }}
{{- $group := "" }}
{{- if contains "/" .apiVersion }}{{ $group = first (splitList "/" .apiVersion) }}{{ end }}
{{- $rules = append $rules (dict "apiGroups" (list $group) "resources" (list .resource) "verbs" (list "list" "watch" "patch")) }}
{{- end }}
{{- toYaml $rules }}
{{- end }}

{{/* Render-time checks of values the schema cannot express. */}}
{{- define "confighash.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail (printf "replicaCount is %d but leaderElection.enabled is false: replicas without leader election would each roll every workload. Set leaderElection.enabled=true, or replicaCount=1." (int .Values.replicaCount)) }}
{{- end }}
{{- if and .Values.watch.allNamespaces .Values.watch.namespaces }}
{{- fail "watch.allNamespaces is true and watch.namespaces is set: choose one. Set watch.allNamespaces=false to watch only watch.namespaces." }}
{{- end }}
{{- if and .Values.namespace.create (eq (include "confighash.namespace" .) .Release.Namespace) }}
{{- fail (printf "namespace.create is true and the controller's namespace %s is the release namespace, which must exist before Helm stores the release in it. Install the release into another namespace (helm install confighash charts/confighash, into default), or set namespace.create=false." .Release.Namespace) }}
{{- end }}
{{- if and .Values.webhook.certManager.enabled (not .Values.webhook.enabled) }}
{{- fail "webhook.certManager.enabled needs webhook.enabled=true." }}
{{- end }}
{{- end }}

{{/* workloadKinds as --workload-kind values, one GROUP/VERSION/KIND[=POINTER] a line. */}}
{{- define "confighash.workloadKindLines" -}}
{{- range .Values.workloadKinds }}
{{ .apiVersion }}/{{ .kind }}{{ with .templatePointer }}={{ . }}{{ end }}
{{- end }}
{{- end }}

{{/* Labels for the objects copied from the kustomize base: theirs, plus part-of and Helm's. */}}
{{- define "confighash.copiedLabels" -}}
app.kubernetes.io/part-of: confighash
{{ include "confighash.helmLabels" . }}
{{- end }}

{{/*
The controller's namespace: namespace.name (confighash-system, as in the kustomize base),
or the release namespace when that is empty.
*/}}
{{- define "confighash.namespace" -}}
{{- default .Release.Namespace .Values.namespace.name }}
{{- end }}
